// Parsing a big bundle costs milliseconds per certificate; reconciles run on
// every watch event and resync. Objects are immutable per resourceVersion, so
// parse results are cached by (uid, resourceVersion, key) and a steady state
// parses nothing (SPEC §4.3: once per resourceVersion).
//
// The daemon fills the cache with prepare(), which parses in slices that
// yield to the event loop (certificate-scan.ts scanCertificatesAsync), and
// then reads it with the synchronous parse() from code that is simpler kept
// synchronous (the §4.4 gate, the status description): a hit costs nothing,
// so no object blocks the event loop however many certificates it holds.
import type { ParsedCertificate } from './certificate.js';
import { scanCertificates, scanCertificatesAsync, type CertificateProblem, type ScanOptions } from './certificate-scan.js';
import { BoundedMap } from '../util/bounded-map.js';

/** Shared by every reader of a revision: never changed after it is made. */
export interface ParseResult {
  readonly certificates: readonly ParsedCertificate[];
  readonly problems: readonly CertificateProblem[];
}

/**
 * The cache is sized by the objects the daemon tracks, not by a count of
 * parses: an entry is one object's current revision (what its data keys
 * parsed to), a new resourceVersion replaces it, and forget() drops a deleted
 * object. A fixed bound of 2,000 parses was smaller than 5,000 Listeners'
 * Secrets, so every resync parsed (and the gate re-verified) all of them
 * (issue 16: ~25 CPU s per resync at N = 5,000). The bound that remains is a
 * safety net for objects whose delete was missed.
 */
export const MAX_OBJECTS = 50_000;

/**
 * One object's revision, flat: its resourceVersion, then each data key and
 * what it parsed to ([version, key, result, key, result]). An object and two
 * lists per entry were 150 bytes more than this one list (a Map per object
 * 180 before that).
 */
type ObjectEntry = (string | ParseResult)[];

/** Most texts parse without a problem: one empty list for all of them. */
const NO_PROBLEMS: readonly CertificateProblem[] = Object.freeze([]);

/**
 * A text that is one certificate and nothing else parses to the same result
 * wherever it is found: a self-signed Secret's tls.crt and ca.crt, or an
 * issuer's CA in the ca.crt of every Secret it signed. Kept once per
 * certificate (for as long as the certificate is in memory), not once per
 * object and key.
 */
const alone = new WeakMap<ParsedCertificate, ParseResult>();

function keptResult(result: ParseResult): ParseResult {
  const [only] = result.certificates;
  if (only !== undefined && result.certificates.length === 1 && result.problems.length === 0) {
    let shared = alone.get(only);
    if (shared === undefined) alone.set(only, (shared = Object.freeze({ certificates: Object.freeze([only]), problems: NO_PROBLEMS })));
    return shared;
  }
  // Lists of exactly their size (slice): the parser grows them by push, which
  // leaves room for 17 entries, for as long as the object is cached.
  return { certificates: result.certificates.slice(), problems: result.problems.length === 0 ? NO_PROBLEMS : result.problems.slice() };
}

/**
 * What a text is: one data key of one object's revision. Made of the
 * object's own uid and resourceVersion strings (objectDataId), so the cache
 * keeps no string of its own per object: the parts of a joined id string
 * were slices holding the whole id, about 100 bytes per cached Secret.
 */
export interface DataId {
  readonly object: string;
  readonly version: string;
  readonly key: string;
}

/** A DataId as given, or `uid@resourceVersion#key` split into its parts; any other string names one text that never changes. */
function splitId(id: DataId | string): DataId {
  if (typeof id !== 'string') return id;
  const at = id.indexOf('@');
  const hash = at < 0 ? -1 : id.indexOf('#', at);
  if (hash < 0) return { object: id, version: '', key: '' };
  return { object: id.slice(0, at), version: id.slice(at + 1, hash), key: id.slice(hash + 1) };
}

/** One string per id, for the parses under way (kept only while they run). */
function joinId(id: DataId | string): string {
  return typeof id === 'string' ? id : `${id.object}@${id.version}#${id.key}`;
}

export class ParseCache {
  private readonly objects: BoundedMap<string, ObjectEntry>;
  /** Async parses under way, so two reconciles that prepare the same text parse it once. */
  private readonly pending = new Map<string, Promise<ParseResult>>();
  hits = 0;
  misses = 0;

