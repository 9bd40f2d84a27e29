// The gate's two costly checks, remembered by what they read. Loading tls.key
// and comparing its public key with the leaf's (createPrivateKey, two SPKI
// exports), and verifying the chain's signatures, were 17 % of the daemon's
// busy CPU at N = 1,000 (issue 16): the Listener controller, the expiry
// tracker and the roll controller each verify the same Secret revision. The
// answers depend only on the bytes checked, so they are kept under a digest of
// those bytes: 128 bits of SHA-256, never the material itself.
import { createHash } from 'node:crypto';
import type { ParsedCertificate } from './certificate.js';
import type { VerificationFailure } from './verification-failure.js';

const MAX_ENTRIES = 4096;
const NONE: readonly VerificationFailure[] = Object.freeze([]);

class Memo<T> {
  private readonly entries = new Map<string, T>();

  get(id: string, compute: () => T): T {
    const hit = this.entries.get(id);
    if (hit !== undefined) return hit;
    const value = compute();
    this.entries.set(id, value);
    // Oldest first: a revision not checked for 4,096 others is one nobody needs.
    if (this.entries.size > MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return value;
  }

  get size(): number {
    return this.entries.size;
  }
}

function digest(parts: readonly string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\u0000');
  return h.digest('base64url').slice(0, 22);
}

const keyChecks = new Memo<readonly VerificationFailure[]>();
const trustPaths = new Memo<readonly VerificationFailure[]>();

/** The failures of loading `tlsKey` and matching it to `leaf`, computed once per (key text, leaf). */
export function rememberedKeyCheck(tlsKey: string | undefined, leaf: ParsedCertificate | undefined, check: () => VerificationFailure[]): readonly VerificationFailure[] {
  if (tlsKey === undefined) return check();
  return keyChecks.get(digest(['key', tlsKey, leaf?.fingerprint ?? '']), () => compact(check()));
}

/** The failures of the trust-path search from `chain` to `anchors`, computed once per set of certificates. */
export function rememberedTrustPath(chain: readonly ParsedCertificate[], anchors: readonly ParsedCertificate[], check: () => VerificationFailure[]): readonly VerificationFailure[] {
  return trustPaths.get(digest(['path', ...chain.map((c) => c.fingerprint), '|', ...anchors.map((c) => c.fingerprint)]), () => compact(check()));
}

/** Entries kept (for tests). */
export function rememberedEntries(): { keyChecks: number; trustPaths: number } {
  return { keyChecks: keyChecks.size, trustPaths: trustPaths.size };
}

function compact(failures: VerificationFailure[]): readonly VerificationFailure[] {
  return failures.length === 0 ? NONE : failures;
}
