import { expect } from 'chai';
import { KeyedRate } from '../../../src/kube/keyed-rate.js';

describe('KeyedRate', function () {
  it('gives each key a burst, then one token per interval', function () {
    const r = new KeyedRate(3, 1000);
    expect([r.take('a', 0), r.take('a', 0), r.take('a', 0), r.take('a', 0)]).to.deep.equal([true, true, true, false]);
    // Another key has its own bucket.
    expect(r.take('b', 0)).to.equal(true);
    expect(r.take('a', 999)).to.equal(false);
    expect(r.take('a', 1000)).to.equal(true);
    expect(r.take('a', 1000)).to.equal(false);
  });

  it('answers as a token bucket per key would, for any sequence of takes', function () {
    // The same random sequences through a token bucket per key, counted in exact integers
    // (milliseconds of credit, not fractional tokens): the two must agree on every take.
    let seed = 7;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 20; round++) {
      const burst = 1 + Math.floor(random() * 5);
      const refillMs = 100 + Math.floor(random() * 900);
      const rate = new KeyedRate(burst, refillMs);
      const buckets = new Map<string, { credit: number; at: number }>();
      let now = 0;
      for (let i = 0; i < 300; i++) {
        now += Math.floor(random() * refillMs * 0.7);
        const key = `k${Math.floor(random() * 3)}`;
        const b = buckets.get(key) ?? { credit: burst * refillMs, at: now };
        b.credit = Math.min(burst * refillMs, b.credit + (now - b.at));
        b.at = now;
        const allowed = b.credit >= refillMs;
        if (allowed) b.credit -= refillMs;
        buckets.set(key, b);
        expect(rate.take(key, now), `round ${round}, take ${i} of ${key} at ${now}`).to.equal(allowed);
      }
    }
  });

  it('a clock that steps backwards mints no tokens', function () {
    const r = new KeyedRate(1, 1000);
    expect(r.take('a', 5000)).to.equal(true);
    expect(r.take('a', 0)).to.equal(false);
    expect(r.take('a', 5999)).to.equal(false);
    expect(r.take('a', 6000)).to.equal(true);
  });

  it('sweep drops the keys whose buckets are full again, and only those', function () {
    const r = new KeyedRate(2, 1000);
    r.take('a', 0);
    r.take('b', 0);
    r.take('b', 0);
    expect(r.size).to.equal(2);
    expect(r.sweep(1000)).to.deep.equal(['a']);
    expect(r.size).to.equal(1);
    expect(r.sweep(1999)).to.deep.equal([]);
    expect(r.sweep(2000)).to.deep.equal(['b']);
    expect(r.size).to.equal(0);
    // A swept key starts full again.
    expect([r.take('b', 2000), r.take('b', 2000), r.take('b', 2000)]).to.deep.equal([true, true, false]);
  });
});
