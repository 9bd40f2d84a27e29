// Keys and signatures that modern TLS stacks refuse or distrust (issue 12 §4).
// skupper-router runs OpenSSL 3 at security level 2 or higher on current
// distributions: RSA and DSA below 2048 bits are refused ("key too small"),
// and so is an MD5 or SHA-1 signature anywhere in a chain except on a
// self-signed trust anchor, whose self-signature nobody relies on. Curves
// other than P-256/P-384/P-521 and DSA keys are outside what the CA/Browser
// Forum allows and what Go's crypto/tls and most clients accept, so a chain
// using them breaks somewhere even where OpenSSL would load it. Ed25519 and
// Ed448 are left alone: they are strong, only not yet universal.
import type { KeyObject } from 'node:crypto';
import type { ParsedCertificate } from './certificate.js';

export interface Weakness {
  kind: 'key' | 'signature';
  /** What is weak and what is expected; names algorithms and sizes only. */
  message: string;
}

export const MIN_RSA_BITS = 2048;
const STRONG_CURVES = new Map([
  ['prime256v1', 'P-256'],
  ['secp384r1', 'P-384'],
  ['secp521r1', 'P-521'],
]);

const RSA_PSS = '1.2.840.113549.1.1.10';
// Signature algorithms by OID; the hash is what makes them weak.
const WEAK_SIGNATURES = new Map([
  ['1.2.840.113549.1.1.2', 'MD2 with RSA'],
  ['1.2.840.113549.1.1.3', 'MD4 with RSA'],
  ['1.2.840.113549.1.1.4', 'MD5 with RSA'],
  ['1.2.840.113549.1.1.5', 'SHA-1 with RSA'],
  ['1.3.14.3.2.29', 'SHA-1 with RSA'],
  ['1.2.840.10045.4.1', 'ECDSA with SHA-1'],
  ['1.2.840.10040.4.3', 'DSA with SHA-1'],
  ['2.16.840.1.101.3.4.3.1', 'DSA with SHA-224'],
  ['2.16.840.1.101.3.4.3.2', 'DSA with SHA-256'],
]);
const WEAK_HASHES = new Map([
  ['1.3.14.3.2.26', 'SHA-1'],
  ['1.2.840.113549.2.5', 'MD5'],
]);

// Parsed certificates live in the parse cache across reconciles; the verdict
// is computed once per certificate, not once per bundle build.
const verdicts = new WeakMap<ParsedCertificate, Weakness[]>();

/** Why `cert` would be refused or distrusted by a modern TLS stack; empty when it would not. */
export function weaknesses(cert: ParsedCertificate): Weakness[] {
  let found = verdicts.get(cert);
  if (!found) {
    found = [];
    const key = keyWeakness(cert);
    if (key !== undefined) found.push({ kind: 'key', message: key });
    const signature = signatureWeakness(cert);
    if (signature !== undefined) found.push({ kind: 'signature', message: signature });
    verdicts.set(cert, found);
  }
  return found;
}

function keyWeakness(cert: ParsedCertificate): string | undefined {
  let key: KeyObject;
  try {
    key = cert.x509.publicKey;
  } catch {
    // Node (and so OpenSSL) cannot load it, e.g. explicit curve parameters.
    return 'public key of a type or with parameters that TLS stacks do not load';
  }
  const details = key.asymmetricKeyDetails;
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss': {
      const bits = details?.modulusLength;
      return bits !== undefined && bits >= MIN_RSA_BITS ? undefined : `RSA key of ${bits ?? 'unknown'} bits (at least ${MIN_RSA_BITS} are needed)`;
    }
    case 'dsa':
      return 'DSA key (TLS 1.3 and current clients do not accept DSA; use ECDSA P-256 or RSA 2048+)';
    case 'ec': {
      const curve = details?.namedCurve;
      if (curve !== undefined && STRONG_CURVES.has(curve)) return undefined;
      return `EC key on curve ${curve ?? 'with explicit parameters'} (only P-256, P-384 and P-521 are widely accepted)`;
    }
    default:
      return undefined;
  }
}

