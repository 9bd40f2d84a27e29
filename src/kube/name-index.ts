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

export class NameIndex<T extends KubernetesObject> {
  /** "namespace/named" → keys of the objects that name it. */
  private readonly byName = new Map<string, Set<string>>();
  /** Object key → the "namespace/named" entries it is in. */
  private readonly entriesOf = new Map<string, string[]>();

  /** Register before any handler that calls lookup(), so the index is current when they run. */
  constructor(informer: { on(handler: Handler<T>): void }, private readonly names: (obj: T) => readonly string[], private readonly scope: 'namespace' | 'cluster' = 'namespace') {
    informer.on((event, obj) => {
      const key = objectKey(obj);
      this.drop(key);
      if (event !== 'delete') this.add(key, obj);
    });
  }

  /** Keys ("namespace/name") of the objects in `namespace` that name `name`. */
  lookup(namespace: string, name: string): readonly string[] {
    if (this.scope === 'cluster') throw new Error('a cluster-scope NameIndex is looked up with lookupCluster(name)');
    const set = this.byName.get(namespacedKey(namespace, name));
    return set ? [...set] : [];
  }

  /** Keys of the objects, in any namespace, that name the cluster-scoped object `name`. */
  lookupCluster(name: string): readonly string[] {
    if (this.scope !== 'cluster') throw new Error('a namespace-scope NameIndex is looked up with lookup(namespace, name)');
    const set = this.byName.get(name);
    return set ? [...set] : [];
  }

  private add(key: string, obj: T): void {
    const ns = obj.metadata?.namespace ?? '';
    const entries = [...new Set(this.names(obj))].map((n) => (this.scope === 'cluster' ? n : namespacedKey(ns, n)));
    for (const e of entries) {
      let set = this.byName.get(e);
      if (!set) this.byName.set(e, (set = new Set()));
      set.add(key);
    }
    this.entriesOf.set(key, entries);
  }

  private drop(key: string): void {
    for (const e of this.entriesOf.get(key) ?? []) {
      const set = this.byName.get(e);
      set?.delete(key);
      if (set?.size === 0) this.byName.delete(e);
    }
    this.entriesOf.delete(key);
  }
}
