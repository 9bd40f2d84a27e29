// Parsing a big bundle costs milliseconds per certificate; reconciles run on
// every watch event and resync. Objects are immutable per resourceVersion, so
// parse results are cached by (uid, resourceVersion, key) and a steady state
// parses nothing (SPEC §4.3: once per resourceVersion).
import { scanCertificates, type CertificateProblem, type ParsedCertificate } from './x509.js';

export interface ParseResult {
  certificates: ParsedCertificate[];
  problems: CertificateProblem[];
}

export class ParseCache {
  private readonly entries = new Map<string, ParseResult>();
  hits = 0;
  misses = 0;

  constructor(private readonly maxEntries = 2000) {}

  /** `id` must change whenever `pem` can: e.g. `${uid}@${resourceVersion}#${key}`. */
  parse(id: string | undefined, pem: string): ParseResult {
    if (id === undefined) return scanCertificates(pem);
    const hit = this.entries.get(id);
    if (hit) {
      this.hits += 1;
      // Map order is insertion order: re-inserting marks it recently used.
      this.entries.delete(id);
      this.entries.set(id, hit);
      return hit;
    }
    this.misses += 1;
    const result = scanCertificates(pem);
    this.entries.set(id, result);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return result;
  }
}

/** The cache id of one data key of a stored object, or undefined for objects that never came from the API server. */
export function objectDataId(obj: { metadata?: { uid?: string; resourceVersion?: string } }, key: string): string | undefined {
  const uid = obj.metadata?.uid;
  const rv = obj.metadata?.resourceVersion;
  return uid && rv ? `${uid}@${rv}#${key}` : undefined;
}
