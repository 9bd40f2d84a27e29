// Runs the built daemon (dist/src/cli.js) as a child process against the test
// cluster, collecting its JSON log lines so tests can wait on them.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../cluster/paths.js';
import { capture, captureLive } from './capture.js';
import { GiveUp, eventually } from './wait.js';

export interface LogLine {
  level: string;
  msg: string;
  [key: string]: unknown;
}

/** One stdout line of the daemon: its JSON log record, or the raw text marked unparsed. */
export function parseLogLine(line: string): LogLine {
  try {
    return JSON.parse(line) as LogLine;
  } catch {
    return { level: 'unparsed', msg: line };
  }
}

export class DaemonProcess {
  readonly logs: LogLine[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  constructor(args: string[], env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [join(repoRoot, 'dist', 'src', 'cli.js'), ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let partial = '';
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) {
        if (l.trim() !== '') this.logs.push(parseLogLine(l));
      }
    });
    this.child.stderr?.setEncoding('utf8').on('data', (c: string) => this.stderr.push(c));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => { resolve(code); }));
    const name = `daemon ${String(this.child.pid)} (${args.slice(0, 2).join(' ')})`;
    captureLive(() => [
      { source: `${name} logs`, text: this.logs.map((l) => JSON.stringify(l)).join('\n') },
      { source: `${name} stderr`, text: this.stderr.join('') },
    ]);
  }

  /** A last /metrics scrape of a running daemon, kept for the secret scan. */
  private async captureMetrics(): Promise<void> {
    const line = this.logs.find((l) => l.msg === 'metrics server listening');
    if (!line || this.child.exitCode !== null) return;
    try {
      const res = await fetch(`http://${String(line.address)}/metrics`, { signal: AbortSignal.timeout(2_000) });
      capture(`daemon ${String(this.child.pid)} metrics`, await res.text());
    } catch {
      // Not answering (stopping, or never served): nothing to capture.
    }
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Waits for a log line matching `pred`, failing early if the daemon exits. */
  async waitForLog(what: string, pred: (l: LogLine) => boolean, timeoutMs = 30_000): Promise<LogLine> {
    return eventually(what, () => {
      const hit = this.logs.find(pred);
      if (hit) return Promise.resolve(hit);
      if (this.child.exitCode !== null) {
        throw new GiveUp(`daemon exited with ${this.child.exitCode}; stderr: ${this.stderr.join('')}; last logs: ${JSON.stringify(this.logs.slice(-5))}`);
      }
      return Promise.resolve(undefined);
    }, { timeoutMs, intervalMs: 100 });
  }

  /** The actual address of a server started with port 0. */
  async address(server: 'metrics' | 'health'): Promise<string> {
    const line = await this.waitForLog(`${server} server address`, (l) => l.msg === `${server} server listening`);
    return String(line.address);
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.child.kill(signal);
  }

  async stop(): Promise<number | null> {
    await this.captureMetrics();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}

/**
 * The daemon as most integration tests run it: the manifests' ServiceAccount,
 * servers on free ports, only `namespaces`, started and synced.
 */
export async function startSyncedDaemon(kubeconfig: string, namespaces: string[], extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<DaemonProcess> {
  const d = new DaemonProcess([
    'run', `--kubeconfig=${kubeconfig}`, '--metrics-bind-address=127.0.0.1:0', '--health-bind-address=127.0.0.1:0',
    `--namespaces=${namespaces.join(',')}`, ...extra,
  ], env);
  await d.waitForLog('caches synced', (l) => l.msg === 'caches synced', 60_000);
  return d;
}

/** Stops the daemon; returns why the run was not clean (exit code, error-level logs), or [] when it was. */
export async function stopAndReport(d: DaemonProcess): Promise<string[]> {
  const code = await d.stop();
  const errors = d.logs.filter((l) => l.level === 'error' || l.level === 'fatal').map((l) => `${l.level}: ${l.msg}`);
  return [...(code === 0 ? [] : [`exit code ${String(code)}`]), ...errors];
}
