// The reverse index the controllers use to find the objects a watch event
// concerns without scanning the namespace: it must follow adds, renames and
// deletes exactly, or an event would miss (or wake) the wrong object.
import { expect } from 'chai';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Handler } from '../../../src/kube/informer.js';
import { NameIndex } from '../../../src/kube/name-index.js';
import { heapAfterGc } from '../../support/heap.js';

type Obj = KubernetesObject & { metadata: { name: string; namespace: string }; uses: string[] };

describe('NameIndex', function () {
  const handlers: Handler<Obj>[] = [];
  const informer = { on: (h: Handler<Obj>) => { handlers.push(h); } };
  // As the informer sends them: an update with the object it replaces, a delete with its last state and the object the cache held.
  const held = new Map<string, Obj>();
  const emit = (e: 'add' | 'update' | 'delete', o: Obj): void => {
    const key = `${o.metadata.namespace}/${o.metadata.name}`;
    const old = held.get(key);
    if (e === 'delete') held.delete(key);
    else held.set(key, o);
    for (const h of handlers) h(e, o, e === 'add' ? undefined : old);
  };
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

  it('one name named by three objects, then two, one, none, and again: each step exact', function () {
    const index = new NameIndex<Obj>(informer, (x) => x.uses);
    emit('add', o('m', 'x1', ['shared']));
    emit('add', o('m', 'x2', ['shared']));
    emit('add', o('m', 'x3', ['shared']));
    expect([...index.lookup('m', 'shared')].sort()).to.deep.equal(['m/x1', 'm/x2', 'm/x3']);
    emit('delete', o('m', 'x2', ['shared']));
    expect([...index.lookup('m', 'shared')].sort()).to.deep.equal(['m/x1', 'm/x3']);
    emit('update', o('m', 'x1', ['own']));
    expect(index.lookup('m', 'shared')).to.deep.equal(['m/x3']);
    // The same object again (a resync's update) is not counted twice.
    emit('update', o('m', 'x3', ['shared']));
    expect(index.lookup('m', 'shared')).to.deep.equal(['m/x3']);
    emit('delete', o('m', 'x3', ['shared']));
    expect(index.lookup('m', 'shared')).to.deep.equal([]);
    emit('add', o('m', 'x4', ['shared']));
    expect(index.lookup('m', 'shared')).to.deep.equal(['m/x4']);
    expect(index.lookup('m', 'own')).to.deep.equal(['m/x1']);
  });

  it('updates that name the same objects, in any order, or none, keep every lookup exact', function () {
    const index = new NameIndex<Obj>(informer, (x) => x.uses);
    emit('add', o('u', 'y1', ['a', 'b']));
    emit('add', o('u', 'y2', ['b']));
    emit('update', o('u', 'y1', ['a', 'b']));
    emit('update', o('u', 'y1', ['b', 'a', 'b']));
    expect(index.lookup('u', 'a')).to.deep.equal(['u/y1']);
    expect([...index.lookup('u', 'b')].sort()).to.deep.equal(['u/y1', 'u/y2']);
    emit('update', o('u', 'y2', []));
    emit('update', o('u', 'y2', []));
    expect(index.lookup('u', 'b')).to.deep.equal(['u/y1']);
    emit('update', o('u', 'y2', ['a']));
    expect([...index.lookup('u', 'a')].sort()).to.deep.equal(['u/y1', 'u/y2']);
    emit('delete', o('u', 'y1', ['a', 'b']));
    expect(index.lookup('u', 'a')).to.deep.equal(['u/y2']);
    expect(index.lookup('u', 'b')).to.deep.equal([]);
  });

  it('a delete whose last state names something else drops what the cached object named', function () {
    const index = new NameIndex<Obj>(informer, (x) => x.uses);
    emit('add', o('d', 'z1', ['first']));
    // The watch's DELETED event carries a state the cache never saw (an update in between was not delivered).
    emit('delete', o('d', 'z1', ['second']));
    expect(index.lookup('d', 'first')).to.deep.equal([]);
    expect(index.lookup('d', 'second')).to.deep.equal([]);
  });

  it('NameIndex.of: one index per informer, names function and scope, shared by whoever asks', function () {
    const mine: Handler<Obj>[] = [];
    const inf = { on: (h: Handler<Obj>) => { mine.push(h); } };
    const uses = (x: Obj): readonly string[] => x.uses;
    const first = NameIndex.of<Obj>(inf, uses);
    expect(NameIndex.of<Obj>(inf, uses), 'same informer and function').to.equal(first);
    expect(NameIndex.of<Obj>(inf, (x) => x.uses), 'another function').to.not.equal(first);
    expect(NameIndex.of<Obj>(inf, uses, 'cluster'), 'another scope').to.not.equal(first);
    expect(NameIndex.of<Obj>({ on: () => undefined }, uses), 'another informer').to.not.equal(first);
    expect(mine, 'one handler per index made').to.have.length(3);
  });
});

describe('NameIndex memory', function () {
  it('an object naming one name costs little more than a map entry, its names shared with the object', function () {
    const handlers: Handler<Obj>[] = [];
    const index = new NameIndex<Obj>({ on: (h: Handler<Obj>) => { handlers.push(h); } }, (x) => x.uses);
    const n = 10_000;
    // Objects as an informer holds them (made before the measurement): each names its own Secret, as a Listener does.
    const objects = Array.from({ length: n }, (_, i) => ({ metadata: { name: `listener-${i}`, namespace: 'site-a' }, uses: [`listener-${i}-listener-tls`] }));
    const updated = objects.map((o) => ({ ...o, metadata: { ...o.metadata } }));
    const before = heapAfterGc();
    for (const o of objects) for (const h of handlers) h('add', o);
    // Every object updated once (a status change): the index must not grow with it.
    for (let i = 0; i < n; i++) for (const h of handlers) h('update', updated[i] as Obj, objects[i]);
    const perObject = (heapAfterGc() - before) / n;
    // Used after the measurement, so they are not collected during it (they stand for the informer's cache).
    expect(objects.length + updated.length).to.equal(2 * n);
    console.log(`      heap per indexed object: ${perObject.toFixed(0)} B`);
    expect(index.lookup('site-a', 'listener-7-listener-tls')).to.deep.equal(['site-a/listener-7']);
    // Two maps of "namespace/name" keys (concatenated strings) were 250-300 bytes per object.
    expect(perObject).to.be.below(100);
  });
});