function signatureWeakness(cert: ParsedCertificate): string | undefined {
  const alg = signatureAlgorithm(cert.der);
  if (alg === undefined) return undefined;
  let name = WEAK_SIGNATURES.get(alg.oid);
  if (alg.oid === RSA_PSS) {
    const hash = pssHash(cert.der, alg.params);
    name = hash === undefined ? undefined : `RSA-PSS with ${hash}`;
  }
  if (name === undefined) return undefined;
  // Only the signature a peer relies on matters; a root's self-signature is never checked.
  if (selfSigned(cert)) return undefined;
  return `signed with ${name} (use SHA-256 or stronger)`;
}

function selfSigned(cert: ParsedCertificate): boolean {
  try {
    return cert.x509.checkIssued(cert.x509) && cert.x509.verify(cert.x509.publicKey);
  } catch {
    return false;
  }
}

interface Tlv {
  tag: number;
  start: number;
  end: number;
}

// A few DER headers, never a loop over the certificate's contents: the
// certificate already parsed, so only the fixed-position fields are read.
function readTlv(der: Buffer, offset: number, limit: number): Tlv | undefined {
  const tag = der[offset];
  const first = der[offset + 1];
  if (tag === undefined || first === undefined) return undefined;
  let start = offset + 2;
  let len = first;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) return undefined;
    len = 0;
    for (let i = 0; i < count; i++) {
      const b = der[start + i];
      if (b === undefined) return undefined;
      len = len * 256 + b;
    }
    start += count;
  }
  const end = start + len;
  return end <= limit ? { tag, start, end } : undefined;
}

/** tbsCertificate.signature: the OID, and the parameters' TLV when present. */
function signatureAlgorithm(der: Buffer): { oid: string; params?: Tlv } | undefined {
  const cert = readTlv(der, 0, der.length);
  if (cert?.tag !== 0x30) return undefined;
  const tbs = readTlv(der, cert.start, cert.end);
  if (tbs?.tag !== 0x30) return undefined;
  let field = readTlv(der, tbs.start, tbs.end);
  if (field?.tag === 0xa0) field = readTlv(der, field.end, tbs.end); // [0] version
  if (field?.tag !== 0x02) return undefined; // serialNumber
  const alg = readTlv(der, field.end, tbs.end);
  if (alg?.tag !== 0x30) return undefined;
  const oid = readTlv(der, alg.start, alg.end);
  if (oid?.tag !== 0x06) return undefined;
  const text = oidText(der.subarray(oid.start, oid.end));
  if (text === undefined) return undefined;
  const params = oid.end < alg.end ? readTlv(der, oid.end, alg.end) : undefined;
  return params ? { oid: text, params } : { oid: text };
}

/** The weak hash of RSASSA-PSS parameters (RFC 4055: absent hashAlgorithm means SHA-1), or undefined. */
function pssHash(der: Buffer, params: Tlv | undefined): string | undefined {
  // Without a parameter SEQUENCE the certificate does not verify at all: not this check's business.
  if (params?.tag !== 0x30) return undefined;
  const first = params.start < params.end ? readTlv(der, params.start, params.end) : undefined;
  if (first?.tag !== 0xa0) return 'SHA-1'; // DER omits a default, so this is how SHA-1 is written
  const hashAlg = readTlv(der, first.start, first.end);
  if (hashAlg?.tag !== 0x30) return undefined;
  const oid = readTlv(der, hashAlg.start, hashAlg.end);
  if (oid?.tag !== 0x06) return undefined;
  const text = oidText(der.subarray(oid.start, oid.end));
  return text === undefined ? undefined : WEAK_HASHES.get(text);
}

const MAX_OID_BYTES = 32;

function oidText(bytes: Buffer): string | undefined {
  // The OIDs compared against are short; a longer one is simply not one of them.
  if (bytes.length === 0 || bytes.length > MAX_OID_BYTES) return undefined;
  const arcs: number[] = [];
  let value = 0;
  for (const b of bytes) {
    value = value * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      arcs.push(value);
      value = 0;
    }
  }
  const [first] = arcs;
  if (first === undefined) return undefined;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...arcs.slice(1)].join('.');
}
