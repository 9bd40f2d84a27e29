// Equal strings and small parts of cached objects, kept once. Every object a watch delivers
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
//
// The same goes for small parts made only of such values: every Certificate
// of one issuer has the same issuerRef, privateKey, usages and
// secretTemplate, and the Ready conditions of one second are equal. Each of
// those objects costs 30 to 100 bytes per copy. They are shared the same
// way, frozen: a cache's objects are never changed in place (writes are
// made from new objects), and a frozen one makes a change that would reach
// every holder fail where it is attempted instead.
import { BoundedMap } from '../util/bounded-map.js';
import { StringTable } from '../util/string-table.js';

export interface SharedValuesOptions {
  /** Strings remembered; the first remembered are forgotten first (then only their later copies stay apart). */
  maxEntries?: number;
  /** Longer strings are not looked up, except data values under `dataKeys`. */
  maxLength?: number;
  /** Keys of `data` (Secrets, ConfigMaps) whose values are shared whatever their length: values many objects hold the same, such as ca.crt. */
  dataKeys?: readonly string[];
  /** Long data values remembered. */
  maxDataEntries?: number;
  /**
   * Small objects and arrays remembered (first in, first out). Parts seen
   * once (the labels naming one Listener) are remembered too, as JSON text:
   * 1,024 of them are about 130 KB; 2,048 saved less per object than that cost.
   */
  maxParts?: number;
  /** False: strings only (for comparisons). */
  shareParts?: boolean;
}

/** A part with more entries, or a longer text, is not looked up: the small ones repeat, the big ones rarely do. */
const MAX_PART_ENTRIES = 8;
const MAX_PART_TEXT = 256;

/** Keys whose values no two objects (or revisions) share. */
const UNIQUE_KEYS: ReadonlySet<string> = new Set(['uid', 'resourceVersion']);

export class SharedValues {
  private readonly short: StringTable;
  private readonly data: StringTable;
  private readonly maxLength: number;
  private readonly dataKeys: ReadonlySet<string>;
  /** By their JSON text: parts handed out for equal ones. */
  private readonly parts: BoundedMap<string, object>;
  /** Every part handed out, whether still remembered or not (frozen, and walked no more): the length of its JSON text. */
  private readonly sharedParts = new WeakMap<object, number>();
  private readonly shareParts: boolean;

  constructor(opts: SharedValuesOptions = {}) {
    this.short = new StringTable(opts.maxEntries ?? 16_384);
    this.data = new StringTable(opts.maxDataEntries ?? 256);
    this.parts = new BoundedMap(opts.maxParts ?? 1_024);
    this.shareParts = opts.shareParts ?? true;
    this.maxLength = opts.maxLength ?? 128;
    this.dataKeys = new Set(opts.dataKeys ?? ['ca.crt']);
  }

  /** `value`, or the equal string seen before. */
  share(value: string): string {
    if (value.length > this.maxLength) return value;
    return this.short.share(value);
  }

  /**
   * Replaces, in place, each string of `obj` (at any depth) by the equal one
   * seen before, and each small part made only of strings, numbers, booleans
   * and such parts by the equal part seen before. `obj` itself stays.
   */
  shareAll(obj: unknown): void {
    if (obj !== null && typeof obj === 'object') this.walk(obj, true);
  }

  /** Parts handed out and still remembered (for tests). */
  get partCount(): number {
    return this.parts.size;
  }

  /** `obj` with its strings and parts shared; when `obj` is itself a small part, the equal part to hold instead of it. */
  private walk(obj: object, root = false): object {
    if (this.sharedParts.has(obj) || Object.isFrozen(obj)) return obj;
    // Whether obj is made only of values and shared parts, so it can be a shared part itself.
    let part = this.shareParts && !root;
    let entries = 0;
    // No more than obj's JSON text: a parent too long to be a part is not serialized to find out.
    let least = 2;
    if (Array.isArray(obj)) {
      const list = obj as unknown[];
      for (let i = 0; i < list.length; i++) {
        const v = list[i];
        if (typeof v === 'string') {
          list[i] = this.share(v);
          least += v.length + 2;
        } else if (v !== null && typeof v === 'object') {
          const w = this.walk(v);
          if (w !== v) list[i] = w;
          const text = this.sharedParts.get(w);
          if (text === undefined) part = false;
          else least += text;
        }
        entries += 1;
      }
    } else {
      const record = obj as Record<string, unknown>;
      for (const k of Object.keys(record)) {
        const v = record[k];
        entries += 1;
        least += k.length + 3;
        if (typeof v === 'string') {
          if (UNIQUE_KEYS.has(k)) part = false;
          else record[k] = this.share(v);
          least += v.length + 2;
        } else if (k === 'data' && v !== null && typeof v === 'object' && !Array.isArray(v)) {
          this.shareData(v as Record<string, unknown>);
          part = false;
        } else if (v !== null && typeof v === 'object') {
          const w = this.walk(v);
          if (w !== v) record[k] = w;
          const text = this.sharedParts.get(w);
          if (text === undefined) part = false;
          else least += text;
        }
      }
    }
    return part && entries <= MAX_PART_ENTRIES && least <= MAX_PART_TEXT ? this.sharePart(obj) : obj;
  }

  /** The part equal to `obj` handed out before, or `obj` itself, frozen, from now on. */
  private sharePart(obj: object): object {
    const text = JSON.stringify(obj);
    if (text.length > MAX_PART_TEXT) return obj;
    const known = this.parts.peek(text);
    if (known !== undefined) return known;
    Object.freeze(obj);
    this.parts.set(text, obj);
    this.sharedParts.set(obj, text.length);
    return obj;
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
