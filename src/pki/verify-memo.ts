// The gate's two costly checks, remembered by what they read. Loading tls.key
// and comparing its public key with the leaf's (createPrivateKey, two SPKI
// exports), and verifying the chain's signatures, were 17 % of the daemon's
// busy CPU at N = 1,000 (issue 16): the Listener controller, the expiry
// tracker and the roll controller each verify the same Secret revision, and
// every resync verifies them all again.
//
// The answers are kept with the leaf certificate they are about, for as long
// as that certificate is in memory: the parse cache holds the leaf of every
// tracked Secret and lets it go with the Secret, so what is remembered is
// sized by the objects tracked (a fixed count of 4,096 was smaller than 5,000
// Listeners' Secrets, and every resync verified them all again). Under the
// leaf, an answer is found by a digest of the other bytes checked (the key
// text, the chain and anchors): 128 bits of SHA-256, never the material itself.
import { createHash } from 'node:crypto';
import type { ParsedCertificate } from './certificate.js';
import type { VerificationFailure } from './verification-failure.js';
import { BoundedMap } from '../util/bounded-map.js';

/** Answers kept per leaf: a key or CA rotated under the same leaf a few times, not a tenant's every attempt. */
const PER_LEAF = 8;
const NONE: readonly VerificationFailure[] = Object.freeze([]);

const byLeaf = new WeakMap<ParsedCertificate, BoundedMap<string, readonly VerificationFailure[]>>();

function remembered(leaf: ParsedCertificate, parts: readonly string[], check: () => VerificationFailure[]): readonly VerificationFailure[] {
  let answers = byLeaf.get(leaf);
  if (answers === undefined) {
    answers = new BoundedMap(PER_LEAF);
    byLeaf.set(leaf, answers);
  }
  const id = digest(parts);
  const hit = answers.get(id);
  if (hit !== undefined) return hit;
  const found = check();
  const value = found.length === 0 ? NONE : found;
  answers.set(id, value);
  return value;
}

function digest(parts: readonly string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\u0000');
  return h.digest('base64url').slice(0, 22);
}

/** The failures of loading `tlsKey` and matching it to `leaf`, computed once per (key text, leaf). */
export function rememberedKeyCheck(tlsKey: string | undefined, leaf: ParsedCertificate | undefined, check: () => VerificationFailure[]): readonly VerificationFailure[] {
  // Without a leaf there is nothing to match, and no certificate to keep the answer with.
  if (tlsKey === undefined || leaf === undefined) return check();
  return remembered(leaf, ['key', tlsKey], check);
}

/** The failures of the trust-path search from `chain` to `anchors`, computed once per set of certificates. */
export function rememberedTrustPath(chain: readonly ParsedCertificate[], anchors: readonly ParsedCertificate[], check: () => VerificationFailure[]): readonly VerificationFailure[] {
  const [leaf] = chain;
  if (leaf === undefined) return check();
  return remembered(leaf, ['path', ...chain.map((c) => c.fingerprint), '|', ...anchors.map((c) => c.fingerprint)], check);
}

/** Answers remembered for `leaf` (for tests). */
export function rememberedFor(leaf: ParsedCertificate): number {
  return byLeaf.get(leaf)?.size ?? 0;
}
