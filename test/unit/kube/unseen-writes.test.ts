// The decision that keeps a reconcile woken before its own write came back
// from repeating it: skip only while the cache shows exactly the version the
// write was decided on, for the same write, within the TTL. Skipping anything
// else would leave a Listener unwired.
import { expect } from 'chai';
import { repeatsUnseenWrite, UnseenWrites } from '../../../src/kube/unseen-writes.js';

describe('UnseenWrites', function () {
  const last = { basedOn: '100', wrote: 'secret-a', at: 1_000 };

  it('skips the same write decided on the same cached version within the TTL', function () {
    expect(repeatsUnseenWrite(last, '100', 'secret-a', 1_500, 30_000)).to.equal(true);
  });

  it('writes again once the cache moved on, the wanted value changed, the TTL passed or nothing was written', function () {
    expect(repeatsUnseenWrite(last, '101', 'secret-a', 1_500, 30_000), 'cache moved on (echo or another writer)').to.equal(false);
    expect(repeatsUnseenWrite(last, '100', 'secret-b', 1_500, 30_000), 'a different write').to.equal(false);
    expect(repeatsUnseenWrite(last, '100', 'secret-a', 31_000, 30_000), 'TTL passed').to.equal(false);
    expect(repeatsUnseenWrite(undefined, '100', 'secret-a', 1_500, 30_000), 'nothing written').to.equal(false);
    expect(repeatsUnseenWrite(last, undefined, 'secret-a', 1_500, 30_000), 'no version to compare').to.equal(false);
  });

  it('remembers per key and forgets an entry the cache has moved past', function () {
    let now = 0;
    const w = new UnseenWrites(30_000, () => now);
    w.record('ns/a', '7', 's');
    expect(w.pending('ns/a', '7', 's')).to.equal(true);
    expect(w.pending('ns/b', '7', 's'), 'another key').to.equal(false);
    expect(w.pending('ns/a', '8', 's'), 'echo arrived').to.equal(false);
    expect(w.pending('ns/a', '7', 's'), 'forgotten after the cache moved on').to.equal(false);
    w.record('ns/a', '9', 's');
    now = 30_000;
    expect(w.pending('ns/a', '9', 's'), 'TTL passed').to.equal(false);
    w.record('ns/a', '10', 's');
    w.forget('ns/a');
    expect(w.pending('ns/a', '10', 's')).to.equal(false);
  });
});
