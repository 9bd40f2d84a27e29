// Benchmark: one /metrics scrape of a daemon tracking N objects (SPEC §5 per-object
// series: 7 gauges each, as the expiry tracker sets them), over real HTTP on
// loopback with a kept-alive connection as Prometheus scrapes. Compares, in
// the same process, the endpoint as it is (the per-object table kept as
// UTF-8 bytes and written as is) with the baseline that builds one string of
// the whole scrape and encodes it on every request. Goal (issue 16): < 100 ms
// at 10,000 objects.
//   npm run bench:scrape [-- 10000 20]     (objects, scrapes per path)
import { Agent, get } from 'node:http';
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
  scrape: async () => [await metrics.registry.metrics()],
};

function fetchOnce(address: string, agent: Agent): Promise<{ ms: number; bytes: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    get(`http://${address}/metrics`, { agent }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => { bytes += c.length; });
      res.on('end', () => { resolve({ ms: performance.now() - started, bytes }); });
    }).on('error', reject);
  });
}

async function measure(source: MetricsSource): Promise<{ median: number; max: number; bytes: number }> {
  const { server, address } = await serveMetrics(source, { host: '127.0.0.1', port: 0 });
  const agent = new Agent({ keepAlive: true });
  try {
    await fetchOnce(address, agent); // the first render is paid once, when the values change
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < rounds; i++) {
      const r = await fetchOnce(address, agent);
      times.push(r.ms);
      bytes = r.bytes;
    }
    times.sort((a, b) => a - b);
    return { median: times[Math.floor(times.length / 2)] ?? 0, max: times[times.length - 1] ?? 0, bytes };
  } finally {
    agent.destroy();
    server.close();
  }
}

const baseline = await measure(asOneString);
const current = await measure(metrics.registry);
console.log(`${objects} objects, ${rounds} scrapes per path; ${cpus().length} CPUs, load ${loadavg()[0]?.toFixed(2) ?? '?'}; Node ${process.version}`);
console.log(`  scrape size ${(current.bytes / 1e6).toFixed(2)} MB`);
console.log(`  baseline (one string per scrape): median ${baseline.median.toFixed(1)} ms, max ${baseline.max.toFixed(1)} ms`);
console.log(`  kept bytes (the daemon):          median ${current.median.toFixed(1)} ms, max ${current.max.toFixed(1)} ms`);
console.log(`  ratio kept/baseline (median): ${(current.median / baseline.median).toFixed(2)}`);
// Node's own series (CPU, heap) change between scrapes by a few bytes; the table is the same.
if (Math.abs(current.bytes - baseline.bytes) > 4096) throw new Error(`the two paths wrote different bodies: ${current.bytes} and ${baseline.bytes} bytes`);
