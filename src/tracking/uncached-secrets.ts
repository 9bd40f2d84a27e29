// The daemon caches only kubernetes.io/tls and Opaque Secrets (src/daemon/main.ts):
// caching every type would hold every service-account token and Helm
// release in memory. A hand-made Secret of another type named by
// spec.tlsCredentials would then look missing. This reads such a Secret
// directly, only its type is kept (never its data), and the reads are
// bounded: each name at most once per `recheckMs`, all names together at
// most `burst` at once and `perSecond` after that, and at most `maxEntries`
// remembered, so no number of Listeners can turn this into a flood of GETs.
import type { V1Secret } from '@kubernetes/client-node';
import { isNotFound, type Api } from '../kube/api.js';
import { TokenBucket } from '../kube/token-bucket.js';
import { Resources } from '../model/resources.js';
import { secretType } from '../decisions/secret-type.js';
import { BoundedMap } from '../util/bounded-map.js';

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
  /** The read failed: nothing is known (type is null). */
  failed: boolean;
  checkedAt: number;
}

/** Reads through the API; NotFound is "none", other errors fail the read. */
export function uncachedSecretTypes(api: Api, opts: UncachedSecretOptions = {}): UncachedSecretTypes {
  return new UncachedSecretTypes(async (ns, name) => {
    try {
      return secretType(await api.get<V1Secret>(Resources.secret, ns, name));
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }, opts);
}

export class UncachedSecretTypes {
  /** Eviction order is the order of reads, not of lookups: peek, never get. */
  private readonly entries: BoundedMap<string, Entry>;
  private readonly reads: TokenBucket;
  readonly recheckMs: number;
  private readonly perSecond: number;
  private readonly now: () => number;

  constructor(private readonly read: ReadSecretType, opts: UncachedSecretOptions = {}) {
    this.recheckMs = opts.recheckMs ?? 60_000;
    this.perSecond = opts.perSecond ?? 5;
    this.entries = new BoundedMap(opts.maxEntries ?? 10_000);
    this.now = opts.now ?? Date.now;
    this.reads = new TokenBucket(opts.burst ?? 20, 1000 / this.perSecond, this.now());
  }

  /** The type last read for this Secret; undefined when none was found or it was never read. */
  type(namespace: string, name: string): string | undefined {
    return this.entries.peek(`${namespace}/${name}`)?.type ?? undefined;
  }

  /**
   * What the last read found: the type, null when the API server had no such
   * Secret, undefined when it was never read or the read failed.
   */
  lastRead(namespace: string, name: string): string | null | undefined {
    const entry = this.entries.peek(`${namespace}/${name}`);
    return entry === undefined || entry.failed ? undefined : entry.type;
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
    const entry = this.entries.peek(key);
    if (entry && now - entry.checkedAt < this.recheckMs) return 'fresh';
    if (!this.reads.take(now)) return 'limited';
    let type: string | null;
    let failed = false;
    try {
      type = await this.read(namespace, name);
    } catch {
      type = null;
      failed = true;
    }
    this.entries.set(key, { type, failed, checkedAt: now });
    return 'fresh';
  }

  /** Milliseconds until a limited read may be tried again. */
  retryAfterMs(): number {
    return Math.ceil(1000 / this.perSecond);
  }
}
