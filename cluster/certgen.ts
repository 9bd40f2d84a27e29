// Real certificates for unit tests, made with the openssl CLI. `openssl ca` is
// used for every signature because OpenSSL 3.0 (Debian 12) has no
// -not_before/-not_after on `x509 -req`, and expired or not-yet-valid
// certificates need explicit dates; `ca -startdate/-enddate` works on 3.0 and later.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openssl as runOpenssl } from './pki.js';

export interface Issued {
  certPem: string;
  keyPem: string;
}

export type KeyType = 'ec' | 'rsa' | 'ed25519';

interface Validity {
  /** Reuse this PKCS#8 key instead of generating one (re-issued or cross-signed certificates). */
  keyPem?: string;
  /** Lifetime from now when no explicit dates are given; default 30. */
  days?: number;
  notBefore?: Date;
  notAfter?: Date;
}

export interface CaOptions extends Validity {
  cn?: string;
  keyType?: KeyType;
  /** Signs an intermediate with this CA; self-signed when absent. */
  issuer?: Issued;
}

export interface LeafOptions extends Validity {
  cn?: string;
  /** Full subject in openssl -subj form, e.g. "/O=acme"; overrides cn. */
  subject?: string;
  dns?: string[];
  ips?: string[];
  /** Expired yesterday (notBefore ten days ago). */
  expired?: boolean;
  /** Valid from tomorrow. */
  notYetValid?: boolean;
  keyType?: KeyType;
  isCA?: boolean;
  /** keyUsage values, replacing the default for a leaf or a CA. */
  keyUsage?: string[];
}

const DAY_MS = 86_400_000;

/** A self-signed CA, or an intermediate when `issuer` is given. */
export function makeCA(opts: CaOptions = {}): Issued {
  const ext = [
    'basicConstraints = critical, CA:TRUE',
    'keyUsage = critical, keyCertSign, cRLSign, digitalSignature',
    'subjectKeyIdentifier = hash',
    ...(opts.issuer ? ['authorityKeyIdentifier = keyid:always'] : []),
  ];
  return issue({ subject: `/CN=${opts.cn ?? 'test-ca'}`, keyType: opts.keyType ?? 'ec', keyPem: opts.keyPem, ext, issuer: opts.issuer, ...dates(opts) });
}

/** A certificate signed by `issuer`, by default a serving/client leaf. */
export function makeLeaf(issuer: Issued, opts: LeafOptions = {}): Issued {
  const san = [...(opts.dns ?? []).map((d, i) => `DNS.${i + 1} = ${d}`), ...(opts.ips ?? []).map((ip, i) => `IP.${i + 1} = ${ip}`)];
  const ext = [
    opts.isCA ? 'basicConstraints = critical, CA:TRUE' : 'basicConstraints = critical, CA:FALSE',
    `keyUsage = critical, ${(opts.keyUsage ?? (opts.isCA ? ['keyCertSign', 'digitalSignature'] : ['digitalSignature', 'keyEncipherment'])).join(', ')}`,
    'extendedKeyUsage = serverAuth, clientAuth',
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid:always',
    // A section, not an inline list, so a value may itself contain ", ".
    ...(san.length > 0 ? ['subjectAltName = @alt', '[alt]', ...san] : []),
  ];
  const now = Date.now();
  let validity = dates(opts);
  if (opts.expired) validity = { notBefore: new Date(now - 10 * DAY_MS), notAfter: new Date(now - DAY_MS) };
  if (opts.notYetValid) validity = { notBefore: new Date(now + DAY_MS), notAfter: new Date(now + 10 * DAY_MS) };
  return issue({ subject: opts.subject ?? `/CN=${opts.cn ?? 'test-leaf'}`, keyType: opts.keyType ?? 'ec', keyPem: opts.keyPem, ext, issuer, ...validity });
}

/** A fresh private key, PKCS#8 PEM, made by Node (faster than spawning openssl). */
export function makeKey(keyType: KeyType = 'ec'): string {
  const pem = { format: 'pem', type: 'pkcs8' } as const;
  switch (keyType) {
    case 'ec':
      return generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: pem, publicKeyEncoding: { format: 'pem', type: 'spki' } }).privateKey;
    case 'rsa':
      return generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: pem, publicKeyEncoding: { format: 'pem', type: 'spki' } }).privateKey;
    case 'ed25519':
      return generateKeyPairSync('ed25519', { privateKeyEncoding: pem, publicKeyEncoding: { format: 'pem', type: 'spki' } }).privateKey;
  }
}

function dates(v: Validity): { notBefore: Date; notAfter: Date } {
  const notBefore = v.notBefore ?? new Date(Date.now() - 60_000);
  const notAfter = v.notAfter ?? new Date(notBefore.getTime() + (v.days ?? 30) * DAY_MS);
  return { notBefore, notAfter };
}

interface IssueRequest {
  subject: string;
  keyType: KeyType;
  keyPem: string | undefined;
  ext: string[];
  issuer: Issued | undefined;
  notBefore: Date;
  notAfter: Date;
}

function issue(req: IssueRequest): Issued {
  const dir = mkdtempSync(join(tmpdir(), 'certgen-'));
  try {
    const keyPem = req.keyPem ?? makeKey(req.keyType);
    writeFileSync(join(dir, 'leaf.key'), keyPem);
    writeFileSync(join(dir, 'ext.cnf'), `[ext]\n${req.ext.join('\n')}\n`);
    writeFileSync(join(dir, 'index.txt'), '');
    writeFileSync(join(dir, 'ca.cnf'), CA_CONFIG);
    const signer = req.issuer
      ? (() => {
          writeFileSync(join(dir, 'ca.key'), req.issuer.keyPem);
          writeFileSync(join(dir, 'ca.crt'), req.issuer.certPem);
          return ['-cert', 'ca.crt', '-keyfile', 'ca.key'];
        })()
      : ['-selfsign', '-keyfile', 'leaf.key'];
    openssl(dir, ['req', '-new', '-key', 'leaf.key', '-subj', req.subject, '-out', 'leaf.csr']);
    openssl(dir, [
      'ca', '-batch', '-config', 'ca.cnf', '-notext', '-rand_serial', '-preserveDN',
      ...signer,
      '-in', 'leaf.csr', '-out', 'leaf.crt',
      '-startdate', asn1Time(req.notBefore), '-enddate', asn1Time(req.notAfter),
      '-extfile', 'ext.cnf', '-extensions', 'ext',
    ]);
    return { certPem: readFileSync(join(dir, 'leaf.crt'), 'utf8'), keyPem };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The least `openssl ca` accepts: no policy constraints, no name uniqueness,
// and the request's own subject order (with -preserveDN).
const CA_CONFIG = `[ca]
default_ca = testca
[testca]
database = index.txt
new_certs_dir = .
serial = serial.txt
default_md = default
policy = anything
unique_subject = no
email_in_dn = no
[anything]
commonName = optional
organizationName = optional
`;

/** GeneralizedTime, which `openssl ca` accepts for any year. */
function asn1Time(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace(/[-:T]/g, '')}Z`;
}

function openssl(dir: string, args: string[]): void {
  runOpenssl(dir, args, 'test certificates');
}
