// The built daemon (dist/src/cli.js run) as a child process, measured from
// outside: CPU time and RSS from /proc, heap from its own /metrics (Node's
// default series), start-up milestones from its JSON log.
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { get } from 'node:http';
import { join } from 'node:path';
import { repoRoot } from '../../cluster/paths.js';
import { inspectorUrl, retainedHeapBytes, writeHeapSnapshot } from '../../cluster/inspector.js';
import { startProcess, stopProcess, type ManagedProcess } from '../../cluster/processes.js';

const CLK_TCK = 100; // USER_HZ on Linux: /proc/<pid>/stat counts CPU time in 1/100 s

export interface ProcSample {
  /** user + system CPU seconds so far. */
  cpuS: number;
  rssBytes: number;
}

export interface Scrape {
  /** Until the body is read and, when it came gzip-encoded, decoded: what the scraper pays. */
  ms: number;
  /** Of the decoded body. */
  bytes: number;
  /** On the wire. */
  wireBytes: number;
  text: string;
}

interface LogRecord { msg?: string; address?: string; time?: number | string; level?: number | string }

export class BenchDaemon {
  readonly proc: ManagedProcess;
  readonly startedAt = Date.now();
  readonly logFile: string;
  metricsAddress = '';
  healthAddress = '';

  constructor(args: string[], dir: string, nodeArgs: string[] = []) {
    this.logFile = join(dir, `daemon-${this.startedAt}.log`);
    // The inspector listens on a port of its own choosing and costs nothing until a client connects.
    this.proc = startProcess('daemon', process.execPath, ['--inspect=127.0.0.1:0', ...nodeArgs, join(repoRoot, 'dist', 'src', 'cli.js'), 'run',
      '--metrics-bind-address=127.0.0.1:0', '--health-bind-address=127.0.0.1:0', ...args], this.logFile);
  }

  private records(): LogRecord[] {
    if (!existsSync(this.logFile)) return [];
    const out: LogRecord[] = [];
    for (const line of readFileSync(this.logFile, 'utf8').split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        out.push(JSON.parse(line) as LogRecord);
      } catch {
        // a line being written
      }
    }
    return out;
  }

  /** Error-level log lines (pino level 50+). */
  errors(): string[] {
    return this.records().filter((r) => typeof r.level === 'number' ? r.level >= 50 : r.level === 'error' || r.level === 'fatal').map((r) => String(r.msg));
  }

  /** Waits for 'caches synced'; returns ms from spawn to it. */
  async waitSynced(timeoutMs = 300_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.proc.child.exitCode !== null) throw new Error(`the daemon exited with ${this.proc.child.exitCode}; log: ${this.logFile}`);
      const recs = this.records();
      const metrics = recs.find((r) => r.msg === 'metrics server listening');
      if (metrics?.address) this.metricsAddress = metrics.address;
      const health = recs.find((r) => r.msg === 'health server listening');
      if (health?.address) this.healthAddress = health.address;
      const synced = recs.find((r) => r.msg === 'caches synced');
      if (synced && this.metricsAddress) return (typeof synced.time === 'string' ? Date.parse(synced.time) : Date.now()) - this.startedAt;
      if (Date.now() > deadline) throw new Error(`the daemon did not sync its caches in ${timeoutMs} ms; log: ${this.logFile}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  sample(): ProcSample {
    const stat = readFileSync(`/proc/${this.proc.pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuS = (Number(f[11]) + Number(f[12])) / CLK_TCK;
    const status = readFileSync(`/proc/${this.proc.pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { cpuS, rssBytes: rssKb * 1024 };
  }

  private inspector(): string {
    const url = inspectorUrl(existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '');
    if (url === undefined) throw new Error(`the daemon's inspector address is not in its log ${this.logFile}`);
    return url;
  }

  /** JS heap in use after a full GC: what the daemon keeps, not what it has not collected yet. */
  retainedHeap(): Promise<number> {
    return retainedHeapBytes(this.inspector());
  }

  /** A .heapsnapshot of the daemon (open it in Chrome's DevTools, Memory tab); returns its size. */
  heapSnapshot(file: string): Promise<number> {
    return writeHeapSnapshot(this.inspector(), file);
  }

  /** One GET /metrics, timed, on a kept-alive connection and taking gzip, as Prometheus does. */
  scrape(): Promise<Scrape> {
    return this.get(`http://${this.metricsAddress}/metrics`, true, { 'accept-encoding': 'gzip' });
  }

  /** One GET /healthz on a new connection, as the kubelet probes. */
  healthz(): Promise<Scrape> {
    return this.get(`http://${this.healthAddress}/healthz`, false);
  }

  private get(url: string, keepAlive: boolean, headers: Record<string, string> = {}): Promise<Scrape> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const req = get(url, { timeout: 30_000, headers, ...(keepAlive ? {} : { agent: false }) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const wire = Buffer.concat(chunks);
          const body = res.headers['content-encoding'] === 'gzip' ? gunzipSync(wire) : wire;
          resolve({ ms: performance.now() - started, bytes: body.length, wireBytes: wire.length, text: body.toString('utf8') });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
      // A server that closes an idle kept-alive connection just as a request is sent on it resets it (ECONNRESET).
      req.on('error', (err) => { reject(new Error(`GET ${url}: ${err.message}${req.reusedSocket ? ' (on a reused keep-alive connection)' : ''}`)); });
    });
  }

  async stop(): Promise<void> {
    // A --cpu-prof profile is written at exit: give it time.
    await stopProcess(this.proc, 60_000);
  }
}

/** The value of an unlabelled series, or of the first series whose labels contain `labels`. */
export function metricValue(text: string, name: string, labels = ''): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest.startsWith(' ') && labels === '') return Number(rest.trim().split(' ')[0]);
    if (rest.startsWith('{') && rest.includes(labels)) return Number(rest.slice(rest.indexOf('}') + 1).trim().split(' ')[0]);
  }
  return undefined;
}

/** How many series of `name` there are (any labels). */
export function seriesCount(text: string, name: string): number {
  let n = 0;
  for (const line of text.split('\n')) if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) n++;
  return n;
}
