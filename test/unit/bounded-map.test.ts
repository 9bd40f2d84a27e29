import { expect } from 'chai';
import { BoundedMap } from '../../src/util/bounded-map.js';

describe('BoundedMap', function () {
  it('forgets the least recently used entry beyond its bound; get marks used, peek does not', function () {
    const m = new BoundedMap<string, number>(2);
    m.set('a', 1);
    m.set('b', 2);
    expect(m.get('a')).to.equal(1); // b is now the oldest
    m.set('c', 3);
    expect([m.has('a'), m.has('b'), m.has('c')]).to.deep.equal([true, false, true]);
    expect(m.peek('a')).to.equal(1); // a stays the oldest
    m.set('d', 4);
    expect([m.has('a'), m.has('c'), m.has('d')]).to.deep.equal([false, true, true]);
    expect(m.size).to.equal(2);
  });

  it('setting a kept key replaces its value without growing; delete removes', function () {
    const m = new BoundedMap<string, number>(3);
    m.set('a', 1);
    m.set('a', 2);
    expect([m.size, m.get('a')]).to.deep.equal([1, 2]);
    expect(m.delete('a')).to.equal(true);
    expect(m.delete('a')).to.equal(false);
    expect(m.size).to.equal(0);
  });

  it('refuses a bound that is not a positive integer', function () {
    expect(() => new BoundedMap(0)).to.throw(/positive integer/);
    expect(() => new BoundedMap(1.5)).to.throw(/positive integer/);
  });
});
