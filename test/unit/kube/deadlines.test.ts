// The work queue's delayed keys: one timer for all of them, each key handed
// out once at its earliest deadline, never before it, in deadline order.
import { expect } from 'chai';
import { Deadlines } from '../../../src/kube/deadlines.js';
import { FakeClock } from './fake-clock.js';
import { heapAfterGc } from '../../support/heap.js';

function setup(): { clock: FakeClock; d: Deadlines; due: { key: string; at: number }[] } {
  const clock = new FakeClock();
  const due: { key: string; at: number }[] = [];
  const d = new Deadlines(clock, (key) => { due.push({ key, at: clock.now() }); });
  return { clock, d, due };
}

describe('Deadlines (one timer for every delayed key)', function () {
  it('hands out 500 keys at their own instants, in order, with one timer armed at a time', async function () {
    const { clock, d, due } = setup();
    const t0 = clock.now();
    // A fixed shuffle of 1..500 seconds: key k-i is due at t0 + ((i * 7919) % 500 + 1) s.
    const when = new Map<string, number>();
    for (let i = 0; i < 500; i++) {
      const at = t0 + (((i * 7919) % 500) + 1) * 1000;
      when.set(`k-${i}`, at);
      d.schedule(`k-${i}`, at);
      expect(clock.pending(), 'one timer').to.be.at.most(1);
    }
    expect(d.size).to.equal(500);
    await clock.advance(501_000);
    expect(due).to.have.length(500);
    for (const { key, at } of due) expect(at, key).to.equal(when.get(key));
    expect(due.map((x) => x.at)).to.deep.equal([...due.map((x) => x.at)].sort((a, b) => a - b));
    expect(d.size).to.equal(0);
    expect(clock.pending()).to.equal(0);
  });

  it('keeps the earliest deadline per key; a later one is ignored, an earlier one replaces it', async function () {
    const { clock, d, due } = setup();
    const t0 = clock.now();
    d.schedule('a', t0 + 10_000);
    d.schedule('a', t0 + 20_000);
    expect(d.get('a')).to.equal(t0 + 10_000);
    d.schedule('a', t0 + 5_000);
    expect(d.get('a')).to.equal(t0 + 5_000);
    await clock.advance(30_000);
    expect(due, 'once, at the earliest').to.deep.equal([{ key: 'a', at: t0 + 5_000 }]);
  });

  it('a timer that fires early hands out nothing before its instant and re-arms for the rest', async function () {
    const { clock, d, due } = setup();
    const t0 = clock.now();
    d.schedule('a', t0 + 10_000);
    clock.fireEarly(3_000);
    await clock.advance(7_000);
    expect(due, 'fired at 7 s, due at 10 s').to.deep.equal([]);
    expect(clock.pending()).to.equal(1);
    await clock.advance(3_000);
    expect(due).to.deep.equal([{ key: 'a', at: t0 + 10_000 }]);
  });

  it('replaced deadlines do not pile up: 10,000 replacements of 3 keys leave a small heap', async function () {
    const { clock, d, due } = setup();
    const t0 = clock.now();
    for (let i = 0; i < 10_000; i++) d.schedule(`k-${i % 3}`, t0 + 1_000_000 - i);
    expect(d.size).to.equal(3);
    expect(d.queued, 'heap entries').to.be.at.most(2 * 3 + 64 + 1);
    await clock.advance(1_000_000);
    expect(due.map((x) => x.key).sort()).to.deep.equal(['k-0', 'k-1', 'k-2']);
    expect(due.map((x) => x.at)).to.deep.equal([t0 + 1_000_000 - 9_999, t0 + 1_000_000 - 9_998, t0 + 1_000_000 - 9_997]);
  });

  it('costs little heap per pending key beside the key itself (a controller keeps one per object it waits on)', function () {
    const n = 50_000;
    const keys = Array.from({ length: n }, (_, i) => `tenant-${i % 50}/listener-${i}`);
    const t0 = new FakeClock().now();
    const before = heapAfterGc();
    const { d } = setup();
    for (let i = 0; i < n; i++) d.schedule(keys[i] as string, t0 + 86_400_000 + ((i * 7919) % n) * 1000 + 0.5);
    const perKey = (heapAfterGc() - before) / n;
    expect(d.size).to.equal(n);
    console.log(`      heap per pending key: ${perKey.toFixed(0)} B`);
    // An entry object per key with its boxed instant was ~110 bytes.
    expect(perKey).to.be.below(80);
  });

  it('clear() drops every deadline and the timer', async function () {
    const { clock, d, due } = setup();
    d.schedule('a', clock.now() + 1_000);
    d.schedule('b', clock.now() + 2_000);
    d.clear();
    expect(clock.pending()).to.equal(0);
    await clock.advance(5_000);
    expect(due).to.deep.equal([]);
    expect(d.size).to.equal(0);
  });
});
