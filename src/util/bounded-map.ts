// A Map that keeps at most `max` entries and forgets the least recently used
// one first. The daemon's memories of parsed and verified certificates are
// sized by the objects it tracks; the bound is what stays true when something
// (a missed delete, a tenant writing many revisions) would grow them past it.

export class BoundedMap<K, V> {
  // Map order is insertion order: re-inserting an entry marks it recently used.
  private readonly entries = new Map<K, V>();

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new Error(`BoundedMap needs a positive integer bound, got ${max}`);
  }

  /** The value, marked recently used. */
  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  /** The value without marking it used. */
  peek(key: K): V | undefined {
    return this.entries.get(key);
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.max) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
  }

  delete(key: K): boolean {
    return this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
