// The verification gate (SPEC §4.4): a Secret is wired into a Listener or
// Connector, or rolled, only when everything a TLS peer will check holds.
// Every failure is collected, not just the first, so one Event tells the
// operator everything to fix. Messages name certificates by subject and keys
// by type and public-key hash; key material and PEM text never appear.
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { describeLabel, scanPem } from './pem.js';
import type { ParseResult } from './parse-cache.js';
import { weaknesses } from './strength.js';
import { coversHost, scanCertificates, type ParsedCertificate } from './x509.js';

/** All reasons, in the order failures are reported; also the values of the metric label. */
export const VERIFICATION_REASONS = [
  'MissingCertificate',
  'InvalidCertificate',
  'NotYetValid',
  'Expired',
  'MissingKey',
  'InvalidKey',
  'KeyMismatch',
  'MissingCA',
  'InvalidCA',
  'UntrustedChain',
  'HostNotCovered',
  'WeakKey',
  'WeakSignature',
] as const;

export type VerificationReason = (typeof VERIFICATION_REASONS)[number];

export interface VerificationFailure {
  reason: VerificationReason;
  message: string;
}

export interface VerificationResult {
  ok: boolean;
  /** Empty when ok; all failures found, in the order of VERIFICATION_REASONS. */
  failures: VerificationFailure[];
  /** First certificate of tls.crt that parses. */
  leaf?: ParsedCertificate;
  /** All certificates of tls.crt. */
  chain: ParsedCertificate[];
  caCertificates: ParsedCertificate[];
}

export interface ServingSecretInput {
  tlsCrt?: string;
  tlsKey?: string;
  caCrt?: string;
  hosts: string[];
  now: Date;
  /**
   * How tls.crt and ca.crt are parsed (default: scanCertificates). The daemon
   * reads them from its ParseCache after preparing them asynchronously
   * (common/secret-certificates.ts), so the gate never parses a big text on
   * the event loop in one go.
   */
  parse?: (field: CertificateField, pem: string) => ParseResult;
}

export type CertificateField = 'tls.crt' | 'ca.crt';

/** Loops between cross-signed certificates end here; real chains are 2 or 3 long. */
const MAX_CHAIN_DEPTH = 10;
const MAX_LISTED = 10;
// The trust-path search tries candidate issuers pairwise, so a tls.crt and a
// ca.crt of a few hundred look-alike certificates each (same issuer name,
// different keys) would cost n² signature checks, seconds of event loop. Real
// chains need a handful; a search that runs out of budget fails closed.
const MAX_ISSUER_CHECKS = 4000;
const MAX_SIGNATURE_CHECKS = 64;

// Labels Node can load without a passphrase, mapped to the DER structure they hold.
const KEY_LABELS = new Map<string, 'pkcs8' | 'pkcs1' | 'sec1'>([
  ['PRIVATE KEY', 'pkcs8'],
  ['RSA PRIVATE KEY', 'pkcs1'],
  ['EC PRIVATE KEY', 'sec1'],
]);

/** Runs every check of the §4.4 gate on decoded Secret data and reports all failures. */
export function verifyServingSecret(input: ServingSecretInput): VerificationResult {
  const failures: VerificationFailure[] = [];
  const fail = (reason: VerificationReason, message: string): void => {
    failures.push({ reason, message });
  };

  const parse = input.parse ?? ((_field: CertificateField, pem: string): ParseResult => scanCertificates(pem));
  const chain = readCertificates('tls.crt', input.tlsCrt, 'MissingCertificate', 'InvalidCertificate', fail, parse);
  // Like OpenSSL's chain loading, the first certificate is the leaf even when
  // non-certificate blocks come before it.
  const leaf = chain[0];
  if (leaf) checkValidity(leaf, input.now, fail);

  const key = readPrivateKey(input.tlsKey, fail);
  if (leaf && key) checkKeyMatch(leaf, key, fail);

  const caCertificates = readCertificates('ca.crt', input.caCrt, 'MissingCA', 'InvalidCA', fail, parse);
  if (leaf && caCertificates.length > 0) {
    const path = findTrustPath(chain, caCertificates);
    if (!path.trusted) fail('UntrustedChain', path.message);
  }

  if (leaf) {
    for (const host of input.hosts) {
      if (!coversHost(leaf, host)) fail('HostNotCovered', hostNotCovered(leaf, host));
    }
  }
  checkStrength([['tls.crt', chain], ['ca.crt', caCertificates]], fail);

  const order = (r: VerificationReason): number => VERIFICATION_REASONS.indexOf(r);
  failures.sort((a, b) => order(a.reason) - order(b.reason));
  return { ok: failures.length === 0, failures, leaf, chain, caCertificates };
}

