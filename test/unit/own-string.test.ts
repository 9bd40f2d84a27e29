// Kept substrings of a long string keep all of it, unless they are copies.
import { expect } from 'chai';
import { ownString } from '../../src/util/own-string.js';
import { heapAfterGc } from '../support/heap.js';

describe('ownString', function () {
  it('is equal to what it is given, lone surrogates and all', function () {
    for (const s of ['', 'short', 'o-00000.site-a.svc.cluster.local', 'ü-ñ-\u{1F600}-and-more-text', 'lone \uD800 surrogate here', 'a'.repeat(5000)]) {
      expect(ownString(s)).to.equal(s);
    }
  });

  it('keeps 2,000 names of 30 characters without the 2 kB lines they were cut from', function () {
    const n = 2_000;
    const cut = (i: number): string => `DNS:listener-${String(i).padStart(6, '0')}.site-a.svc.local, ${'x'.repeat(2_000)}${i}`.slice(4, 34);
    const measure = (own: boolean): number => {
      const before = heapAfterGc();
      const kept = Array.from({ length: n }, (_, i) => (own ? ownString(cut(i)) : cut(i)));
      const bytes = heapAfterGc() - before;
      expect(kept[7]).to.equal('listener-000007.site-a.svc.loc');
      return bytes / n;
    };
    const sliced = measure(false);
    const owned = measure(true);
    console.log(`      heap per kept name: ${sliced.toFixed(0)} B as a slice, ${owned.toFixed(0)} B as its own string`);
    expect(sliced, 'a slice keeps its line (the premise)').to.be.above(2_000);
    expect(owned).to.be.below(200);
  });
});
