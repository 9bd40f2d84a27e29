// Equal strings of cached objects are kept once. JavaScript cannot tell two
// equal strings apart, so the sharing is shown by the heap: the same objects
// parsed from JSON hold measurably less once their strings are shared.
import { expect } from 'chai';
import { SharedStrings } from '../../../src/kube/shared-strings.js';
import { heapAfterGc } from '../../support/heap.js';

const ca = 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t'.repeat(30);

function secretJson(i: number, selfSigned: boolean): string {
  const leaf = `LEAF${i}`.padEnd(1100, 'x');
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls',
    metadata: { name: `s-${i}`, namespace: 'ns', labels: { 'app.kubernetes.io/managed-by': 'skupper-cert-rotator' }, annotations: { 'cert-manager.io/issuer-name': 'a-cluster-issuer-of-some-length' } },
    data: { 'ca.crt': selfSigned ? leaf : ca, 'tls.crt': leaf, 'tls.key': `KEY${i}`.padEnd(300, 'k') },
  });
}

describe('SharedStrings', function () {
  it('leaves every object equal to what it was', function () {
    const shared = new SharedStrings();
    const texts = [secretJson(1, false), secretJson(2, true), JSON.stringify({ spec: { usages: ['server auth', 'digital signature'], nested: [[{ a: 'x'.repeat(40) }]], n: 3, flag: true, none: null } })];
    for (const t of texts) {
      const obj: unknown = JSON.parse(t);
      shared.shareAll(obj);
      expect(obj).to.deep.equal(JSON.parse(t));
    }
  });

  it('remembers strings up to maxLength, and long data values only under dataKeys', function () {
    const shared = new SharedStrings({ maxLength: 64, dataKeys: ['ca.crt'] });
    shared.shareAll(JSON.parse(secretJson(1, false)));
    shared.shareAll(JSON.parse(secretJson(2, false)));
    // One CA for both; the leaves and keys are not remembered, however many Secrets hold them.
    expect(shared.size.data).to.equal(1);
    expect(shared.share('y'.repeat(65))).to.equal('y'.repeat(65));
    const before = shared.size.short;
    shared.share('y'.repeat(65));
    expect(shared.size.short, 'a string over maxLength is not remembered').to.equal(before);
  });

  it('forgets the first remembered strings beyond maxEntries', function () {
    const shared = new SharedStrings({ maxEntries: 100 });
    for (let i = 0; i < 1000; i++) shared.share(`name-${i}-of-some-object`);
    expect(shared.size.short).to.equal(100);
  });

  it('does not remember uids and resourceVersions (unique per object), but shares the same strings under other keys', function () {
    const shared = new SharedStrings();
    const parse = (i: number): { metadata: { uid: string; resourceVersion: string; name: string } } =>
      JSON.parse(`{"metadata":{"uid":"6f1c2d3e-0000-4000-8000-${String(i).padStart(12, '0')}","resourceVersion":"${1_000_000 + i}","name":"listener-of-tenant-a"}}`) as never;
    for (let i = 0; i < 50; i++) shared.shareAll(parse(i));
    expect(shared.size.short, 'only the name').to.equal(1);
  });

  for (const selfSigned of [false, true]) {
    it(`2,000 Secrets parsed from JSON hold less heap once shared (${selfSigned ? 'self-signed: ca.crt is tls.crt' : 'one CA in every ca.crt'})`, function () {
      const n = 2000;
      const texts = Array.from({ length: n }, (_, i) => secretJson(i, selfSigned));
      const base = heapAfterGc();
      const plain = texts.map((t) => JSON.parse(t) as unknown);
      const plainBytes = heapAfterGc() - base;
      plain.length = 0;
      const base2 = heapAfterGc();
      const shared = new SharedStrings();
      const kept = texts.map((t) => {
        const o = JSON.parse(t) as unknown;
        shared.shareAll(o);
        return o;
      });
      const sharedBytes = heapAfterGc() - base2;
      expect(kept).to.have.length(n);
      console.log(`      heap per Secret: ${(plainBytes / n).toFixed(0)} B plain, ${(sharedBytes / n).toFixed(0)} B shared`);
      // About 1.1 kB of ca.crt per Secret is one string for all (or the Secret's own tls.crt).
      expect(sharedBytes, `heap per Secret: ${(plainBytes / n).toFixed(0)} B plain, ${(sharedBytes / n).toFixed(0)} B shared`).to.be.below(plainBytes - n * 900);
    });
  }
});