/** True when chain[0] reaches a certificate of `trusted` through the other certificates of `chain`. */
export function verifyChainAgainst(chain: ParsedCertificate[], trusted: ParsedCertificate[]): boolean {
  return findTrustPath(chain, trusted).trusted;
}

function readCertificates(
  field: CertificateField,
  pem: string | undefined,
  missing: VerificationReason,
  invalid: VerificationReason,
  fail: (reason: VerificationReason, message: string) => void,
  parse: (field: CertificateField, pem: string) => ParseResult,
): ParsedCertificate[] {
  if (pem === undefined || pem.trim() === '') {
    fail(missing, `${field} is missing or empty`);
    return [];
  }
  const { certificates, problems } = parse(field, pem);
  // Stray text (e.g. "Bag Attributes" from openssl pkcs12) is skipped by TLS
  // stacks as well; a lost or foreign block is not.
  const serious = problems.filter((p) => p.kind !== 'stray-text').map((p) => p.message);
  if (certificates.length === 0) {
    const why = problems.length > 0 ? `: ${joinProblems(problems.map((p) => p.message))}` : '';
    fail(invalid, `${field} contains no parsable certificate${why}`);
  } else if (serious.length > 0) {
    fail(invalid, `${field}: ${joinProblems(serious)}`);
  }
  return certificates;
}

function checkValidity(leaf: ParsedCertificate, now: Date, fail: (reason: VerificationReason, message: string) => void): void {
  // Same bounds as OpenSSL: valid on both the notBefore and the notAfter second.
  if (now.getTime() < leaf.notBefore.getTime()) {
    fail('NotYetValid', `certificate ${quote(leaf.subject)} is not valid before ${leaf.notBefore.toISOString()} (now ${now.toISOString()})`);
  } else if (now.getTime() > leaf.notAfter.getTime()) {
    fail('Expired', `certificate ${quote(leaf.subject)} expired at ${leaf.notAfter.toISOString()}`);
  }
}

function readPrivateKey(pem: string | undefined, fail: (reason: VerificationReason, message: string) => void): KeyObject | undefined {
  if (pem === undefined || pem.trim() === '') {
    fail('MissingKey', 'tls.key is missing or empty');
    return undefined;
  }
  const { blocks, problems } = scanPem(pem);
  const block = blocks.find((b) => KEY_LABELS.has(b.type));
  if (!block) {
    const found = blocks.map((b) => `block ${b.index} (${describeLabel(b.type)}): ${b.type.endsWith('PRIVATE KEY') ? 'unsupported' : 'not a private key'}`);
    const why = [...problems.map((p) => p.message), ...found];
    const encrypted = blocks.some((b) => b.type === 'ENCRYPTED PRIVATE KEY');
    const hint = encrypted ? ' (the key is encrypted; the Secret needs it unencrypted)' : '';
    fail('InvalidKey', `tls.key contains no PKCS#1, PKCS#8 or SEC1 private key${hint}${why.length > 0 ? `: ${joinProblems(why)}` : ''}`);
    return undefined;
  }
  try {
    return createPrivateKey({ key: block.der, format: 'der', type: KEY_LABELS.get(block.type) ?? 'pkcs8' });
  } catch (err) {
    fail('InvalidKey', `tls.key block ${block.index} (${describeLabel(block.type)}) is not a valid private key (${errorText(err)})`);
    return undefined;
  }
}

