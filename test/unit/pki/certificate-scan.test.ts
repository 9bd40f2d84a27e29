import { expect } from 'chai';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { toPem } from '../../../src/pki/pem.js';
import { sharedCertificateCount, type ParsedCertificate } from '../../../src/pki/certificate.js';
import { parseCertificates } from '../../../src/pki/certificate-scan.js';
import { makeCA, makeLeaf, type Issued } from '../../../cluster/certgen.js';

function only(pem: string): ParsedCertificate {
  const { certificates, problems } = parseCertificates(pem);
  expect(problems).to.deep.equal([]);
  expect(certificates).to.have.length(1);
  return certificates[0]!;
}

describe('parseCertificates', function () {
  let ca: Issued;
  let leaf: Issued;
  const notBefore = new Date('2025-03-04T05:06:07Z');
  const notAfter = new Date('2031-08-09T10:11:12Z');

  before(function () {
    ca = makeCA({ cn: 'unit-ca' });
    leaf = makeLeaf(ca, { cn: 'backend', dns: ['backend', 'backend.east.svc'], ips: ['10.1.2.3', '2001:db8:0:0:0:0:0:1'], notBefore, notAfter });
  });

  it('parses every certificate of a bundle, in order, with the fields decisions are made on', function () {
    const { certificates, problems } = parseCertificates(leaf.certPem + ca.certPem);
    expect(problems).to.deep.equal([]);
    expect(certificates.map((c) => c.subject)).to.deep.equal(['CN=backend', 'CN=unit-ca']);
    const [l, c] = certificates as [ParsedCertificate, ParsedCertificate];
    expect(l.issuer).to.equal('CN=unit-ca');
    expect(l.isCA).to.be.false;
    expect(c.isCA).to.be.true;
    expect(l.notBefore.toISOString()).to.equal(notBefore.toISOString());
    expect(l.notAfter.toISOString()).to.equal(notAfter.toISOString());
    expect(l.commonName).to.equal('backend');
    expect(l.dnsNames).to.deep.equal(['backend', 'backend.east.svc']);
    expect(l.ipAddresses).to.deep.equal(['10.1.2.3', '2001:db8::1']);
  });

  it('fingerprints the DER with SHA-256 and normalizes the PEM', function () {
    const cert = only(`\r\n${leaf.certPem.replace(/\n/g, '\r\n')}`);
    const x = new X509Certificate(leaf.certPem);
    expect(cert.fingerprint).to.equal(x.fingerprint256.replace(/:/g, '').toLowerCase());
    expect(cert.fingerprint).to.equal(createHash('sha256').update(x.raw).digest('hex'));
    expect(cert.pem).to.equal(leaf.certPem);
    expect(cert.serialNumber).to.equal(x.serialNumber);
  });

  it('the same certificate in two texts is one object while in use; another certificate is its own', function () {
    // A CA is the ca.crt of every Secret it signed: kept once, however many objects hold it.
    const first = only(ca.certPem);
    const again = parseCertificates(`${leaf.certPem}${ca.certPem.replace(/\n/g, '\r\n')}`).certificates;
    expect(again[1]).to.equal(first);
    expect(again[0]).to.not.equal(first);
    expect(again[0]!.subject).to.equal('CN=backend');
    expect(sharedCertificateCount()).to.be.at.least(2);
  });

  it('reports a private key block by its index and skips it without revealing it', function () {
    const { certificates, problems } = parseCertificates(leaf.certPem + leaf.keyPem + ca.certPem);
    expect(certificates.map((c) => c.commonName)).to.deep.equal(['backend', 'unit-ca']);
    expect(problems).to.deep.equal(['block 2 (private key): not a certificate']);
  });

  it('reports a CERTIFICATE block that is not X.509 and keeps the others', function () {
    const junk = toPem('CERTIFICATE', randomBytes(64));
    const { certificates, problems } = parseCertificates(ca.certPem + junk);
    expect(certificates).to.have.length(1);
    expect(problems).to.have.length(1);
    expect(problems[0]).to.match(/^block 2 \(CERTIFICATE\): not a valid X\.509 certificate/);
  });

  it('passes on the framing problems of the PEM layer', function () {
    const { certificates, problems } = parseCertificates(`hello\n${ca.certPem}`);
    expect(certificates).to.have.length(1);
    expect(problems).to.have.length(1);
    expect(problems[0]).to.include('before block 1');
  });

  it('takes the last CN as the common name and leaves it out when there is none', function () {
    const twoCns = only(makeLeaf(ca, { subject: '/O=acme/CN=outer/CN=inner', dns: ['x'] }).certPem);
    expect(twoCns.commonName).to.equal('inner');
    expect(twoCns.subject).to.equal('O=acme, CN=outer, CN=inner');
    const noCn = only(makeLeaf(ca, { subject: '/O=acme', dns: ['x'] }).certPem);
    expect(noCn.commonName).to.be.undefined;
  });
});
