// A real, local Kubernetes control plane: etcd + kube-apiserver +
// kube-controller-manager + cert-manager's controllers, on loopback, with the
// cert-manager and Skupper CRDs installed.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { ensureAllBinaries, goModuleDir, type BinaryPaths } from './build.js';
import { skupperCrdDir } from './paths.js';
import { createControlPlanePki, type ControlPlanePki } from './pki.js';
import { Components } from './components.js';
import { stopProcess, waitUntil, type ManagedProcess } from './processes.js';
import { versions } from './versions.js';

export interface ClusterOptions {
  /** State directory: certificates, etcd data, logs, kubeconfig. */
  dir: string;
  log?: (line: string) => void;
  /** Extra flags for the cert-manager controller (e.g. a short request backoff). */
  certManagerArgs?: string[];
  /** Namespace that holds ClusterIssuer secrets (cert-manager's --cluster-resource-namespace). */
  clusterResourceNamespace?: string;
  /** A cluster as a user may have it before installing anything: no CRDs, no cert-manager (missing-CRD tests). */
  bare?: boolean;
}

export interface ClusterInfo {
  dir: string;
  kubeconfig: string;
  /** JSON lines, one per write request (create/update/patch/delete), for tests that count writes. */
  auditLog: string;
  server: string;
  pids: Record<string, number>;
}

const HOST = '127.0.0.1';

// Every write request, and every request of the daemon's ServiceAccounts
// (reads too: the RBAC test proves each granted verb is used), at Metadata
// level: who, verb, object, status; never bodies, so no Secret data lands in
// the log. Other reads are not logged: they are many and no test needs them.
const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived, ResponseStarted]
rules:
- level: Metadata
  verbs: [create, update, patch, delete, deletecollection]
- level: Metadata
  userGroups: ["system:serviceaccounts:skupper-cert-rotator"]
- level: None
`;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const addr = srv.address();
      srv.close(() => { resolve(typeof addr === 'object' && addr ? addr.port : 0); });
    });
  });
}

interface Get { status: number; body: string }

/** A GET with a 5 s timeout; https with `tls` (client certificate, CA), plain http without. */
function get(url: string, tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer; insecure?: boolean }): Promise<Get> {
  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage): void => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body }); });
    };
    const req = tls
      ? request(url, { ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: !tls.insecure, timeout: 5000 }, onResponse)
      : httpRequest(url, { timeout: 5000 }, onResponse);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

export function kubeconfigYaml(server: string, pki: ControlPlanePki): string {
  const b64 = (f: string): string => readFileSync(f).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: local',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${b64(pki.caCert)}`,
    'users:',
    '- name: admin',
    '  user:',
    `    client-certificate-data: ${b64(pki.adminCert)}`,
    `    client-key-data: ${b64(pki.adminKey)}`,
    'contexts:',
    '- name: local',
    '  context: {cluster: local, user: admin}',
    'current-context: local',
    '',
  ].join('\n');
}

/** Every CRD manifest the local cluster installs: cert-manager's from its module zip, Skupper's (all 12, as its controller needs) from cluster/crds/skupper-<version>/. */
export function crdManifests(): { source: string; docs: k8s.KubernetesObject[] }[] {
  const out: { source: string; docs: k8s.KubernetesObject[] }[] = [];
  const cmDir = join(goModuleDir('github.com/cert-manager/cert-manager', versions.certManager), 'deploy', 'crds');
  for (const dir of [cmDir, skupperCrdDir]) {
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml')).sort()) {
      const docs = k8s.loadAllYaml(readFileSync(join(dir, f), 'utf8')) as (k8s.KubernetesObject | null)[];
      out.push({ source: join(dir, f), docs: docs.filter((d): d is k8s.KubernetesObject => d !== null) });
    }
  }
  return out;
}

export async function applyObjects(kc: k8s.KubeConfig, objects: k8s.KubernetesObject[], fieldManager = 'skupper-cert-rotator-dev'): Promise<void> {
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  for (const obj of objects) {
    await api.patch(obj, undefined, undefined, fieldManager, true, k8s.PatchStrategy.ServerSideApply);
  }
}

export class LocalControlPlane {
  readonly processes: ManagedProcess[] = [];
  readonly kubeconfig: string;
  /** Each process by name, to SIGKILL and restart with its original arguments (fault tests). */
  readonly components: Components;
  server = '';
  private readonly log: (line: string) => void;

  constructor(private readonly opts: ClusterOptions) {
    this.log = opts.log ?? ((l) => { console.error(l); });
    this.kubeconfig = join(opts.dir, 'kubeconfig');
    this.components = new Components(opts.dir, this.processes);
  }

  info(): ClusterInfo {
    return {
      dir: this.opts.dir,
      kubeconfig: this.kubeconfig,
      auditLog: join(this.opts.dir, 'audit.log'),
      server: this.server,
      pids: Object.fromEntries(this.processes.map((p) => [p.name, p.pid])),
    };
  }

