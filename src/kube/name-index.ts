// Which objects of one informer name a given object (a Listener its Secret,
// by spec.tlsCredentials or a default name), kept current from the
// informer's events. A Secret's or Certificate's watch event then finds its
// objects in O(1); scanning every object of the namespace per event costs
// O(N) per event, O(N^2) while N objects converge. Names are of objects in the
// same namespace, or (scope 'cluster') of cluster-scoped objects, such as a
// ClusterIssuer, that objects in any namespace name.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Handler } from './informer.js';
import { namespacedKey, objectKey } from './keys.js';

/** One key, or several: nearly every name is named by one object, and a Set per entry was 150 bytes of heap. */
type Keys = string | Set<string>;

/** The indexes made by NameIndex.of, per informer: few per informer, found by a scan. */
const shared = new WeakMap<object, { names: unknown; scope: string; index: unknown }[]>();

export class NameIndex<T extends KubernetesObject> {
  /** "namespace/named" → key(s) of the objects that name it. */
  private readonly byName = new Map<string, Keys>();
  /** Object key → the "namespace/named" entry (or entries) it is in. */
  private readonly entriesOf = new Map<string, string | string[]>();

  /**
   * The index of `informer` by `names`, made once: two controllers that index
   * the same objects by the same function (the expiry and roll controllers
   * both find Listeners by their Secret names) share it instead of holding
   * two copies of every entry.
   */
  static of<T extends KubernetesObject>(informer: { on(handler: Handler<T>): void }, names: (obj: T) => readonly string[], scope: 'namespace' | 'cluster' = 'namespace'): NameIndex<T> {
    let made = shared.get(informer);
    if (!made) shared.set(informer, (made = []));
    const found = made.find((m) => m.names === names && m.scope === scope);
    if (found) return found.index as NameIndex<T>;
    const index = new NameIndex(informer, names, scope);
    made.push({ names, scope, index });
    return index;
  }

  /** Register before any handler that calls lookup(), so the index is current when they run. */
  constructor(informer: { on(handler: Handler<T>): void }, private readonly names: (obj: T) => readonly string[], private readonly scope: 'namespace' | 'cluster' = 'namespace') {
    informer.on((event, obj) => {
      const key = objectKey(obj);
      if (event === 'delete') {
        this.drop(key);
        return;
      }
      const entries = this.entriesFor(obj);
      // Most updates (a status, a resourceVersion) name the same objects: left
      // as they are. Dropped and added again, every event left a deleted slot
      // in both maps, whose tables then grew to 2-4 times the capacity their
      // entries need (16,384 slots for 2,500 keys, 0.46 MB, in a heap snapshot).
      if (sameEntries(this.entriesOf.get(key), entries)) return;
      this.drop(key);
      this.add(key, entries);
    });
  }

  /** Keys ("namespace/name") of the objects in `namespace` that name `name`. */
  lookup(namespace: string, name: string): readonly string[] {
    if (this.scope === 'cluster') throw new Error('a cluster-scope NameIndex is looked up with lookupCluster(name)');
    return keysOf(this.byName.get(namespacedKey(namespace, name)));
  }

  /** Keys of the objects, in any namespace, that name the cluster-scoped object `name`. */
  lookupCluster(name: string): readonly string[] {
    if (this.scope !== 'cluster') throw new Error('a namespace-scope NameIndex is looked up with lookup(namespace, name)');
    return keysOf(this.byName.get(name));
  }

  /** The "namespace/named" entries `obj` belongs in, each once. */
  private entriesFor(obj: T): string[] {
    const ns = obj.metadata?.namespace ?? '';
    return [...new Set(this.names(obj))].map((n) => (this.scope === 'cluster' ? n : namespacedKey(ns, n)));
  }

  private add(key: string, entries: string[]): void {
    if (entries.length === 0) return;
    for (const e of entries) {
      const keys = this.byName.get(e);
      if (keys === undefined) this.byName.set(e, key);
      else if (typeof keys === 'string') {
        if (keys !== key) this.byName.set(e, new Set([keys, key]));
      } else keys.add(key);
    }
    this.entriesOf.set(key, entries.length === 1 ? entries[0] ?? '' : entries);
  }

  private drop(key: string): void {
    const entries = this.entriesOf.get(key);
    if (entries === undefined) return;
    for (const e of typeof entries === 'string' ? [entries] : entries) {
      const keys = this.byName.get(e);
      if (keys === key) this.byName.delete(e);
      else if (keys instanceof Set) {
        keys.delete(key);
        // Back to one key: a string again.
        if (keys.size === 1) this.byName.set(e, keys.values().next().value ?? '');
        else if (keys.size === 0) this.byName.delete(e);
      }
    }
    this.entriesOf.delete(key);
  }
}

function sameEntries(held: string | string[] | undefined, entries: readonly string[]): boolean {
  if (held === undefined) return entries.length === 0;
  if (typeof held === 'string') return entries.length === 1 && entries[0] === held;
  return held.length === entries.length && held.every((e, i) => e === entries[i]);
}

function keysOf(keys: Keys | undefined): readonly string[] {
  if (keys === undefined) return [];
  return typeof keys === 'string' ? [keys] : [...keys];
}