function checkKeyMatch(leaf: ParsedCertificate, key: KeyObject, fail: (reason: VerificationReason, message: string) => void): void {
  let keySpki: Buffer;
  let certSpki: Buffer;
  try {
    keySpki = createPublicKey(key).export({ type: 'spki', format: 'der' });
    certSpki = leaf.x509.publicKey.export({ type: 'spki', format: 'der' });
  } catch (err) {
    fail('KeyMismatch', `cannot compare tls.key with certificate ${quote(leaf.subject)} (${errorText(err)})`);
    return;
  }
  if (!keySpki.equals(certSpki)) {
    fail(
      'KeyMismatch',
      `tls.key (${describeKey(key, keySpki)}) does not belong to certificate ${quote(leaf.subject)} (${describeKey(leaf.x509.publicKey, certSpki)})`,
    );
  }
}

type TrustPath = { trusted: true } | { trusted: false; message: string };

// Depth-first from the leaf over the intermediates of tls.crt, so a bundle with
// two candidate issuers (cross-signing) is still accepted when either leads to
// ca.crt. Every issuer must be a CA and its signature must verify: a name match
// alone proves nothing, since anyone can mint a CA with the same subject.
function findTrustPath(chain: ParsedCertificate[], trusted: ParsedCertificate[]): TrustPath {
  const leaf = chain[0];
  if (!leaf) return { trusted: false, message: 'tls.crt has no certificate' };
  const anchors = new Set(trusted.map((t) => t.fingerprint));
  const intermediates = chain.slice(1);
  // One visited set for the whole search: reachability does not depend on the
  // path taken, and it keeps a tangle of cross-signed certificates linear.
  const visited = new Set([leaf.fingerprint]);
  const state = { deadEnd: leaf, deadEndDepth: 0, tooLong: false };
  const budget: Budget = { issuerChecks: MAX_ISSUER_CHECKS, signatureChecks: MAX_SIGNATURE_CHECKS };

  const walk = (cert: ParsedCertificate, depth: number): boolean => {
    if (anchors.has(cert.fingerprint)) return true;
    if (trusted.some((t) => issued(t, cert, budget))) return true;
    if (depth >= MAX_CHAIN_DEPTH) {
      state.tooLong = true;
      return false;
    }
    let extended = false;
    for (const next of intermediates) {
      if (visited.has(next.fingerprint) || !issued(next, cert, budget)) continue;
      visited.add(next.fingerprint);
      extended = true;
      if (walk(next, depth + 1)) return true;
    }
    if (!extended && depth >= state.deadEndDepth) {
      state.deadEnd = cert;
      state.deadEndDepth = depth;
    }
    return false;
  };
  if (walk(leaf, 0)) return { trusted: true };
  if (budget.issuerChecks <= 0 || budget.signatureChecks <= 0) {
    return {
      trusted: false,
      message: `no path from certificate ${quote(leaf.subject)} to ca.crt found within ${MAX_ISSUER_CHECKS} issuer and ${MAX_SIGNATURE_CHECKS} signature checks (tls.crt holds ${chain.length} certificates, ca.crt ${trusted.length}); a chain needs only the leaf, its intermediates and their root`,
    };
  }
  if (state.tooLong) {
    return { trusted: false, message: `no path from certificate ${quote(leaf.subject)} to ca.crt within ${MAX_CHAIN_DEPTH} certificates` };
  }
  return { trusted: false, message: explainDeadEnd(state.deadEnd, [...intermediates, ...trusted], trusted) };
}

interface Budget {
  issuerChecks: number;
  signatureChecks: number;
}

function issued(issuer: ParsedCertificate, subject: ParsedCertificate, budget: Budget): boolean {
  if (budget.issuerChecks <= 0 || budget.signatureChecks <= 0) return false;
  budget.issuerChecks -= 1;
  if (!issuer.isCA || !subject.x509.checkIssued(issuer.x509)) return false;
  budget.signatureChecks -= 1;
  return signedBy(subject, issuer);
}

