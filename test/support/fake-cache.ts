// What controllers use of an Informer (get, list, handlers) over a plain array,
// for unit tests of the code that maps watch events onto keys.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Handler, Informer } from '../../src/kube/informer.js';

export class FakeCache<T extends KubernetesObject> {
  items: T[] = [];
  private readonly handlers: Handler<T>[] = [];

  get(namespace: string | undefined, name: string): T | undefined {
    return this.items.find((i) => i.metadata?.namespace === namespace && i.metadata?.name === name);
  }

  list(namespace?: string): T[] {
    return this.items.filter((i) => namespace === undefined || i.metadata?.namespace === namespace);
  }

  on(h: Handler<T>): void {
    this.handlers.push(h);
  }

  /** Adds or replaces (same namespace and name) and tells the handlers. */
  add(obj: T): void {
    const old = this.get(obj.metadata?.namespace, obj.metadata?.name ?? '');
    this.items = [...this.items.filter((i) => i !== old), obj];
    for (const h of this.handlers) h(old ? 'update' : 'add', obj, old);
  }

  delete(name: string): void {
    const obj = this.items.find((i) => i.metadata?.name === name);
    this.items = this.items.filter((i) => i !== obj);
    if (obj) for (const h of this.handlers) h('delete', obj);
  }

  as(): Informer<T> {
    return this as unknown as Informer<T>;
  }
}
