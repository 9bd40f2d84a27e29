// A cluster without the Skupper and cert-manager CRDs, as a user may have
// it before installing them: a second, bare control plane, because the
// shared one has the CRDs and other tests use them at the same time. The
// daemon, under the manifests' own ServiceAccount and RBAC, waits not-ready
// and says what to install; status and renew exit 1 with the same message;
// once the CRDs are installed the daemon continues on its own.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { Api } from '../../src/kube/api.js';
import { crdName, missingResources } from '../../src/kube/crd-check.js';
import { requiredResources } from '../../src/model/resources.js';
import { USER_AGENT } from '../../src/version.js';
import { LocalControlPlane, applyObjects, crdManifests } from '../../cluster/controlplane.js';
import { repoRoot } from '../../cluster/paths.js';
import { DaemonProcess } from '../support/daemon.js';
import { kustomize } from '../support/kubectl.js';
import { eventually } from '../support/wait.js';
import { runCli, type CliResult } from '../support/cli.js';

const ALL_CRDS = ['listeners.skupper.io', 'connectors.skupper.io', 'certificates.cert-manager.io', 'issuers.cert-manager.io', 'clusterissuers.cert-manager.io'];
const SA_NAMESPACE = 'skupper-cert-rotator';

const cli = (args: string[]): Promise<CliResult> => runCli(args, {}, 60_000);

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

/** A kubeconfig for `name` in `namespace` with a TokenRequest token, on the bare cluster. */
async function tokenKubeconfig(kc: k8s.KubeConfig, dir: string, namespace: string, name: string): Promise<string> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const tr = await eventually(`a token for ${namespace}/${name}`, async () => (await core.createNamespacedServiceAccountToken({ name, namespace, body: { spec: { audiences: [], expirationSeconds: 3600 } } })).status?.token, { timeoutMs: 30_000 });
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('no cluster');
  const file = join(dir, `kubeconfig-${name}`);
  writeFileSync(file, [
    'apiVersion: v1', 'kind: Config',
    'clusters:', '- name: bare', '  cluster:', `    server: ${cluster.server}`, `    certificate-authority-data: ${cluster.caData ?? readFileSync(cluster.caFile ?? '').toString('base64')}`,
    'users:', `- name: ${name}`, '  user:', `    token: ${tr}`,
    'contexts:', '- name: sa', `  context: {cluster: bare, user: ${name}}`, 'current-context: sa', '',
  ].join('\n'), { mode: 0o600 });
  return file;
}