function explainDeadEnd(cert: ParsedCertificate, candidates: ParsedCertificate[], trusted: ParsedCertificate[]): string {
  const start = `certificate ${quote(cert.subject)} was issued by ${quote(cert.issuer)}`;
  const held = `ca.crt holds ${list(trusted.map((t) => t.subject))}`;
  const sameName = candidates.filter((c) => c.subject === cert.issuer);
  if (sameName.length === 0) return `${start}, which is neither in ca.crt nor among the intermediates of tls.crt; ${held}`;
  // A few signature checks suffice to explain; hundreds of look-alikes must not cost hundreds.
  if (sameName.slice(0, MAX_LISTED).some((c) => signedBy(cert, c))) {
    return `${start}, which signed it but may not issue certificates (not a CA, or keyUsage lacks keyCertSign); ${held}`;
  }
  return `${start}; a certificate with that subject is present but its key did not sign it (another CA with the same name?); ${held}`;
}

function signedBy(subject: ParsedCertificate, issuer: ParsedCertificate): boolean {
  try {
    return subject.x509.verify(issuer.x509.publicKey);
  } catch {
    return false;
  }
}

// Every certificate of tls.crt and ca.crt: a weak CA in ca.crt is refused by
// the router's OpenSSL ("CA key too small") when a peer's chain runs through it.
function checkStrength(fields: Array<[CertificateField, ParsedCertificate[]]>, fail: (reason: VerificationReason, message: string) => void): void {
  for (const f of strengthFailures(fields)) fail(f.reason, f.message);
}

/**
 * The WeakKey/WeakSignature failures of the given fields' certificates, as
 * the gate reports them; exported for `status` on a Connector without a
 * client certificate, where only ca.crt's strength matters.
 */
export function strengthFailures(fields: Array<[CertificateField, ParsedCertificate[]]>): VerificationFailure[] {
  const keys: string[] = [];
  const signatures: string[] = [];
  for (const [field, certs] of fields) {
    for (const cert of certs) {
      for (const w of weaknesses(cert)) (w.kind === 'key' ? keys : signatures).push(`${field} certificate ${quote(cert.subject)}: ${w.message}`);
    }
  }
  const why = 'TLS stacks at current security levels refuse it';
  const failures: VerificationFailure[] = [];
  if (keys.length > 0) failures.push({ reason: 'WeakKey', message: `weak key (${why}): ${joinProblems(keys)}` });
  if (signatures.length > 0) failures.push({ reason: 'WeakSignature', message: `weak signature (${why}): ${joinProblems(signatures)}` });
  return failures;
}

function hostNotCovered(cert: ParsedCertificate, host: string): string {
  const h = quote(host);
  if (cert.x509.subjectAltName !== undefined) return `SANs ${list([...cert.dnsNames, ...cert.ipAddresses])} do not cover host ${h}`;
  if (cert.commonName === undefined) return `certificate has no subjectAltName and no CN, so it does not cover host ${h}`;
  return `certificate has no subjectAltName, and its CN ${quote(cert.commonName)} does not cover host ${h}`;
}

function describeKey(key: KeyObject, spki: Buffer): string {
  const details = key.asymmetricKeyDetails;
  const size = details?.namedCurve ?? (details?.modulusLength === undefined ? '' : `${details.modulusLength}-bit`);
  const type = [key.asymmetricKeyType ?? 'unknown', size].filter((s) => s !== '').join(' ');
  // A public-key hash lets the operator tell keys apart without revealing anything secret.
  return `${type}, public key sha256 ${createHash('sha256').update(spki).digest('hex').slice(0, 16)}`;
}

function list(items: string[]): string {
  // Quoted only when needed, so the usual "[backend, backend.east]" stays readable and a
  // value with a comma cannot pass for two.
  const shown = items.slice(0, MAX_LISTED).map((i) => (/[\s",[\]]/.test(i) ? quote(i) : i)).join(', ');
  const more = items.length > MAX_LISTED ? `, … (${items.length - MAX_LISTED} more)` : '';
  return `[${shown}${more}]`;
}

/** Problems joined for one message, at most MAX_LISTED: a hostile object may hold tens of thousands. */
function joinProblems(messages: string[]): string {
  const more = messages.length > MAX_LISTED ? `; … (${messages.length - MAX_LISTED} more)` : '';
  return `${messages.slice(0, MAX_LISTED).join('; ')}${more}`;
}

function quote(text: string): string {
  return JSON.stringify(text);
}

function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}
