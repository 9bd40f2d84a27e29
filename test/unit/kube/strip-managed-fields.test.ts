// Informers drop metadata.managedFields from what they cache. How matters: a
// `delete` of that key leaves a JSON-parsed metadata object in V8's dictionary
// mode (a hash table of its own per cached object, on Node 24), so the key is
// dropped by making metadata again. V8's own test of an object's mode shows it.
import { expect } from 'chai';
import type { KubernetesObject } from '@kubernetes/client-node';
import { stripManagedFields } from '../../../src/kube/strip-managed-fields.js';
import { hasFastProperties } from '../../support/fast-properties.js';

// As the API server sends it: managedFields is the last field of metadata.
const secretJson = JSON.stringify({
  apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls',
  metadata: {
    name: 'backend-listener-tls', namespace: 'site-a', uid: '947a0e8b-c9bc-4479-bba1-a300189b55fe', resourceVersion: '116993',
    creationTimestamp: '2026-11-30T15:44:07Z', labels: { 'app.kubernetes.io/managed-by': 'skupper-cert-rotator' },
    annotations: { 'cert-manager.io/certificate-name': 'backend-listener-tls' },
    managedFields: [{ manager: 'cert-manager-certificates-issuing', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': {} } }],
  },
  data: { 'tls.crt': 'LS0t', 'tls.key': 'LS0t' },
});

describe('stripManagedFields', () => {
  it('drops managedFields and keeps every other field, in order', () => {
    const obj = JSON.parse(secretJson) as KubernetesObject;
    stripManagedFields(obj);
    expect(obj.metadata).to.not.have.property('managedFields');
    const expected = JSON.parse(secretJson) as KubernetesObject;
    delete expected.metadata?.managedFields;
    expect(JSON.stringify(obj)).to.equal(JSON.stringify(expected));
  });

  it('leaves metadata a fast-mode object (a delete leaves it a dictionary on Node 24)', () => {
    const deleted = JSON.parse(secretJson) as KubernetesObject;
    delete deleted.metadata?.managedFields;
    const stripped = JSON.parse(secretJson) as KubernetesObject;
    stripManagedFields(stripped);
    // Not asserted: whether `delete` switches modes is V8's business (Node 24 does, Node 20 did not).
    expect(hasFastProperties(stripped.metadata ?? {}), `metadata after stripManagedFields (after delete: fast ${String(hasFastProperties(deleted.metadata ?? {}))})`).to.equal(true);
  });

  it('leaves an object without managedFields as it is', () => {
    const obj: KubernetesObject = { metadata: { name: 'a', namespace: 'b' } };
    const metadata = obj.metadata;
    stripManagedFields(obj);
    expect(obj.metadata).to.equal(metadata);
    stripManagedFields({});
  });
});
