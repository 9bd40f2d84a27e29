// SPEC §4.3 probes: real TLS servers on loopback stand in for the Listener's
// Service and the Connector's backend (--probe-address-map points the
// daemon at them); the served certificates come from real cert-manager.
import { expect } from 'chai';
import * as k8s from '@kubernetes/client-node';
import { CERT_MANAGER_API_VERSION, isReady } from '../../src/model/certmanager.js';
import type { Connector, Listener } from '../../src/model/skupper.js';
import { makeCA, makeLeaf } from '../../cluster/certgen.js';
import { testCluster } from '../support/cluster.js';
import { DaemonProcess } from '../support/daemon.js';
import { apply, createNamespace, decode, getCertificate } from '../support/k8s.js';
import { daemonKubeconfig } from '../support/serviceaccount.js';
import { startTlsServer } from '../support/tls.js';
import { eventually } from '../support/wait.js';

function listener(namespace: string, renew: string): Listener {
  return {
    apiVersion: 'skupper.io/v2alpha1', kind: 'Listener',
    metadata: { name: 'web', namespace, annotations: { 'cert-manager.io/issuer': 'ca', 'skupper-cert-rotator.io/renew': renew } },
    spec: { routingKey: 'web', host: 'web', port: 8080 },
  };
}

async function readySecret(namespace: string, name: string, minRevision = 1): Promise<k8s.V1Secret> {
  return eventually(`${namespace}/${name} at revision ${minRevision}`, async () => {
    const c = await getCertificate(namespace, name);
    if (!c || !isReady(c) || (c.status?.revision ?? 0) < minRevision) return undefined;
    return testCluster().core.readNamespacedSecret({ namespace, name: c.spec.secretName });
  }, { timeoutMs: 60_000 });
}

async function hasEvent(namespace: string, name: string, reason: string): Promise<string> {
  return eventually(`Event ${reason} on ${name}`, async () => {
    const list = await testCluster().kc.makeApiClient(k8s.EventsV1Api).listNamespacedEvent({ namespace });
    return list.items.find((e) => e.regarding?.name === name && e.reason === reason)?.note;
  });
}

describe('Probes (SPEC §4.3 --probe)', function () {
  this.timeout(180_000);

  it('reports a Listener service serving a stale certificate and a backend that the bundle does not verify', async function () {
    const ns = await createNamespace('probe');
    await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'Issuer', metadata: { name: 'selfsigned', namespace: ns }, spec: { selfSigned: {} } });
    await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'Certificate', metadata: { name: 'ca', namespace: ns }, spec: { isCA: true, commonName: 'probe CA', secretName: 'ca', issuerRef: { name: 'selfsigned', kind: 'Issuer', group: 'cert-manager.io' } } });
    await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'Issuer', metadata: { name: 'ca', namespace: ns }, spec: { ca: { secretName: 'ca' } } });
    await apply({
      apiVersion: CERT_MANAGER_API_VERSION, kind: 'Certificate', metadata: { name: 'backend', namespace: ns },
      spec: { commonName: 'backend.example', dnsNames: ['backend.example'], secretName: 'backend', issuerRef: { name: 'ca', kind: 'Issuer', group: 'cert-manager.io' } },
    });
    const backendSecret = await readySecret(ns, 'backend');

    // Placeholders until the real material exists; the ports must be known before the daemon starts.
    const placeholderCa = makeCA({ cn: 'placeholder' });
    const placeholder = makeLeaf(placeholderCa, { dns: ['web'] });
    const service = await startTlsServer({ cert: placeholder.certPem, key: placeholder.keyPem });
    const backend = await startTlsServer({ cert: decode(backendSecret, 'tls.crt'), key: decode(backendSecret, 'tls.key') });
    const daemon = new DaemonProcess([
      'run', `--kubeconfig=${await daemonKubeconfig()}`, '--metrics-bind-address=127.0.0.1:0', '--health-bind-address=127.0.0.1:0',
      `--namespaces=${ns}`, '--probe', '--probe-interval=2s', '--resync-period=10s', '--log-level=debug',
      `--probe-address-map=web.${ns}.svc:8080=127.0.0.1:${service.port},backend.example:8443=127.0.0.1:${backend.port}`,
    ]);
    const metric = async (name: string, labels: string, value: number): Promise<void> => {
      const want = `skupper_cert_rotator_${name}{${labels}} ${value}`;
      await eventually(want, async () => ((await (await fetch(`http://${await daemon.address('metrics')}/metrics`)).text()).includes(want) ? true : undefined), { timeoutMs: 30_000 });
    };
    const web = `namespace="${ns}",kind="listener",name="web",secret="web-listener-tls"`;
    const db = `namespace="${ns}",kind="connector",name="db",secret="db-connector-tls"`;
    try {
      await apply(listener(ns, 'r0'));
      await apply<Connector>({
        apiVersion: 'skupper.io/v2alpha1', kind: 'Connector', metadata: { name: 'db', namespace: ns, annotations: { 'skupper-cert-rotator.io/trust': 'issuer/ca' } },
        spec: { routingKey: 'db', host: 'backend.example', port: 8443 },
      });
      const first = await readySecret(ns, 'web-listener-tls');
      service.server.setSecureContext({ cert: decode(first, 'tls.crt'), key: decode(first, 'tls.key') });
      await metric('served_certificate_current', web, 1);
      await metric('backend_trust_verified', db, 1);

      // The Secret rotates; the service keeps serving the old certificate.
      await apply(listener(ns, 'r1'));
      const second = await readySecret(ns, 'web-listener-tls', 2);
      await metric('served_certificate_current', web, 0);
      expect(await hasEvent(ns, 'web', 'ServedCertificateStale')).to.contain('serves certificate');
      // The service picks up the new Secret: current again.
      service.server.setSecureContext({ cert: decode(second, 'tls.crt'), key: decode(second, 'tls.key') });
      await metric('served_certificate_current', web, 1);

      // The backend moves to a certificate from a CA the bundle does not hold.
      const otherCa = makeCA({ cn: 'other CA' });
      const other = makeLeaf(otherCa, { dns: ['backend.example'] });
      backend.server.setSecureContext({ cert: other.certPem, key: other.keyPem });
      await metric('backend_trust_verified', db, 0);
      expect(await hasEvent(ns, 'db', 'BackendTrustFailed')).to.contain('does not verify');
    } finally {
      expect(await daemon.stop()).to.equal(0);
      await service.close();
      await backend.close();
    }
    expect(daemon.logs.filter((l) => l.level === 'error').map((l) => l.msg)).to.deep.equal([]);
  });
});
