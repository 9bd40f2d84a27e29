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

/** One referrer, or several: nearly every name is named by one object, and a Set per entry was 150 bytes of heap. */
type Refs = string | Set<string>;

/** The indexes made by NameIndex.of, per informer: few per informer, found by a scan. */
const shared = new WeakMap<object, { names: unknown; scope: string; index: unknown }[]>();

/**
 * Held per index for every object that names something, so its memory is
 * kept small (issue 16): a map per namespace of the names named, and as the
 * referrer the object's own name string (in namespace scope), which its
 * cached object already holds. The "namespace/name" keys are made when looked
 * up. What an object named before is read from the informer's old object, not
 * kept: a second map of every object's entries, and the concatenated key
 * strings of both maps, were most of 1.5 KiB per Listener for five indexes.
 */
export class NameIndex<T extends KubernetesObject> {
  /** Namespace ('' in cluster scope) → name named → the objects that name it: their names (namespace scope) or keys (cluster scope). */
  private readonly byName = new Map<string, Map<string, Refs>>();

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
    informer.on((event, obj, old) => {
      const now = event === 'delete' ? [] : this.namedBy(obj);
      // An update without the old object (never sent by the informer) only adds: a name it no longer uses would wake it needlessly, not miss it.
      // What is indexed was derived from the cache's object: on a delete that is `old` too.
      const before = event === 'add' ? [] : old ? this.namedBy(old) : event === 'delete' ? this.namedBy(obj) : [];
      // Most updates (a status, a resourceVersion) name the same objects: nothing to do.
      if (before.length === now.length && before.every((n, i) => n === now[i])) return;
      const ns = this.scope === 'cluster' ? '' : (obj.metadata?.namespace ?? '');
      const ref = this.scope === 'cluster' ? objectKey(obj) : (obj.metadata?.name ?? '');
      for (const n of before) if (!now.includes(n)) this.remove(ns, n, ref);
      for (const n of now) if (!before.includes(n)) this.add(ns, n, ref);
    });
  }

  /** Keys ("namespace/name") of the objects in `namespace` that name `name`. */
  lookup(namespace: string, name: string): readonly string[] {
    if (this.scope === 'cluster') throw new Error('a cluster-scope NameIndex is looked up with lookupCluster(name)');
    return refsOf(this.byName.get(namespace)?.get(name)).map((ref) => namespacedKey(namespace, ref));
  }

  /** Keys of the objects, in any namespace, that name the cluster-scoped object `name`. */
  lookupCluster(name: string): readonly string[] {
    if (this.scope !== 'cluster') throw new Error('a namespace-scope NameIndex is looked up with lookup(namespace, name)');
    return refsOf(this.byName.get('')?.get(name));
  }

  /** The names `obj` names, each once. */
  private namedBy(obj: T): string[] {
    return [...new Set(this.names(obj))];
  }

  private add(ns: string, name: string, ref: string): void {
    let named = this.byName.get(ns);
    if (named === undefined) this.byName.set(ns, (named = new Map<string, Refs>()));
    const refs = named.get(name);
    if (refs === undefined) named.set(name, ref);
    else if (typeof refs === 'string') {
      if (refs !== ref) named.set(name, new Set([refs, ref]));
    } else refs.add(ref);
  }

  private remove(ns: string, name: string, ref: string): void {
    const named = this.byName.get(ns);
    const refs = named?.get(name);
    if (named === undefined || refs === undefined) return;
    if (refs === ref) named.delete(name);
    else if (refs instanceof Set) {
      refs.delete(ref);
      // Back to one referrer: a string again.
      if (refs.size === 1) named.set(name, refs.values().next().value ?? '');
      else if (refs.size === 0) named.delete(name);
    }
    if (named.size === 0) this.byName.delete(ns);
  }
}

function refsOf(refs: Refs | undefined): string[] {
  if (refs === undefined) return [];
  return typeof refs === 'string' ? [refs] : [...refs];
}
