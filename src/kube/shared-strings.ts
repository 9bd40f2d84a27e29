// Equal strings of cached objects, kept once. Every object a watch delivers
// is parsed from JSON into strings of its own: the same apiVersion, label,
// issuer name, key usage, condition message and timestamp, and a Secret's
// ca.crt (an issuer's CA, or a self-signed certificate that is its own CA),
// once per object. In a heap snapshot of the daemon at N = 1,000 Listeners,
// 73,672 of 106,800 strings of 17 to 64 characters were copies of another
// (about 3 MB), and 1,001 of 3,003 PEM data values (0.7 MB). Replacing each
// string of an object by an equal one seen before lets the copy go.
//
// V8 already keeps one copy of property names and of values of up to 10
// characters; what is left is longer values. Strings are immutable, so a
// shared one is indistinguishable from the copy it replaces.
//
// The tables are first in, first out (util/string-table.ts: least recently
// used kept this one at 1.2 MB for 16,384 entries). Values unique to one
// object or revision (uid, resourceVersion) are not looked up: they only
// pushed shared strings out and kept dead ones alive.
import { StringTable } from '../util/string-table.js';

export interface SharedStringsOptions {
  /** Strings remembered; the first remembered are forgotten first (then only their later copies stay apart). */
  maxEntries?: number;
  /** Longer strings are not looked up, except data values under `dataKeys`. */
  maxLength?: number;
  /** Keys of `data` (Secrets, ConfigMaps) whose values are shared whatever their length: values many objects hold the same, such as ca.crt. */
  dataKeys?: readonly string[];
  /** Long data values remembered. */
  maxDataEntries?: number;
}

/** Keys whose values no two objects (or revisions) share. */
const UNIQUE_KEYS: ReadonlySet<string> = new Set(['uid', 'resourceVersion']);

export class SharedStrings {
  private readonly short: StringTable;
  private readonly data: StringTable;
  private readonly maxLength: number;
  private readonly dataKeys: ReadonlySet<string>;

  constructor(opts: SharedStringsOptions = {}) {
    this.short = new StringTable(opts.maxEntries ?? 16_384);
    this.data = new StringTable(opts.maxDataEntries ?? 256);
    this.maxLength = opts.maxLength ?? 128;
    this.dataKeys = new Set(opts.dataKeys ?? ['ca.crt']);
  }

  /** `value`, or the equal string seen before. */
  share(value: string): string {
    if (value.length > this.maxLength) return value;
    return this.short.share(value);
  }

  /** Replaces, in place, each string of `obj` (at any depth) by the equal one seen before. */
  shareAll(obj: unknown): void {
    if (obj === null || typeof obj !== 'object') return;
    if (Array.isArray(obj)) {
      for (let i = 0; i < obj.length; i++) {
        const v: unknown = obj[i];
        if (typeof v === 'string') obj[i] = this.share(v);
        else this.shareAll(v);
      }
      return;
    }
    const record = obj as Record<string, unknown>;
    for (const k of Object.keys(record)) {
      const v = record[k];
      if (typeof v === 'string') record[k] = UNIQUE_KEYS.has(k) ? v : this.share(v);
      else if (k === 'data' && v !== null && typeof v === 'object' && !Array.isArray(v)) this.shareData(v as Record<string, unknown>);
      else this.shareAll(v);
    }
  }

  /** Data values: the listed keys across objects, and any two equal values of one object (tls.crt and ca.crt of a self-signed certificate). */
  private shareData(data: Record<string, unknown>): void {
    const seen = new Map<string, string>();
    for (const k of Object.keys(data)) {
      const v = data[k];
      if (typeof v !== 'string') continue;
      let s = seen.get(v);
      if (s === undefined) {
        s = v.length <= this.maxLength ? this.share(v) : this.dataKeys.has(k) ? this.data.share(v) : v;
        seen.set(s, s);
      }
      // Always assigned: `s !== v` compares contents, which are equal; the point is which copy the object holds.
      data[k] = s;
    }
  }

  /** Strings remembered (for tests). */
  get size(): { short: number; data: number } {
    return { short: this.short.size, data: this.data.size };
  }
}
