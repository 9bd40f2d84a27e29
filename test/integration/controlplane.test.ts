// The foundation works: a real API server, real cert-manager issuing through a
// CA chain, real TLS with the result, the `cmctl renew` mechanism, and the
// garbage collector.
import { X509Certificate } from 'node:crypto';
import { expect } from 'chai';
import * as k8s from '@kubernetes/client-node';
import { CERT_MANAGER_API_VERSION, condition, isReady, type Certificate } from '../../src/model/certmanager.js';
import { testCluster } from '../support/cluster.js';
import { apply, createNamespace, decode, getCertificate, isNotFound } from '../support/k8s.js';
import { handshake, startTlsServer } from '../support/tls.js';
import { eventually } from '../support/wait.js';

async function readCertificate(namespace: string, name: string): Promise<Certificate> {
  const c = await getCertificate(namespace, name);
  if (!c) throw new Error(`Certificate ${namespace}/${name} not found`);
  return c;
}

async function readyCertificate(namespace: string, name: string, minRevision = 1): Promise<Certificate> {
  return eventually(`Certificate ${namespace}/${name} Ready at revision >= ${minRevision}`, async () => {
    const c = await readCertificate(namespace, name);
    return isReady(c) && (c.status?.revision ?? 0) >= minRevision ? c : undefined;
  });
}

function certificate(namespace: string, name: string, spec: Partial<Certificate['spec']> & Pick<Certificate['spec'], 'issuerRef'>): Certificate {
  return { apiVersion: CERT_MANAGER_API_VERSION, kind: 'Certificate', metadata: { name, namespace }, spec: { secretName: name, ...spec } };
}

