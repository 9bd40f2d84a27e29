// A real Prometheus server (built from its Go module by test/cluster/build.ts)
// scraping the daemon, and the two HTTP API calls Grafana makes to it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../cluster/controlplane.js';
import { startProcess, stopProcess, waitUntil, type ManagedProcess } from '../../cluster/processes.js';
import type { InstantSample, RangeSeries } from './panels.js';

export const JOB = 'skupper-cert-rotator';

export interface PrometheusOptions {
  binary: string;
  /** Config, TSDB and log go here. */
  dir: string;
  /** HOST:PORT of the daemon's /metrics. */
  target: string;
  scrapeIntervalSeconds: number;
}

export class PrometheusServer {
  private constructor(readonly url: string, readonly process: ManagedProcess) {}

  static async start(o: PrometheusOptions): Promise<PrometheusServer> {
    const config = join(o.dir, 'prometheus.yml');
    writeFileSync(config, [
      'global:',
      `  scrape_interval: ${o.scrapeIntervalSeconds}s`,
      `  scrape_timeout: ${o.scrapeIntervalSeconds}s`,
      'scrape_configs:',
      `  - job_name: ${JOB}`,
      '    static_configs:',
      `      - targets: ['${o.target}']`,
      '',
    ].join('\n'));
    const port = await freePort();
    const p = startProcess('prometheus', o.binary, [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(o.dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ], join(o.dir, 'prometheus.log'));
    const server = new PrometheusServer(`http://127.0.0.1:${port}`, p);
    try {
      await waitUntil('Prometheus /-/ready', async () => (await fetch(`${server.url}/-/ready`)).ok, { timeoutMs: 60_000, intervalMs: 200, process: p });
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  private async api<T>(path: string, params: Record<string, string>): Promise<T> {
    const res = await fetch(`${this.url}${path}`, { method: 'POST', body: new URLSearchParams(params) });
    const body = (await res.json()) as { status: string; data?: T; error?: string; errorType?: string };
    if (body.status !== 'success' || body.data === undefined) throw new Error(`Prometheus ${path} ${JSON.stringify(params)}: ${body.errorType ?? res.status}: ${body.error ?? 'no data'}`);
    return body.data;
  }

  /** /api/v1/query at `time` (Unix seconds); a scalar result comes back as one sample without labels. */
  async instant(expr: string, time: number): Promise<InstantSample[]> {
    const data = await this.api<{ resultType: string; result: unknown }>('/api/v1/query', { query: expr, time: String(time) });
    if (data.resultType === 'vector') return data.result as InstantSample[];
    if (data.resultType === 'scalar') return [{ metric: {}, value: data.result as [number, string] }];
    throw new Error(`${expr}: expected a vector, got a ${data.resultType}`);
  }

  async range(expr: string, from: number, to: number, step: number): Promise<RangeSeries[]> {
    const data = await this.api<{ resultType: string; result: unknown }>('/api/v1/query_range', { query: expr, start: String(from), end: String(to), step: String(step) });
    if (data.resultType !== 'matrix') throw new Error(`${expr}: expected a matrix, got a ${data.resultType}`);
    return data.result as RangeSeries[];
  }

  /** A single number from an instant query (0 when the result is empty). */
  async scalar(expr: string, time: number): Promise<number> {
    const [first] = await this.instant(expr, time);
    return first ? Number(first.value[1]) : 0;
  }

  async stop(): Promise<void> {
    await stopProcess(this.process);
  }
}
