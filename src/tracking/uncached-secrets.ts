// The daemon caches only kubernetes.io/tls and Opaque Secrets (src/daemon/main.ts):
// caching every type would hold every service-account token and Helm
// release in memory. A hand-made Secret of another type named by
// spec.tlsCredentials would then look missing. This reads such a Secret
// directly, only its type is kept (never its data), and the reads are
// bounded: each name at most once per `recheckMs`, all names together at
// most `burst` at once and `perSecond` after that, and at most `maxEntries`
// remembered, so no number of Listeners can turn this into a flood of GETs.
import { TokenBucket } from '../kube/token-bucket.js';

export interface UncachedSecretOptions {
  recheckMs?: number;
  burst?: number;
  perSecond?: number;
  maxEntries?: number;
  now?: () => number;
}

/** The type of the Secret, or null when there is none. */
export type ReadSecretType = (namespace: string, name: string) => Promise<string | null>;

interface Entry {
  type: string | null;
  checkedAt: number;
}

export class UncachedSecretTypes {
  private readonly entries = new Map<string, Entry>();
  private readonly reads: TokenBucket;
  readonly recheckMs: number;
  private readonly perSecond: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(private readonly read: ReadSecretType, opts: UncachedSecretOptions = {}) {
    this.recheckMs = opts.recheckMs ?? 60_000;
    this.perSecond = opts.perSecond ?? 5;
    this.maxEntries = opts.maxEntries ?? 10_000;
    this.now = opts.now ?? Date.now;
    this.reads = new TokenBucket(opts.burst ?? 20, 1000 / this.perSecond, this.now());
  }

  /** The type last read for this Secret; undefined when none was found or it was never read. */
  type(namespace: string, name: string): string | undefined {
    return this.entries.get(`${namespace}/${name}`)?.type ?? undefined;
  }

  /**
   * Reads the Secret's type if it was not read within `recheckMs` and the
   * rate allows. Returns 'fresh' when the remembered answer is current,
   * 'limited' when a read was due but the rate did not allow it (ask again
   * later). A failed read is remembered as "none" until the next recheck.
   */
  async refresh(namespace: string, name: string): Promise<'fresh' | 'limited'> {
    const key = `${namespace}/${name}`;
    const now = this.now();
    const entry = this.entries.get(key);
    if (entry && now - entry.checkedAt < this.recheckMs) return 'fresh';
    if (!this.reads.take(now)) return 'limited';
    let type: string | null;
    try {
      type = await this.read(namespace, name);
    } catch {
      type = null;
    }
    this.entries.delete(key); // re-inserted last: the Map's order is the eviction order
    this.entries.set(key, { type, checkedAt: now });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return 'fresh';
  }

  /** Milliseconds until a limited read may be tried again. */
  retryAfterMs(): number {
    return Math.ceil(1000 / this.perSecond);
  }
}
