// Issue 7 / SPEC §6: least privilege, proven both ways on the real API server.
// Sufficient: a tour that makes the daemon use every feature that needs the
// API (issuing, wiring, bundles from every source kind, client certificates,
// a foreign Secret, un-annotating, a manual renewal, a router restart, events,
// leader election) completes under exactly the manifests' rules, with no
// request refused. Minimal: for every single grant (group, resource, verb),
// the same tour under the rules minus that grant gets a request refused (403
// in the audit log) or does not complete.
import { expect } from 'chai';
import * as k8s from '@kubernetes/client-node';
import { CERT_MANAGER_API_VERSION, isReady } from '../../src/model/certmanager.js';
import type { Connector, Listener } from '../../src/model/skupper.js';
import { requestsBy, type AuditWrite } from '../support/audit.js';
import { makeCA } from '../../cluster/certgen.js';
import { testCluster } from '../support/cluster.js';
import { DaemonProcess } from '../support/daemon.js';
import { apply, createNamespace, getCertificate } from '../support/k8s.js';
import { baseRules, grantName, grantsOf, namespacedOverlayRules, rulesWithout, serviceAccountWithRules, type Grant, type Rule } from '../support/rbac.js';
import { SA_NAMESPACE, daemonKubeconfig } from '../support/serviceaccount.js';
import { GiveUp, eventually } from '../support/wait.js';

const RESTARTED_AT = 'skupper-cert-rotator.io/restarted-at';
const CLUSTER_ISSUER = 'rbac-tour-ca';
const PARALLEL = 6;

interface TourResult {
  completed: boolean;
  refused: AuditWrite[];
  failedStep?: string;
  ms: number;
}

class Refused extends GiveUp {}

/**
 * The tour: every step waits for its outcome, and gives up early when the API
 * server refuses any request of this ServiceAccount (the grant was needed).
 */
