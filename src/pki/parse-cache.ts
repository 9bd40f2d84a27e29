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

export interface ParseResult {
  certificates: ParsedCertificate[];
  problems: CertificateProblem[];
}

export class ParseCache {
  private readonly entries = new Map<string, ParseResult>();
  /** Async parses under way, so two reconciles that prepare the same text parse it once. */
  private readonly pending = new Map<string, Promise<ParseResult>>();
  hits = 0;
  misses = 0;

  constructor(private readonly maxEntries = 2000, private readonly scanOptions: ScanOptions = {}) {}

  /** `id` must change whenever `pem` can: e.g. `${uid}@${resourceVersion}#${key}`. */
  parse(id: string | undefined, pem: string): ParseResult {
    if (id === undefined) return scanCertificates(pem);
    const hit = this.touch(id);
    if (hit) {
      this.hits += 1;
      return hit;
    }
    this.misses += 1;
    const result = scanCertificates(pem);
    this.store(id, result);
    return result;
  }

  /** True when parse(id, …) would be a hit. Lets a caller skip decoding a text that is already parsed. */
  has(id: string | undefined): boolean {
    return id !== undefined && this.entries.has(id);
  }

  /**
   * parse() without blocking the event loop: on a miss the text is parsed in
   * slices, and the result is cached under `id`, so a synchronous parse(id, …)
   * after it is a hit. Counts a miss when it parses; a hit is counted by the
   * parse() that reads it. Without an id the result is returned, not cached.
   */
  async prepare(id: string | undefined, pem: string): Promise<ParseResult> {
    if (id === undefined) return scanCertificatesAsync(pem, this.scanOptions);
    const hit = this.touch(id);
    if (hit) return hit;
    const running = this.pending.get(id);
    if (running) return running;
    this.misses += 1;
    const parsing = scanCertificatesAsync(pem, this.scanOptions)
      .then((result) => {
        this.store(id, result);
        return result;
      })
      .finally(() => {
        this.pending.delete(id);
      });
    this.pending.set(id, parsing);
    return parsing;
  }

  private touch(id: string): ParseResult | undefined {
    const hit = this.entries.get(id);
    if (hit) {
      // Map order is insertion order: re-inserting marks it recently used.
      this.entries.delete(id);
      this.entries.set(id, hit);
    }
    return hit;
  }

  private store(id: string, result: ParseResult): void {
    this.entries.set(id, result);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }
}

/** The cache id of one data key of a stored object, or undefined for objects that never came from the API server. */
export function objectDataId(obj: { metadata?: { uid?: string; resourceVersion?: string } }, key: string): string | undefined {
  const uid = obj.metadata?.uid;
  const rv = obj.metadata?.resourceVersion;
  return uid && rv ? `${uid}@${rv}#${key}` : undefined;
}

/** A parse of `obj`'s data keys that reads the cache (and fills it on a miss): what the §4.4 gate and the status description take. */
export function cachedParse(parser: ParseCache, obj: { metadata?: { uid?: string; resourceVersion?: string } }): (key: string, pem: string) => ParseResult {
  return (key, pem) => parser.parse(objectDataId(obj, key), pem);
}
