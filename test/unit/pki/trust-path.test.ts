import { expect } from 'chai';
import type { ParsedCertificate } from '../../../src/pki/certificate.js';
import { parseCertificates } from '../../../src/pki/certificate-scan.js';
import { verifyChainAgainst } from '../../../src/pki/trust-path.js';
import { makeCA, makeLeaf, type Issued } from '../../../cluster/certgen.js';

function certs(pem: string): ParsedCertificate[] {
  return parseCertificates(pem).certificates;
}

describe('verifyChainAgainst', function () {
  let root: Issued;
  let intermediate: Issued;
  let leaf: Issued;
  before(function () {
    root = makeCA({ cn: 'bundle-root' });
    intermediate = makeCA({ cn: 'bundle-intermediate', issuer: root });
    leaf = makeLeaf(intermediate, { cn: 'peer' });
  });

  it('is true when the chain reaches a trusted certificate', function () {
    expect(verifyChainAgainst(certs(leaf.certPem + intermediate.certPem), certs(root.certPem))).to.be.true;
    expect(verifyChainAgainst(certs(leaf.certPem), certs(makeCA({ cn: 'unrelated' }).certPem + intermediate.certPem))).to.be.true;
  });

  it('is false without a path, for an empty chain and for an empty trust set', function () {
    expect(verifyChainAgainst(certs(leaf.certPem), certs(root.certPem))).to.be.false;
    expect(verifyChainAgainst([], certs(root.certPem))).to.be.false;
    expect(verifyChainAgainst(certs(leaf.certPem + intermediate.certPem), [])).to.be.false;
  });
});
