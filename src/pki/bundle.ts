// A CA bundle from its sources (SPEC §4.2 steps 2–3), as a pure function:
// certificates in, bundle bytes and history out. The history is what makes
// CA rotation outage-free: a CA that leaves every source stays in the bundle
// for the overlap (or until it expires), so connections made with the old CA
// keep verifying while the backend moves to the new one. cert-manager
// (issue #2478) and trust-manager keep no such history.
import { weaknesses } from './strength.js';
import type { ParsedCertificate } from './certificate.js';

export interface SourceCertificates {
  /** How the source was named, for messages. */
  source: string;
  certificates: readonly ParsedCertificate[];
}

export interface HistoryEntry {
  firstSeen: Date;
  notAfter: Date;
  /** Set once the certificate is in no source any more; the overlap runs from here. */
  leftSourcesAt?: Date;
}

/** Per SHA-256 fingerprint. */
export type TrustHistory = ReadonlyMap<string, HistoryEntry>;

export interface BundleInput {
  sources: SourceCertificates[];
  /** The certificates of the current bundle (the Secret's ca.crt), the only place a departed CA's bytes are kept. */
  previous: readonly ParsedCertificate[];
  history: TrustHistory;
  now: Date;
  overlapMs: number;
}

export interface BundleEntry {
  certificate: ParsedCertificate;
  /** Sources that hold it now; empty for a certificate kept for the overlap. */
  sources: string[];
  /** For a retained certificate: when it leaves the bundle. */
  retainedUntil?: Date;
}

export interface DroppedCertificate {
  fingerprint: string;
  subject: string;
  /** weak: a key or signature TLS stacks refuse (strength.ts); `detail` says which. */
  reason: 'expired' | 'overlap-ended' | 'weak';
  detail?: string;
}

export interface Bundle {
  /** Concatenated PEM in deterministic order; '' when nothing is left. */
  pem: string;
  entries: BundleEntry[];
  history: Map<string, HistoryEntry>;
  dropped: DroppedCertificate[];
  /** Certificates that are not CAs (kept: some backends are trusted by pinning their leaf). */
  notCA: BundleEntry[];
  earliestNotAfter?: Date;
  /** The next instant the bundle changes by itself (an overlap ends or a certificate expires). */
  nextChange?: Date;
}

/** Deterministic order: by subject, then notBefore, then fingerprint, whatever order the sources had. */
function compare(a: ParsedCertificate, b: ParsedCertificate): number {
  if (a.subject !== b.subject) return a.subject < b.subject ? -1 : 1;
  const t = a.notBeforeMs - b.notBeforeMs;
  if (t !== 0) return t;
  return a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0;
}

export function buildBundle(input: BundleInput): Bundle {
  const now = input.now.getTime();
  const dropped: DroppedCertificate[] = [];
  const current = new Map<string, BundleEntry>();
  const gone = new Set<string>();

  // A weak CA is dropped, not kept with a warning: the router's OpenSSL (security
  // level 2) refuses any chain through it ("CA key too small", SHA-1/MD5
  // signature), so keeping it buys no working connection, only a bundle that
  // looks as if it trusted that CA; and an MD5/SHA-1-signed CA is open to
  // forgery. The caller reports the drop; if nothing is left, the
  // empty-bundle handling keeps the current Secret as for expired CAs.
  const weak = (cert: ParsedCertificate): boolean => {
    const found = weaknesses(cert);
    if (found.length === 0) return false;
    if (!gone.has(cert.fingerprint)) {
      dropped.push({ fingerprint: cert.fingerprint, subject: cert.subject, reason: 'weak', detail: found.map((w) => w.message).join('; ') });
    }
    gone.add(cert.fingerprint);
    return true;
  };

  for (const src of input.sources) {
    for (const cert of src.certificates) {
      // A CA that is not yet valid is kept: pre-distributing the next CA is how a rotation starts.
      if (cert.notAfterMs <= now) {
        if (!gone.has(cert.fingerprint)) dropped.push({ fingerprint: cert.fingerprint, subject: cert.subject, reason: 'expired' });
        gone.add(cert.fingerprint);
        continue;
      }
      if (gone.has(cert.fingerprint) || weak(cert)) continue;
      const entry = current.get(cert.fingerprint);
      if (entry) {
        if (!entry.sources.includes(src.source)) entry.sources.push(src.source);
      } else {
        current.set(cert.fingerprint, { certificate: cert, sources: [src.source] });
      }
    }
  }

  const history = new Map<string, HistoryEntry>();
  for (const [fp, entry] of current) {
    history.set(fp, { firstSeen: input.history.get(fp)?.firstSeen ?? input.now, notAfter: entry.certificate.notAfter });
  }

  const retained: BundleEntry[] = [];
  for (const cert of input.previous) {
    const fp = cert.fingerprint;
    if (current.has(fp) || history.has(fp) || gone.has(fp)) continue;
    if (cert.notAfterMs <= now) {
      dropped.push({ fingerprint: fp, subject: cert.subject, reason: 'expired' });
      gone.add(fp);
      continue;
    }
    if (weak(cert)) continue;
    const old = input.history.get(fp);
    // No record (a bundle written before history existed, or edited by hand): the overlap starts now.
    const leftAt = old?.leftSourcesAt ?? input.now;
    const until = Math.min(leftAt.getTime() + input.overlapMs, cert.notAfterMs);
    if (until <= now) {
      dropped.push({ fingerprint: fp, subject: cert.subject, reason: 'overlap-ended' });
      gone.add(fp); // not expired, but gone: a duplicate in `previous` must not be reported twice
      continue;
    }
    history.set(fp, { firstSeen: old?.firstSeen ?? input.now, notAfter: cert.notAfter, leftSourcesAt: leftAt });
    retained.push({ certificate: cert, sources: [], retainedUntil: new Date(until) });
  }

  const entries = [...current.values(), ...retained].sort((a, b) => compare(a.certificate, b.certificate));
  for (const e of entries) e.sources.sort();
  let earliest: number | undefined;
  let next: number | undefined;
  for (const e of entries) {
    const na = e.certificate.notAfterMs;
    earliest = earliest === undefined ? na : Math.min(earliest, na);
    const change = e.retainedUntil ? Math.min(e.retainedUntil.getTime(), na) : na;
    next = next === undefined ? change : Math.min(next, change);
  }
  return {
    pem: entries.map((e) => e.certificate.pem).join(''),
    entries,
    history,
    dropped,
    notCA: entries.filter((e) => !e.certificate.isCA),
    ...(earliest !== undefined ? { earliestNotAfter: new Date(earliest) } : {}),
    ...(next !== undefined ? { nextChange: new Date(next) } : {}),
  };
}
