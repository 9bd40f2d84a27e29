// The reverse index the controllers use to find the objects a watch event
// concerns without scanning the namespace: it must follow adds, renames and
// deletes exactly, or an event would miss (or wake) the wrong object.
import { expect } from 'chai';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Handler } from '../../../src/kube/informer.js';
import { NameIndex } from '../../../src/kube/name-index.js';

type Obj = KubernetesObject & { metadata: { name: string; namespace: string }; uses: string[] };

describe('NameIndex', function () {
  const handlers: Handler<Obj>[] = [];
  const informer = { on: (h: Handler<Obj>) => { handlers.push(h); } };
  const emit = (e: 'add' | 'update' | 'delete', o: Obj): void => { for (const h of handlers) h(e, o); };
  const o = (namespace: string, name: string, uses: string[]): Obj => ({ metadata: { name, namespace }, uses });

  it('finds the objects naming a name in its namespace, and follows updates and deletes', function () {
    const index = new NameIndex<Obj>(informer, (x) => x.uses);
    emit('add', o('a', 'l1', ['s1', 's2']));
    emit('add', o('a', 'l2', ['s1']));
    emit('add', o('b', 'l3', ['s1']));
    expect([...index.lookup('a', 's1')].sort()).to.deep.equal(['a/l1', 'a/l2']);
    expect(index.lookup('a', 's2')).to.deep.equal(['a/l1']);
    expect(index.lookup('b', 's1')).to.deep.equal(['b/l3']);
    emit('update', o('a', 'l1', ['s3']));
    expect(index.lookup('a', 's2'), 'renamed away').to.deep.equal([]);
    expect(index.lookup('a', 's3')).to.deep.equal(['a/l1']);
    expect(index.lookup('a', 's1')).to.deep.equal(['a/l2']);
    emit('delete', o('a', 'l2', ['s1']));
    expect(index.lookup('a', 's1')).to.deep.equal([]);
    expect(index.lookup('c', 'nothing')).to.deep.equal([]);
  });

  it("in cluster scope, finds the objects of every namespace that name a cluster-scoped object", function () {
    const index = new NameIndex<Obj>(informer, (x) => x.uses, 'cluster');
    emit('add', o('a', 'c1', ['root-ca']));
    emit('add', o('b', 'c2', ['root-ca', 'other']));
    emit('add', o('b', 'c3', ['other']));
    expect([...index.lookupCluster('root-ca')].sort()).to.deep.equal(['a/c1', 'b/c2']);
    emit('update', o('b', 'c2', ['other']));
    expect(index.lookupCluster('root-ca')).to.deep.equal(['a/c1']);
    expect([...index.lookupCluster('other')].sort()).to.deep.equal(['b/c2', 'b/c3']);
    emit('delete', o('a', 'c1', ['root-ca']));
    expect(index.lookupCluster('root-ca')).to.deep.equal([]);
    expect(() => index.lookup('a', 'root-ca')).to.throw(/lookupCluster/);
  });
});
