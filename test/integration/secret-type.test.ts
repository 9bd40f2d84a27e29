// Issue 12 §4: Skupper 2.2 uses only kubernetes.io/tls Secrets. A Secret of
// another type named by a Listener's or Connector's tlsCredentials (or by the
// name the daemon would use) is reported, not Ready, with a reason that says
// why and what to do (Event, log line, object_problem), whether the caches
// hold its type (Opaque) or not (a custom type, read directly); and the
// daemon never writes to it, label or not (the audit log is the witness).
import { expect } from 'chai';
import * as k8s from '@kubernetes/client-node';
import type { Connector, Listener } from '../../src/model/skupper.js';
import { writesBy } from '../support/audit.js';
import { makeCA, makeLeaf } from '../../cluster/certgen.js';
import { testCluster } from '../support/cluster.js';
import { startSyncedDaemon, stopAndReport, type DaemonProcess } from '../support/daemon.js';
import { apply, createNamespace, getCertificate } from '../support/k8s.js';
import { SA_USER, daemonKubeconfig } from '../support/serviceaccount.js';
import { eventually } from '../support/wait.js';
import { runCli, type CliResult } from '../support/cli.js';

const cli = (args: string[]): Promise<CliResult> => runCli(args);

const OURS = { 'app.kubernetes.io/managed-by': 'skupper-cert-rotator' };
const REASON = 'SecretWrongType';

interface Case {
  kind: 'listener' | 'connector';
  name: string;
  secret: string;
  type: string;
  labels?: Record<string, string>;
  annotations: Record<string, string>;
  tlsCredentials?: string;
}

