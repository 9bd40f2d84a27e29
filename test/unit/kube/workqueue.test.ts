import { expect } from 'chai';
import { WorkQueue } from '../../../src/kube/workqueue.js';
import { eventually } from '../../support/wait.js';
import { FakeClock } from './fake-clock.js';

describe('WorkQueue', function () {
  it('deduplicates keys that are waiting', async function () {
    const q = new WorkQueue();
    q.add('a');
    q.add('a');
    q.add('b');
    expect(q.length).to.equal(2);
    expect(await q.get()).to.equal('a');
    expect(await q.get()).to.equal('b');
  });

  it('never hands out a key being processed; a re-add during processing runs again after done()', async function () {
    const q = new WorkQueue();
    q.add('a');
    const k = await q.get();
    q.add('a'); // arrives while processing
    expect(q.length).to.equal(0);
    q.done(k!);
    expect(q.length).to.equal(1);
    expect(await q.get()).to.equal('a');
  });

  it('wakes a waiting worker', async function () {
    const q = new WorkQueue();
    const next = q.get();
    q.add('x');
    expect(await next).to.equal('x');
  });

  it('backs off exponentially per key, capped, and forget() resets', function () {
    const q = new WorkQueue({ baseMs: 100, maxMs: 1000 });
    const delays = [1, 2, 3, 4, 5, 6].map(() => q.addRateLimited('k'));
    expect(delays).to.deep.equal([100, 200, 400, 800, 1000, 1000]);
    expect(q.addRateLimited('other')).to.equal(100);
    q.forget('k');
    expect(q.addRateLimited('k')).to.equal(100);
    q.shutDown();
  });

  it('addAfter keeps the earliest deadline for a key', async function () {
    const q = new WorkQueue();
    q.addAfter('k', 60_000);
    q.addAfter('k', 20);
    const t0 = Date.now();
    await eventually('the delayed key', () => Promise.resolve(q.length === 1 ? true : undefined), { timeoutMs: 2000, intervalMs: 5 });
    expect(Date.now() - t0).to.be.lessThan(1000);
    expect(await q.get()).to.equal('k');
    q.shutDown();
  });

  it('shutDown releases waiting workers with undefined and drops timers', async function () {
    const depths: number[] = [];
    const q = new WorkQueue(undefined, (d) => depths.push(d));
    const waiting = q.get();
    q.addAfter('later', 10);
    q.shutDown();
    expect(await waiting).to.equal(undefined);
    q.add('ignored');
    expect(q.length).to.equal(0);
    expect(depths.at(-1)).to.equal(0);
  });

  it('a timer that fires before its deadline (stale event-loop time) re-arms instead of handing the key out early', async function () {
    const clock = new FakeClock();
    const q = new WorkQueue(undefined, undefined, clock);
    const t0 = clock.now();
    q.addAfter('k', 3_000);
    clock.fireEarly(40);
    await clock.advance(2_960);
    expect(q.length, 'not before the deadline').to.equal(0);
    expect(q.deadline('k')).to.equal(t0 + 3_000);
    await clock.advance(40);
    expect(q.length).to.equal(1);
    expect(await q.get()).to.equal('k');
    expect(q.deadline('k')).to.equal(undefined);
  });

  it('addAt: a deadline in the past adds at once; a later one does not replace an earlier one, an earlier one does', async function () {
    const clock = new FakeClock();
    const q = new WorkQueue(undefined, undefined, clock);
    const t0 = clock.now();
    q.addAt('past', t0 - 5);
    expect(q.length).to.equal(1);
    q.addAt('k', t0 + 5_000);
    q.addAt('k', t0 + 9_000);
    expect(q.deadline('k')).to.equal(t0 + 5_000);
    q.addAt('k', t0 + 1_000);
    expect(q.deadline('k')).to.equal(t0 + 1_000);
    expect(clock.pending(), 'the replaced timer is cancelled').to.equal(1);
    await clock.advance(1_000);
    expect(q.length).to.equal(2);
  });
});