describe('local control plane', function () {
  let ns: string;

  before(async function () {
    ns = await createNamespace('smoke');
    // SelfSigned ClusterIssuer → CA Certificate → CA Issuer → leaf, as a user would set it up.
    await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'ClusterIssuer', metadata: { name: `${ns}-selfsigned` }, spec: { selfSigned: {} } });
    await apply(certificate(ns, 'root-ca', {
      isCA: true,
      commonName: 'smoke test root CA',
      privateKey: { algorithm: 'ECDSA', size: 256 },
      issuerRef: { name: `${ns}-selfsigned`, kind: 'ClusterIssuer', group: 'cert-manager.io' },
    }));
    await readyCertificate(ns, 'root-ca');
    await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'Issuer', metadata: { name: 'backend-ca', namespace: ns }, spec: { ca: { secretName: 'root-ca' } } });
    await apply(certificate(ns, 'backend', {
      commonName: 'backend.east.svc',
      dnsNames: ['backend.east.svc'],
      usages: ['server auth', 'digital signature', 'key encipherment'],
      privateKey: { algorithm: 'ECDSA', size: 256 },
      issuerRef: { name: 'backend-ca', kind: 'Issuer', group: 'cert-manager.io' },
    }));
  });

  it('cert-manager issues a leaf from a CA Issuer into a kubernetes.io/tls Secret that serves real TLS', async function () {
    const cert = await readyCertificate(ns, 'backend');
    const secret = await testCluster().core.readNamespacedSecret({ name: 'backend', namespace: ns });
    expect(secret.type).to.equal('kubernetes.io/tls');
    expect(Object.keys(secret.data ?? {}).sort()).to.deep.equal(['ca.crt', 'tls.crt', 'tls.key']);

    const leaf = new X509Certificate(decode(secret, 'tls.crt'));
    const ca = new X509Certificate(decode(secret, 'ca.crt'));
    expect(leaf.subjectAltName).to.equal('DNS:backend.east.svc');
    expect(leaf.checkIssued(ca)).to.equal(true);
    expect(ca.ca).to.equal(true);
    expect(new Date(leaf.validTo).toISOString()).to.equal(new Date(cert.status?.notAfter ?? 0).toISOString());

    const server = await startTlsServer({ cert: decode(secret, 'tls.crt'), key: decode(secret, 'tls.key') });
    try {
      const good = await handshake(server.port, { ca: decode(secret, 'ca.crt'), servername: 'backend.east.svc' });
      expect(good, good.error).to.include({ ok: true });
      const wrongName = await handshake(server.port, { ca: decode(secret, 'ca.crt'), servername: 'other.east.svc' });
      expect(wrongName.ok).to.equal(false);
      expect(wrongName.error).to.match(/altnames|does not match|Hostname/i);
      // A CA that did not sign the leaf must not verify it: the check is real.
      const root = await testCluster().core.readNamespacedSecret({ name: 'root-ca', namespace: ns });
      expect(decode(root, 'tls.crt')).to.equal(decode(secret, 'ca.crt'));
      const foreign = await handshake(server.port, { ca: decode(secret, 'tls.crt'), servername: 'backend.east.svc' });
      expect(foreign.ok).to.equal(false);
    } finally {
      await server.close();
    }
  });

  it('renews on the `cmctl renew` signal: Issuing=True on /status bumps the revision and the serial', async function () {
    const before = await readyCertificate(ns, 'backend');
    const revision = before.status?.revision ?? 0;
    const oldSerial = new X509Certificate(decode(await testCluster().core.readNamespacedSecret({ name: 'backend', namespace: ns }), 'tls.crt')).serialNumber;

    // What cmctl renew does: add the Issuing condition and PUT the status subresource.
    const conditions = (before.status?.conditions ?? []).filter((c) => c.type !== 'Issuing');
    conditions.push({
      type: 'Issuing',
      status: 'True',
      reason: 'ManuallyTriggered',
      message: 'Certificate re-issuance manually triggered',
      lastTransitionTime: new Date().toISOString(),
      observedGeneration: before.metadata.generation,
    });
    await testCluster().custom.replaceNamespacedCustomObjectStatus({
      group: 'cert-manager.io', version: 'v1', namespace: ns, plural: 'certificates', name: 'backend',
      body: { ...before, status: { ...before.status, conditions } },
    });

    const after = await readyCertificate(ns, 'backend', revision + 1);
    expect(after.status?.revision).to.equal(revision + 1);
    expect(condition(after, 'Issuing')).to.equal(undefined);
    const newSerial = await eventually('a new serial in the Secret', async () => {
      const s = new X509Certificate(decode(await testCluster().core.readNamespacedSecret({ name: 'backend', namespace: ns }), 'tls.crt')).serialNumber;
      return s !== oldSerial ? s : undefined;
    });
    expect(newSerial).to.not.equal(oldSerial);
  });

  it('garbage-collects an object whose owner is deleted', async function () {
    const core = testCluster().core;
    const owner = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'owner' }, data: { a: '1' } } });
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: {
        metadata: {
          name: 'owned',
          ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata?.uid ?? '', blockOwnerDeletion: true }],
        },
        data: { b: '2' },
      },
    });
    // Control: an object without an owner reference survives.
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'bystander' }, data: { c: '3' } } });
    await core.deleteNamespacedConfigMap({ name: 'owner', namespace: ns });
    await eventually('the owned ConfigMap to be garbage-collected', async () => {
      try {
        await core.readNamespacedConfigMap({ name: 'owned', namespace: ns });
        return false;
      } catch (err) {
        if (isNotFound(err)) return true;
        throw err;
      }
    });
    const bystander = await core.readNamespacedConfigMap({ name: 'bystander', namespace: ns });
    expect(bystander.data).to.deep.equal({ c: '3' });
  });

  it('serves the Skupper v2 Listener and Connector APIs with their schema', async function () {
    const custom = testCluster().custom;
    const listener = { apiVersion: 'skupper.io/v2alpha1', kind: 'Listener', metadata: { name: 'l1', namespace: ns }, spec: { routingKey: 'r', host: 'backend', port: 8080 } };
    await custom.createNamespacedCustomObject({ group: 'skupper.io', version: 'v2alpha1', namespace: ns, plural: 'listeners', body: listener });
    // The schema requires spec.host for a Listener and exactly one of selector/host for a Connector.
    const rejected = await custom.createNamespacedCustomObject({
      group: 'skupper.io', version: 'v2alpha1', namespace: ns, plural: 'listeners',
      body: { ...listener, metadata: { name: 'l2', namespace: ns }, spec: { routingKey: 'r', port: 8080 } },
    }).then(() => undefined, (err: unknown) => err);
    expect(rejected).to.be.instanceOf(k8s.ApiException);
    expect((rejected as k8s.ApiException<unknown>).code).to.equal(422);
    const both = await custom.createNamespacedCustomObject({
      group: 'skupper.io', version: 'v2alpha1', namespace: ns, plural: 'connectors',
      body: { apiVersion: 'skupper.io/v2alpha1', kind: 'Connector', metadata: { name: 'c1', namespace: ns }, spec: { routingKey: 'r', port: 1, host: 'h', selector: 'a=b' } },
    }).then(() => undefined, (err: unknown) => err);
    expect((both as k8s.ApiException<unknown>).code).to.equal(422);
  });
});
