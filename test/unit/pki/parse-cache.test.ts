import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { objectDataId, ParseCache } from '../../../src/pki/parse-cache.js';
import { makeCA, type Issued } from '../../../cluster/certgen.js';
import { heapAfterGc } from '../../support/heap.js';

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

  it('a text of one certificate parses to one shared, frozen result wherever it is found', function () {
    const cache = new ParseCache();
    // A self-signed Secret's tls.crt and ca.crt, and the same CA in another object's ca.crt.
    const crt = cache.parse('u1@1#tls.crt', ca.certPem);
    const caCrt = cache.parse('u1@1#ca.crt', ca.certPem);
    const elsewhere = cache.parse('u2@7#ca.crt', ca.certPem);
    expect(caCrt).to.equal(crt);
    expect(elsewhere).to.equal(crt);
    expect(Object.isFrozen(crt) && Object.isFrozen(crt.certificates)).to.equal(true);
    // Each key is still its own entry: the other certificate under a key of its own is not the shared one.
    const second = cache.parse('u1@1#other.crt', other.certPem);
    expect(second.certificates[0]!.subject).to.equal('CN=other-ca');
    expect(cache.parse('u1@1#tls.crt', 'ignored on a hit')).to.equal(crt);
    expect(cache.parse('u1@1#other.crt', 'ignored on a hit')).to.equal(second);
    // Two certificates, or a problem, are that text's own result.
    const two = cache.parse('u3@1#ca.crt', ca.certPem + other.certPem);
    const junk = cache.parse('u4@1#ca.crt', `${ca.certPem}\n-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n`);
    expect(two.certificates).to.have.length(2);
    expect(junk.certificates).to.have.length(1);
    expect(junk.problems).to.have.length.greaterThan(0);
    expect(junk).to.not.equal(crt);
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
  it('the uid, the resourceVersion and the key', function () {
    expect(objectDataId({ metadata: { uid: 'u-1', resourceVersion: '42' } }, 'ca.crt')).to.deep.equal({ object: 'u-1', version: '42', key: 'ca.crt' });
  });

  it('names another text in the cache when the resourceVersion or the key changes, the same text otherwise', function () {
    const ca = makeCA({ cn: 'id-ca' });
    const other = makeCA({ cn: 'id-other' });
    const cache = new ParseCache();
    const obj = { metadata: { uid: 'u-1', resourceVersion: '42' } };
    cache.parse(objectDataId(obj, 'ca.crt'), ca.certPem);
    expect(cache.has(objectDataId({ metadata: { uid: 'u-1', resourceVersion: '42' } }, 'ca.crt')), 'an equal id').to.equal(true);
    expect(cache.has(objectDataId(obj, 'tls.crt')), 'another key').to.equal(false);
    expect(cache.has(objectDataId({ metadata: { uid: 'u-1', resourceVersion: '43' } }, 'ca.crt')), 'another resourceVersion').to.equal(false);
    expect(cache.has(objectDataId({ metadata: { uid: 'u-2', resourceVersion: '42' } }, 'ca.crt')), 'another object').to.equal(false);
    // The string form names the same text.
    expect(cache.parse('u-1@42#ca.crt', other.certPem).certificates[0]?.subject).to.equal('CN=id-ca');
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

describe('ParseCache memory', function () {
  it('an entry of two keys costs about a hundred bytes of heap beside the certificates it shares', function () {
    // One certificate in every entry (parsed once while in use), and objects
    // as the informers hold them: what is measured is the cache's own
    // structure per object.
    const leaf = makeCA({ cn: 'memory-ca' });
    const cache = new ParseCache();
    cache.parse('warm@1#tls.crt', leaf.certPem);
    const n = 5_000;
    const objects = Array.from({ length: n }, (_, i) => ({ metadata: { uid: randomUUID(), resourceVersion: String(100_000 + i) } }));
    const before = heapAfterGc();
    for (const obj of objects) {
      cache.parse(objectDataId(obj, 'tls.crt'), leaf.certPem);
      cache.parse(objectDataId(obj, 'ca.crt'), leaf.certPem);
    }
    const perEntry = (heapAfterGc() - before) / n;
    console.log(`      heap per cached object (two keys): ${perEntry.toFixed(0)} B`);
    expect(cache.size).to.equal(n + 1);
    // Arrays grown by push kept room for 17 entries each (four per entry, ~600 bytes more); a Map per entry
    // another 180; a joined id string's slices ~100; an object, two lists and a result per key ~280 (400 B).
    expect(perEntry).to.be.below(200);
  });
});
