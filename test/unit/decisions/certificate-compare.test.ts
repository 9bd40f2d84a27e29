import { expect } from 'chai';
import { certificateSpecEquals, droppedSpecFields } from '../../../src/decisions/certificate-compare.js';
import { desiredListenerCertificate } from '../../../src/decisions/listener-desired.js';
import type { Certificate } from '../../../src/model/certmanager.js';
import { DEFAULTS, listener } from './fixtures.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) out[k] = v === null ? undefined : mergePatch(out[k], v);
  return out;
}

function desired(): Certificate {
  const d = desiredListenerCertificate(listener({ annotations: { 'cert-manager.io/cluster-issuer': 'site-ca', 'cert-manager.io/duration': '720h' } }), DEFAULTS);
  if (d.kind !== 'managed') throw new Error(`expected managed, got ${d.kind}`);
  return d.certificate;
}

/** What the API server hands back after our apply: our fields plus everything others and the server add. */
function live(): Certificate {
  const c = structuredClone(desired());
  const m = c.metadata;
  m.uid = 'cert-uid';
  m.resourceVersion = '4711';
  m.generation = 3;
  m.creationTimestamp = new Date('2026-01-01T00:00:00Z');
  m.labels = { ...m.labels, team: 'payments' };
  m.annotations = { 'kubectl.kubernetes.io/last-applied-configuration': '{}', 'example.com/note': 'hi' };
  m.ownerReferences = [...(m.ownerReferences ?? []), { apiVersion: 'example.com/v1', kind: 'Thing', name: 't', uid: 'other' }];
  m.managedFields = [{ manager: 'skupper-cert-rotator', operation: 'Apply', apiVersion: 'cert-manager.io/v1', fieldsType: 'FieldsV1', fieldsV1: {} }];
  c.status = { conditions: [{ type: 'Ready', status: 'True', reason: 'Ready' }], revision: 2, notAfter: '2026-02-01T00:00:00Z' };
  // key order differs from ours after a JSON round trip through Go
  c.spec = Object.fromEntries(Object.entries(c.spec).reverse()) as Certificate['spec'];
  return JSON.parse(JSON.stringify(c)) as Certificate;
}

describe('certificateSpecEquals', function () {
  it('a Certificate equals itself and its clone', function () {
    expect(certificateSpecEquals(desired(), desired())).to.equal(true);
  });

  it('ignores foreign labels, annotations, owner references, status, managedFields, resourceVersion and key order', function () {
    expect(certificateSpecEquals(live(), desired())).to.equal(true);
  });

  it('treats absent and empty arrays/objects as equal', function () {
    const want = desired();
    const have = live();
    have.spec.ipAddresses = [];
    have.spec.secretTemplate = { ...have.spec.secretTemplate, labels: { ...have.spec.secretTemplate?.labels } };
    expect(certificateSpecEquals(have, want)).to.equal(true);
    const ip = desired();
    ip.spec.dnsNames = [];
    const ipLive = live();
    delete ipLive.spec.dnsNames;
    expect(certificateSpecEquals(ipLive, ip)).to.equal(true);
  });

  it('detects a changed dnsNames list (content and order)', function () {
    const have = live();
    have.spec.dnsNames = ['backend', 'backend.east'];
    expect(certificateSpecEquals(have, desired())).to.equal(false);
    const reordered = live();
    reordered.spec.dnsNames = [...(reordered.spec.dnsNames ?? [])].reverse();
    expect(certificateSpecEquals(reordered, desired())).to.equal(false);
  });

  it('detects a changed issuerRef', function () {
    for (const change of [{ name: 'other' }, { kind: 'Issuer' }, { group: 'example.com' }]) {
      const have = live();
      have.spec.issuerRef = { ...have.spec.issuerRef, ...change };
      expect(certificateSpecEquals(have, desired()), JSON.stringify(change)).to.equal(false);
    }
  });

  it('detects a field we dropped since (duration), and ignores spec fields we never write', function () {
    const want = desired();
    delete want.spec.duration;
    expect(certificateSpecEquals(live(), want)).to.equal(false);
    const foreign = live();
    foreign.spec.isCA = true; // not ours: re-applying could not remove it, so it must not count as a difference
    expect(certificateSpecEquals(foreign, desired())).to.equal(true);
    const added = live();
    added.spec.renewBefore = '1h0m0s'; // one of ours, set by someone else
    expect(certificateSpecEquals(added, desired())).to.equal(false);
  });

  it('detects a changed prior-valid-revisions annotation in the secretTemplate', function () {
    const have = live();
    have.spec.secretTemplate = { ...have.spec.secretTemplate, annotations: { 'skupper.io/tls-prior-valid-revisions': '2' } };
    expect(certificateSpecEquals(have, desired())).to.equal(false);
  });

  it('detects a missing or changed label of ours', function () {
    const missing = live();
    delete missing.metadata.labels?.['app.kubernetes.io/managed-by'];
    expect(certificateSpecEquals(missing, desired())).to.equal(false);
    const changed = live();
    changed.metadata.labels = { ...changed.metadata.labels, 'skupper-cert-rotator.io/listener': 'frontend' };
    expect(certificateSpecEquals(changed, desired())).to.equal(false);
  });

  it('detects a missing or different owner reference of ours', function () {
    const none = live();
    none.metadata.ownerReferences = [];
    expect(certificateSpecEquals(none, desired())).to.equal(false);
    const otherUid = live();
    for (const r of otherUid.metadata.ownerReferences ?? []) if (r.kind === 'Listener') r.uid = 'recreated';
    expect(certificateSpecEquals(otherUid, desired())).to.equal(false);
    const notController = live();
    for (const r of notController.metadata.ownerReferences ?? []) if (r.kind === 'Listener') r.controller = false;
    expect(certificateSpecEquals(notController, desired())).to.equal(false);
  });

  it('ignores blockOwnerDeletion set by someone else on our reference', function () {
    const have = live();
    for (const r of have.metadata.ownerReferences ?? []) r.blockOwnerDeletion = true;
    expect(certificateSpecEquals(have, desired())).to.equal(true);
  });

  describe('droppedSpecFields', function () {
    it('nothing when live holds only what we want, whatever others added', function () {
      expect(droppedSpecFields(live(), desired())).to.equal(undefined);
    });

    it('nulls each field we own that live has and desired dropped, nested ones by path, and none we never write', function () {
      const have = live();
      have.spec.ipAddresses = ['2001:db8::1'];
      have.spec.privateKey = { ...have.spec.privateKey, size: 4096 };
      (have.spec as unknown as Record<string, unknown>).keystores = { pkcs12: { create: true } };
      const want = desired();
      delete want.spec.duration;
      const patch = droppedSpecFields(have, want);
      expect(patch).to.deep.equal({ ipAddresses: null, duration: null, privateKey: { size: null } });
      // Applying the nulls as a JSON merge patch (RFC 7386) leaves live equal to desired.
      const merged = structuredClone(have);
      merged.spec = mergePatch(merged.spec, patch) as Certificate['spec'];
      expect(certificateSpecEquals(merged, want)).to.equal(true);
      expect(certificateSpecEquals(have, want)).to.equal(false);
    });

    it('treats empty lists and objects as not set, as the API server does', function () {
      const have = live();
      have.spec.ipAddresses = [];
      expect(droppedSpecFields(have, desired())).to.equal(undefined);
    });
  });
});
