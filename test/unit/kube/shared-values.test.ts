// Equal strings of cached objects are kept once. JavaScript cannot tell two
// equal strings apart, so the sharing is shown by the heap: the same objects
// parsed from JSON hold measurably less once their strings are shared.
import { expect } from 'chai';
import { SharedValues } from '../../../src/kube/shared-values.js';
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

/** Heap held by the objects parsed from `texts`, each passed through `shared` first when there is one. */
function heapHeldBy(texts: readonly string[], shared: SharedValues | undefined): number {
  const base = heapAfterGc();
  const kept = texts.map((t) => {
    const o = JSON.parse(t) as unknown;
    shared?.shareAll(o);
    return o;
  });
  const bytes = heapAfterGc() - base;
  expect(kept).to.have.length(texts.length);
  return bytes;
}

describe('SharedValues', function () {
  it('leaves every object equal to what it was', function () {
    const shared = new SharedValues();
    const texts = [secretJson(1, false), secretJson(2, true), JSON.stringify({ spec: { usages: ['server auth', 'digital signature'], nested: [[{ a: 'x'.repeat(40) }]], n: 3, flag: true, none: null } })];
    for (const t of texts) {
      const obj: unknown = JSON.parse(t);
      shared.shareAll(obj);
      expect(obj).to.deep.equal(JSON.parse(t));
    }
  });

  it('remembers strings up to maxLength, and long data values only under dataKeys', function () {
    const shared = new SharedValues({ maxLength: 64, dataKeys: ['ca.crt'] });
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
    const shared = new SharedValues({ maxEntries: 100 });
    for (let i = 0; i < 1000; i++) shared.share(`name-${i}-of-some-object`);
    expect(shared.size.short).to.equal(100);
  });

  it('does not remember uids and resourceVersions (unique per object), but shares the same strings under other keys', function () {
    const shared = new SharedValues();
    const parse = (i: number): { metadata: { uid: string; resourceVersion: string; name: string } } =>
      JSON.parse(`{"metadata":{"uid":"6f1c2d3e-0000-4000-8000-${String(i).padStart(12, '0')}","resourceVersion":"${1_000_000 + i}","name":"listener-of-tenant-a"}}`) as never;
    for (let i = 0; i < 50; i++) shared.shareAll(parse(i));
    expect(shared.size.short, 'only the name').to.equal(1);
  });

  for (const selfSigned of [false, true]) {
    it(`2,000 Secrets parsed from JSON hold less heap once shared (${selfSigned ? 'self-signed: ca.crt is tls.crt' : 'one CA in every ca.crt'})`, function () {
      const n = 2000;
      const texts = Array.from({ length: n }, (_, i) => secretJson(i, selfSigned));
      const plainBytes = heapHeldBy(texts, undefined);
      const sharedBytes = heapHeldBy(texts, new SharedValues());
      console.log(`      heap per Secret: ${(plainBytes / n).toFixed(0)} B plain, ${(sharedBytes / n).toFixed(0)} B shared`);
      // About 1.1 kB of ca.crt per Secret is one string for all (or the Secret's own tls.crt).
      expect(sharedBytes, `heap per Secret: ${(plainBytes / n).toFixed(0)} B plain, ${(sharedBytes / n).toFixed(0)} B shared`).to.be.below(plainBytes - n * 900);
    });
  }

  // As the daemon creates them: the same issuer, key and template for every Listener.
  function certificateJson(i: number, second: number): string {
    const name = `listener-${i}`;
    return JSON.stringify({
      apiVersion: 'cert-manager.io/v1', kind: 'Certificate',
      metadata: {
        name: `${name}-listener-tls`, namespace: 'site-a', uid: `6f1c2d3e-0000-4000-8000-${String(i).padStart(12, '0')}`, resourceVersion: String(1_000 + i), generation: 1,
        labels: { 'app.kubernetes.io/managed-by': 'skupper-cert-rotator', 'skupper-cert-rotator.io/listener': name },
        ownerReferences: [{ apiVersion: 'skupper.io/v2alpha1', kind: 'Listener', name, uid: `7f1c2d3e-0000-4000-8000-${String(i).padStart(12, '0')}`, controller: true }],
      },
      spec: {
        commonName: name, dnsNames: [name, `${name}.site-a`, `${name}.site-a.svc`], secretName: `${name}-listener-tls`,
        issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'site-ca' },
        privateKey: { algorithm: 'ECDSA', rotationPolicy: 'Always' },
        secretTemplate: { annotations: { 'skupper.io/tls-prior-valid-revisions': '1' }, labels: { 'app.kubernetes.io/managed-by': 'skupper-cert-rotator' } },
        usages: ['server auth', 'digital signature', 'key encipherment'],
      },
      status: {
        conditions: [{ lastTransitionTime: `2026-12-01T02:59:${String(second).padStart(2, '0')}Z`, message: 'Certificate is up to date and has not expired', observedGeneration: 1, reason: 'Ready', status: 'True', type: 'Ready' }],
        notAfter: '2027-03-01T02:59:12Z', notBefore: '2026-12-01T02:59:12Z', renewalTime: '2027-01-30T02:59:12Z', revision: 1,
      },
    });
  }
  interface Cert { metadata: { labels: object; ownerReferences: object[] }; spec: { dnsNames: string[]; issuerRef: { name: string }; privateKey: object; secretTemplate: object; usages: string[] }; status: { conditions: object[] } }

  it('hands out one frozen copy of equal small parts (issuerRef, privateKey, usages, secretTemplate, a condition), and keeps parts with a uid or of their own apart', function () {
    const shared = new SharedValues();
    const [a, b, c] = [certificateJson(1, 12), certificateJson(2, 12), certificateJson(3, 13)].map((t) => {
      const o = JSON.parse(t) as Cert;
      shared.shareAll(o);
      return o;
    });
    if (!a || !b || !c) throw new Error('three Certificates');
    for (const pick of [(x: Cert) => x.spec.issuerRef, (x: Cert) => x.spec.privateKey, (x: Cert) => x.spec.usages, (x: Cert) => x.spec.secretTemplate]) {
      expect(pick(b), String(pick)).to.equal(pick(a));
      expect(pick(c), String(pick)).to.equal(pick(a));
      expect(Object.isFrozen(pick(a)), String(pick)).to.equal(true);
    }
    expect(b.status.conditions[0], 'Ready in the same second').to.equal(a.status.conditions[0]);
    expect(c.status.conditions[0], 'Ready a second later').to.not.equal(a.status.conditions[0]);
    expect(b.spec.dnsNames).to.not.equal(a.spec.dnsNames);
    expect(b.metadata.labels).to.not.equal(a.metadata.labels);
    expect(Object.isFrozen(a.metadata.ownerReferences[0]), 'an owner reference holds a uid').to.equal(false);
    expect(Object.isFrozen(a.metadata), 'metadata').to.equal(false);
    expect(Object.isFrozen(a), 'the object itself').to.equal(false);
    // Frozen, a change meant for one object fails instead of reaching every holder.
    expect(() => { a.spec.issuerRef.name = 'other'; }).to.throw(TypeError);
    expect(b.spec.issuerRef.name).to.equal('site-ca');
    // Walking an object again (its parts are already shared and frozen) changes nothing and does not throw.
    shared.shareAll(a);
    expect(a).to.deep.equal(JSON.parse(certificateJson(1, 12)));
  });

  it('forgets the first remembered parts beyond maxParts', function () {
    const shared = new SharedValues({ maxParts: 10 });
    for (let i = 0; i < 100; i++) shared.shareAll(JSON.parse(`{"spec":{"selector":{"app":"backend-${i}"}}}`));
    expect(shared.partCount).to.equal(10);
  });

  it('2,000 Certificates parsed from JSON hold less heap once their parts are shared', function () {
    const n = 2000;
    const texts = Array.from({ length: n }, (_, i) => certificateJson(i, i % 60));
    const stringsOnly = heapHeldBy(texts, new SharedValues({ shareParts: false }));
    const withParts = heapHeldBy(texts, new SharedValues());
    console.log(`      heap per Certificate: ${(stringsOnly / n).toFixed(0)} B strings shared, ${(withParts / n).toFixed(0)} B parts shared too`);
    // Seven parts of 30-100 bytes each are one copy for all (the conditions one per second), less the table's texts of parts that are not repeated.
    expect(withParts, `per Certificate: ${(stringsOnly / n).toFixed(0)} B, then ${(withParts / n).toFixed(0)} B`).to.be.below(stringsOnly - n * 150);
  });
});
