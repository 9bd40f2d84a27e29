// The RBAC feature tour (issue 7): the daemon, run as a given ServiceAccount,
// uses every feature that needs the API (issuing, wiring, bundles from every
// source kind, client certificates, a foreign Secret, un-annotating, a manual
// renewal, a router restart, events, leader election), and every request it
// makes is looked up in the audit log. test/integration/rbac.test.ts runs it
// under the manifests' rules and under each rule minus one grant; the Helm
// chart's test runs it under the chart's ServiceAccount.
import * as k8s from '@kubernetes/client-node';
import { CERT_MANAGER_API_VERSION, isReady } from '../../src/model/certmanager.js';
import type { Connector, Listener } from '../../src/model/skupper.js';
import { makeCA } from '../../cluster/certgen.js';
import { requestsBy, type AuditWrite } from './audit.js';
import { testCluster } from './cluster.js';
import { DaemonProcess } from './daemon.js';
import { apply, createNamespace, getCertificate } from './k8s.js';
import { GiveUp, eventually } from './wait.js';

const RESTARTED_AT = 'skupper-cert-rotator.io/restarted-at';
/** A ClusterIssuer the tour's Connector names as a trust source (prepareTour creates it). */
export const CLUSTER_ISSUER = 'rbac-tour-ca';

export interface TourResult {
  completed: boolean;
  refused: AuditWrite[];
  failedStep?: string;
  ms: number;
}

class Refused extends GiveUp {}

/** Who the daemon runs as: the audit log's user name and a kubeconfig with its token. */
export interface TourIdentity {
  user: string;
  kubeconfig: string;
  /** Where its Role grants the leader Lease. */
  leaseNamespace: string;
}

/**
 * The tour: every step waits for its outcome, and gives up early when the API
 * server refuses any request of this ServiceAccount (the grant was needed).
 * `identity` is made after the tour's clock starts, so its own requests count.
 */
