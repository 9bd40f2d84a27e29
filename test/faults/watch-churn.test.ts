// Issue 15: the daemon's watches dropped 1,000 times. A proxy in front of the
// API server cuts every watch 1.5-3 s after it opened (as load balancers and
// restarting proxies do) while Listeners change. Every watch must recover,
// watch_restarts_total must count every cut, nothing may be lost, and the
// retained heap must stay within 10%.
import { expect } from 'chai';
import type { Connector, Listener } from '../../src/model/skupper.js';
import { testCluster } from '../support/cluster.js';
import { startSyncedDaemon, type DaemonProcess } from '../support/daemon.js';
import { metricSum, scrape, survived } from '../support/faults-daemon.js';
import { converged, createPopulation, readyCA, type Population } from '../support/faults-population.js';
import { faultsSeed, seededRandom } from '../support/faults-seed.js';
import { INSPECT_ENV, retainedHeapBytes } from '../support/inspector.js';
import { apply, createNamespace } from '../support/k8s.js';
import { daemonKubeconfig } from '../support/serviceaccount.js';
import { eventually } from '../support/wait.js';
import { WatchCutter, kubeconfigVia } from '../support/watch-cutter.js';
import * as k8s from '@kubernetes/client-node';

/** FAULTS_WATCH_DROPS makes a longer soak (the heap bound stays 10%). */
const DROPS = Number(process.env.FAULTS_WATCH_DROPS ?? 1000);
const NAMESPACES = 3;
const LISTENERS = 20;
const CONNECTORS = 4;

/** Restarts counted by the daemon, per resource plural. */
function restartsByResource(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^skupper_cert_rotator_watch_restarts_total\{resource="([^"]+)"\} (\S+)$/gm)) out.set(m[1] ?? '', Number(m[2]));
  return out;
}

const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);

