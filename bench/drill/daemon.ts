// The built daemon (dist/src/cli.js) as a child process for the drill, with
// its probe on and debug logs parsed: the drill reads the 'probed Listener
// service' lines (served vs Secret leaf fingerprints) to see when the probe
// noticed each rotation. Error-level lines are kept to report a daemon that
// did not run cleanly.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../cluster/paths.js';

export interface ProbeLine {
  /** When the daemon logged it (ms epoch). */
  at: number;
  listener: string;
  current: boolean;
  served?: string;
  secretLeaf?: string;
}

interface LogRecord {
  level?: number | string;
  msg?: string;
  time?: string;
  [k: string]: unknown;
}

export class DrillDaemon {
  readonly probes: ProbeLine[] = [];
  /** Probes of the Connector's backend and whether each verified it against the bundle. */
  readonly backendProbes: { at: number; verified: boolean }[] = [];
  readonly problems: string[] = [];
  private readonly child: ChildProcess;
  private synced = false;
  private stderr = '';
  readonly exited: Promise<number | null>;

  private readonly file: WriteStream;

  /** `logFile` keeps every line of the daemon's output for a reader after the drill (public fingerprints only: it never logs key material). */
  constructor(args: string[], logFile: string) {
    this.file = createWriteStream(logFile);
    this.child = spawn(process.execPath, [join(repoRoot, 'dist', 'src', 'cli.js'), 'run', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let partial = '';
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) if (l.trim() !== '') this.line(l);
      this.file.write(chunk);
    });
    this.child.stderr?.setEncoding('utf8').on('data', (c: string) => { this.stderr = (this.stderr + c).slice(-4_000); this.file.write(c); });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => { resolve(code); }));
  }

  private line(text: string): void {
    let r: LogRecord;
    try {
      r = JSON.parse(text) as LogRecord;
    } catch {
      return;
    }
    if (r.msg === 'caches synced') this.synced = true;
    if (r.level === 'error' || r.level === 'fatal' || (typeof r.level === 'number' && r.level >= 50)) this.problems.push(String(r.msg));
    if (r.msg === 'probed Connector backend') this.backendProbes.push({ at: r.time ? Date.parse(r.time) : Date.now(), verified: r.verified === true });
    if (r.msg === 'probed Listener service') {
      this.probes.push({
        at: r.time ? Date.parse(r.time) : Date.now(), listener: String(r.listener), current: r.current === true,
        ...(typeof r.served === 'string' ? { served: r.served } : {}), ...(typeof r.secretLeaf === 'string' ? { secretLeaf: r.secretLeaf } : {}),
      });
    }
  }

  async waitSynced(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.synced) {
      if (this.child.exitCode !== null) throw new Error(`the daemon exited with ${this.child.exitCode}: ${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`the daemon did not sync its caches in ${timeoutMs} ms: ${this.stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop(): Promise<number | null> {
    if (this.running) this.child.kill('SIGTERM');
    const code = await this.exited;
    await new Promise<void>((resolve) => this.file.end(resolve));
    return code;
  }
}