  async start(bins?: BinaryPaths): Promise<void> {
    const started = Date.now();
    const binaries = bins ?? (await ensureAllBinaries(this.log));
    const dir = this.opts.dir;
    mkdirSync(dir, { recursive: true });
    const pki = createControlPlanePki(dir);
    const [etcdPort, peerPort, apiPort, kcmPort, cmHealthPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
    const tls = { ca: readFileSync(pki.caCert), cert: readFileSync(pki.adminCert), key: readFileSync(pki.adminKey) };

    try {
      const c = this.components;
      c.spawn('etcd', binaries.etcd, [
        '--name', 'local', '--data-dir', join(dir, 'etcd-data'),
        '--listen-client-urls', `http://${HOST}:${etcdPort}`, '--advertise-client-urls', `http://${HOST}:${etcdPort}`,
        '--listen-peer-urls', `http://${HOST}:${peerPort}`, '--initial-advertise-peer-urls', `http://${HOST}:${peerPort}`,
        '--initial-cluster', `local=http://${HOST}:${peerPort}`,
        // Test data: losing it on power failure is fine, and fsync dominates etcd latency.
        '--unsafe-no-fsync', '--log-level', 'warn',
      ]);
      await c.ready('etcd', 'etcd /health', async () => (await get(`http://${HOST}:${etcdPort}/health`)).status === 200, { timeoutMs: 30_000 });

      this.server = `https://${HOST}:${apiPort}`;
      writeFileSync(join(dir, 'audit-policy.yaml'), AUDIT_POLICY);
      c.spawn('kube-apiserver', binaries.kubeApiserver, [
        `--etcd-servers=http://${HOST}:${etcdPort}`,
        `--bind-address=${HOST}`, `--secure-port=${apiPort}`,
        `--cert-dir=${dir}`, `--tls-cert-file=${pki.servingCert}`, `--tls-private-key-file=${pki.servingKey}`,
        `--client-ca-file=${pki.caCert}`,
        `--service-account-issuer=${this.server}`,
        `--service-account-key-file=${pki.saPub}`, `--service-account-signing-key-file=${pki.saKey}`,
        '--service-cluster-ip-range=10.0.0.0/24',
        '--authorization-mode=Node,RBAC',
        // No kubelets or pods here: the ServiceAccount admission plugin only mutates pods.
        '--disable-admission-plugins=ServiceAccount',
        '--allow-privileged=true',
        '--enable-priority-and-fairness=true',
        '--profiling=false',
        `--audit-policy-file=${join(dir, 'audit-policy.yaml')}`,
        `--audit-log-path=${join(dir, 'audit.log')}`,
        '--audit-log-format=json',
        '--audit-log-mode=blocking',
      ]);
      await c.ready('kube-apiserver', 'kube-apiserver /readyz', async () => {
        const r = await get(`${this.server}/readyz`, tls);
        return r.status === 200 && r.body === 'ok';
      }, { timeoutMs: 120_000 });
      writeFileSync(this.kubeconfig, kubeconfigYaml(this.server, pki), { mode: 0o600 });
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(this.kubeconfig);

      c.spawn('kube-controller-manager', binaries.kubeControllerManager, [
        `--kubeconfig=${this.kubeconfig}`,
        `--authentication-kubeconfig=${this.kubeconfig}`,
        `--authorization-kubeconfig=${this.kubeconfig}`,
        '--controllers=garbage-collector-controller,namespace-controller,serviceaccount-controller',
        '--leader-elect=false',
        `--bind-address=${HOST}`, `--secure-port=${kcmPort}`, `--cert-dir=${join(dir, 'kcm-certs')}`,
        '--use-service-account-credentials=false',
        // The garbage collector reacts within seconds instead of the default syncs.
        '--concurrent-gc-syncs=5',
      ]);
      await c.ready('kube-controller-manager', 'kube-controller-manager /healthz', async () => {
        const r = await get(`https://${HOST}:${kcmPort}/healthz`, { insecure: true });
        return r.status === 200;
      }, { timeoutMs: 60_000 });

      if (this.opts.bare) {
        this.log(`bare control plane ready at ${this.server} in ${((Date.now() - started) / 1000).toFixed(1)} s (no CRDs, no cert-manager; state in ${dir})`);
        return;
      }
      await this.installCrds(kc);
      const crns = this.opts.clusterResourceNamespace ?? 'cert-manager';
      await applyObjects(kc, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: crns } }]);

      c.spawn('cert-manager-controller', binaries.certManager, [
        `--kubeconfig=${this.kubeconfig}`,
        `--cluster-resource-namespace=${crns}`,
        `--health-listen-address=${HOST}:${cmHealthPort}`,
        ...(this.opts.certManagerArgs ?? []),
      ]);
      await c.ready('cert-manager-controller', 'cert-manager controllers', async () => (await get(`http://${HOST}:${cmHealthPort}/readyz`)).status === 200, { timeoutMs: 60_000 });
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.log(`local control plane ready at ${this.server} in ${((Date.now() - started) / 1000).toFixed(1)} s (state in ${dir})`);
  }

  /** Installs the CRDs of `manifests` (default: all) and waits until each is Established. */
  async installCrds(kc: k8s.KubeConfig, manifests = crdManifests()): Promise<void> {
    const crds = manifests.flatMap((m) => m.docs);
    await applyObjects(kc, crds);
    const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
    for (const crd of crds) {
      const name = crd.metadata?.name ?? '';
      await waitUntil(`CRD ${name} Established`, async () => {
        const got = await ext.readCustomResourceDefinition({ name });
        return (got.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
      }, { timeoutMs: 30_000 });
    }
    this.log(`installed ${crds.length} CRDs (${manifests.map((m) => m.source.split('/').pop()).join(', ')})`);
  }

  /** Stops in reverse start order; safe to call twice. */
  async stop(): Promise<void> {
    for (const p of [...this.processes].reverse()) await stopProcess(p);
    this.processes.length = 0;
  }
}
