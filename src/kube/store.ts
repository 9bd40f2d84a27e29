// An informer's objects by key, and by namespace: the controllers list one
// namespace per event, and copying and filtering every object of the store
// for that was 13 % of the daemon's CPU at 1,000 Listeners.
import type { KubernetesObject } from '@kubernetes/client-node';

export class ObjectStore<T extends KubernetesObject> {
  private readonly all = new Map<string, T>();
  /** namespace → key → object; cluster-scoped objects are in no namespace's list, as before. */
  private readonly byNamespace = new Map<string, Map<string, T>>();

  get(key: string): T | undefined {
    return this.all.get(key);
  }

  set(key: string, obj: T): void {
    const ns = obj.metadata?.namespace;
    const old = this.all.get(key);
    // A key names one object, so its namespace never changes; handled anyway so the index cannot drift.
    if (old && old.metadata?.namespace !== ns) this.unindex(old.metadata?.namespace, key);
    this.all.set(key, obj);
    if (!ns) return;
    let inNs = this.byNamespace.get(ns);
    if (!inNs) this.byNamespace.set(ns, (inNs = new Map<string, T>()));
    inNs.set(key, obj);
  }

  delete(key: string): void {
    const old = this.all.get(key);
    if (!old) return;
    this.all.delete(key);
    this.unindex(old.metadata?.namespace, key);
  }

  /** Every object, or those of one namespace; a fresh array the caller may keep. */
  list(namespace?: string): T[] {
    if (namespace === undefined) return [...this.all.values()];
    const inNs = this.byNamespace.get(namespace);
    return inNs ? [...inNs.values()] : [];
  }

  private unindex(ns: string | undefined, key: string): void {
    if (!ns) return;
    const inNs = this.byNamespace.get(ns);
    inNs?.delete(key);
    if (inNs?.size === 0) this.byNamespace.delete(ns);
  }
}