  constructor(maxObjects = MAX_OBJECTS, private readonly scanOptions: ScanOptions = {}) {
    this.objects = new BoundedMap(maxObjects);
  }

  /** `id` must change whenever `pem` can: objectDataId(obj, key), or a string such as `${uid}@${resourceVersion}#${key}`. */
  parse(id: DataId | string | undefined, pem: string): ParseResult {
    if (id === undefined) return scanCertificates(pem);
    const hit = this.lookup(id);
    if (hit) {
      this.hits += 1;
      return hit;
    }
    this.misses += 1;
    return this.store(id, scanCertificates(pem));
  }

  /** True when parse(id, …) would be a hit. Lets a caller skip decoding a text that is already parsed. */
  has(id: DataId | string | undefined): boolean {
    return id !== undefined && this.lookup(id, false) !== undefined;
  }

  /**
   * parse() without blocking the event loop: on a miss the text is parsed in
   * slices, and the result is cached under `id`, so a synchronous parse(id, …)
   * after it is a hit. Counts a miss when it parses; a hit is counted by the
   * parse() that reads it. Without an id the result is returned, not cached.
   */
  async prepare(id: DataId | string | undefined, pem: string): Promise<ParseResult> {
    if (id === undefined) return scanCertificatesAsync(pem, this.scanOptions);
    const hit = this.lookup(id);
    if (hit) return hit;
    const pendingId = joinId(id);
    const running = this.pending.get(pendingId);
    if (running) return running;
    this.misses += 1;
    const parsing = scanCertificatesAsync(pem, this.scanOptions)
      .then((result) => this.store(id, result))
      .finally(() => {
        this.pending.delete(pendingId);
      });
    this.pending.set(pendingId, parsing);
    return parsing;
  }

  /** Drops what was parsed for a deleted object (its uid). */
  forget(uid: string): void {
    this.objects.delete(uid);
  }

  /** Objects with a cached revision. */
  get size(): number {
    return this.objects.size;
  }

  /** What `id` parsed to, if cached; `touch` marks the object recently used (a read does, a has() does not). */
  private lookup(id: DataId | string, touch = true): ParseResult | undefined {
    const { object, version, key } = splitId(id);
    const entry = touch ? this.objects.get(object) : this.objects.peek(object);
    if (entry?.[0] !== version) return undefined;
    for (let i = 1; i < entry.length; i += 2) {
      const result = entry[i + 1];
      if (entry[i] === key && typeof result === 'object') return result;
    }
    return undefined;
  }

  /** Keeps `result` as the parse of `id`, and returns what is kept (the same results, shared when they are one certificate). */
  private store(id: DataId | string, result: ParseResult): ParseResult {
    const { object, version, key } = splitId(id);
    const kept = keptResult(result);
    const entry = this.objects.get(object);
    // An older revision's parses are dead once a newer one is read; a late
    // parse of an older revision (a reconcile that read a stale cache) does
    // not push out the newer one.
    const current = entry?.[0];
    if (entry === undefined || typeof current !== 'string' || (current !== version && !olderVersion(version, current))) {
      this.objects.set(object, [version, key, kept]);
      return kept;
    }
    if (current !== version) return kept;
    const i = entry.indexOf(key, 1);
    // A new list of exactly its size, not a push (which leaves room for 17).
    if (i < 0) this.objects.set(object, entry.concat([key, kept]));
    else entry[i + 1] = kept;
    return kept;
  }
}

/** resourceVersions are opaque, but the API server's are integers: compare them only when both are. */
function olderVersion(a: string, b: string): boolean {
  return /^\d+$/.test(a) && /^\d+$/.test(b) && (a.length < b.length || (a.length === b.length && a < b));
}

/** The cache id of one data key of a stored object, or undefined for objects that never came from the API server. */
export function objectDataId(obj: { metadata?: { uid?: string; resourceVersion?: string } }, key: string): DataId | undefined {
  const uid = obj.metadata?.uid;
  const rv = obj.metadata?.resourceVersion;
  return uid && rv ? { object: uid, version: rv, key } : undefined;
}

/** A parse of `obj`'s data keys that reads the cache (and fills it on a miss): what the §4.4 gate and the status description take. */
export function cachedParse(parser: ParseCache, obj: { metadata?: { uid?: string; resourceVersion?: string } }): (key: string, pem: string) => ParseResult {
  return (key, pem) => parser.parse(objectDataId(obj, key), pem);
}
