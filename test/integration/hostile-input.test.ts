// Issue 12 §2: one tenant's pathological input must not stall the daemon for
// everyone. A Connector whose trust sources are about 1 MB of unterminated
// PEM and 1 MB of garbage base64 is processed next to ordinary Listeners by a
// leader-elected daemon with a short renew deadline: /healthz keeps answering,
// the Lease keeps being renewed (the leader would exit otherwise), the event
// loop never blocks for long, and the other objects converge.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { expect } from 'chai';
import * as k8s from '@kubernetes/client-node';
import { isReady } from '../../src/model/certmanager.js';
import type { Connector, Listener } from '../../src/model/skupper.js';
import { makeCA } from '../../cluster/certgen.js';
import { testCluster } from '../support/cluster.js';
import { DaemonProcess } from '../support/daemon.js';
import { apply, createNamespace, decode, getCertificate } from '../support/k8s.js';
import { SA_NAMESPACE, daemonKubeconfig } from '../support/serviceaccount.js';
import { caIssuer } from '../support/issuers.js';
import { eventually } from '../support/wait.js';

/** Just under the API server's 1 MiB limit on a ConfigMap's data. */
const NEAR_LIMIT = 1_000_000;
const LISTENERS = 20;

function metric(text: string, name: string): number | undefined {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

describe('Hostile input next to ordinary objects (issue 12 §2)', function () {
  this.timeout(300_000);
  let daemon: DaemonProcess | undefined;

  after(async function () {
    if (daemon) expect(await daemon.stop()).to.equal(0);
  });

  it('a 1 MB unterminated-PEM ConfigMap and a 1 MB garbage Secret neither stall /healthz nor cost the leadership; the other objects converge', async function () {
    const ns = await createNamespace('hostile');
    await caIssuer(ns, 'hostile tests CA');

    const begin = '-----BEGIN CERTIFICATE-----\n';
    const unterminated = begin.repeat(Math.floor(NEAR_LIMIT / begin.length));
    const garbage = `-----BEGIN CERTIFICATE-----\n${'QUJD'.repeat(NEAR_LIMIT / 4 - 20)}!\n-----END CERTIFICATE-----\n`;
    const good = makeCA({ cn: 'mixed-in good CA' }).certPem;
    await apply<k8s.V1ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'unterminated', namespace: ns }, data: { 'ca.crt': unterminated } });
    await apply<k8s.V1Secret>({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'garbage', namespace: ns }, type: 'Opaque', stringData: { 'ca.crt': garbage } });
    // A good CA followed by the same megabyte of unterminated blocks: usable, with problems.
    await apply<k8s.V1ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mixed', namespace: ns }, data: { 'ca.crt': good + unterminated.slice(0, NEAR_LIMIT - good.length - 100) } });

    const lease = `hostile-${Date.now()}`;
    daemon = new DaemonProcess([
      'run', `--kubeconfig=${await daemonKubeconfig()}`, '--metrics-bind-address=127.0.0.1:0', '--health-bind-address=127.0.0.1:0',
      `--namespaces=${ns}`, '--log-level=debug', '--resync-period=10s',
      '--leader-elect', `--leader-election-namespace=${SA_NAMESPACE}`, `--leader-election-id=${lease}`,
      // A leader that cannot renew for 3 s gives up and exits: a blocked event loop would show.
      '--leader-election-lease-duration=4s', '--leader-election-renew-deadline=3s', '--leader-election-retry-period=500ms',
    ], { POD_NAME: 'hostile-0' });
    const d = daemon;
    await d.waitForLog('leading', (l) => l.msg === 'became the leader', 60_000);
    const health = await d.address('health');
    const metrics = await d.address('metrics');
    const scrape = async (): Promise<string> => (await fetch(`http://${metrics}/metrics`)).text();
    await scrape(); // resets the event-loop lag maximum
    // The same measure in this process, over the same window: a stall that a
    // loaded machine imposes on every process (CI saw 1.4 s with two suites
    // and two control planes on 2 cores) is not the daemon blocking.
    const runnerLag = monitorEventLoopDelay({ resolution: 10 });
    runnerLag.enable();

    // /healthz polled every 100 ms for the whole test.
    const probes: { ok: boolean; ms: number }[] = [];
    const state = { running: true };
    const poller = (async () => {
      while (state.running) {
        const t = performance.now();
        let ok = false;
        try {
          ok = (await fetch(`http://${health}/healthz`, { signal: AbortSignal.timeout(2_000) })).status === 200;
        } catch {
          ok = false;
        }
        probes.push({ ok, ms: performance.now() - t });
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    try {
      const connector = (name: string, trust: string): Connector => ({
        apiVersion: 'skupper.io/v2alpha1', kind: 'Connector',
        metadata: { name, namespace: ns, annotations: { 'skupper-cert-rotator.io/trust': trust } },
        spec: { routingKey: name, port: 8443, host: 'backend.example' },
      });
      await apply(connector('hostile', 'configmap/unterminated,secret/garbage,issuer/ca'));
      await apply(connector('mixed', 'configmap/mixed'));
      for (let i = 0; i < LISTENERS; i++) {
        await apply<Listener>({
          apiVersion: 'skupper.io/v2alpha1', kind: 'Listener',
          metadata: { name: `ok-${i}`, namespace: ns, annotations: { 'cert-manager.io/issuer': 'ca' } },
          spec: { routingKey: `ok-${i}`, host: `ok-${i}`, port: 8080 },
        });
      }
      // Sources with nothing usable are reported and hold the Connector: no Secret is made from a partial set.
      await d.waitForLog('the unterminated source reported', (l) => l.reason === 'TrustSourceInvalid' && String(l.source) === 'configmap/unterminated', 120_000);
      await d.waitForLog('the garbage source reported', (l) => l.reason === 'TrustSourceInvalid' && String(l.source) === 'secret/garbage', 120_000);
      // The usable part of a mixed source is used, and the rest reported.
      await d.waitForLog('the mixed source reported', (l) => l.reason === 'TrustSourceInvalid' && String(l.source) === 'configmap/mixed', 120_000);
      const bundle = await eventually('the mixed Connector bundle', async () => {
        try {
          return await testCluster().core.readNamespacedSecret({ namespace: ns, name: 'mixed-connector-tls' });
        } catch {
          return undefined;
        }
      }, { timeoutMs: 120_000 });
      expect(decode(bundle, 'ca.crt')).to.equal(good);
      const held = await testCluster().core.readNamespacedSecret({ namespace: ns, name: 'hostile-connector-tls' }).then(() => true, () => false);
      expect(held, 'no Secret for the held Connector').to.equal(false);
      // Every ordinary Listener converges.
      for (let i = 0; i < LISTENERS; i++) {
        await eventually(`Listener ok-${i} wired`, async () => {
          const l = await testCluster().custom.getNamespacedCustomObject({ group: 'skupper.io', version: 'v2alpha1', namespace: ns, plural: 'listeners', name: `ok-${i}` }) as Listener;
          const c = await getCertificate(ns, `ok-${i}-listener-tls`);
          return l.spec.tlsCredentials === `ok-${i}-listener-tls` && c && isReady(c) ? true : undefined;
        }, { timeoutMs: 120_000 });
      }
      // Resyncs re-read the hostile sources (their parse is cached per resourceVersion).
      const reconciled = d.logs.filter((l) => l.msg === 'reconciled' && l.key === `${ns}/hostile`).length;
      await d.waitForLog('two more reconciles of the hostile Connector', () => d.logs.filter((l) => l.msg === 'reconciled' && l.key === `${ns}/hostile`).length >= reconciled + 2, 60_000);
    } finally {
      state.running = false;
      await poller;
    }

    const text = await scrape();
    runnerLag.disable();
    const runnerLagMs = runnerLag.max / 1e6;
    const lagMax = metric(text, 'nodejs_eventloop_lag_max_seconds') ?? NaN;
    const hostileMs = d.logs.filter((l) => l.msg === 'reconciled' && l.key === `${ns}/hostile`).map((l) => Number(l.ms));
    const failed = probes.filter((p) => !p.ok);
    const slowest = Math.max(...probes.map((p) => p.ms));
    console.log(`      ${probes.length} /healthz probes, ${failed.length} failed, slowest ${slowest.toFixed(0)} ms; event-loop lag max ${(lagMax * 1000).toFixed(0)} ms (this process's ${runnerLagMs.toFixed(0)} ms); hostile Connector reconciles took ${hostileMs.join(', ')} ms`);
    expect(failed, 'failed /healthz probes').to.deep.equal([]);
    expect(metric(text, 'skupper_cert_rotator_leader'), 'still the leader').to.equal(1);
    expect(d.logs.filter((l) => l.level === 'error' || l.level === 'fatal').map((l) => l.msg)).to.deep.equal([]);
    // The quadratic splitter blocked for 20 s on this input. The daemon's own
    // blocks stay under 1 s; what the machine stalled every process for is
    // allowed on top, up to 5 s (still a quarter of the old block, and half
    // the leader's 10 s renew deadline).
    expect(lagMax * 1000, `longest event-loop block (ms); this process's longest: ${runnerLagMs.toFixed(0)} ms`).to.be.below(Math.min(5_000, 1_000 + runnerLagMs));
  });
});