describe(`Fault: watches dropped ${DROPS.toLocaleString('en')} times`, function () {
  this.timeout(900_000);
  let daemon: DaemonProcess | undefined;
  let cutter: WatchCutter | undefined;

  after(async function () {
    await cutter?.close();
    if (daemon) expect(await daemon.stop(), 'daemon exit code on SIGTERM').to.equal(0);
  });

  it('every watch recovers, watch_restarts_total counts every drop, nothing is lost, the heap stays within 10%', async function () {
    const seed = faultsSeed();
    const random = seededRandom(seed);
    console.log(`      seed ${seed} (replay: FAULTS_SEED=${seed} npm run test:faults -- --grep 'watches dropped')`);
    const pops: Population[] = [];
    for (let i = 0; i < NAMESPACES; i++) {
      const ns = await createNamespace('churn');
      pops.push({ ns, listeners: LISTENERS, connectors: CONNECTORS, caPem: await readyCA(ns) });
    }
    await Promise.all(pops.map((p) => createPopulation(p)));

    const cluster = testCluster().kc.getCurrentCluster();
    if (!cluster) throw new Error('no current cluster in the test kubeconfig');
    const upstreamCaPem = cluster.caData ? Buffer.from(cluster.caData, 'base64').toString() : '';
    if (!upstreamCaPem) throw new Error('the test kubeconfig has no inline CA for the API server');
    cutter = new WatchCutter({ upstream: cluster.server, upstreamCaPem, cutAfterMs: [1500, 3000], budget: DROPS, seed });
    const via = kubeconfigVia(await daemonKubeconfig(), await cutter.start(), cutter.caPem);
    // A resync would hide a lost event; an hour is beyond the test.
    daemon = await startSyncedDaemon(via, pops.map((p) => p.ns), ['--resync-period=1h'], INSPECT_ENV);
    const d = daemon;
    const pid = d.pid;
    await Promise.all(pops.map((p) => converged(p, 300_000)));
    const heapBefore = await retainedHeapBytes(d);
    const restartsBefore = restartsByResource(await scrape(d));

    // The churn, and work that must not be lost in it: Listeners whose host
    // changes (each needs a changed Certificate, a new leaf and the Secret's update seen).
    const started = Date.now();
    cutter.cut();
    const c = cutter;
    const [first] = pops;
    if (!first) throw new Error('no population');
    const changed = new Set<string>();
    let writes = 0;
    const work = (async () => {
      while (c.cuts < DROPS) {
        const p = pops[Math.floor(random() * pops.length)] ?? first;
        // Changes only: the heap is compared with the same objects before and after.
        const name = `l-${Math.floor(random() * LISTENERS)}`;
        await testCluster().objects.patch({ apiVersion: 'skupper.io/v2alpha1', kind: 'Listener', metadata: { name, namespace: p.ns }, spec: { host: `${name}-v${writes}` } } as Listener & k8s.KubernetesObject,
          undefined, undefined, 'skupper-cert-rotator-tests', undefined, k8s.PatchStrategy.MergePatch);
        changed.add(`${p.ns}/${name}`);
        writes++;
        await new Promise((r) => setTimeout(r, 2000)); // the pace of the changes: part of the fault, not a wait for a condition
      }
    })();
    await eventually(`${DROPS} watches cut`, () => Promise.resolve(c.cuts >= DROPS ? true : undefined), { timeoutMs: 600_000, intervalMs: 500 });
    c.hold();
    await work;
    const churnMs = Date.now() - started;
    // Every change made during the churn reached the daemon: each changed Listener has a Certificate and leaf for its new host.
    const changesMs = Date.now();
    await Promise.all(pops.map((p) => converged(p, 300_000)));
    const changesConvergedMs = Date.now() - changesMs;
    const heapAfter = await retainedHeapBytes(d);
    const restartsAfter = restartsByResource(await scrape(d));

    // Objects of every kind the daemon watches, made after the churn: each is
    // acted on only if its watch recovered (no resync for an hour).
    await apply<k8s.V1ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'post-churn-cas', namespace: first.ns }, data: { 'ca.crt': first.caPem } });
    await apply<k8s.V1Secret>({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: 'post-churn-ca', namespace: first.ns }, stringData: { 'ca.crt': first.caPem } });
    const caIssuer = await testCluster().objects.read<k8s.KubernetesObject & { spec: unknown }>({ apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: { name: 'ca', namespace: first.ns } });
    await apply({ apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: { name: 'post-churn', namespace: first.ns }, spec: caIssuer.spec });
    for (const [name, trust] of [['post-cm', 'configmap/post-churn-cas'], ['post-secret', 'secret/post-churn-ca'], ['post-issuer', 'issuer/post-churn']] as const) {
      await apply<Connector>({ apiVersion: 'skupper.io/v2alpha1', kind: 'Connector', metadata: { name, namespace: first.ns, annotations: { 'skupper-cert-rotator.io/trust': trust } }, spec: { routingKey: name, host: `${name}.example`, port: 8443 } });
    }
    await apply<Listener>({ apiVersion: 'skupper.io/v2alpha1', kind: 'Listener', metadata: { name: 'post-churn', namespace: first.ns, annotations: { 'cert-manager.io/issuer': 'post-churn' } }, spec: { routingKey: 'post-churn', host: 'post-churn', port: 8080 } });
    first.connectors += 3;
    first.listeners += 1;
    const recoverStart = Date.now();
    const done = await Promise.all(pops.map((p) => converged(p, 300_000)));
    const recoveredMs = Date.now() - recoverStart;

    const cutByResource = new Map<string, number>();
    for (const [where, n] of c.cutsByResource) {
      const plural = where.split(' ')[0] ?? where;
      cutByResource.set(plural, (cutByResource.get(plural) ?? 0) + n);
    }
    const counted = [...cutByResource.keys()].map((r) => ({ r, cut: cutByResource.get(r) ?? 0, counted: (restartsAfter.get(r) ?? 0) - (restartsBefore.get(r) ?? 0) }));
    const s = await survived(d, pid);
    const totalCounted = counted.reduce((n, x) => n + x.counted, 0);
    console.log(`      ${c.cuts} watches cut in ${(churnMs / 1000).toFixed(0)} s (${c.watches} opened through the proxy); ${writes} changes meanwhile (host changes of ${changed.size} Listeners), all served ${changesConvergedMs} ms after the churn; objects made after the churn converged in ${recoveredMs} ms`);
    console.log(`      cut / counted by watch_restarts_total: ${counted.map((x) => `${x.r} ${x.cut}/${x.counted}`).join(', ')} (total ${c.cuts}/${totalCounted})`);
    console.log(`      retained heap (after a full GC) before ${mb(heapBefore)} MB, after ${mb(heapAfter)} MB (${(((heapAfter - heapBefore) / heapBefore) * 100).toFixed(1)}%); ${s.errorLines} error-level lines; ${done.reduce((n, x) => n + x.listenersDone, 0)} Listeners and ${done.reduce((n, x) => n + x.connectorsDone, 0)} Connectors correct`);

    expect(c.cuts).to.equal(DROPS);
    // Every kind of watch was cut and restarted, and each cut was counted (once: no restart storm behind a cut).
    expect([...cutByResource.keys()].sort()).to.include.members(['certificates', 'configmaps', 'connectors', 'issuers', 'listeners', 'secrets']);
    for (const x of counted) expect(x.counted, `watch_restarts_total{resource="${x.r}"} increase for ${x.cut} cuts`).to.be.within(x.cut, x.cut + 5);
    expect(s.errorSample, 'error-level log lines').to.deep.equal([]);
    expect(metricSum(await scrape(d), 'skupper_cert_rotator_watch_restarts_total')).to.be.greaterThan(0);
    expect(heapAfter, `retained heap after (${mb(heapAfter)} MB) within 10% of before (${mb(heapBefore)} MB)`).to.be.within(heapBefore * 0.9, heapBefore * 1.1);
  });
});
