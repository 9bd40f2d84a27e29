// A map of maps: an outer key (a namespace, a kind and namespace) that few
// entries differ in, then an inner key (an object's name). A joined
// "kind/namespace/name" key is a string made per object (a concatenation, 80
// bytes or so with its flattened text) held for as long as the entry is; the
// inner key can be the cached object's own name string, which costs nothing
// more (issue 16).

export class NestedMap<V> {
  private readonly outer = new Map<string, Map<string, V>>();

  get(outerKey: string, key: string): V | undefined {
    return this.outer.get(outerKey)?.get(key);
  }

  /** Keep `key` a string something else holds already (the cached object's name), not one made for the call. */
  set(outerKey: string, key: string, value: V): void {
    let inner = this.outer.get(outerKey);
    if (inner === undefined) this.outer.set(outerKey, (inner = new Map<string, V>()));
    inner.set(key, value);
  }

  delete(outerKey: string, key: string): boolean {
    const inner = this.outer.get(outerKey);
    if (inner === undefined || !inner.delete(key)) return false;
    if (inner.size === 0) this.outer.delete(outerKey);
    return true;
  }

  *values(): IterableIterator<V> {
    for (const inner of this.outer.values()) yield* inner.values();
  }

  get size(): number {
    let n = 0;
    for (const inner of this.outer.values()) n += inner.size;
    return n;
  }
}
