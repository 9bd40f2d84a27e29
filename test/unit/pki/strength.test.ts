import { expect } from 'chai';
import { generateKeyPairSync, type KeyPairKeyObjectResult } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBundle } from '../../../src/pki/bundle.js';
import { weaknesses } from '../../../src/pki/strength.js';
import { verifyServingSecret } from '../../../src/pki/verify.js';
import type { ParsedCertificate } from '../../../src/pki/certificate.js';
import { parseCertificates } from '../../../src/pki/certificate-scan.js';
import { openssl } from '../../../cluster/pki.js';

// Real certificates from the openssl CLI with the weak choices certgen.ts does
// not offer (digest, padding, small or unusual keys).

interface Made {
  certPem: string;
  keyPem: string;
}

type KeySpec = 'ec-p256' | 'ec-p384' | 'ec-p224' | 'ec-brainpool' | 'rsa-1024' | 'rsa-2048' | 'dsa' | 'ed25519';

function key(spec: KeySpec): string {
  const pair = ((): KeyPairKeyObjectResult => {
    switch (spec) {
      case 'ec-p256': return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      case 'ec-p384': return generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
      case 'ec-p224': return generateKeyPairSync('ec', { namedCurve: 'secp224r1' });
      case 'ec-brainpool': return generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' });
      case 'rsa-1024': return generateKeyPairSync('rsa', { modulusLength: 1024 });
      case 'rsa-2048': return generateKeyPairSync('rsa', { modulusLength: 2048 });
      case 'dsa': return generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 });
      case 'ed25519': return generateKeyPairSync('ed25519');
    }
  })();
  return pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

const CA_EXT = ['basicConstraints = critical, CA:TRUE', 'keyUsage = critical, keyCertSign, cRLSign, digitalSignature'];
const LEAF_EXT = ['basicConstraints = critical, CA:FALSE', 'keyUsage = critical, digitalSignature, keyEncipherment', 'subjectAltName = DNS:backend'];

interface MakeOptions {
  cn: string;
  key: KeySpec;
  /** Digest flag for openssl, e.g. "sha1"; ignored for Ed25519. */
  md?: string;
  pss?: boolean;
  ca?: boolean;
  issuer?: Made;
}

