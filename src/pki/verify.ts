// The verification gate (SPEC §4.4): a Secret is wired into a Listener or
// Connector, or rolled, only when everything a TLS peer will check holds.
// Every failure is collected, not just the first, so one Event tells the
// operator everything to fix. Messages name certificates by subject and keys
// by type and public-key hash; key material and PEM text never appear.
import type { ParsedCertificate } from './certificate.js';
import { checkHosts, checkStrength, checkValidity, judgeCertificates, readCertificates } from './certificate-checks.js';
import { scanCertificates } from './certificate-scan.js';
import type { ParseResult } from './parse-cache.js';
import { checkKeyMatch, readPrivateKey } from './private-key.js';
import { findTrustPath } from './trust-path.js';
import { rememberedKeyCheck, rememberedTrustPath } from './verify-memo.js';
import { VERIFICATION_REASONS, type CertificateField, type VerificationFailure, type VerificationReason } from './verification-failure.js';

export interface VerificationResult {
  ok: boolean;
  /** Empty when ok; all failures found, in the order of VERIFICATION_REASONS. */
  failures: VerificationFailure[];
  /** First certificate of tls.crt that parses. */
  leaf?: ParsedCertificate;
  /** All certificates of tls.crt. */
  chain: readonly ParsedCertificate[];
  caCertificates: readonly ParsedCertificate[];
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
   * (src/owned/secret-certificates.ts), so the gate never parses a big text on
   * the event loop in one go.
   */
  parse?: (field: CertificateField, pem: string) => ParseResult;
  /**
   * tls.crt and tls.key as read when the Secret was cached, which then kept
   * no texts (model/condensed-tls.ts): taken instead of `tlsCrt` and `tlsKey`.
   */
  readAtIngest?: { readonly chain: ParseResult; readonly keyFailures: readonly VerificationFailure[] };
}

/** The failures of loading `tlsKey` and matching it to `leaf`, remembered per (key text, leaf). */
export function checkKey(tlsKey: string | undefined, leaf: ParsedCertificate | undefined): readonly VerificationFailure[] {
  return rememberedKeyCheck(tlsKey, leaf, () => {
    const found: VerificationFailure[] = [];
    const note = (reason: VerificationReason, message: string): void => { found.push({ reason, message }); };
    const key = readPrivateKey(tlsKey, note);
    if (leaf && key) checkKeyMatch(leaf, key, note);
    return found;
  });
}

/** Runs every check of the §4.4 gate on decoded Secret data and reports all failures. */
export function verifyServingSecret(input: ServingSecretInput): VerificationResult {
  const failures: VerificationFailure[] = [];
  const fail = (reason: VerificationReason, message: string): void => {
    failures.push({ reason, message });
  };

  const parse = input.parse ?? ((_field: CertificateField, pem: string): ParseResult => scanCertificates(pem));
  const read = input.readAtIngest;
  const chain = read
    ? judgeCertificates('tls.crt', read.chain, 'InvalidCertificate', fail)
    : readCertificates('tls.crt', input.tlsCrt, 'MissingCertificate', 'InvalidCertificate', fail, parse);
  // Like OpenSSL's chain loading, the first certificate is the leaf even when
  // non-certificate blocks come before it.
  const leaf = chain[0];
  if (leaf) checkValidity(leaf, input.now, fail);

  failures.push(...(read ? read.keyFailures : checkKey(input.tlsKey, leaf)));

  const caCertificates = readCertificates('ca.crt', input.caCrt, 'MissingCA', 'InvalidCA', fail, parse);
  if (leaf && caCertificates.length > 0) {
    failures.push(...rememberedTrustPath(chain, caCertificates, () => {
      const path = findTrustPath(chain, caCertificates);
      return path.trusted ? [] : [{ reason: 'UntrustedChain', message: path.message }];
    }));
  }

  if (leaf) checkHosts(leaf, input.hosts, fail);
  checkStrength([['tls.crt', chain], ['ca.crt', caCertificates]], fail);

  const order = (r: VerificationReason): number => VERIFICATION_REASONS.indexOf(r);
  failures.sort((a, b) => order(a.reason) - order(b.reason));
  return { ok: failures.length === 0, failures, leaf, chain, caCertificates };
}