export async function tour(label: string, identity: () => Promise<TourIdentity>, stepTimeoutMs: number): Promise<TourResult> {
  const started = Date.now();
  const since = new Date(started - 1000);
  const { user, kubeconfig, leaseNamespace } = await identity();
  const ns = await createNamespace(`rbac-${label}`);
  const ca = makeCA({ cn: `${label} partner CA` });
  await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'Issuer', metadata: { name: 'selfsigned', namespace: ns }, spec: { selfSigned: {} } });
  await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'Certificate', metadata: { name: 'ca', namespace: ns }, spec: { isCA: true, commonName: `${label} CA`, secretName: 'ca', issuerRef: { name: 'selfsigned', kind: 'Issuer', group: 'cert-manager.io' } } });
  await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'Issuer', metadata: { name: 'ca', namespace: ns }, spec: { ca: { secretName: 'ca' } } });
  await apply<k8s.V1Deployment>({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'skupper-router', namespace: ns },
    spec: { replicas: 1, selector: { matchLabels: { app: 'router' } }, template: { metadata: { labels: { app: 'router' } }, spec: { containers: [{ name: 'router', image: 'example.invalid/router:1' }] } } },
  });
  await apply<k8s.V1Secret>({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'partner-ca', namespace: ns }, type: 'Opaque', stringData: { 'ca.crt': ca.certPem } });
  await apply<k8s.V1ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'extra-ca', namespace: ns }, data: { 'ca.crt': ca.certPem } });
  // Somebody else's Secret, of a type the caches do not hold, where a Connector's would go: the daemon reads it to tell.
  await apply<k8s.V1Secret>({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'clash-connector-tls', namespace: ns }, type: 'example.com/not-ours', stringData: { note: 'not ours' } });
  const listener = (name: string, annotations: Record<string, string>): Listener => ({ apiVersion: 'skupper.io/v2alpha1', kind: 'Listener', metadata: { name, namespace: ns, annotations }, spec: { routingKey: name, host: name, port: 8080 } });
  await apply(listener('web', { 'cert-manager.io/issuer': 'ca' }));
  await apply(listener('gone', { 'cert-manager.io/issuer': 'ca' }));
  await apply<Connector>({ apiVersion: 'skupper.io/v2alpha1', kind: 'Connector', metadata: { name: 'db', namespace: ns, annotations: { 'skupper-cert-rotator.io/trust': `issuer/ca,clusterissuer/${CLUSTER_ISSUER},configmap/extra-ca,secret/partner-ca`, 'cert-manager.io/issuer': 'ca' } }, spec: { routingKey: 'db', host: 'db.example', port: 5432, useClientCert: true } });
  await apply<Connector>({ apiVersion: 'skupper.io/v2alpha1', kind: 'Connector', metadata: { name: 'clash', namespace: ns, annotations: { 'skupper-cert-rotator.io/trust': 'secret/partner-ca' } }, spec: { routingKey: 'clash', host: 'clash.example', port: 5432 } });

  const daemon = new DaemonProcess([
    'run', `--kubeconfig=${kubeconfig}`, '--metrics-bind-address=127.0.0.1:0', '--health-bind-address=127.0.0.1:0', `--namespaces=${ns}`,
    '--roll-strategy=restart', '--leader-elect', `--leader-election-namespace=${leaseNamespace}`, `--leader-election-id=rbac-${label}`,
  ], { POD_NAME: `rbac-${label}` });
  const refusals = (): AuditWrite[] => requestsBy(user, since).filter((r) => r.code === 403);
  let current = '';
  const step = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
    current = what;
    return eventually(what, async () => {
      if (refusals().length > 0) throw new Refused(what);
      return probe();
    }, { timeoutMs: stepTimeoutMs, intervalMs: 250 });
  };
  const core = testCluster().core;
  const apps = testCluster().kc.makeApiClient(k8s.AppsV1Api);
  try {
    await step('Listener Certificates issued and wired', async () => {
      const [web, gone] = [await getCertificate(ns, 'web-listener-tls'), await getCertificate(ns, 'gone-listener-tls')];
      const wired = await testCluster().objects.read<Listener>({ apiVersion: 'skupper.io/v2alpha1', kind: 'Listener', metadata: { name: 'web', namespace: ns } });
      return web && gone && isReady(web) && isReady(gone) && wired.spec.tlsCredentials === 'web-listener-tls' ? true : undefined;
    });
    await step('Connector bundle and client certificate written', async () => {
      const s = await core.readNamespacedSecret({ namespace: ns, name: 'db-connector-tls' }).catch(() => undefined);
      return s?.data?.['ca.crt'] && s.data['tls.crt'] ? true : undefined;
    });
    await step('the foreign Secret read', () => Promise.resolve(requestsBy(user, since).some((r) => r.verb === 'get' && r.resource === 'secrets' && r.name === 'clash-connector-tls') ? true : undefined));
    await apply(listener('gone', {}));
    await step('un-annotated Listener\'s Certificate deleted', async () => ((await getCertificate(ns, 'gone-listener-tls')) ? undefined : true));
    await apply(listener('web', { 'cert-manager.io/issuer': 'ca', 'skupper-cert-rotator.io/renew': 'rbac' }));
    await step('manual renewal to revision 2', async () => ((await getCertificate(ns, 'web-listener-tls'))?.status?.revision ?? 0) >= 2 ? true : undefined);
    await step('router restarted for the new revision', async () => ((await apps.readNamespacedDeployment({ namespace: ns, name: 'skupper-router' })).spec?.template.metadata?.annotations?.[RESTARTED_AT] ? true : undefined));
    await step('Events recorded and the Lease renewed', () => {
      const mine = requestsBy(user, since);
      return Promise.resolve(mine.some((r) => r.resource === 'events' && r.verb === 'create') && mine.some((r) => r.resource === 'leases' && r.verb === 'update') ? true : undefined);
    });
    return { completed: true, refused: refusals(), ms: Date.now() - started };
  } catch (err) {
    return { completed: false, refused: refusals(), failedStep: err instanceof Refused ? `refused during: ${current}` : `${current}: ${String(err)}`, ms: Date.now() - started };
  } finally {
    await daemon.stop();
  }
}

/** What the tour needs beyond its own namespace: a ClusterIssuer whose CA Secret lives in the cluster resource namespace. */
export async function prepareTour(): Promise<void> {
  await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'Issuer', metadata: { name: 'selfsigned', namespace: 'cert-manager' }, spec: { selfSigned: {} } });
  await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'Certificate', metadata: { name: CLUSTER_ISSUER, namespace: 'cert-manager' }, spec: { isCA: true, commonName: 'rbac tour cluster CA', secretName: CLUSTER_ISSUER, issuerRef: { name: 'selfsigned', kind: 'Issuer', group: 'cert-manager.io' } } });
  await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'ClusterIssuer', metadata: { name: CLUSTER_ISSUER }, spec: { ca: { secretName: CLUSTER_ISSUER } } });
}
