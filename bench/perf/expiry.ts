// Expiry tracking at scale: E kubernetes.io/tls Secrets, each named by an
// unannotated Listener's spec.tlsCredentials (tracked, not managed: the daemon
// only parses, indexes and exports them), then a daemon started over them.
// Measured: spawn to caches synced, spawn to every object's expiry series
// exported, /metrics scrapes, memory per tracked object, and how long the
// daemon's event loop stalled while it indexed them (its own
// nodejs_eventloop_lag_max_seconds, and /healthz answered on a new connection
// every 200 ms, as a liveness probe would see it). Each Secret is valid for
// its Listener (host = the certificate's CN), so no object has a problem to
// report: parsing, indexing and exporting are all there is.
import { createPrivateKey } from 'node:crypto';
import { fastSelfSignedCA } from '../../cluster/fastcert.js';
import type { Api } from '../../src/kube/api.js';
import { METRIC_PREFIX } from '../../src/telemetry/metrics.js';
import { Resources } from '../../src/model/resources.js';
import { BenchDaemon, metricValue, seriesCount } from './daemon.js';
import { objectName } from './objects.js';
import { createAll } from './phase.js';
import { deleteNamespace } from './size.js';

export interface ExpiryResult {
  objects: number;
  createMs: number;
  daemonSyncMs: number;
  /** Spawn to a not-after series for every Listener. */
  indexedMs: number;
  /** Median and slowest of 5 scrapes after indexing, and the daemon's CPU per scrape (their average, from /proc: independent of the machine's load). */
  scrape: { ms: number; maxMs: number; cpuMs: number; bytes: number; wireBytes?: number };
  /** Scrapes that failed while indexing, and why. */
  failedScrapes: string[];
  /** The daemon's longest event-loop stall from spawn to indexed, by its own monitor (max of nodejs_eventloop_lag_max_seconds over the scrapes). */
  eventLoopLagMaxMs: number;
  /** The slowest /healthz answer (new connection every 200 ms) from spawn to indexed. */
  healthzMaxMs: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** After a full GC (V8 inspector). */
  retainedHeapBytes: number;
  /** V8's heap as reserved, and memory outside it (Buffers, X509 and key objects): what RSS holds beside the live heap. */
  heapTotalBytes: number;
  externalBytes: number;
}

export async function runExpiry(e: number, o: { api: Api; daemonKubeconfig: string; dir: string; prefix: string; log: (l: string) => void }): Promise<ExpiryResult> {
  const { api } = o;
  const ns = `${o.prefix}-expiry`;
  await api.create(Resources.namespace, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const key = createPrivateKey(fastSelfSignedCA({ cn: 'key' }).keyPem);
  const names = Array.from({ length: e }, (_, i) => objectName(i));
  const secrets = names.map((name) => {
    const c = fastSelfSignedCA({ cn: `${name}.${ns}`, key });
    return {
      apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name, namespace: ns },
      data: { 'tls.crt': Buffer.from(c.certPem).toString('base64'), 'tls.key': Buffer.from(c.keyPem).toString('base64'), 'ca.crt': Buffer.from(c.certPem).toString('base64') },
    };
  });
  const started = Date.now();
  await createAll(api, Resources.secret, secrets);
  await createAll(api, Resources.listener, names.map((name) => ({
    apiVersion: 'skupper.io/v2alpha1', kind: 'Listener', metadata: { name, namespace: ns }, spec: { routingKey: name, host: `${name}.${ns}`, port: 8443, tlsCredentials: name },
  })));
  const createMs = Date.now() - started;
  o.log(`expiry: ${e} Secrets and ${e} Listeners created in ${createMs} ms`);

  const daemon = new BenchDaemon([`--kubeconfig=${o.daemonKubeconfig}`, `--namespaces=${ns}`], o.dir);
  let healthzMaxMs = 0;
  const probe = { on: true };
  const prober = (async () => {
    while (probe.on) {
      if (daemon.healthAddress === '') {
        await new Promise((res) => setTimeout(res, 50));
        continue;
      }
      const r = await daemon.healthz().catch(() => undefined);
      healthzMaxMs = Math.max(healthzMaxMs, r?.ms ?? 30_000);
      await new Promise((res) => setTimeout(res, 200));
    }
  })();
  try {
    const daemonSyncMs = await daemon.waitSynced();
    const series = `${METRIC_PREFIX}certificate_not_after_timestamp_seconds`;
    let indexedMs = 0;
    let lagMaxS = 0;
    const failedScrapes: string[] = [];
    const deadline = Date.now() + 600_000;
    // Polled once a second: each scrape at E = 10,000 is itself measurable work.
    let exported = 0;
    for (;;) {
      // A daemon whose event loop stalls past the server's 5 s keep-alive resets the kept-alive connection (ECONNRESET): ask again.
      const s = await daemon.scrape().catch((err: unknown) => {
        failedScrapes.push(err instanceof Error ? err.message : String(err));
        o.log(`expiry: a scrape failed (${String(err)}); retrying`);
        return undefined;
      });
      exported = s ? seriesCount(s.text, series) : exported;
      lagMaxS = Math.max(lagMaxS, s ? metricValue(s.text, 'nodejs_eventloop_lag_max_seconds') ?? 0 : 0);
      if (exported >= e) {
        indexedMs = Date.now() - daemon.startedAt;
        break;
      }
      if (Date.now() > deadline) throw new Error(`expiry: ${exported} of ${e} objects exported after 600 s`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    probe.on = false;
    await prober;
    const scrapes = [];
    const cpu0 = daemon.sample().cpuS;
    for (let i = 0; i < 5; i++) scrapes.push(await daemon.scrape());
    const cpuMs = Math.round(((daemon.sample().cpuS - cpu0) * 1000) / 5);
    const times = scrapes.map((x) => x.ms).sort((a, b) => a - b);
    const last = scrapes[scrapes.length - 1] ?? await daemon.scrape();
    const proc = daemon.sample();
    const retainedHeapBytes = await daemon.retainedHeap();
    const scrape = { ms: Number((times[2] ?? 0).toFixed(1)), maxMs: Number((times[4] ?? 0).toFixed(1)), cpuMs, bytes: last.bytes, wireBytes: last.wireBytes };
    o.log(`expiry: daemon synced in ${daemonSyncMs} ms, all ${e} indexed in ${indexedMs} ms, /metrics ${(scrape.bytes / 1e6).toFixed(2)} MB (${(scrape.wireBytes / 1e6).toFixed(2)} MB gzip-encoded) in ${scrape.ms} ms (max ${scrape.maxMs}, daemon CPU ${scrape.cpuMs} ms), longest event-loop stall ${(lagMaxS * 1000).toFixed(0)} ms, slowest /healthz ${healthzMaxMs.toFixed(0)} ms, ${failedScrapes.length} failed scrapes`);
    return {
      objects: e, createMs, daemonSyncMs, indexedMs, scrape, failedScrapes, eventLoopLagMaxMs: Math.round(lagMaxS * 1000), healthzMaxMs: Math.round(healthzMaxMs),
      rssBytes: proc.rssBytes, heapUsedBytes: metricValue(last.text, 'nodejs_heap_size_used_bytes') ?? 0, retainedHeapBytes,
      heapTotalBytes: metricValue(last.text, 'nodejs_heap_size_total_bytes') ?? 0, externalBytes: metricValue(last.text, 'nodejs_external_memory_bytes') ?? 0,
    };
  } finally {
    probe.on = false;
    await prober;
    await daemon.stop();
    await deleteNamespace(api, ns);
  }
}
