import { expect } from 'chai';
import { NestedMap } from '../../src/util/nested-map.js';

describe('NestedMap', function () {
  it('gets, sets and deletes under two keys, and drops an outer map once empty', function () {
    const m = new NestedMap<number>();
    m.set('listener/a', 'x', 1);
    m.set('listener/a', 'y', 2);
    m.set('connector/a', 'x', 3);
    expect([m.get('listener/a', 'x'), m.get('listener/a', 'y'), m.get('connector/a', 'x'), m.get('connector/a', 'y'), m.get('listener/b', 'x')]).to.deep.equal([1, 2, 3, undefined, undefined]);
    expect(m.size).to.equal(3);
    expect([...m.values()].sort()).to.deep.equal([1, 2, 3]);
    m.set('listener/a', 'x', 4);
    expect(m.get('listener/a', 'x')).to.equal(4);
    expect(m.delete('listener/a', 'x')).to.equal(true);
    expect(m.delete('listener/a', 'x')).to.equal(false);
    expect(m.delete('nowhere', 'x')).to.equal(false);
    expect(m.delete('connector/a', 'x')).to.equal(true);
    expect(m.size).to.equal(1);
    expect([...m.values()]).to.deep.equal([2]);
  });
});
