// Issue 15: cert-manager's controller stopped for a minute while Listeners
// converge and while a Certificate's renewal falls due. Meanwhile the daemon
// must say so honestly (metrics and `status`: not ready, renewal overdue), and
// must not hammer the API server (its requests are counted from the audit
// log); when cert-manager returns, everything converges.
import { expect } from 'chai';
import { isReady } from '../../src/model/certmanager.js';
import type { Listener } from '../../src/model/skupper.js';
import { testCluster } from '../support/cluster.js';
import { runCli } from '../support/cli.js';
import { startSyncedDaemon, type DaemonProcess } from '../support/daemon.js';
import { metricSum, scrape, survived } from '../support/faults-daemon.js';
import { controlPlane } from '../support/faults-outage.js';
import { converged, createPopulation, readyCA, type Population } from '../support/faults-population.js';
import { daemonRequests, perMinuteByVerb } from '../support/faults-requests.js';
import { apply, createNamespace, eventsAbout, getCertificate } from '../support/k8s.js';
import { daemonKubeconfig } from '../support/serviceaccount.js';
import { eventually } from '../support/wait.js';

const LISTENERS = 20;
const CONNECTORS = 5;
const DOWN_MS = 60_000;

interface StatusItem { kind: string; name: string; namespace: string; state: string; ready: boolean; lastError?: string }

async function status(ns: string): Promise<StatusItem[]> {
  const r = await runCli(['status', '-n', ns, '-o', 'json', `--kubeconfig=${testCluster().kubeconfig}`]);
  expect(r.code, r.stderr).to.equal(0);
  return (JSON.parse(r.stdout) as { items: StatusItem[] }).items;
}

