// Expiry tracking at scale: E kubernetes.io/tls Secrets, each named by an
// unannotated Listener's spec.tlsCredentials (tracked, not managed: the daemon
// only parses, indexes and exports them), then a daemon started over them.
// Measured: spawn to caches synced, spawn to every object's expiry series
// exported, one /metrics scrape, memory per tracked object.
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
  scrape: { ms: number; bytes: number };
  rssBytes: number;
  heapUsedBytes: number;
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
    apiVersion: 'skupper.io/v2alpha1', kind: 'Listener', metadata: { name, namespace: ns }, spec: { routingKey: name, host: name, port: 8443, tlsCredentials: name },
  })));
  const createMs = Date.now() - started;
  o.log(`expiry: ${e} Secrets and ${e} Listeners created in ${createMs} ms`);

  const daemon = new BenchDaemon([`--kubeconfig=${o.daemonKubeconfig}`, `--namespaces=${ns}`], o.dir);
  try {
    const daemonSyncMs = await daemon.waitSynced();
    const series = `${METRIC_PREFIX}certificate_not_after_timestamp_seconds`;
    let indexedMs = 0;
    const deadline = Date.now() + 600_000;
    // Polled once a second: each scrape at E = 10,000 is itself measurable work.
    let exported = 0;
    for (;;) {
      // A daemon busy indexing may drop a scrape (ECONNRESET was seen at 10,000 under load): ask again.
      const s = await daemon.scrape().catch((err: unknown) => { o.log(`expiry: a scrape failed (${String(err)}); retrying`); return undefined; });
      exported = s ? seriesCount(s.text, series) : exported;
      if (exported >= e) {
        indexedMs = Date.now() - daemon.startedAt;
        break;
      }
      if (Date.now() > deadline) throw new Error(`expiry: ${exported} of ${e} objects exported after 600 s`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const scrape = await daemon.scrape();
    const proc = daemon.sample();
    o.log(`expiry: daemon synced in ${daemonSyncMs} ms, all ${e} indexed in ${indexedMs} ms, /metrics ${(scrape.bytes / 1e6).toFixed(2)} MB in ${scrape.ms.toFixed(0)} ms`);
    return {
      objects: e, createMs, daemonSyncMs, indexedMs, scrape: { ms: Number(scrape.ms.toFixed(1)), bytes: scrape.bytes },
      rssBytes: proc.rssBytes, heapUsedBytes: metricValue(scrape.text, 'nodejs_heap_size_used_bytes') ?? 0,
    };
  } finally {
    await daemon.stop();
    await deleteNamespace(api, ns);
  }
}
