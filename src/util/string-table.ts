// Equal strings kept once: the first copy seen is handed out for every later
// equal one, so the later copies can be collected. First in, first out: a hit
// is not re-inserted (as a least-recently-used Map would), because the
// deleted slots of re-insertion kept a Map at about twice its entries. A
// forgotten string costs only a second copy of it from then on.
import { BoundedMap } from './bounded-map.js';

export class StringTable {
  private readonly table: BoundedMap<string, string>;

  constructor(maxEntries: number) {
    this.table = new BoundedMap(maxEntries);
  }

  /** `value`, or the equal string remembered before. */
  share(value: string): string {
    const known = this.table.peek(value);
    if (known !== undefined) return known;
    this.table.set(value, value);
    return value;
  }

  get size(): number {
    return this.table.size;
  }
}
