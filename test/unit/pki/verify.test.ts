import { expect } from 'chai';
import { createPrivateKey, randomBytes } from 'node:crypto';
import { toPem } from '../../../src/pki/pem.js';
import { VERIFICATION_REASONS, type VerificationReason } from '../../../src/pki/verification-failure.js';
import { verifyServingSecret, type ServingSecretInput, type VerificationResult } from '../../../src/pki/verify.js';
import type { ParsedCertificate } from '../../../src/pki/certificate.js';
import { parseCertificates } from '../../../src/pki/certificate-scan.js';
import { makeCA, makeLeaf, type Issued } from '../../../cluster/certgen.js';

const DAY_MS = 86_400_000;

// Every key a test handed to the gate; afterEach checks no message leaked any of them.
const keysSeen: string[] = [];
const messagesSeen: string[] = [];

function verify(input: Partial<ServingSecretInput>): VerificationResult {
  for (const k of [input.tlsKey, input.tlsCrt, input.caCrt]) {
    if (k?.includes('PRIVATE KEY')) keysSeen.push(k);
  }
  const result = verifyServingSecret({ hosts: [], now: new Date(), ...input });
  messagesSeen.push(...result.failures.map((f) => f.message));
  return result;
}

function reasons(result: VerificationResult): VerificationReason[] {
  return result.failures.map((f) => f.reason);
}

function certs(pem: string): ParsedCertificate[] {
  return parseCertificates(pem).certificates;
}

function secret(leaf: Issued, ...chain: Issued[]): { tlsCrt: string; tlsKey: string } {
  return { tlsCrt: leaf.certPem + chain.map((c) => c.certPem).join(''), tlsKey: leaf.keyPem };
}

// Base64 runs of the key bodies: any 12 consecutive characters in a message would be a leak.
function leaks(message: string, pem: string): boolean {
  const body = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  for (let i = 0; i + 12 <= body.length; i += 1) {
    if (message.includes(body.slice(i, i + 12))) return true;
  }
  return false;
}

