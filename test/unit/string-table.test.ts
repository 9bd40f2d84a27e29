import { expect } from 'chai';
import { StringTable } from '../../src/util/string-table.js';

describe('StringTable', function () {
  it('hands out equal strings and stays within its bound however many it sees', function () {
    const t = new StringTable(3);
    for (let i = 0; i < 100; i++) expect(t.share(`value-${i % 7}-of-a-longer-string`)).to.equal(`value-${i % 7}-of-a-longer-string`);
    expect(t.size).to.equal(3);
  });

  it('a hit does not add an entry', function () {
    const t = new StringTable(10);
    t.share('issuer: O=acme, CN=root');
    t.share('issuer: O=acme, CN=root');
    t.share(['issuer: O=acme', 'CN=root'].join(', '));
    expect(t.size).to.equal(1);
  });
});