function make(opts: MakeOptions): Made {
  const dir = mkdtempSync(join(tmpdir(), 'strength-'));
  try {
    const keyPem = key(opts.key);
    writeFileSync(join(dir, 'k.pem'), keyPem);
    writeFileSync(join(dir, 'ext.cnf'), `[ext]\n${(opts.ca ? CA_EXT : LEAF_EXT).join('\n')}\n`);
    const md = opts.key === 'ed25519' ? [] : [`-${opts.md ?? 'sha256'}`];
    const pss = opts.pss ? ['-sigopt', 'rsa_padding_mode:pss'] : [];
    if (opts.issuer) {
      writeFileSync(join(dir, 'ca.pem'), opts.issuer.certPem);
      writeFileSync(join(dir, 'ca.key'), opts.issuer.keyPem);
      openssl(dir, ['req', '-new', '-key', 'k.pem', '-subj', `/CN=${opts.cn}`, '-out', 'c.csr'], 'test certificates');
      openssl(dir, ['x509', '-req', '-in', 'c.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', '2', '-days', '30', ...md, ...pss,
        '-extfile', 'ext.cnf', '-extensions', 'ext', '-out', 'c.pem'], 'test certificates');
    } else {
      openssl(dir, ['req', '-x509', '-new', '-key', 'k.pem', '-subj', `/CN=${opts.cn}`, '-days', '30', ...md, ...pss,
        '-config', 'ext.cnf', '-extensions', 'ext', '-out', 'c.pem'], 'test certificates');
    }
    return { certPem: readFileSync(join(dir, 'c.pem'), 'utf8'), keyPem };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function parsed(m: Made): ParsedCertificate {
  const { certificates, problems } = parseCertificates(m.certPem);
  expect(problems).to.deep.equal([]);
  return certificates[0]!;
}

function kinds(m: Made): string[] {
  return weaknesses(parsed(m)).map((w) => `${w.kind}: ${w.message}`);
}

describe('weaknesses', function () {
  this.timeout(60_000);
  let strongCA: Made;
  let rsaCA: Made;

  before(function () {
    strongCA = make({ cn: 'strong-ca', key: 'ec-p256', ca: true });
    rsaCA = make({ cn: 'rsa-ca', key: 'rsa-2048', ca: true });
  });

  it('accepts P-256, P-384, RSA 2048 and Ed25519 keys with SHA-256 or better', function () {
    expect(kinds(strongCA)).to.deep.equal([]);
    expect(kinds(rsaCA)).to.deep.equal([]);
    expect(kinds(make({ cn: 'p384', key: 'ec-p384', md: 'sha384', issuer: strongCA }))).to.deep.equal([]);
    expect(kinds(make({ cn: 'ed', key: 'ed25519', issuer: strongCA }))).to.deep.equal([]);
    expect(kinds(make({ cn: 'pss256', key: 'rsa-2048', issuer: rsaCA, pss: true }))).to.deep.equal([]);
  });

  it('reports RSA keys below 2048 bits, DSA keys and curves other than P-256/384/521', function () {
    expect(kinds(make({ cn: 'rsa1024', key: 'rsa-1024', issuer: strongCA }))).to.deep.equal(['key: RSA key of 1024 bits (at least 2048 are needed)']);
    expect(kinds(make({ cn: 'dsa', key: 'dsa', issuer: strongCA }))[0]).to.match(/^key: DSA key/);
    expect(kinds(make({ cn: 'p224', key: 'ec-p224', issuer: strongCA }))).to.deep.equal(['key: EC key on curve secp224r1 (only P-256, P-384 and P-521 are widely accepted)']);
    expect(kinds(make({ cn: 'bp', key: 'ec-brainpool', issuer: strongCA }))[0]).to.match(/^key: EC key on curve brainpoolP256r1/);
  });

  it('reports SHA-1 and MD5 signatures, PSS with its SHA-1 default included', function () {
    expect(kinds(make({ cn: 'sha1-rsa', key: 'ec-p256', md: 'sha1', issuer: rsaCA }))).to.deep.equal(['signature: signed with SHA-1 with RSA (use SHA-256 or stronger)']);
    expect(kinds(make({ cn: 'sha1-ec', key: 'ec-p256', md: 'sha1', issuer: strongCA }))).to.deep.equal(['signature: signed with ECDSA with SHA-1 (use SHA-256 or stronger)']);
    expect(kinds(make({ cn: 'md5', key: 'ec-p256', md: 'md5', issuer: rsaCA }))).to.deep.equal(['signature: signed with MD5 with RSA (use SHA-256 or stronger)']);
    expect(kinds(make({ cn: 'pss-sha1', key: 'ec-p256', md: 'sha1', pss: true, issuer: rsaCA }))).to.deep.equal(['signature: signed with RSA-PSS with SHA-1 (use SHA-256 or stronger)']);
  });

  it('does not hold a self-signed root to its own SHA-1 signature, but does hold its key size', function () {
    expect(kinds(make({ cn: 'old-root', key: 'rsa-2048', md: 'sha1', ca: true }))).to.deep.equal([]);
    expect(kinds(make({ cn: 'small-root', key: 'rsa-1024', md: 'sha1', ca: true }))).to.deep.equal(['key: RSA key of 1024 bits (at least 2048 are needed)']);
  });

  it('computes a verdict once per parsed certificate', function () {
    const c = parsed(strongCA);
    expect(weaknesses(c)).to.equal(weaknesses(c));
  });
});

describe('verification gate: weak keys and signatures', function () {
  this.timeout(60_000);
  let strongCA: Made;
  let rsaCA: Made;
  let weakCA: Made;

  before(function () {
    strongCA = make({ cn: 'strong-ca', key: 'ec-p256', ca: true });
    rsaCA = make({ cn: 'rsa-ca', key: 'rsa-2048', ca: true });
    weakCA = make({ cn: 'weak-ca', key: 'rsa-1024', ca: true });
  });

  function gate(leaf: Made, ca: Made): ReturnType<typeof verifyServingSecret> {
    const r = verifyServingSecret({ tlsCrt: leaf.certPem, tlsKey: leaf.keyPem, caCrt: ca.certPem, hosts: ['backend'], now: new Date() });
    for (const f of r.failures) {
      expect(f.message).not.to.include('-----');
      expect(f.message).not.to.include(leaf.keyPem.split('\n')[1]!.slice(0, 16));
    }
    return r;
  }

  it('passes a strong chain', function () {
    expect(gate(make({ cn: 'ok', key: 'ec-p256', issuer: strongCA }), strongCA).failures).to.deep.equal([]);
  });

  it('fails a leaf with an RSA 1024 key: WeakKey naming tls.crt and the subject', function () {
    const r = gate(make({ cn: 'small', key: 'rsa-1024', issuer: strongCA }), strongCA);
    expect(r.failures.map((f) => f.reason)).to.deep.equal(['WeakKey']);
    expect(r.failures[0]!.message).to.include('tls.crt certificate "CN=small": RSA key of 1024 bits');
  });

  it('fails a SHA-1 signed leaf: WeakSignature', function () {
    const r = gate(make({ cn: 'sha1', key: 'ec-p256', md: 'sha1', issuer: rsaCA }), rsaCA);
    expect(r.failures.map((f) => f.reason)).to.deep.equal(['WeakSignature']);
    expect(r.failures[0]!.message).to.include('tls.crt certificate "CN=sha1": signed with SHA-1 with RSA');
  });

  it('fails a chain to a CA with a weak key: WeakKey naming ca.crt', function () {
    const r = gate(make({ cn: 'leaf', key: 'ec-p256', issuer: weakCA }), weakCA);
    expect(r.failures.map((f) => f.reason)).to.deep.equal(['WeakKey']);
    expect(r.failures[0]!.message).to.include('ca.crt certificate "CN=weak-ca": RSA key of 1024 bits');
  });
});

describe('buildBundle: weak CAs', function () {
  this.timeout(60_000);

  it('drops a weak CA with a reason and keeps the strong ones; all weak leaves the bundle empty', function () {
    const strong = parsed(make({ cn: 'strong-ca', key: 'ec-p256', ca: true }));
    const smallKey = parsed(make({ cn: 'small-ca', key: 'rsa-1024', ca: true }));
    const root = make({ cn: 'rsa-root', key: 'rsa-2048', ca: true });
    const sha1Intermediate = parsed(make({ cn: 'sha1-intermediate', key: 'ec-p256', md: 'sha1', ca: true, issuer: root }));
    const now = new Date();
    const b = buildBundle({ sources: [{ source: 'configmap/cas', certificates: [strong, smallKey, sha1Intermediate, smallKey] }], previous: [smallKey], history: new Map(), now, overlapMs: 3_600_000 });
    expect(b.entries.map((e) => e.certificate.subject)).to.deep.equal(['CN=strong-ca']);
    expect(b.dropped.map((d) => [d.subject, d.reason, d.detail])).to.deep.equal([
      ['CN=small-ca', 'weak', 'RSA key of 1024 bits (at least 2048 are needed)'],
      ['CN=sha1-intermediate', 'weak', 'signed with SHA-1 with RSA (use SHA-256 or stronger)'],
    ]);
    expect([...b.history.keys()]).to.deep.equal([strong.fingerprint]);

    const empty = buildBundle({ sources: [{ source: 'configmap/cas', certificates: [smallKey] }], previous: [], history: new Map(), now, overlapMs: 3_600_000 });
    expect(empty.entries).to.deep.equal([]);
    expect(empty.pem).to.equal('');
    expect(empty.dropped.map((d) => d.reason)).to.deep.equal(['weak']);
  });
});
