// Whether tls.crt leads from its leaf to a certificate of ca.crt, checked
// as a TLS peer checks it: by signatures, not by names. When it does not,
// the message says where the path ends, which is what the operator needs.
import type { ParsedCertificate } from './certificate.js';
import { list, MAX_LISTED, quote } from './failure-text.js';

/** Loops between cross-signed certificates end here; real chains are 2 or 3 long. */
const MAX_CHAIN_DEPTH = 10;
// The trust-path search tries candidate issuers pairwise, so a tls.crt and a
// ca.crt of a few hundred look-alike certificates each (same issuer name,
// different keys) would cost n² signature checks, seconds of event loop. Real
// chains need a handful; a search that runs out of budget fails closed.
const MAX_ISSUER_CHECKS = 4000;
const MAX_SIGNATURE_CHECKS = 64;

/** True when chain[0] reaches a certificate of `trusted` through the other certificates of `chain`. */
export function verifyChainAgainst(chain: readonly ParsedCertificate[], trusted: readonly ParsedCertificate[]): boolean {
  return findTrustPath(chain, trusted).trusted;
}

export type TrustPath = { trusted: true } | { trusted: false; message: string };

// Depth-first from the leaf over the intermediates of tls.crt, so a bundle with
// two candidate issuers (cross-signing) is still accepted when either leads to
// ca.crt. Every issuer must be a CA and its signature must verify: a name match
// alone proves nothing, since anyone can mint a CA with the same subject.
export function findTrustPath(chain: readonly ParsedCertificate[], trusted: readonly ParsedCertificate[]): TrustPath {
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

function explainDeadEnd(cert: ParsedCertificate, candidates: readonly ParsedCertificate[], trusted: readonly ParsedCertificate[]): string {
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
