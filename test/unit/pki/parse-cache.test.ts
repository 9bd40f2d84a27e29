import { expect } from 'chai';
import { objectDataId, ParseCache } from '../../../src/pki/parse-cache.js';
import { makeCA, type Issued } from '../../../cluster/certgen.js';

describe('ParseCache', function () {
  let ca: Issued;
  let other: Issued;

  before(function () {
    ca = makeCA({ cn: 'cache-ca' });
    other = makeCA({ cn: 'other-ca' });
  });

  it('parses on a miss, returns the same result on a hit', function () {
    const cache = new ParseCache();
    const first = cache.parse('uid@1#ca.crt', ca.certPem);
    expect(first.certificates).to.have.length(1);
    expect(first.certificates[0]!.subject).to.equal('CN=cache-ca');
    expect(first.problems).to.deep.equal([]);
    expect([cache.hits, cache.misses]).to.deep.equal([0, 1]);

    const second = cache.parse('uid@1#ca.crt', ca.certPem);
    expect(second).to.equal(first);
    expect([cache.hits, cache.misses]).to.deep.equal([1, 1]);
  });

  it('a hit does not look at the text: the id alone decides', function () {
    const cache = new ParseCache();
    const first = cache.parse('id', ca.certPem);
    const again = cache.parse('id', other.certPem);
    expect(again).to.equal(first);
    expect(again.certificates[0]!.subject).to.equal('CN=cache-ca');
    expect([cache.hits, cache.misses]).to.deep.equal([1, 1]);
  });

  it('different ids are different entries', function () {
    const cache = new ParseCache();
    const a = cache.parse('a', ca.certPem);
    const b = cache.parse('b', other.certPem);
    expect(a.certificates[0]!.subject).to.equal('CN=cache-ca');
    expect(b.certificates[0]!.subject).to.equal('CN=other-ca');
    expect([cache.hits, cache.misses]).to.deep.equal([0, 2]);
  });

  it('problems are cached with the certificates', function () {
    const cache = new ParseCache();
    const first = cache.parse('bad', 'hello\n');
    expect(first.certificates).to.deep.equal([]);
    expect(first.problems).to.have.length.above(0);
    expect(cache.parse('bad', ca.certPem)).to.equal(first);
    expect(cache.hits).to.equal(1);
  });

  it('an undefined id is never cached or counted', function () {
    const cache = new ParseCache();
    const one = cache.parse(undefined, ca.certPem);
    const two = cache.parse(undefined, ca.certPem);
    expect(one).to.not.equal(two);
    expect(one.certificates[0]!.fingerprint).to.equal(two.certificates[0]!.fingerprint);
    expect(cache.parse(undefined, other.certPem).certificates[0]!.subject).to.equal('CN=other-ca');
    expect([cache.hits, cache.misses]).to.deep.equal([0, 0]);
  });

  it('evicts the least recently used entry beyond maxEntries', function () {
    const cache = new ParseCache(2);
    const a = cache.parse('a', ca.certPem);
    cache.parse('b', ca.certPem);
    // Touch a: b is now the least recently used.
    expect(cache.parse('a', ca.certPem)).to.equal(a);
    cache.parse('c', ca.certPem); // evicts b
    expect([cache.hits, cache.misses]).to.deep.equal([1, 3]);

    expect(cache.parse('a', ca.certPem)).to.equal(a);
    expect([cache.hits, cache.misses]).to.deep.equal([2, 3]);
    cache.parse('b', ca.certPem); // a miss: b was evicted; evicts c (a was just used)
    expect([cache.hits, cache.misses]).to.deep.equal([2, 4]);
    cache.parse('a', ca.certPem);
    expect([cache.hits, cache.misses]).to.deep.equal([3, 4]);
    cache.parse('c', ca.certPem);
    expect([cache.hits, cache.misses]).to.deep.equal([3, 5]);
  });

  it('an evicted id is parsed again from the new text', function () {
    const cache = new ParseCache(1);
    cache.parse('x', ca.certPem);
    cache.parse('y', ca.certPem);
    expect(cache.parse('x', other.certPem).certificates[0]!.subject).to.equal('CN=other-ca');
    expect([cache.hits, cache.misses]).to.deep.equal([0, 3]);
  });

  it('keeps one revision per object: a new resourceVersion replaces the old, a late parse of an older one does not', function () {
    const cache = new ParseCache();
    cache.parse('u1@5#tls.crt', ca.certPem);
    cache.parse('u1@5#ca.crt', ca.certPem);
    cache.parse('u2@7#ca.crt', other.certPem);
    expect(cache.size).to.equal(2);
    expect(cache.has('u1@5#tls.crt') && cache.has('u1@5#ca.crt')).to.equal(true);
    cache.parse('u1@6#tls.crt', other.certPem);
    expect(cache.size, 'still one entry per object').to.equal(2);
    expect(cache.has('u1@5#tls.crt'), 'the old revision is gone').to.equal(false);
    expect(cache.has('u1@5#ca.crt')).to.equal(false);
    expect(cache.has('u1@6#tls.crt')).to.equal(true);
    // A reconcile that read a stale cache parses revision 5 again: answered, not kept.
    expect(cache.parse('u1@5#ca.crt', ca.certPem).certificates[0]!.subject).to.equal('CN=cache-ca');
    expect(cache.has('u1@6#tls.crt'), 'the newer revision stays').to.equal(true);
    expect(cache.has('u1@5#ca.crt')).to.equal(false);
  });

  it('forget drops a deleted object', function () {
    const cache = new ParseCache();
    cache.parse('u1@5#tls.crt', ca.certPem);
    cache.parse('u2@9#tls.crt', ca.certPem);
    cache.forget('u1');
    expect(cache.size).to.equal(1);
    expect(cache.has('u1@5#tls.crt')).to.equal(false);
    expect(cache.has('u2@9#tls.crt')).to.equal(true);
    cache.forget('never-seen');
    expect(cache.size).to.equal(1);
  });

  it('prepare fills the entry parse reads', async function () {
    const cache = new ParseCache();
    const prepared = await cache.prepare('u3@1#ca.crt', ca.certPem);
    expect(cache.has('u3@1#ca.crt')).to.equal(true);
    expect(cache.parse('u3@1#ca.crt', other.certPem)).to.equal(prepared);
    expect([cache.hits, cache.misses]).to.deep.equal([1, 1]);
  });
});

