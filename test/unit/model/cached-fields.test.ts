// What the informers cache of Secrets, Listeners and Connectors: the fields a
// controller reads, as fast (not dictionary-mode) objects.
import { expect } from 'chai';
import type { KubernetesObject, V1Secret } from '@kubernetes/client-node';
import { cachedOwner, cachedSecret } from '../../../src/model/cached-fields.js';
import { withoutKeys } from '../../../src/util/without-keys.js';
import { hasFastProperties } from '../../support/fast-properties.js';

// As cert-manager leaves a Secret it filled, once kubectl has applied it too.
const secretJson = JSON.stringify({
  apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls',
  metadata: {
    name: 'backend-listener-tls', namespace: 'site-a', uid: '947a0e8b-c9bc-4479-bba1-a300189b55fe', resourceVersion: '116993',
    labels: { 'app.kubernetes.io/managed-by': 'skupper-cert-rotator', 'controller.cert-manager.io/fao': 'true' },
    annotations: {
      'cert-manager.io/alt-names': 'backend,backend.site-a,backend.site-a.svc,backend.site-a.svc.cluster.local',
      'cert-manager.io/certificate-name': 'backend-listener-tls',
      'cert-manager.io/common-name': 'backend',
      'cert-manager.io/ip-sans': '',
      'cert-manager.io/issuer-group': 'cert-manager.io',
      'cert-manager.io/issuer-kind': 'ClusterIssuer',
      'cert-manager.io/issuer-name': 'site-ca',
      'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"tls.crt":"LS0t"}}',
      'skupper.io/tls-prior-valid-revisions': '2',
      'internal.skupper.io/tls-profile-context': 'backend-profile-1',
      'skupper-cert-rotator.io/trust-history': '[]',
    },
  },
  data: { 'tls.crt': 'LS0t', 'tls.key': 'LS0t', 'ca.crt': 'LS0t' },
});

const listenerJson = JSON.stringify({
  apiVersion: 'skupper.io/v2alpha1', kind: 'Listener',
  metadata: {
    name: 'backend', namespace: 'site-a', uid: '379d02a8-293a-4a7f-9e57-223395126b7c', resourceVersion: '38452', generation: 3,
    annotations: {
      'cert-manager.io/cluster-issuer': 'site-ca',
      'skupper-cert-rotator.io/extra-dns-names': 'backend.example.com',
      'kubectl.kubernetes.io/last-applied-configuration': '{"spec":{"host":"backend"}}',
    },
  },
  spec: { host: 'backend', port: 8443, routingKey: 'backend', tlsCredentials: 'backend-listener-tls' },
  status: { status: 'Ready', message: 'OK', conditions: [{ type: 'Configured', status: 'True', reason: 'Ready', message: 'OK', lastTransitionTime: '2026-12-01T02:59:12Z' }] },
});

describe('cached fields', () => {
  it('keeps the Secret annotations that are read (cert-manager\'s certificate-name, Skupper\'s, ours) and its data, labels and type', () => {
    const source = JSON.parse(secretJson) as V1Secret;
    const cached = cachedSecret(JSON.parse(secretJson) as KubernetesObject) as V1Secret;
    expect(Object.keys(cached.metadata?.annotations ?? {})).to.deep.equal([
      'cert-manager.io/certificate-name', 'skupper.io/tls-prior-valid-revisions', 'internal.skupper.io/tls-profile-context', 'skupper-cert-rotator.io/trust-history',
    ]);
    expect(cached.data).to.deep.equal(source.data);
    expect(cached.type).to.equal('kubernetes.io/tls');
    expect(cached.metadata).to.deep.include({ name: source.metadata?.name, uid: source.metadata?.uid, resourceVersion: source.metadata?.resourceVersion, labels: source.metadata?.labels });
    expect(hasFastProperties(cached.metadata ?? {}), 'metadata').to.equal(true);
    expect(hasFastProperties(cached.metadata?.annotations ?? {}), 'annotations').to.equal(true);
  });

  it('drops a Secret\'s annotations key when none is read, and leaves a Secret without annotations as it is', () => {
    const onlyCertManager = JSON.parse(secretJson) as V1Secret;
    onlyCertManager.metadata = Object.assign({}, onlyCertManager.metadata, { annotations: { 'cert-manager.io/issuer-name': 'site-ca', 'cert-manager.io/ip-sans': '' } });
    const cached = cachedSecret(onlyCertManager) as V1Secret;
    expect(cached.metadata).to.not.have.property('annotations');
    expect(cached.metadata?.name).to.equal('backend-listener-tls');

    const plain: V1Secret = { metadata: { name: 'x', namespace: 'ns' }, data: { a: 'b' } };
    const metadata = plain.metadata;
    expect(cachedSecret(plain)).to.equal(plain);
    expect(plain.metadata).to.equal(metadata);
  });

  it('caches a Listener without its status and with only cert-manager\'s and our annotations', () => {
    const source = JSON.parse(listenerJson) as KubernetesObject & { spec: unknown };
    const cached = cachedOwner(JSON.parse(listenerJson) as KubernetesObject) as KubernetesObject & { spec: unknown; status?: unknown };
    expect(cached).to.not.have.property('status');
    expect(Object.keys(cached)).to.deep.equal(['apiVersion', 'kind', 'metadata', 'spec']);
    expect(cached.spec).to.deep.equal(source.spec);
    expect(cached.metadata?.annotations).to.deep.equal({ 'cert-manager.io/cluster-issuer': 'site-ca', 'skupper-cert-rotator.io/extra-dns-names': 'backend.example.com' });
    expect(cached.metadata?.generation).to.equal(3);
    expect(hasFastProperties(cached), 'the object').to.equal(true);
    expect(hasFastProperties(cached.metadata ?? {}), 'metadata').to.equal(true);
  });

  it('withoutKeys returns the object itself when it drops nothing, and a copy in key order otherwise', () => {
    const obj = { a: 1, b: 2, c: 3 };
    expect(withoutKeys(obj, (k) => k === 'z')).to.equal(obj);
    const copy = withoutKeys(obj, (k) => k === 'b');
    expect(copy).to.not.equal(obj);
    expect(Object.entries(copy)).to.deep.equal([['a', 1], ['c', 3]]);
    expect(obj).to.deep.equal({ a: 1, b: 2, c: 3 });
  });
});