describe('verifyServingSecret', function () {
  let root: Issued;
  let intermediate: Issued;
  let leaf: Issued;

  before(function () {
    root = makeCA({ cn: 'root-ca' });
    intermediate = makeCA({ cn: 'intermediate-ca', issuer: root });
    leaf = makeLeaf(intermediate, { cn: 'backend', dns: ['backend', 'backend.east'], ips: ['10.0.0.1', '::1'] });
  });

  after(function () {
    // Runs once over every message produced in this file, the failing paths included.
    expect(messagesSeen.length).to.be.greaterThan(20);
    for (const m of messagesSeen) {
      expect(m).not.to.include('PRIVATE KEY');
      expect(m).not.to.include('-----BEGIN');
      for (const k of keysSeen) expect(leaks(m, k), `message leaks key material: ${m}`).to.be.false;
    }
  });

  describe('accepts', function () {
    it('a leaf with its intermediate, trusted through the root in ca.crt', function () {
      const result = verify({ ...secret(leaf, intermediate), caCrt: root.certPem, hosts: ['backend', 'BACKEND.east', '10.0.0.1', '0:0:0:0:0:0:0:1'] });
      expect(result.failures).to.deep.equal([]);
      expect(result.ok).to.be.true;
      expect(result.leaf?.commonName).to.equal('backend');
      expect(result.chain.map((c) => c.commonName)).to.deep.equal(['backend', 'intermediate-ca']);
      expect(result.caCertificates.map((c) => c.commonName)).to.deep.equal(['root-ca']);
    });

    it('intermediates in any order, with unrelated certificates mixed in', function () {
      const stranger = makeCA({ cn: 'stranger' });
      const result = verify({ tlsCrt: leaf.certPem + stranger.certPem + intermediate.certPem, tlsKey: leaf.keyPem, caCrt: root.certPem });
      expect(result.failures).to.deep.equal([]);
    });

    it('an intermediate found in ca.crt rather than tls.crt', function () {
      expect(verify({ ...secret(leaf), caCrt: root.certPem + intermediate.certPem }).failures).to.deep.equal([]);
      expect(verify({ ...secret(leaf), caCrt: intermediate.certPem }).failures).to.deep.equal([]);
    });

    it('a self-signed leaf that is itself in ca.crt', function () {
      const selfSigned = makeCA({ cn: 'backend' });
      expect(verify({ ...secret(selfSigned), caCrt: selfSigned.certPem }).ok).to.be.true;
    });

    it('stray text around the PEM blocks', function () {
      const result = verify({ tlsCrt: `Bag Attributes\n${leaf.certPem}\n${intermediate.certPem}trailer`, tlsKey: leaf.keyPem, caCrt: `# root\n${root.certPem}` });
      expect(result.failures).to.deep.equal([]);
    });

    it('a certificate on the exact second of its notBefore and of its notAfter', function () {
      const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000 - DAY_MS);
      const notAfter = new Date(notBefore.getTime() + 2 * DAY_MS);
      const l = makeLeaf(root, { notBefore, notAfter });
      expect(verify({ ...secret(l), caCrt: root.certPem, now: notBefore }).ok).to.be.true;
      expect(verify({ ...secret(l), caCrt: root.certPem, now: notAfter }).ok).to.be.true;
      expect(reasons(verify({ ...secret(l), caCrt: root.certPem, now: new Date(notAfter.getTime() + 1000) }))).to.deep.equal(['Expired']);
      expect(reasons(verify({ ...secret(l), caCrt: root.certPem, now: new Date(notBefore.getTime() - 1000) }))).to.deep.equal(['NotYetValid']);
    });

    for (const keyType of ['ec', 'rsa', 'ed25519'] as const) {
      it(`${keyType} keys in PKCS#8 and in their traditional encoding`, function () {
        const l = makeLeaf(root, { keyType, dns: ['backend'] });
        const key = createPrivateKey(l.keyPem);
        const encodings: string[] = [key.export({ type: 'pkcs8', format: 'pem' }).toString()];
        if (keyType === 'rsa') encodings.push(key.export({ type: 'pkcs1', format: 'pem' }).toString());
        if (keyType === 'ec') encodings.push(key.export({ type: 'sec1', format: 'pem' }).toString());
        expect(encodings[1] ?? '').to.match(keyType === 'ed25519' ? /^$/ : /BEGIN (RSA|EC) PRIVATE KEY/);
        for (const tlsKey of encodings) {
          const result = verify({ tlsCrt: l.certPem, tlsKey, caCrt: root.certPem, hosts: ['backend'] });
          expect(result.failures, tlsKey.split('\n')[0]).to.deep.equal([]);
        }
      });
    }
  });

  describe('reports', function () {
    it('MissingCertificate for an absent, empty or blank tls.crt', function () {
      for (const tlsCrt of [undefined, '', ' \n']) {
        const result = verify({ tlsCrt, tlsKey: leaf.keyPem, caCrt: root.certPem });
        expect(reasons(result)).to.deep.equal(['MissingCertificate']);
        expect(result.failures[0]!.message).to.equal('tls.crt is missing or empty');
        expect(result.leaf).to.be.undefined;
      }
    });

    it('InvalidCertificate when tls.crt holds no certificate', function () {
      const garbage = toPem('CERTIFICATE', randomBytes(200));
      const result = verify({ tlsCrt: garbage, tlsKey: leaf.keyPem, caCrt: root.certPem });
      expect(reasons(result)).to.deep.equal(['InvalidCertificate']);
      expect(result.failures[0]!.message).to.match(/^tls\.crt contains no parsable certificate: block 1 \(CERTIFICATE\): not a valid X\.509/);
      expect(reasons(verify({ tlsCrt: 'hello', tlsKey: leaf.keyPem, caCrt: root.certPem }))).to.deep.equal(['InvalidCertificate']);
    });

    it('InvalidCertificate when tls.crt also carries a private key, while still checking the leaf', function () {
      const result = verify({ tlsCrt: leaf.certPem + leaf.keyPem + intermediate.certPem, tlsKey: leaf.keyPem, caCrt: root.certPem, hosts: ['backend'] });
      expect(result.failures).to.deep.equal([{ reason: 'InvalidCertificate', message: 'tls.crt: block 2 (private key): not a certificate' }]);
      expect(result.leaf?.commonName).to.equal('backend');
    });

    it('NotYetValid with the notBefore time', function () {
      const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000 + 2 * DAY_MS);
      const l = makeLeaf(root, { cn: 'early', notBefore, notAfter: new Date(notBefore.getTime() + DAY_MS) });
      const now = new Date();
      const result = verify({ ...secret(l), caCrt: root.certPem, now });
      expect(result.failures).to.deep.equal([
        { reason: 'NotYetValid', message: `certificate "CN=early" is not valid before ${notBefore.toISOString()} (now ${now.toISOString()})` },
      ]);
    });

    it('Expired with the notAfter time, judged at the given "now"', function () {
      const l = makeLeaf(root, { cn: 'old', expired: true });
      const notAfter = certs(l.certPem)[0]!.notAfter;
      expect(notAfter.getTime()).to.be.lessThan(Date.now());
      const result = verify({ ...secret(l), caCrt: root.certPem });
      expect(result.failures).to.deep.equal([{ reason: 'Expired', message: `certificate "CN=old" expired at ${notAfter.toISOString()}` }]);
      expect(verify({ ...secret(l), caCrt: root.certPem, now: new Date(notAfter.getTime() - DAY_MS) }).ok).to.be.true;
    });

    it('MissingKey for an absent or empty tls.key', function () {
      for (const tlsKey of [undefined, '']) {
        const result = verify({ tlsCrt: leaf.certPem + intermediate.certPem, tlsKey, caCrt: root.certPem });
        expect(result.failures).to.deep.equal([{ reason: 'MissingKey', message: 'tls.key is missing or empty' }]);
      }
    });

    it('InvalidKey for a key block that does not decode', function () {
      const broken = toPem('PRIVATE KEY', randomBytes(120));
      keysSeen.push(broken);
      const result = verify({ ...secret(leaf, intermediate), tlsKey: broken, caCrt: root.certPem });
      expect(reasons(result)).to.deep.equal(['InvalidKey']);
      expect(result.failures[0]!.message).to.match(/^tls\.key block 1 \(private key\) is not a valid private key \(/);
    });

    it('InvalidKey when tls.key holds a certificate instead of a key', function () {
      const result = verify({ ...secret(leaf, intermediate), tlsKey: leaf.certPem, caCrt: root.certPem });
      expect(result.failures).to.deep.equal([
        { reason: 'InvalidKey', message: 'tls.key contains no PKCS#1, PKCS#8 or SEC1 private key: block 1 (CERTIFICATE): not a private key' },
      ]);
    });

    it('InvalidKey for text or an unsupported key type', function () {
      const dsa = toPem('DSA PRIVATE KEY', randomBytes(64));
      keysSeen.push(dsa);
      expect(verify({ ...secret(leaf, intermediate), tlsKey: `hello\n${dsa}`, caCrt: root.certPem }).failures).to.deep.equal([
        {
          reason: 'InvalidKey',
          message: 'tls.key contains no PKCS#1, PKCS#8 or SEC1 private key: 5 characters of non-PEM text before block 1; block 1 (DSA private key): unsupported',
        },
      ]);
    });

    it('InvalidKey for an encrypted key, saying so', function () {
      const encrypted = createPrivateKey(leaf.keyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }).toString();
      keysSeen.push(encrypted);
      const result = verify({ ...secret(leaf, intermediate), tlsKey: encrypted, caCrt: root.certPem });
      expect(reasons(result)).to.deep.equal(['InvalidKey']);
      expect(result.failures[0]!.message).to.include('the key is encrypted');
    });

    it('KeyMismatch for the key of another certificate of the same type', function () {
      const other = makeLeaf(intermediate, { cn: 'other' });
      const result = verify({ tlsCrt: leaf.certPem + intermediate.certPem, tlsKey: other.keyPem, caCrt: root.certPem });
      expect(reasons(result)).to.deep.equal(['KeyMismatch']);
      expect(result.failures[0]!.message).to.match(
        /^tls\.key \(ec prime256v1, public key sha256 [0-9a-f]{16}\) does not belong to certificate "CN=backend" \(ec prime256v1, public key sha256 [0-9a-f]{16}\)$/,
      );
    });

    it('KeyMismatch for a key of another algorithm', function () {
      const rsa = makeLeaf(root, { keyType: 'rsa' });
      const ed = makeLeaf(root, { keyType: 'ed25519' });
      const result = verify({ tlsCrt: rsa.certPem, tlsKey: ed.keyPem, caCrt: root.certPem });
      expect(reasons(result)).to.deep.equal(['KeyMismatch']);
      expect(result.failures[0]!.message).to.include('tls.key (ed25519,').and.include('(rsa 2048-bit,');
    });

    it('MissingCA for an absent or empty ca.crt', function () {
      for (const caCrt of [undefined, '', '\n']) {
        expect(verify({ ...secret(leaf, intermediate), caCrt }).failures).to.deep.equal([{ reason: 'MissingCA', message: 'ca.crt is missing or empty' }]);
      }
    });

    it('InvalidCA for a ca.crt without a certificate', function () {
      const result = verify({ ...secret(leaf, intermediate), caCrt: root.keyPem });
      expect(result.failures).to.deep.equal([{ reason: 'InvalidCA', message: 'ca.crt contains no parsable certificate: block 1 (private key): not a certificate' }]);
      expect(result.caCertificates).to.deep.equal([]);
    });

    it('InvalidCA for a broken block next to a good CA, which is still used for the chain', function () {
      const garbage = toPem('CERTIFICATE', randomBytes(100));
      const result = verify({ ...secret(leaf, intermediate), caCrt: root.certPem + garbage });
      expect(reasons(result)).to.deep.equal(['InvalidCA']);
      expect(result.failures[0]!.message).to.match(/^ca\.crt: block 2 \(CERTIFICATE\): not a valid X\.509/);
    });

    it('UntrustedChain for a leaf signed by another CA with the same name', function () {
      const impostor = makeCA({ cn: 'intermediate-ca', issuer: root });
      const forged = makeLeaf(impostor, { cn: 'backend' });
      const result = verify({ ...secret(forged, intermediate), caCrt: root.certPem });
      expect(reasons(result)).to.deep.equal(['UntrustedChain']);
      expect(result.failures[0]!.message).to.equal(
        'certificate "CN=backend" was issued by "CN=intermediate-ca"; a certificate with that subject is present but its key did not sign it (another CA with the same name?); ca.crt holds [CN=root-ca]',
      );
    });

    it('UntrustedChain for a leaf of an unrelated CA', function () {
      const otherRoot = makeCA({ cn: 'other-root' });
      const stranger = makeLeaf(otherRoot, { cn: 'backend' });
      const result = verify({ ...secret(stranger), caCrt: root.certPem });
      expect(result.failures).to.deep.equal([
        {
          reason: 'UntrustedChain',
          message: 'certificate "CN=backend" was issued by "CN=other-root", which is neither in ca.crt nor among the intermediates of tls.crt; ca.crt holds [CN=root-ca]',
        },
      ]);
    });

    it('UntrustedChain when the intermediate is missing from tls.crt and ca.crt', function () {
      const result = verify({ ...secret(leaf), caCrt: root.certPem });
      expect(reasons(result)).to.deep.equal(['UntrustedChain']);
      expect(result.failures[0]!.message).to.include('was issued by "CN=intermediate-ca", which is neither in ca.crt');
    });

    it('UntrustedChain for a self-signed leaf that is not in ca.crt', function () {
      const selfSigned = makeCA({ cn: 'backend' });
      expect(reasons(verify({ ...secret(selfSigned), caCrt: root.certPem }))).to.deep.equal(['UntrustedChain']);
    });

    it('UntrustedChain when the issuer in ca.crt may not sign certificates (keyUsage)', function () {
      const notCa = makeLeaf(root, { cn: 'not-a-ca' });
      const child = makeLeaf(notCa, { cn: 'child' });
      const result = verify({ ...secret(child), caCrt: notCa.certPem });
      expect(reasons(result)).to.deep.equal(['UntrustedChain']);
      expect(result.failures[0]!.message).to.include('which signed it but may not issue certificates');
    });

    it('UntrustedChain when an issuer with keyCertSign lacks basicConstraints CA:TRUE', function () {
      const notCa = makeLeaf(root, { cn: 'signing-leaf', keyUsage: ['keyCertSign', 'digitalSignature'] });
      expect(certs(notCa.certPem)[0]!.isCA).to.be.false;
      const child = makeLeaf(notCa, { cn: 'child' });
      for (const input of [{ ...secret(child), caCrt: notCa.certPem }, { ...secret(child, notCa), caCrt: root.certPem }]) {
        const result = verify(input);
        expect(reasons(result)).to.deep.equal(['UntrustedChain']);
        expect(result.failures[0]!.message).to.include('"CN=signing-leaf", which signed it but may not issue certificates');
      }
    });

    it('UntrustedChain, not a hang, for a loop of cross-signed CAs', function () {
      const a = makeCA({ cn: 'loop-a' });
      const b = makeCA({ cn: 'loop-b', issuer: a });
      const aByB = makeCA({ cn: 'loop-a', issuer: b, keyPem: a.keyPem });
      const l = makeLeaf(a, { cn: 'looped' });
      const unrelated = makeCA({ cn: 'unrelated' });
      const result = verify({ tlsCrt: l.certPem + aByB.certPem + b.certPem, tlsKey: l.keyPem, caCrt: unrelated.certPem });
      expect(reasons(result)).to.deep.equal(['UntrustedChain']);
      // The same bundle is fine once one member of the loop is trusted.
      expect(verify({ tlsCrt: l.certPem + aByB.certPem + b.certPem, tlsKey: l.keyPem, caCrt: b.certPem }).ok).to.be.true;
    });

    it('UntrustedChain for a chain longer than ten certificates', function () {
      this.timeout(20_000);
      const cas: Issued[] = [root];
      for (let i = 1; i <= 11; i++) cas.push(makeCA({ cn: `level-${i}`, issuer: cas[i - 1] }));
      const deep = makeLeaf(cas[11]!, { cn: 'deep' });
      const path = cas.slice(1).reverse();
      const tooDeep = verify({ ...secret(deep, ...path), caCrt: root.certPem });
      expect(tooDeep.failures).to.deep.equal([
        { reason: 'UntrustedChain', message: 'no path from certificate "CN=deep" to ca.crt within 10 certificates' },
      ]);
      // Trusting one level lower makes the path short enough.
      expect(verify({ ...secret(deep, ...path), caCrt: cas[1]!.certPem }).ok).to.be.true;
    });

    it('HostNotCovered once per uncovered host, listing the SANs', function () {
      const l = makeLeaf(root, { dns: ['backend', 'backend.east'] });
      const result = verify({ ...secret(l), caCrt: root.certPem, hosts: ['backend', 'other', '10.0.0.1'] });
      expect(result.failures).to.deep.equal([
        { reason: 'HostNotCovered', message: 'SANs [backend, backend.east] do not cover host "other"' },
        { reason: 'HostNotCovered', message: 'SANs [backend, backend.east] do not cover host "10.0.0.1"' },
      ]);
    });

    it('HostNotCovered naming the CN when there is no SAN extension', function () {
      const l = makeLeaf(root, { cn: 'backend' });
      expect(verify({ ...secret(l), caCrt: root.certPem, hosts: ['backend'] }).ok).to.be.true;
      expect(verify({ ...secret(l), caCrt: root.certPem, hosts: ['other'] }).failures).to.deep.equal([
        { reason: 'HostNotCovered', message: 'certificate has no subjectAltName, and its CN "backend" does not cover host "other"' },
      ]);
    });

    it('every failure at once, in the documented order', function () {
      const otherRoot = makeCA({ cn: 'other-root' });
      const old = makeLeaf(otherRoot, { cn: 'old', dns: ['old'], expired: true });
      const result = verify({ tlsCrt: old.certPem + root.keyPem, tlsKey: leaf.keyPem, caCrt: `${root.certPem}${toPem('CERTIFICATE', randomBytes(10))}`, hosts: ['backend'] });
      expect(reasons(result)).to.deep.equal(['InvalidCertificate', 'Expired', 'KeyMismatch', 'InvalidCA', 'UntrustedChain', 'HostNotCovered']);
      const order = reasons(result).map((r) => VERIFICATION_REASONS.indexOf(r));
      expect(order).to.deep.equal([...order].sort((x, y) => x - y));
      expect(result.ok).to.be.false;
    });
  });
});