describe('Secrets that are not kubernetes.io/tls (issue 12 §4)', function () {
  this.timeout(240_000);
  let daemon: DaemonProcess;
  let ns: string;
  const since = new Date();
  const ca = makeCA({ cn: 'secret-type CA', days: 30 });
  const leaf = makeLeaf(ca, { cn: 'hand', dns: ['hand', 'custom', 'managed', 'basic'], days: 20 });
  // Valid TLS material in every one of them: only the type is wrong.
  const data = { 'tls.crt': leaf.certPem, 'tls.key': leaf.keyPem, 'ca.crt': ca.certPem };
  const cases: Case[] = [
    { kind: 'listener', name: 'hand', secret: 'hand-opaque', type: 'Opaque', annotations: {}, tlsCredentials: 'hand-opaque' },
    { kind: 'listener', name: 'custom', secret: 'custom-secret', type: 'example.com/custom', annotations: {}, tlsCredentials: 'custom-secret' },
    { kind: 'listener', name: 'managed', secret: 'managed-listener-tls', type: 'Opaque', labels: OURS, annotations: { 'cert-manager.io/issuer': 'ca' } },
    { kind: 'listener', name: 'basic', secret: 'basic-listener-tls', type: 'kubernetes.io/basic-auth', annotations: { 'cert-manager.io/issuer': 'ca' } },
    { kind: 'connector', name: 'conn', secret: 'conn-opaque', type: 'Opaque', labels: OURS, annotations: { 'skupper-cert-rotator.io/trust': 'secret/partner-ca' }, tlsCredentials: 'conn-opaque' },
  ];
  const before0 = new Map<string, k8s.V1Secret>();

  before(async function () {
    ns = await createNamespace('sectype');
    await apply({ apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: { name: 'ca', namespace: ns }, spec: { selfSigned: {} } });
    await apply<k8s.V1Secret>({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'partner-ca', namespace: ns }, type: 'Opaque', stringData: { 'ca.crt': ca.certPem } });
    for (const c of cases) {
      // basic-auth requires username or password; the rest of the data rides along.
      const extra: Record<string, string> = c.type === 'kubernetes.io/basic-auth' ? { username: 'u' } : {};
      const s = await apply<k8s.V1Secret>({ apiVersion: 'v1', kind: 'Secret', metadata: { name: c.secret, namespace: ns, ...(c.labels ? { labels: c.labels } : {}) }, type: c.type, stringData: { ...data, ...extra } });
      before0.set(c.secret, s);
      const spec = c.kind === 'listener' ? { routingKey: c.name, host: c.name, port: 8080 } : { routingKey: c.name, host: `${c.name}.example`, port: 5432 };
      await apply<Listener | Connector>({
        apiVersion: 'skupper.io/v2alpha1', kind: c.kind === 'listener' ? 'Listener' : 'Connector',
        metadata: { name: c.name, namespace: ns, annotations: c.annotations },
        spec: { ...spec, ...(c.tlsCredentials ? { tlsCredentials: c.tlsCredentials } : {}) },
      });
    }
    daemon = await startSyncedDaemon(await daemonKubeconfig(), [ns], ['--resync-period=10s']);
  });

  after(async function () {
    expect(await stopAndReport(daemon)).to.deep.equal([]);
  });

  it('reports each one: Event and log line saying why and what to do, and object_problem', async function () {
    for (const c of cases) {
      const note = await eventually(`${REASON} Event on ${c.kind} ${c.name}`, async () => {
        const list = await testCluster().kc.makeApiClient(k8s.EventsV1Api).listNamespacedEvent({ namespace: ns });
        return list.items.find((e) => e.regarding?.name === c.name && e.regarding.kind?.toLowerCase() === c.kind && e.reason === REASON)?.note;
      }, { timeoutMs: 90_000 });
      expect(note).to.contain(`Secret ${ns}/${c.secret} is of type ${c.type}; Skupper only uses kubernetes.io/tls Secrets: recreate it with type kubernetes.io/tls`);
      const line = await daemon.waitForLog(`${REASON} log line for ${c.name}`, (l) => l.level === 'warn' && l.reason === REASON && l[c.kind] === `${ns}/${c.name}`, 30_000);
      expect(line.msg).to.contain(`is of type ${c.type}`);
    }
    const text = await eventually('object_problem of every case', async () => {
      const t = await (await fetch(`http://${await daemon.address('metrics')}/metrics`)).text();
      return cases.every((c) => t.includes(`skupper_cert_rotator_object_problem{namespace="${ns}",kind="${c.kind}",name="${c.name}",reason="${REASON}"} 1`)) ? t : undefined;
    }, { timeoutMs: 60_000 });
    // The hand-made ones are also not Ready in the per-object series.
    expect(text).to.contain(`skupper_cert_rotator_certificate_ready{namespace="${ns}",kind="listener",name="hand",secret="hand-opaque"} 0`);
  });

  it('status -o json says Invalid, with the reason first', async function () {
    const r = await cli(['status', '-n', ns, '-o', 'json', `--kubeconfig=${testCluster().kubeconfig}`]);
    expect(r.code, r.stderr).to.equal(0);
    const rows = (JSON.parse(r.stdout) as { items: { kind: string; name: string; state: string; ready: boolean; problems: string[] }[] }).items;
    for (const c of cases) {
      const row = rows.find((x) => x.kind === c.kind && x.name === c.name);
      expect([row?.state, row?.ready], c.name).to.deep.equal(['Invalid', false]);
      expect(row?.problems[0], c.name).to.contain(`is of type ${c.type}; Skupper only uses kubernetes.io/tls Secrets`);
    }
  });

  it('never writes to them, label or not, and creates no Certificate for them', async function () {
    // Let a resync (10 s) pass over every case after it was reported.
    const reconciled = (): number => daemon.logs.length;
    const mark = reconciled();
    await eventually('a resync after the reports', () => Promise.resolve(daemon.logs.slice(mark).some((l) => l.reason === REASON) ? true : undefined), { timeoutMs: 60_000 });
    for (const c of cases) {
      const now = await testCluster().core.readNamespacedSecret({ namespace: ns, name: c.secret });
      const was = before0.get(c.secret);
      expect(now.metadata?.resourceVersion, c.secret).to.equal(was?.metadata?.resourceVersion);
      expect(now.data, c.secret).to.deep.equal(was?.data);
      expect(now.type, c.secret).to.equal(c.type);
    }
    for (const name of ['managed-listener-tls', 'basic-listener-tls']) expect(await getCertificate(ns, name), name).to.equal(undefined);
    const names = new Set(cases.map((c) => c.secret));
    // A refused create (409) is the daemon asking for a name, not writing to the Secret.
    const writes = writesBy(SA_USER, since).filter((w) => w.resource === 'secrets' && w.namespace === ns && names.has(w.name ?? '') && (w.code ?? 0) < 300);
    expect(writes).to.deep.equal([]);
  });
});
