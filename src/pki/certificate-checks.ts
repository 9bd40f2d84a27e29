// The gate's checks on the certificates of tls.crt and ca.crt: that they
// are there and parse, that the leaf is within its validity and covers the
// hosts peers dial, and that no key or signature is one TLS stacks refuse.
import type { ParsedCertificate } from './certificate.js';
import { joinProblems, list, quote } from './failure-text.js';
import { coversHost } from './host-match.js';
import type { ParseResult } from './parse-cache.js';
import { weaknesses } from './strength.js';
import type { CertificateField, VerificationFailure, VerificationReason } from './verification-failure.js';

export function readCertificates(
  field: CertificateField,
  pem: string | undefined,
  missing: VerificationReason,
  invalid: VerificationReason,
  fail: (reason: VerificationReason, message: string) => void,
  parse: (field: CertificateField, pem: string) => ParseResult,
): readonly ParsedCertificate[] {
  if (pem === undefined || pem.trim() === '') {
    fail(missing, `${field} is missing or empty`);
    return [];
  }
  return judgeCertificates(field, parse(field, pem), invalid, fail);
}

/** The certificates of a text that is there, and a failure when they are none or a block was lost. */
export function judgeCertificates(
  field: CertificateField,
  { certificates, problems }: ParseResult,
  invalid: VerificationReason,
  fail: (reason: VerificationReason, message: string) => void,
): readonly ParsedCertificate[] {
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

export function checkValidity(leaf: ParsedCertificate, now: Date, fail: (reason: VerificationReason, message: string) => void): void {
  // Same bounds as OpenSSL: valid on both the notBefore and the notAfter second.
  if (now.getTime() < leaf.notBeforeMs) {
    fail('NotYetValid', `certificate ${quote(leaf.subject)} is not valid before ${leaf.notBefore.toISOString()} (now ${now.toISOString()})`);
  } else if (now.getTime() > leaf.notAfterMs) {
    fail('Expired', `certificate ${quote(leaf.subject)} expired at ${leaf.notAfter.toISOString()}`);
  }
}

export function checkHosts(leaf: ParsedCertificate, hosts: string[], fail: (reason: VerificationReason, message: string) => void): void {
  for (const host of hosts) {
    if (!coversHost(leaf, host)) fail('HostNotCovered', hostNotCovered(leaf, host));
  }
}

function hostNotCovered(cert: ParsedCertificate, host: string): string {
  const h = quote(host);
  if (cert.hasSubjectAltName) return `SANs ${list([...cert.dnsNames, ...cert.ipAddresses])} do not cover host ${h}`;
  if (cert.commonName === undefined) return `certificate has no subjectAltName and no CN, so it does not cover host ${h}`;
  return `certificate has no subjectAltName, and its CN ${quote(cert.commonName)} does not cover host ${h}`;
}

// Every certificate of tls.crt and ca.crt: a weak CA in ca.crt is refused by
// the router's OpenSSL ("CA key too small") when a peer's chain runs through it.
export function checkStrength(fields: Array<[CertificateField, readonly ParsedCertificate[]]>, fail: (reason: VerificationReason, message: string) => void): void {
  for (const f of strengthFailures(fields)) fail(f.reason, f.message);
}

/**
 * The WeakKey/WeakSignature failures of the given fields' certificates, as
 * the gate reports them; exported for `status` on a Connector without a
 * client certificate, where only ca.crt's strength matters.
 */
export function strengthFailures(fields: Array<[CertificateField, readonly ParsedCertificate[]]>): VerificationFailure[] {
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