describe('a cluster without the Skupper and cert-manager CRDs', function () {
  let dir = '';
  let cp: LocalControlPlane | undefined;
  let kc: k8s.KubeConfig;
  let adminKubeconfig = '';
  /** The daemon's ServiceAccount with exactly the manifests' RBAC. */
  let daemonKubeconfig = '';
  /** A ServiceAccount bound to nothing: only what every authenticated user may do. */
  let nobodyKubeconfig = '';

  before(async function () {
    // Starts in seconds from the binary cache; generous for a loaded 2-core machine.
    this.timeout(300_000);
    dir = mkdtempSync(join(tmpdir(), 'scr-bare-'));
    cp = new LocalControlPlane({ dir, bare: true, log: (l) => { console.error(`    [bare cluster] ${l}`); } });
    await cp.start();
    adminKubeconfig = cp.kubeconfig;
    kc = new k8s.KubeConfig();
    kc.loadFromFile(adminKubeconfig);
    // The identity part of manifests/base (Namespace, ServiceAccount, roles and bindings); RBAC may name resources that do not exist yet.
    const identity = (await kustomize(join(repoRoot, 'manifests', 'base'))).filter((o) => ['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'].includes(o.kind ?? ''));
    await applyObjects(kc, identity);
    await applyObjects(kc, [{ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'nobody', namespace: SA_NAMESPACE } }]);
    daemonKubeconfig = await tokenKubeconfig(kc, dir, SA_NAMESPACE, 'skupper-cert-rotator');
    nobodyKubeconfig = await tokenKubeconfig(kc, dir, SA_NAMESPACE, 'nobody');
  });

  after(async function () {
    this.timeout(60_000);
    await cp?.stop();
    if (dir !== '' && !process.env.KEEP_CLUSTER_STATE) rmSync(dir, { recursive: true, force: true });
  });

  it('lets any authenticated user ask discovery, so the check needs no RBAC of its own', async function () {
    const binding = await kc.makeApiClient(k8s.RbacAuthorizationV1Api).readClusterRoleBinding({ name: 'system:discovery' });
    expect(binding.subjects?.map((s) => `${s.kind}/${s.name}`)).to.deep.equal(['Group/system:authenticated']);
    const nobody = new k8s.KubeConfig();
    nobody.loadFromFile(nobodyKubeconfig);
    const api = new Api(nobody, USER_AGENT);
    try {
      // 404 for the missing groups (not 403): all five are reported missing rather than the check failing.
      const missing = await missingResources(api, requiredResources({ clusterIssuers: true, issuers: true }));
      expect(missing.map(crdName)).to.deep.equal(ALL_CRDS);
      // The same user may not list what it asks about: the answer came from discovery alone.
      const list = await api.request('GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles').then(() => 200, (err: unknown) => (err as { status?: number }).status);
      expect(list).to.equal(403);
    } finally {
      api.close();
    }
  });

  it('status and renew exit 1 naming each missing CRD and how to install it, without a stack trace', async function () {
    this.timeout(120_000);
    for (const args of [['status', '-A'], ['renew', 'listener/web', '-n', 'default']]) {
      const r = await cli([...args, `--kubeconfig=${daemonKubeconfig}`]);
      expect(r.code, `${args[0] ?? ''}: ${r.stderr}`).to.equal(1);
      expect(r.stdout).to.equal('');
      for (const name of ['listeners.skupper.io', 'connectors.skupper.io', 'certificates.cert-manager.io']) expect(r.stderr).to.contain(name);
      expect(r.stderr).to.contain('https://skupper.io/v2/install.yaml');
      expect(r.stderr).to.contain('https://cert-manager.io/docs/installation/');
      expect(r.stderr).to.not.match(/^\s+at /m);
      expect(r.stderr.trim().split('\n')).to.have.length(1);
    }
  });

  it('a daemon waiting for CRDs stops cleanly on SIGTERM', async function () {
    this.timeout(120_000);
    const d = new DaemonProcess(['run', `--kubeconfig=${daemonKubeconfig}`, '--metrics-bind-address=127.0.0.1:0', '--health-bind-address=127.0.0.1:0']);
    try {
      await d.waitForLog('the missing-CRD report', (l) => l.level === 'error' && l.msg.startsWith('required CustomResourceDefinitions are not installed'), 60_000);
      d.kill('SIGTERM');
      expect(await d.exited).to.equal(0);
      expect(d.logs.some((l) => l.level === 'fatal')).to.equal(false);
    } finally {
      await d.stop();
    }
  });

  it('the daemon is not ready while CRDs are missing, says so once, and continues when they are installed', async function () {
    this.timeout(300_000);
    const d = new DaemonProcess(['run', `--kubeconfig=${daemonKubeconfig}`, '--metrics-bind-address=127.0.0.1:0', '--health-bind-address=127.0.0.1:0', '--log-level=debug']);
    try {
      const health = await d.address('health');
      // What the daemon says about CRDs above debug level; logs arrive through a pipe, so counts are awaited, then held.
      const reports = (): typeof d.logs => d.logs.filter((l) => ['error', 'warn', 'fatal'].includes(l.level) && /CustomResourceDefinitions|CRDs/.test(l.msg));
      const checks = (): number => d.logs.filter((l) => l.msg === 'required CRDs still missing').length;

      // Three checks (1 s, then 2 s apart): still one report.
      await eventually('three CRD checks', () => Promise.resolve(checks() >= 3), { timeoutMs: 90_000 });
      expect(reports().map((l) => l.msg)).to.have.length(1);
      expect(reports()[0]?.missing).to.deep.equal(ALL_CRDS);
      const readyz = await get(`http://${health}/readyz`);
      expect(readyz.status).to.equal(503);
      const crdLine = readyz.body.split('\n').find((l) => l.startsWith('[-]crds '));
      expect(crdLine, readyz.body).to.be.a('string');
      for (const name of ALL_CRDS) expect(crdLine).to.contain(name);
      expect(crdLine).to.contain('https://skupper.io/v2/install.yaml');
      // Alive all along: a liveness failure would have the pod restarted for nothing.
      expect((await get(`http://${health}/healthz`)).status).to.equal(200);

      // Skupper first: the reason narrows to cert-manager's CRDs, reported once more.
      const [certManager, skupper] = [crdManifests().filter((m) => m.source.includes('cert-manager')), crdManifests().filter((m) => !m.source.includes('cert-manager'))];
      await cp?.installCrds(kc, skupper);
      const narrowed = await eventually('readyz naming only cert-manager CRDs', async () => {
        const r = await get(`http://${health}/readyz`);
        const line = r.body.split('\n').find((l) => l.startsWith('[-]crds ')) ?? '';
        return line !== '' && !line.includes('skupper.io (') ? line : undefined;
      }, { timeoutMs: 90_000, intervalMs: 500 });
      expect(narrowed).to.contain('certificates.cert-manager.io');
      await eventually('the narrowed report', () => Promise.resolve(reports().length >= 2), { timeoutMs: 30_000 });
      expect(reports()).to.have.length(2);
      expect(reports()[1]?.missing).to.deep.equal(ALL_CRDS.filter((n) => n.endsWith('cert-manager.io')));

      await cp?.installCrds(kc, certManager);
      const installed = await d.waitForLog('CRDs found', (l) => l.msg === 'required CRDs are installed now; continuing start-up', 90_000);
      const becameReady = await eventually('readyz 200', async () => {
        const r = await get(`http://${health}/readyz`);
        return r.status === 200 ? r.body : undefined;
      }, { timeoutMs: 120_000, intervalMs: 250 });
      expect(becameReady).to.contain('[+]crds installed');
      expect(becameReady).to.contain('[+]caches synced');
      const synced = d.logs.find((l) => l.msg === 'caches synced');
      console.log(`      ${checks()} CRD checks before the CRDs were there; caches synced ${Date.parse(String(synced?.time)) - Date.parse(String(installed.time))} ms after the CRDs were found`);
      expect(reports()).to.have.length(2);

      // And the commands work now.
      const status = await cli(['status', '-A', `--kubeconfig=${daemonKubeconfig}`]);
      expect(status.code, status.stderr).to.equal(0);
      expect(status.stderr).to.contain('no Listeners or Connectors found');

      d.kill('SIGTERM');
      expect(await d.exited).to.equal(0);
    } finally {
      await d.stop();
    }
  });
});
