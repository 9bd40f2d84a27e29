// Issue 7 / SPEC §6: least privilege, proven both ways on the real API server.
// Sufficient: a tour that makes the daemon use every feature that needs the
// API (issuing, wiring, bundles from every source kind, client certificates,
// a foreign Secret, un-annotating, a manual renewal, a router restart, events,
// leader election) completes under exactly the manifests' rules, with no
// request refused. Minimal: for every single grant (group, resource, verb),
// the same tour under the rules minus that grant gets a request refused (403
// in the audit log) or does not complete.
import { expect } from 'chai';
import { CERT_MANAGER_API_VERSION, isReady } from '../../src/model/certmanager.js';
import type { Connector, Listener } from '../../src/model/skupper.js';
import { requestsBy } from '../support/audit.js';
import { testCluster } from '../support/cluster.js';
import { DaemonProcess } from '../support/daemon.js';
import { apply, createNamespace, getCertificate } from '../support/k8s.js';
import { baseRules, grantName, grantsOf, namespacedOverlayRules, rulesWithout, serviceAccountWithRules, type Grant, type Rule } from '../support/rbac.js';
import { CLUSTER_ISSUER, prepareTour, tour, type TourIdentity, type TourResult } from '../support/rbac-tour.js';
import { SA_NAMESPACE, daemonKubeconfig } from '../support/serviceaccount.js';
import { eventually } from '../support/wait.js';

const PARALLEL = 6;

/** A fresh ServiceAccount holding exactly these rules, its Lease Role in the daemon's namespace. */
function withRules(label: string, clusterRules: readonly Rule[], roleRules: readonly Rule[]): () => Promise<TourIdentity> {
  return async () => ({ ...(await serviceAccountWithRules(`rbac-${label}`, clusterRules, roleRules)), leaseNamespace: SA_NAMESPACE });
}

describe('RBAC is sufficient and minimal (issue 7)', function () {
  this.timeout(20 * 60_000);
  const clusterRules = baseRules('clusterrole.yaml');
  const roleRules = baseRules('role-leader-election.yaml');

  before(async function () {
    await daemonKubeconfig(); // the daemon namespace and the manifests' RBAC
    await prepareTour();
  });

  it('the full tour completes under exactly the manifests\' rules, with no request refused', async function () {
    const r = await tour('full', withRules('full', clusterRules, roleRules), 60_000);
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
        outcomes.push({ grant: grantName(g), result: await tour(`minus-${i}`, withRules(`minus-${i}`, without('ClusterRole', clusterRules), without('Role', roleRules)), 45_000) });
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
