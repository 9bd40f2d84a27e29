// Issue 15: two replicas with leader election; the leader SIGKILLed while 200
// Listeners and 20 Connectors converge. The follower must take the Lease (at
// most a lease duration after the leader's last renewal), finish the work with
// no duplicate, and write nothing before it holds the Lease: read from the
// audit log, where each replica's User-Agent names it.
import { expect } from 'chai';
import { writesBy, type AuditWrite } from '../support/audit.js';
import { DaemonProcess } from '../support/daemon.js';
import { metricSum, scrape, survived } from '../support/faults-daemon.js';
import { converged, createPopulation, progress, readyCA, type Population } from '../support/faults-population.js';
import { createNamespace } from '../support/k8s.js';
import { SA_NAMESPACE, SA_USER, daemonKubeconfig } from '../support/serviceaccount.js';
import { eventually } from '../support/wait.js';

const LISTENERS = 200;
const CONNECTORS = 20;
/** The daemon's defaults, as the manifests run it. */
const LEASE_DURATION_MS = 15_000;
const RETRY_PERIOD_MS = 2_000;

const by = (replica: string) => (w: AuditWrite): boolean => (w.userAgent ?? '').includes(`(${replica})`);

describe('Fault: the leader SIGKILLed during convergence', function () {
  this.timeout(600_000);
  const replicas: DaemonProcess[] = [];

  after(async function () {
    await Promise.all(replicas.map((d) => d.stop()));
  });

  it('the follower takes the Lease, writes only after that, and the end state is complete with no duplicate', async function () {
    const since = new Date(Date.now() - 1000);
    const ns = await createNamespace('failover');
    const p: Population = { ns, listeners: LISTENERS, connectors: CONNECTORS, caPem: await readyCA(ns) };
    const kubeconfig = await daemonKubeconfig();
    const lease = `failover-${Date.now()}`;
    const replica = (name: string): DaemonProcess => {
      const d = new DaemonProcess([
        'run', `--kubeconfig=${kubeconfig}`, '--metrics-bind-address=127.0.0.1:0', '--health-bind-address=127.0.0.1:0', `--namespaces=${ns}`,
        '--leader-elect', `--leader-election-namespace=${SA_NAMESPACE}`, `--leader-election-id=${lease}`,
      ], { POD_NAME: name });
      replicas.push(d);
      return d;
    };
    const [aName, bName] = [`${lease}-a`, `${lease}-b`];
    const a = replica(aName);
    await a.waitForLog('replica a leads', (l) => l.msg === 'became the leader', 60_000);
    const b = replica(bName);
    await b.waitForLog('replica b sees a lead', (l) => l.msg === 'new leader observed' && l.self === false, 60_000);
    expect(metricSum(await scrape(b), 'skupper_cert_rotator_leader'), 'follower leader metric').to.equal(0);

    await createPopulation(p);
    const at = await eventually('a tenth of the Listeners done', async () => {
      const now = await progress(p);
      return now.listenersDone >= LISTENERS / 10 ? now : undefined;
    }, { timeoutMs: 180_000, intervalMs: 200 });
    a.kill('SIGKILL');
    const killedAt = Date.now();
    expect(await a.exited, 'replica a killed').to.equal(null);
    await b.waitForLog('replica b takes over', (l) => l.msg === 'became the leader', LEASE_DURATION_MS + 4 * RETRY_PERIOD_MS + 30_000);
    const tookOverMs = Date.now() - killedAt;
    const done = await converged(p, 300_000);
    const convergedMs = Date.now() - killedAt;
    const s = await survived(b, b.pid);
    expect(metricSum(await scrape(b), 'skupper_cert_rotator_leader'), 'new leader metric').to.equal(1);

    const writes = writesBy(SA_USER, since);
    const leaseWrite = (w: AuditWrite): boolean => w.resource === 'leases' && w.name === lease;
    const aWrites = writes.filter((w) => by(aName)(w) && !leaseWrite(w));
    const bWrites = writes.filter((w) => by(bName)(w) && !leaseWrite(w));
    const takeover = writes.find((w) => by(bName)(w) && leaseWrite(w) && (w.code ?? 500) < 300);
    if (!takeover) throw new Error(`no successful Lease write by ${bName} in the audit log`);
    const early = bWrites.filter((w) => Date.parse(w.received) < Date.parse(takeover.time));
    const lastA = Math.max(...writes.filter((w) => by(aName)(w) && leaseWrite(w) && (w.code ?? 500) < 300).map((w) => Date.parse(w.time)));
    console.log(`      leader SIGKILLed with ${at.listenersDone}/${LISTENERS} Listeners and ${at.connectorsDone}/${CONNECTORS} Connectors done; follower led ${tookOverMs} ms later (Lease taken ${Date.parse(takeover.time) - lastA} ms after the dead leader's last renewal; lease duration ${LEASE_DURATION_MS} ms); converged ${convergedMs} ms after the kill`);
    console.log(`      writes: dead leader ${aWrites.length}, new leader ${bWrites.length} (first ${bWrites[0] ? Date.parse(bWrites[0].received) - Date.parse(takeover.time) : '-'} ms after its Lease write answered), ${early.length} before it; ${done.listenersDone} Listeners and ${done.connectorsDone} Connectors correct; watch restarts ${s.watchRestarts}, heap used ${s.heapUsedMB} MB`);

    expect(aWrites.length, 'the first leader did part of the work').to.be.greaterThan(0);
    expect(bWrites.length, 'the new leader did the rest').to.be.greaterThan(0);
    expect(early.map((w) => `${w.verb} ${w.resource} ${w.name ?? ''} at ${w.received}`), `writes by ${bName} before it held the Lease (${takeover.time})`).to.deep.equal([]);
    // client-go's rule: a follower takes an unrenewed Lease one lease duration after it last saw it change.
    expect(Date.parse(takeover.time) - lastA).to.be.within(LEASE_DURATION_MS - 1000, LEASE_DURATION_MS + 4 * RETRY_PERIOD_MS + 10_000);
  });
});
