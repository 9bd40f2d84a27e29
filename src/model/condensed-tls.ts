// A Listener's Secret as cached holds no tls.crt or tls.key text. Those two
// base64 texts were 1.3 KiB of every Listener's heap with ECDSA keys (about
// 3.8 KiB with RSA 2048), the largest part of the Secret cache (issue 16),
// and every reader wanted something made from them, not the bytes: the
// certificates, whether the key belongs to the leaf, and the roll digest.
// Those are made once when the Secret is cached (owned/condensed-secrets.ts)
// and kept beside it; ca.crt stays, shared between Secrets of one issuer.
//
// Only Secrets cert-manager wrote for our Listener Certificates are
// condensed: a Connector's client Secret is copied byte for byte into its
// bundle Secret, and a Secret nobody manages may be read for anything. A
// Secret read from the API server (not the cache) always has its texts.
import type { V1Secret } from '@kubernetes/client-node';
import type { ParseResult } from '../pki/parse-cache.js';
import type { VerificationFailure } from '../pki/verification-failure.js';

/** What the readers take from tls.crt and tls.key, made when the Secret was cached. */
export interface CondensedTls {
  /** tls.crt, parsed (shared with the parse cache). */
  readonly chain: ParseResult;
  /** What loading tls.key and matching it to the chain's leaf found: empty when it matches. */
  readonly keyFailures: readonly VerificationFailure[];
  /** secretDigest of the texts (decisions/roll-plan.ts): the roll controller compares it with digests written before. */
  readonly digest: string;
}

/** The data keys whose texts a condensed Secret does not hold. */
export const CONDENSED_KEYS: readonly string[] = Object.freeze(['tls.crt', 'tls.key']);

// Beside the object, not in it: a spread copy of a cached Secret must not
// carry facts about texts it may be given anew.
const kept = new WeakMap<V1Secret, CondensedTls>();

/** What `secret`'s tls.crt and tls.key were read as, when it is a condensed cached Secret. */
export function condensedTls(secret: V1Secret | undefined): CondensedTls | undefined {
  return secret === undefined ? undefined : kept.get(secret);
}

/** Marks `secret` (whose tls.crt and tls.key are gone) as read into `facts`. */
export function keepCondensed(secret: V1Secret, facts: CondensedTls): void {
  kept.set(secret, facts);
}