async function tour(label: string, clusterRules: readonly Rule[], roleRules: readonly Rule[], stepTimeoutMs: number): Promise<TourResult> {
  const started = Date.now();
  const since = new Date(started - 1000);
  const { user, kubeconfig } = await serviceAccountWithRules(`rbac-${label}`, clusterRules, roleRules);
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
    '--roll-strategy=restart', '--leader-elect', `--leader-election-namespace=${SA_NAMESPACE}`, `--leader-election-id=rbac-${label}`,
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

describe('RBAC is sufficient and minimal (issue 7)', function () {
  this.timeout(20 * 60_000);
  const clusterRules = baseRules('clusterrole.yaml');
  const roleRules = baseRules('role-leader-election.yaml');

  before(async function () {
    await daemonKubeconfig(); // the daemon namespace and the manifests' RBAC
    // A ClusterIssuer trust source: its CA Secret lives in the cluster resource namespace.
    await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'Issuer', metadata: { name: 'selfsigned', namespace: 'cert-manager' }, spec: { selfSigned: {} } });
    await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'Certificate', metadata: { name: CLUSTER_ISSUER, namespace: 'cert-manager' }, spec: { isCA: true, commonName: 'rbac tour cluster CA', secretName: CLUSTER_ISSUER, issuerRef: { name: 'selfsigned', kind: 'Issuer', group: 'cert-manager.io' } } });
    await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'ClusterIssuer', metadata: { name: CLUSTER_ISSUER }, spec: { ca: { secretName: CLUSTER_ISSUER } } });
  });

  it('the full tour completes under exactly the manifests\' rules, with no request refused', async function () {
    const r = await tour('full', clusterRules, roleRules, 60_000);
    console.log(`      full tour: ${r.ms} ms`);
    expect(r.refused, 'refused requests').to.deep.equal([]);
    expect(r.completed, r.failedStep).to.equal(true);
  });

  it('every single grant is needed: without it the tour gets a request refused', async function () {
    const grants: Grant[] = [...grantsOf('ClusterRole', clusterRules), ...grantsOf('Role', roleRules)];
    expect(grants.length).to.be.greaterThan(20);
    const outcomes: { grant: string; result: TourResult }[] = [];
    const queue = grants.map((g, i) => ({ g, i }));
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const { g, i } = next;
        const without = (role: Grant['role'], rules: readonly Rule[]): Rule[] => (g.role === role ? rulesWithout(rules, g) : [...rules]);
        outcomes.push({ grant: grantName(g), result: await tour(`minus-${i}`, without('ClusterRole', clusterRules), without('Role', roleRules), 45_000) });
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    for (const o of outcomes.sort((a, b) => a.grant.localeCompare(b.grant))) {
      const first = o.result.refused[0];
      console.log(`      without ${o.grant}: ${first ? `${first.verb} ${first.resource}${first.subresource ? `/${first.subresource}` : ''} refused` : o.result.completed ? 'tour completed' : o.result.failedStep ?? '?'} (${o.result.ms} ms)`);
    }
    const unnecessary = outcomes.filter((o) => o.result.refused.length === 0).map((o) => `${o.grant}: ${o.result.completed ? 'tour completed without it' : `no refusal; ${o.result.failedStep ?? ''}`}`);
    expect(unnecessary).to.deep.equal([]);
  });

  it('namespaced overlay: with only its Role in the watched namespace and --cluster-issuers=false, the daemon works and nothing is refused', async function () {
    const since = new Date();
    const ns = await createNamespace('rbac-namespaced');
    const { user, kubeconfig } = await serviceAccountWithRules('rbac-namespaced', [], roleRules, [{ namespace: ns, rules: namespacedOverlayRules() }]);
    await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'Issuer', metadata: { name: 'selfsigned', namespace: ns }, spec: { selfSigned: {} } });
    await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'Certificate', metadata: { name: 'ca', namespace: ns }, spec: { isCA: true, commonName: 'namespaced CA', secretName: 'ca', issuerRef: { name: 'selfsigned', kind: 'Issuer', group: 'cert-manager.io' } } });
    await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'Issuer', metadata: { name: 'ca', namespace: ns }, spec: { ca: { secretName: 'ca' } } });
    const listener = (name: string, annotations: Record<string, string>): Listener => ({ apiVersion: 'skupper.io/v2alpha1', kind: 'Listener', metadata: { name, namespace: ns, annotations }, spec: { routingKey: name, host: name, port: 8080 } });
    await apply(listener('web', { 'cert-manager.io/issuer': 'ca' }));
    // cert-manager, which has cluster scope, still issues from a ClusterIssuer.
    await apply(listener('cluster', { 'cert-manager.io/cluster-issuer': CLUSTER_ISSUER }));
    await apply<Connector>({ apiVersion: 'skupper.io/v2alpha1', kind: 'Connector', metadata: { name: 'db', namespace: ns, annotations: { 'skupper-cert-rotator.io/trust': 'issuer/ca' } }, spec: { routingKey: 'db', host: 'db.example', port: 5432 } });
    await apply<Connector>({ apiVersion: 'skupper.io/v2alpha1', kind: 'Connector', metadata: { name: 'cl', namespace: ns, annotations: { 'skupper-cert-rotator.io/trust': `clusterissuer/${CLUSTER_ISSUER}` } }, spec: { routingKey: 'cl', host: 'cl.example', port: 5432 } });
    const daemon = new DaemonProcess([
      'run', `--kubeconfig=${kubeconfig}`, '--metrics-bind-address=127.0.0.1:0', '--health-bind-address=127.0.0.1:0', `--namespaces=${ns}`, '--cluster-issuers=false',
      '--leader-elect', `--leader-election-namespace=${SA_NAMESPACE}`, '--leader-election-id=rbac-namespaced',
    ], { POD_NAME: 'rbac-namespaced' });
    try {
      for (const name of ['web', 'cluster']) {
        await eventually(`${name} issued and wired`, async () => {
          const c = await getCertificate(ns, `${name}-listener-tls`);
          const l = await testCluster().objects.read<Listener>({ apiVersion: 'skupper.io/v2alpha1', kind: 'Listener', metadata: { name, namespace: ns } });
          return c && isReady(c) && l.spec.tlsCredentials === `${name}-listener-tls` ? true : undefined;
        }, { timeoutMs: 60_000 });
      }
      await eventually('db bundle written', async () => ((await testCluster().core.readNamespacedSecret({ namespace: ns, name: 'db-connector-tls' }).catch(() => undefined))?.data?.['ca.crt'] ? true : undefined), { timeoutMs: 60_000 });
      const problem = await eventually('the clusterissuer source reported', async () => {
        const text = await (await fetch(`http://${await daemon.address('metrics')}/metrics`)).text();
        return new RegExp(`^skupper_cert_rotator_object_problem\\{namespace="${ns}",kind="connector",name="cl",reason="TrustSourceInvalid"\\} 1$`, 'm').test(text) ? true : undefined;
      }, { timeoutMs: 30_000 });
      expect(problem).to.equal(true);
      const ready = await fetch(`http://${await daemon.address('health')}/readyz`);
      expect(ready.status, await ready.text()).to.equal(200);
      expect(requestsBy(user, since).filter((r) => r.code === 403)).to.deep.equal([]);
    } finally {
      expect(await daemon.stop()).to.equal(0);
    }
  });
});
