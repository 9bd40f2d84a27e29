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

/** Answers kept per leaf: a key or CA rotated under the same leaf a few times, not a tenant's every attempt. */
const PER_LEAF = 8;
const NONE: readonly VerificationFailure[] = Object.freeze([]);

/**
 * A leaf's answers as digest, answer, digest, answer…, least recently used first: a leaf
 * has one or two (its key check, its trust path), and a Map per leaf was
 * 400 bytes of heap where this array is under 100.
 */
type Answers = (string | readonly VerificationFailure[])[];

const byLeaf = new WeakMap<ParsedCertificate, Answers>();

function remembered(leaf: ParsedCertificate, parts: readonly string[], check: () => VerificationFailure[]): readonly VerificationFailure[] {
  const answers = byLeaf.get(leaf) ?? [];
  const id = digest(parts);
  // Every change makes a new array of exactly its size (concat, slice): one
  // grown by push keeps room for 17 entries, 150 bytes per leaf.
  for (let i = 0; i < answers.length; i += 2) {
    const answer = answers[i + 1];
    if (answers[i] !== id || typeof answer !== 'object') continue;
    // Most recently used last, so the leaf's own key outlives a tenant's bad attempts.
    if (i < answers.length - 2) byLeaf.set(leaf, answers.slice(0, i).concat(answers.slice(i + 2), [id, answer]));
    return answer;
  }
  const found = check();
  const value = found.length === 0 ? NONE : found;
  byLeaf.set(leaf, answers.slice(answers.length >= 2 * PER_LEAF ? 2 : 0).concat([id, value]));
  return value;
}

/** 128 bits of SHA-256, as a string of its own (a slice of the longer digest would keep all of it). */
function digest(parts: readonly string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\u0000');
  return h.digest().subarray(0, 16).toString('base64url');
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
  return (byLeaf.get(leaf)?.length ?? 0) / 2;
}
