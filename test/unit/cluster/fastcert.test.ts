import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { createHash, createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fastSelfSignedCA } from '../../../cluster/fastcert.js';

function openssl(args: string[]): { status: number | null; out: string } {
  const res = spawnSync('openssl', args, { encoding: 'utf8' });
  if (res.error) throw res.error;
  return { status: res.status, out: `${res.stdout}${res.stderr}` };
}

/** Whole seconds: X.509 times carry no fractions. */
const seconds = (d: Date): number => Math.floor(d.getTime() / 1000);

describe('cluster/fastcert', function () {
  let dir: string;

  before(function () {
    dir = mkdtempSync(join(tmpdir(), 'fastcert-'));
  });

  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds a CA certificate that Node parses and verifies', function () {
    const notBefore = new Date('2024-03-04T05:06:07.890Z');
    const notAfter = new Date('2034-03-04T05:06:07.123Z');
    const { certPem, keyPem } = fastSelfSignedCA({ cn: 'fast root', notBefore, notAfter, serial: 0x80n });
    const x509 = new X509Certificate(certPem);

    expect(x509.ca).to.equal(true);
    expect(x509.subject).to.equal('CN=fast root');
    expect(x509.issuer).to.equal('CN=fast root');
    expect(x509.serialNumber.replace(/^0+/, '')).to.equal('80');
    expect(seconds(new Date(x509.validFrom))).to.equal(seconds(notBefore));
    expect(seconds(new Date(x509.validTo))).to.equal(seconds(notAfter));
    expect(x509.verify(x509.publicKey)).to.equal(true);
    expect(x509.checkPrivateKey(createPrivateKey(keyPem))).to.equal(true);
    expect(x509.publicKey.asymmetricKeyType).to.equal('ec');
    expect(x509.publicKey.asymmetricKeyDetails?.namedCurve).to.equal('prime256v1');
  });

  it('uses the defaults: one minute ago to thirty days ahead, random serial, fresh key', function () {
    const before = Date.now();
    const a = fastSelfSignedCA({ cn: 'defaults' });
    const b = fastSelfSignedCA({ cn: 'defaults' });
    const after = Date.now();
    const x = new X509Certificate(a.certPem);
    const y = new X509Certificate(b.certPem);

    const from = new Date(x.validFrom).getTime();
    const to = new Date(x.validTo).getTime();
    expect(from).to.be.within(Math.floor((before - 60_000) / 1000) * 1000, after - 60_000);
    expect(to).to.be.within(Math.floor((before + 30 * 86_400_000) / 1000) * 1000, after + 30 * 86_400_000);
    expect(x.serialNumber).to.not.equal(y.serialNumber);
    expect(a.keyPem).to.not.equal(b.keyPem);
    expect(x.checkPrivateKey(createPrivateKey(b.keyPem))).to.equal(false);
  });

  it('satisfies openssl x509 -text and openssl verify', function () {
    const { certPem } = fastSelfSignedCA({ cn: 'openssl-checked' });
    const certFile = join(dir, 'cert.pem');
    writeFileSync(certFile, certPem);

    const text = openssl(['x509', '-in', certFile, '-noout', '-text']);
    expect(text.status, text.out).to.equal(0);
    expect(text.out).to.include('Version: 3 (0x2)');
    expect(text.out).to.include('ecdsa-with-SHA256');
    expect(text.out).to.include('Subject: CN = openssl-checked');
    expect(text.out).to.match(/X509v3 Basic Constraints: critical\s+CA:TRUE/);
    expect(text.out).to.match(/X509v3 Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/);
    expect(text.out).to.include('X509v3 Subject Key Identifier');

    const verify = openssl(['verify', '-CAfile', certFile, certFile]);
    expect(verify.status, verify.out).to.equal(0);
    expect(verify.out).to.include(`${certFile}: OK`);
  });

  it('puts the SHA-1 of the public key bits in the subject key identifier', function () {
    const { certPem } = fastSelfSignedCA({ cn: 'ski' });
    const x509 = new X509Certificate(certPem);
    // Uncompressed P-256 point: the last 65 bytes of the SPKI.
    const point = x509.publicKey.export({ type: 'spki', format: 'der' }).subarray(-65);
    expect(point[0]).to.equal(0x04);
    const expected = createHash('sha1').update(point).digest('hex').toUpperCase().replace(/(..)(?!$)/g, '$1:');
    const certFile = join(dir, 'ski.pem');
    writeFileSync(certFile, certPem);
    const text = openssl(['x509', '-in', certFile, '-noout', '-ext', 'subjectKeyIdentifier']);
    expect(text.status, text.out).to.equal(0);
    expect(text.out).to.include(expected);
  });

  it('encodes dates from 2050 on as GeneralizedTime', function () {
    const notBefore = new Date('2049-12-31T23:59:59Z'); // still UTCTime
    const notAfter = new Date('2051-06-15T12:34:56Z');
    const { certPem } = fastSelfSignedCA({ cn: 'far future', notBefore, notAfter });
    const x509 = new X509Certificate(certPem);
    expect(seconds(new Date(x509.validFrom))).to.equal(seconds(notBefore));
    expect(seconds(new Date(x509.validTo))).to.equal(seconds(notAfter));

    const der = x509.raw;
    expect(der.includes(Buffer.from('\x17\x0d491231235959Z', 'latin1'))).to.equal(true);
    expect(der.includes(Buffer.from('\x18\x0f20510615123456Z', 'latin1'))).to.equal(true);

    const certFile = join(dir, 'future.pem');
    writeFileSync(certFile, certPem);
    const text = openssl(['x509', '-in', certFile, '-noout', '-enddate']);
    expect(text.out).to.include('notAfter=Jun 15 12:34:56 2051 GMT');
  });

  it('encodes serials minimally, with a leading zero when the high bit is set', function () {
    const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    for (const [serial, hex] of [[1n, '01'], [0x7fn, '7F'], [0xffn, '00FF'], [0x1234n, '1234'], [2n ** 127n, '0080000000000000000000000000000000']] as const) {
      const x509 = new X509Certificate(fastSelfSignedCA({ cn: 's', key, serial }).certPem);
      expect(x509.raw.includes(Buffer.from(`02${(hex.length / 2).toString(16).padStart(2, '0')}${hex}`, 'hex'))).to.equal(true);
      expect(BigInt(`0x${x509.serialNumber}`)).to.equal(serial);
    }
    expect(() => fastSelfSignedCA({ cn: 's', key, serial: 0n })).to.throw(RangeError);
    expect(() => fastSelfSignedCA({ cn: 's', key, serial: -5n })).to.throw(RangeError);
  });

  it('handles non-ASCII common names and long names (long-form DER lengths)', function () {
    const cn = `Zürich ✓ ${'x'.repeat(300)}`;
    const { certPem } = fastSelfSignedCA({ cn });
    const x509 = new X509Certificate(certPem);
    expect(x509.subject).to.equal(`CN=${cn}`);
    expect(x509.verify(x509.publicKey)).to.equal(true);
  });

  it('rejects keys that are not private P-256 keys and inverted validity', function () {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    expect(() => fastSelfSignedCA({ cn: 'x', key: p384.privateKey })).to.throw(TypeError);
    const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    expect(() => fastSelfSignedCA({ cn: 'x', key: p256.publicKey })).to.throw(TypeError);
    const now = new Date();
    expect(() => fastSelfSignedCA({ cn: 'x', key: p256.privateKey, notBefore: now, notAfter: now })).to.throw(RangeError);
  });

  it('makes 1,000 distinct certificates with one shared key quickly', function () {
    this.timeout(60_000);
    const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    const start = process.hrtime.bigint();
    const cas = Array.from({ length: 1000 }, (_, i) => fastSelfSignedCA({ cn: `ca-${i}`, key }));
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    console.log(`      1,000 certificates in ${ms.toFixed(0)} ms`);

    const fingerprints = new Set<string>();
    const keyPem = cas[0]!.keyPem;
    for (const [i, ca] of cas.entries()) {
      const x509 = new X509Certificate(ca.certPem);
      expect(x509.subject).to.equal(`CN=ca-${i}`);
      expect(ca.keyPem).to.equal(keyPem);
      fingerprints.add(x509.fingerprint256);
    }
    expect(fingerprints.size).to.equal(1000);
    const last = new X509Certificate(cas[999]!.certPem);
    expect(last.verify(last.publicKey)).to.equal(true);
  });
});