describe('Fault: cert-manager stopped for a minute during convergence and a renewal', function () {
  this.timeout(360_000);
  let daemon: DaemonProcess | undefined;

  after(async function () {
    if (daemon) expect(await daemon.stop(), 'daemon exit code on SIGTERM').to.equal(0);
  });

  it('reports not-ready and overdue honestly, stays quiet on the API, converges when cert-manager returns', async function () {
    const cp = controlPlane();
    const ns = await createNamespace('fault-cm');
    const renewNs = await createNamespace('fault-cm-renew');
    const p: Population = { ns, listeners: LISTENERS, connectors: CONNECTORS, caPem: await readyCA(ns) };
    await readyCA(renewNs);
    // --overdue-after and --renewal-backoff short enough that a minute shows the overdue report more than once.
    daemon = await startSyncedDaemon(await daemonKubeconfig(), [ns, renewNs], ['--allow-short-durations', '--overdue-after=5s', '--renewal-backoff=10s']);
    const d = daemon;
    const pid = d.pid;
    // Renewal due 10 s after each issuance: it falls due while cert-manager is down.
    await apply<Listener>({
      apiVersion: 'skupper.io/v2alpha1', kind: 'Listener',
      metadata: { name: 'short', namespace: renewNs, annotations: { 'cert-manager.io/issuer': 'ca', 'cert-manager.io/duration': '90s', 'cert-manager.io/renew-before': '80s' } },
      spec: { routingKey: 'short', host: 'short', port: 8080 },
    });
    await eventually('short-listener-tls Ready', async () => { const c = await getCertificate(renewNs, 'short-listener-tls'); return c && isReady(c) ? c : undefined; });

    await cp.components.kill('cert-manager-controller');
    const downAt = new Date();
    const revisionAtDown = (await getCertificate(renewNs, 'short-listener-tls'))?.status?.revision ?? 0;
    await createPopulation(p);

    // Honest while it is down: every new Listener not ready (a 0, not a missing series), in metrics and status.
    const notReady = await eventually('certificate_ready 0 for every new Listener', async () => {
      const text = await scrape(d);
      const zeros = Array.from({ length: LISTENERS }, (_, i) => `l-${i}`).filter((n) => new RegExp(`^skupper_cert_rotator_certificate_ready\\{[^}]*namespace="${ns}",kind="listener",name="${n}"[^}]*\\} 0$`, 'm').test(text));
      return zeros.length === LISTENERS ? zeros : undefined;
    }, { timeoutMs: 45_000 });
    expect(notReady).to.have.length(LISTENERS);
    const rows = await status(ns);
    const listenerRows = rows.filter((r) => r.kind === 'listener');
    expect(listenerRows.map((r) => `${r.name} ${r.state} ${String(r.ready)}`)).to.deep.equal(listenerRows.map((r) => `${r.name} Issuing false`));
    expect(listenerRows).to.have.length(LISTENERS);
    // The renewal that fell due: reported overdue (Event, status LAST-ERROR, failure counter), its renewal time in the past.
    await eventually('RenewalOverdue on short', async () => ((await eventsAbout(renewNs, 'RenewalOverdue', 'short')).length > 0 ? true : undefined), { timeoutMs: 50_000 });
    const shortRow = (await status(renewNs)).find((r) => r.name === 'short');
    expect(shortRow?.lastError ?? '').to.match(/^RenewalOverdue: /);
    const during = await scrape(d);
    expect(metricSum(during, 'skupper_cert_rotator_renewals_total', { trigger: 'overdue', result: 'failure' })).to.be.at.least(1);
    expect(metricSum(during, 'skupper_cert_rotator_certificate_renewal_timestamp_seconds', { namespace: renewNs, name: 'short' }) * 1000).to.be.below(Date.now());

    // The outage lasts a minute: its length is the fault, not a wait for a condition.
    await new Promise((r) => setTimeout(r, Math.max(0, downAt.getTime() + DOWN_MS - Date.now())));
    const upAt = new Date();
    const reqs = daemonRequests(downAt, upAt);
    const half = new Date(downAt.getTime() + (upAt.getTime() - downAt.getTime()) / 2);
    const [first, second] = [reqs.filter((r) => new Date(r.time) < half), reqs.filter((r) => new Date(r.time) >= half)];
    const windowMs = upAt.getTime() - downAt.getTime();
    console.log(`      cert-manager down ${windowMs} ms: the daemon made ${reqs.length} requests (${first.length} in the first half, ${second.length} in the second), for ${LISTENERS + CONNECTORS + 1} objects:`);
    for (const line of perMinuteByVerb(reqs, windowMs)) console.log(`        ${line}`);
    console.log(`      second half: ${perMinuteByVerb(second, windowMs / 2).join('; ') || 'none'}`);
    // The bound: making an object's Certificate or bundle takes a handful of
    // requests (create, read back, Event, wire); nothing retries because
    // cert-manager is away. So the whole minute stays within 6 per object,
    // and the second half, once that work is done, carries only the overdue
    // re-checks of the one stuck renewal (backoff 10 s, 20 s, 40 s: at most
    // 2 Events and the reads around them), not a loop that grows with time.
    expect(reqs.length, 'requests while cert-manager was down').to.be.at.most(6 * (LISTENERS + CONNECTORS + 1));
    expect(second.length, 'requests in the second half of the outage').to.be.at.most(6);

    await cp.components.restart('cert-manager-controller');
    const back = Date.now();
    await converged(p, 180_000);
    const convergedMs = Date.now() - back;
    await eventually('short renewed', async () => {
      const c = await getCertificate(renewNs, 'short-listener-tls');
      return c && isReady(c) && (c.status?.revision ?? 0) > revisionAtDown ? c : undefined;
    }, { timeoutMs: 120_000 });
    const renewedMs = Date.now() - back;
    const s = await survived(d, pid);
    console.log(`      cert-manager back: ${LISTENERS} Listeners + ${CONNECTORS} Connectors converged in ${convergedMs} ms, the overdue renewal done in ${renewedMs} ms; watch restarts ${s.watchRestarts}, heap used ${s.heapUsedMB} MB, ${s.errorLines} error-level lines`);
  });
});
