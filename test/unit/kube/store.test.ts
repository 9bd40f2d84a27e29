// The informer's store answers list(namespace) from a per-namespace index: it
// must give exactly what filtering every object gave (same objects, same
// order, updates and deletes followed), or a controller would miss objects.
import { expect } from 'chai';
import type { KubernetesObject } from '@kubernetes/client-node';
import { ObjectStore } from '../../../src/kube/store.js';

const o = (namespace: string | undefined, name: string, v = '1'): KubernetesObject => ({ metadata: { name, namespace, resourceVersion: v } });
const key = (x: KubernetesObject): string => (x.metadata?.namespace ? `${x.metadata.namespace}/${x.metadata.name}` : x.metadata?.name ?? '');

describe('ObjectStore', function () {
  it('lists a namespace as filtering every object would, through updates and deletes', function () {
    const store = new ObjectStore<KubernetesObject>();
    const reference = new Map<string, KubernetesObject>();
    const put = (x: KubernetesObject): void => { store.set(key(x), x); reference.set(key(x), x); };
    const del = (k: string): void => { store.delete(k); reference.delete(k); };
    const filtered = (ns?: string): KubernetesObject[] => [...reference.values()].filter((x) => ns === undefined || x.metadata?.namespace === ns);
    const check = (): void => {
      for (const ns of [undefined, 'a', 'b', 'c', '']) expect(store.list(ns), `namespace ${ns}`).to.deep.equal(filtered(ns));
    };
    put(o('a', 'x')); put(o('b', 'x')); put(o('a', 'y')); put(o(undefined, 'cluster'));
    check();
    put(o('a', 'x', '2'));
    check();
    expect(store.get('a/x')?.metadata?.resourceVersion).to.equal('2');
    del('a/x'); del('b/x'); del('nothing/here');
    check();
    expect(store.list('b')).to.deep.equal([]);
    del('cluster');
    check();
  });

  it('returns a copy the caller may change', function () {
    const store = new ObjectStore<KubernetesObject>();
    store.set('a/x', o('a', 'x'));
    store.list('a').pop();
    expect(store.list('a')).to.have.length(1);
  });
});
