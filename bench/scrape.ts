// Benchmark: one /metrics scrape of a daemon tracking N objects (SPEC §5 per-object
// series: 7 gauges each, as the expiry tracker sets them), over real HTTP on
// loopback with a kept-alive connection as Prometheus scrapes. Compares, in
// the same process, the endpoint as it is (the per-object table kept
// compressed: sent as it is to a client that takes gzip, as Prometheus does,
// inflated for one that does not) with the baseline that builds one string
// of the whole scrape and encodes it on every request. Goal (issue 16):
// < 100 ms at 10,000 objects.
//   npm run bench:scrape [-- 10000 20]     (objects, scrapes per path)
import { Agent, get } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { cpus, loadavg } from 'node:os';
import { serveMetrics } from '../src/daemon/health.js';
import { Metrics, type MetricsSource } from '../src/telemetry/metrics.js';

const objects = Number(process.argv[2] ?? 10_000);
const rounds = Number(process.argv[3] ?? 20);

const metrics = new Metrics();
const now = Date.now() / 1000;
for (let i = 0; i < objects; i++) {
  const ns = `tenant-${i % 50}`;
  metrics.setObject('listener', ns, `listener-${i}`, `listener-${i}-listener-tls`, {
    notAfter: now + 7_776_000 + i, notBefore: now - 86_400, renewalTime: now + 5_184_000 + i, ready: 1, hostCovered: 1, bundleCertificates: 1, bundleNotAfter: now + 31_536_000,
  });
}

/** The endpoint before: the whole scrape as one string, encoded per request. */
const asOneString: MetricsSource = {
  contentType: metrics.registry.contentType,
  scrape: async () => ({ parts: [Buffer.from(await metrics.registry.metrics(), 'utf8')] }),
};

interface Fetched { ms: number; wire: number; bytes: number }

/** One scrape; the time includes gunzip when the body came compressed, as a client pays it. */
function fetchOnce(address: string, agent: Agent, gzip: boolean): Promise<Fetched> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    get(`http://${address}/metrics`, { agent, headers: gzip ? { 'accept-encoding': 'gzip' } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const wire = Buffer.concat(chunks);
        const body = res.headers['content-encoding'] === 'gzip' ? gunzipSync(wire) : wire;
        resolve({ ms: performance.now() - started, wire: wire.length, bytes: body.length });
      });
    }).on('error', reject);
  });
}

async function measure(source: MetricsSource, gzip = false): Promise<{ median: number; max: number; bytes: number; wire: number }> {
  const { server, address } = await serveMetrics(source, { host: '127.0.0.1', port: 0 });
  const agent = new Agent({ keepAlive: true });
  try {
    await fetchOnce(address, agent, gzip); // the first render is paid once, when the values change
    await metrics.objects.settled(); // the table is compressed in the background after its first render
    const times: number[] = [];
    let last: Fetched | undefined;
    for (let i = 0; i < rounds; i++) {
      last = await fetchOnce(address, agent, gzip);
      times.push(last.ms);
    }
    times.sort((a, b) => a - b);
    return { median: times[Math.floor(times.length / 2)] ?? 0, max: times[times.length - 1] ?? 0, bytes: last?.bytes ?? 0, wire: last?.wire ?? 0 };
  } finally {
    agent.destroy();
    server.close();
  }
}

const baseline = await measure(asOneString);
const gzip = await measure(metrics.registry, true);
const plain = await measure(metrics.registry, false);
const ms = (r: { median: number; max: number }): string => `median ${r.median.toFixed(1)} ms, max ${r.max.toFixed(1)} ms`;
console.log(`${objects} objects, ${rounds} scrapes per path; ${cpus().length} CPUs, load ${loadavg()[0]?.toFixed(2) ?? '?'}; Node ${process.version}`);
console.log(`  scrape size ${(gzip.bytes / 1e6).toFixed(2)} MB, ${(gzip.wire / 1e6).toFixed(2)} MB gzip-encoded; kept by the daemon: ${(metrics.objects.keptBytes / 1e6).toFixed(2)} MB`);
console.log(`  baseline (one string per scrape):       ${ms(baseline)}`);
console.log(`  the daemon, gzip client (Prometheus):   ${ms(gzip)}  (gunzip included)`);
console.log(`  the daemon, plain client:               ${ms(plain)}`);
console.log(`  ratio to baseline (median): gzip ${(gzip.median / baseline.median).toFixed(2)}, plain ${(plain.median / baseline.median).toFixed(2)}`);
// Node's own series (CPU, heap) change between scrapes by a few bytes; the table is the same.
for (const r of [gzip, plain]) if (Math.abs(r.bytes - baseline.bytes) > 4096) throw new Error(`the paths wrote different bodies: ${r.bytes} and ${baseline.bytes} bytes`);
