// The drill's clients, all verifying the Listener host's certificate against
// the Listener CA, as a client in the cluster would:
// - oneShot: a new connection that sends a line and waits for the backend's
//   echo through the router (both hops), then closes;
// - PeriodicClient: a oneShot every `everyMs` (not waiting for the last one),
//   remembering when each served leaf was first seen;
// - LongLived: one connection for the whole drill that writes a numbered line
//   every `everyMs` and checks that every byte comes back in order.
import type { X509Certificate } from 'node:crypto';
import { connect, type TLSSocket } from 'node:tls';
import { fingerprint } from './fingerprint.js';

function fp(c: X509Certificate | undefined): string | undefined {
  return c ? fingerprint(c) : undefined;
}

export interface Target {
  port: number;
  ca: string;
  servername: string;
}

export interface Shot {
  ok: boolean;
  served?: string;
  error?: string;
}

function open(t: Target, timeoutMs: number): TLSSocket {
  return connect({ host: '127.0.0.1', port: t.port, ca: t.ca, servername: t.servername, rejectUnauthorized: true, timeout: timeoutMs });
}

/** One verified connection through the router carrying `payload` there and back. */
export function oneShot(t: Target, payload: string, timeoutMs = 10_000): Promise<Shot> {
  return new Promise((resolve) => {
    const socket = open(t, timeoutMs);
    let served: string | undefined;
    let got = '';
    let done = false;
    const finish = (error?: string): void => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve(error === undefined ? { ok: true, served } : { ok: false, served, error });
    };
    socket.once('secureConnect', () => {
      served = fp(socket.getPeerX509Certificate());
      socket.write(payload);
    });
    socket.setEncoding('utf8').on('data', (c: string) => {
      got += c;
      if (!payload.startsWith(got)) finish('echo mismatch');
      else if (got === payload) finish();
    });
    socket.once('error', (err: Error) => { finish(err.message); });
    socket.once('timeout', () => { finish('timeout'); });
    socket.once('close', () => { finish(served === undefined ? 'closed before the TLS handshake completed' : 'closed before the echo came back'); });
  });
}

export interface Counts {
  attempted: number;
  succeeded: number;
  failed: number;
  /** Failure reason → count. */
  reasons: Record<string, number>;
}

export function newCounts(): Counts {
  return { attempted: 0, succeeded: 0, failed: 0, reasons: {} };
}

export function count(c: Counts, s: Shot): void {
  c.attempted++;
  if (s.ok) c.succeeded++;
  else {
    c.failed++;
    const why = s.error ?? 'unknown';
    c.reasons[why] = (c.reasons[why] ?? 0) + 1;
  }
}

export class PeriodicClient {
  readonly counts = newCounts();
  /** Served leaf fingerprint → when a connection first got it (ms epoch, at the end of its handshake's exchange). */
  readonly firstSeen = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private readonly inflight = new Set<Promise<void>>();
  private n = 0;

  constructor(private readonly target: () => Target, private readonly everyMs = 100) {}

  start(): void {
    this.timer = setInterval(() => { this.fire(); }, this.everyMs);
  }

  private fire(): void {
    const i = ++this.n;
    const p = oneShot(this.target(), `ping ${i}\n`).then((s) => {
      count(this.counts, s);
      if (s.served !== undefined && !this.firstSeen.has(s.served)) this.firstSeen.set(s.served, Date.now());
    });
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.all([...this.inflight]);
  }
}

export interface LongLivedResult {
  bytesSent: number;
  bytesEchoed: number;
  /** Why the connection broke (closed, error, mismatch, stalled), if it did. */
  broken?: string;
  /** The certificate the router served when it opened. */
  served?: string;
}

export class LongLived {
  private socket: TLSSocket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private pending = '';
  private sent = 0;
  private echoed = 0;
  private broken: string | undefined;
  private served: string | undefined;
  private stopping = false;
  private seq = 0;

  constructor(private readonly target: Target, private readonly everyMs = 50) {}

  /** Resolves once the TLS handshake is done and the first line came back. */
  async open(): Promise<void> {
    const socket = open(this.target, 10_000);
    this.socket = socket;
    socket.setEncoding('utf8').on('data', (c: string) => {
      if (!this.pending.startsWith(c)) {
        this.break(`echo mismatch after ${this.echoed} bytes`);
        return;
      }
      this.pending = this.pending.slice(c.length);
      this.echoed += Buffer.byteLength(c);
    });
    socket.on('error', (err: Error) => { this.break(`error: ${err.message}`); });
    socket.on('close', () => { this.break('closed by the far end'); });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', () => {
        socket.setTimeout(0);
        this.served = fp(socket.getPeerX509Certificate());
        resolve();
      });
      socket.once('error', reject);
      socket.once('timeout', () => { reject(new Error('timeout opening the long-lived connection')); });
      socket.once('close', () => { reject(new Error('closed before the TLS handshake completed')); });
    });
    this.write();
    await this.drained(10_000);
    if (this.broken !== undefined) throw new Error(`long-lived connection: ${this.broken}`);
    this.timer = setInterval(() => { this.write(); }, this.everyMs);
  }

  private write(): void {
    if (!this.socket || this.broken !== undefined) return;
    const line = `${++this.seq} ${'x'.repeat(this.seq % 64)}\n`;
    this.pending += line;
    this.sent += Buffer.byteLength(line);
    this.socket.write(line);
  }

  private break(why: string): void {
    if (this.stopping || this.broken !== undefined) return;
    this.broken = why;
    if (this.timer) clearInterval(this.timer);
  }

  /** Waits until everything written came back (or `timeoutMs`); false if not. */
  async drained(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.pending !== '' && this.broken === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.pending === '' && this.broken === undefined;
  }

  /** A check now: is it alive, and does what was written come back? */
  async healthy(timeoutMs = 10_000): Promise<boolean> {
    this.write();
    const ok = await this.drained(timeoutMs);
    if (!ok && this.broken === undefined) this.break(`stalled: ${this.pending.length} bytes not echoed in ${timeoutMs} ms`);
    return ok;
  }

  async close(): Promise<LongLivedResult> {
    if (this.broken === undefined) await this.healthy();
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.socket?.destroy();
    return { bytesSent: this.sent, bytesEchoed: this.echoed, ...(this.broken !== undefined ? { broken: this.broken } : {}), ...(this.served !== undefined ? { served: this.served } : {}) };
  }
}
