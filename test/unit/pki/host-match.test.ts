import { expect } from 'chai';
import type { ParsedCertificate } from '../../../src/pki/certificate.js';
import { parseCertificates } from '../../../src/pki/certificate-scan.js';
import { coversHost } from '../../../src/pki/host-match.js';
import { normalizeIp } from '../../../src/host/normalize.js';
import { makeCA, makeLeaf, type Issued } from '../../../cluster/certgen.js';

function only(pem: string): ParsedCertificate {
  const { certificates, problems } = parseCertificates(pem);
  expect(problems).to.deep.equal([]);
  expect(certificates).to.have.length(1);
  return certificates[0]!;
}

describe('coversHost', function () {
  let ca: Issued;
  before(function () {
    ca = makeCA();
  });
  const leafWith = (opts: { cn?: string; dns?: string[]; ips?: string[] }): ParsedCertificate => only(makeLeaf(ca, opts).certPem);

  it('matches DNS SANs exactly, case-insensitively and ignoring a trailing dot', function () {
    const cert = leafWith({ dns: ['Backend.East'] });
    expect(coversHost(cert, 'backend.east')).to.be.true;
    expect(coversHost(cert, 'BACKEND.EAST.')).to.be.true;
    expect(coversHost(cert, 'backend')).to.be.false;
    expect(coversHost(cert, 'backend.east.svc')).to.be.false;
    expect(coversHost(cert, '')).to.be.false;
  });

  it('lets a leftmost "*" label match exactly one label', function () {
    const cert = leafWith({ dns: ['*.east.svc', 'b*.west'] });
    expect(coversHost(cert, 'backend.east.svc')).to.be.true;
    expect(coversHost(cert, 'BACKEND.East.Svc')).to.be.true;
    expect(coversHost(cert, 'east.svc')).to.be.false;
    expect(coversHost(cert, 'a.backend.east.svc')).to.be.false;
    expect(coversHost(cert, '.east.svc')).to.be.false;
    // Partial-label wildcards are not honoured.
    expect(coversHost(cert, 'backend.west')).to.be.false;
  });

  it('matches IPv4 hosts against IP SANs only', function () {
    const cert = leafWith({ dns: ['10.0.0.9'], ips: ['10.0.0.1'] });
    expect(coversHost(cert, '10.0.0.1')).to.be.true;
    expect(coversHost(cert, '10.0.0.2')).to.be.false;
    expect(coversHost(cert, '10.0.0.9')).to.be.false;
  });

  it('compares IPv6 addresses in normalized form', function () {
    const short = leafWith({ ips: ['::1'] });
    expect(coversHost(short, '0:0:0:0:0:0:0:1')).to.be.true;
    expect(coversHost(short, '::1')).to.be.true;
    expect(coversHost(short, '[::1]')).to.be.true;
    expect(coversHost(short, '::2')).to.be.false;
    const long = leafWith({ ips: ['0:0:0:0:0:0:0:1', '2001:DB8::A'] });
    expect(coversHost(long, '::1')).to.be.true;
    expect(coversHost(long, '2001:db8:0:0:0:0:0:a')).to.be.true;
    expect(coversHost(long, '2001:db8::b')).to.be.false;
  });

  it('is not fooled by a SAN value that contains ", DNS:"', function () {
    const cert = leafWith({ dns: ['evil.example, DNS:backend'] });
    expect(cert.dnsNames).to.deep.equal(['evil.example, DNS:backend']);
    expect(coversHost(cert, 'backend')).to.be.false;
    expect(coversHost(cert, 'evil.example')).to.be.false;
  });

  it('falls back to the CN only when there is no SAN extension at all', function () {
    const noSan = leafWith({ cn: 'backend' });
    expect(noSan.x509.subjectAltName).to.be.undefined;
    expect(coversHost(noSan, 'backend')).to.be.true;
    expect(coversHost(noSan, 'other')).to.be.false;
    const withSan = leafWith({ cn: 'backend', dns: ['other'] });
    expect(coversHost(withSan, 'backend')).to.be.false;
    expect(coversHost(withSan, 'other')).to.be.true;
  });
});

describe('normalizeIp', function () {
  const cases: [string, string][] = [
    ['10.0.0.1', '10.0.0.1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['::', '::'],
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    // IPv4-mapped is the IPv4 address, as Go's x509 writes it (src/host/normalize.ts).
    ['::ffff:10.0.0.1', '10.0.0.1'],
  ];
  for (const [input, want] of cases) {
    it(`${input} → ${want}`, function () {
      expect(normalizeIp(input)).to.equal(want);
    });
  }
  for (const bad of ['backend', '10.0.0.256', '010.0.0.1', '10.0.0', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '::1%eth0', '12345::1']) {
    it(`rejects ${bad}`, function () {
      expect(normalizeIp(bad)).to.be.undefined;
    });
  }
});
