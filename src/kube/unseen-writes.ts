// A write the daemon just made reaches its cache only when the watch event
// for it comes back. A reconcile that runs before then (woken by another
// object's event: the Listener's Secret or Certificate) reads the old object,
// decides the same write again and makes it again: 1,482 tlsCredentials
// patches for 1,000 Listeners with 8 workers. client-go's controllers keep
// "expectations" for the same reason; this is the smallest form of them.
//
// A write is remembered with the resourceVersion of the object it was decided
// on. While the cache still shows exactly that version, the write has not come
// back, so the same write is not repeated. Any other version (our echo, or
// someone else's change after it) means the cache has moved on and the
// reconcile decides afresh. The API server gives a changing write a new
// resourceVersion, so "same version" can only mean "not seen yet". After
// `ttlMs` a reconcile (a resync) makes the write again anyway: a safety net
// for a cache that never caught up, not a path taken.

export interface UnseenWrite {
  /** resourceVersion of the cached object the write was decided on. */
  basedOn: string;
  /** What was written, as the caller compares it (e.g. the Secret name wired). */
  wrote: string;
  /** When it was written (ms). */
  at: number;
}

/** Whether the write `want`, decided on `cachedVersion`, repeats `last` whose echo is not in the cache yet. */
export function repeatsUnseenWrite(last: UnseenWrite | undefined, cachedVersion: string | undefined, want: string, now: number, ttlMs: number): boolean {
  return last !== undefined && cachedVersion !== undefined && last.basedOn === cachedVersion && last.wrote === want && now - last.at < ttlMs;
}

export const UNSEEN_WRITE_TTL_MS = 30_000;

/** The last write per key whose echo may not have arrived. */
export class UnseenWrites {
  private readonly last = new Map<string, UnseenWrite>();

  constructor(private readonly ttlMs = UNSEEN_WRITE_TTL_MS, private readonly now: () => number = Date.now) {}

  /** True when `want` was just written on this very `cachedVersion`: skip it and wait for the echo. Forgets stale entries. */
  pending(key: string, cachedVersion: string | undefined, want: string): boolean {
    const last = this.last.get(key);
    if (repeatsUnseenWrite(last, cachedVersion, want, this.now(), this.ttlMs)) return true;
    this.last.delete(key);
    return false;
  }

  record(key: string, basedOn: string | undefined, wrote: string): void {
    if (basedOn !== undefined) this.last.set(key, { basedOn, wrote, at: this.now() });
  }

  forget(key: string): void {
    this.last.delete(key);
  }
}
