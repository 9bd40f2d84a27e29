import { expect } from 'chai';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { toPem } from '../../../src/pki/pem.js';
import { coversHost, normalizeIp, parseCertificates, parseSubjectAltName, type ParsedCertificate } from '../../../src/pki/x509.js';
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

describe('parseSubjectAltName', function () {
  it('reads plain, value-quoted and entry-quoted forms', function () {
    const text = 'DNS:a, DNS:"b\\u002c DNS:c", "DNS:d\\u002c e", IP Address:10.0.0.1, email:x@y';
    expect(parseSubjectAltName(text)).to.deep.equal([
      { type: 'DNS', value: 'a' },
      { type: 'DNS', value: 'b, DNS:c' },
      { type: 'DNS', value: 'd, e' },
      { type: 'IP Address', value: '10.0.0.1' },
      { type: 'email', value: 'x@y' },
    ]);
  });

  it('drops an entry whose quoting is broken rather than guessing', function () {
    expect(parseSubjectAltName('DNS:a, DNS:"b, DNS:c')).to.deep.equal([{ type: 'DNS', value: 'a' }]);
    expect(parseSubjectAltName(undefined)).to.deep.equal([]);
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