describe('objectDataId', function () {
  it('uid@resourceVersion#key', function () {
    expect(objectDataId({ metadata: { uid: 'u-1', resourceVersion: '42' } }, 'ca.crt')).to.equal('u-1@42#ca.crt');
  });

  it('changes with the resourceVersion and the key', function () {
    const obj = { metadata: { uid: 'u-1', resourceVersion: '42' } };
    expect(objectDataId(obj, 'ca.crt')).to.not.equal(objectDataId(obj, 'tls.crt'));
    expect(objectDataId(obj, 'ca.crt')).to.not.equal(objectDataId({ metadata: { uid: 'u-1', resourceVersion: '43' } }, 'ca.crt'));
  });

  it('undefined without uid or resourceVersion', function () {
    expect(objectDataId({}, 'k')).to.equal(undefined);
    expect(objectDataId({ metadata: {} }, 'k')).to.equal(undefined);
    expect(objectDataId({ metadata: { uid: 'u' } }, 'k')).to.equal(undefined);
    expect(objectDataId({ metadata: { resourceVersion: '1' } }, 'k')).to.equal(undefined);
    expect(objectDataId({ metadata: { uid: '', resourceVersion: '1' } }, 'k')).to.equal(undefined);
    expect(objectDataId({ metadata: { uid: 'u', resourceVersion: '' } }, 'k')).to.equal(undefined);
  });
});
