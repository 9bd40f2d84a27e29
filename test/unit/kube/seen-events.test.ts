import { createHash, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { SeenEvents } from '../../../src/kube/seen-events.js';
import { heapAfterGc } from '../../support/heap.js';

describe('SeenEvents', function () {
  it('remembers digests per object, and forgets one or all of an object', function () {
    const s = new SeenEvents(100);
    s.add('u1', 'd1');
    s.add('u1', 'd2');
    s.add('u1', 'd2');
    s.add('u2', 'd1');
    expect([s.has('u1', 'd1'), s.has('u1', 'd2'), s.has('u2', 'd1'), s.has('u2', 'd2'), s.has('u3', 'd1')]).to.deep.equal([true, true, true, false, false]);
    expect(s.size).to.equal(3);
    s.delete('u1', 'd1');
    expect([s.has('u1', 'd1'), s.has('u1', 'd2')]).to.deep.equal([false, true]);
    s.delete('u1', 'nothing');
    expect(s.size).to.equal(2);
    s.add('u1', 'd3');
    s.add('u1', 'd4');
    s.forget('u1');
    expect([s.has('u1', 'd2'), s.has('u1', 'd3'), s.has('u2', 'd1')]).to.deep.equal([false, false, true]);
    expect(s.size).to.equal(1);
    s.forget('u2');
    s.forget('u2');
    expect(s.size).to.equal(0);
  });

  it('past its limit forgets the oldest object\'s oldest digest first', function () {
    const s = new SeenEvents(3);
    s.add('a', '1');
    s.add('a', '2');
    s.add('b', '1');
    s.add('c', '1');
    expect(s.size).to.equal(3);
    expect([s.has('a', '1'), s.has('a', '2'), s.has('b', '1'), s.has('c', '1')]).to.deep.equal([false, true, true, true]);
    s.add('d', '1');
    expect([s.has('a', '2'), s.has('d', '1')]).to.deep.equal([false, true]);
    expect(s.size).to.equal(3);
  });

  it('costs under 120 bytes of heap per Event for objects with one or two, digests included', function () {
    const n = 20_000;
    // The uid strings are the cached objects' own: made before measuring. The digests are
    // made as the recorder makes them, 16 characters of their own.
    const uids = Array.from({ length: n }, () => randomUUID());
    const digest = (i: number): string => createHash('sha256').update(String(i)).digest().subarray(0, 12).toString('base64url');
    const s = new SeenEvents(10 * n);
    const before = heapAfterGc();
    for (let i = 0; i < n; i++) {
      s.add(uids[i]!, digest(2 * i));
      if (i % 2 === 0) s.add(uids[i]!, digest(2 * i + 1));
    }
    const per = (heapAfterGc() - before) / s.size;
    console.log(`      heap per remembered Event: ${per.toFixed(0)} B`);
    expect(s.size).to.equal(n * 1.5);
    // A joined "uid\0digest" key, a slice of a longer digest and a timestamp per Event were 200 B in
    // this same test; now the Map's entry, an array for every other object, and the digest (about 85).
    expect(per).to.be.below(120);
  });
});
