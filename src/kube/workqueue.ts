// A work queue with client-go's guarantees: a key is queued at most once, is
// never processed by two workers at once, and a key re-added while it is being
// processed is processed again afterwards. Failures back off per key
// (exponentially); delayed adds keep only the earliest deadline per key.
// Delayed adds wait in deadlines.ts: one timer for the whole queue.
import { systemClock, type Clock } from './clock.js';
import { Deadlines } from './deadlines.js';

export interface Backoff {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { baseMs: 1000, maxMs: 5 * 60_000 };

const MAX_DELAY_MS = 24 * 3_600_000;

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers: Deadlines;
  private waiters: ((key: string | undefined) => void)[] = [];
  private shuttingDown = false;

  constructor(
    private readonly backoff: Backoff = DEFAULT_BACKOFF,
    private readonly onDepthChange: (depth: number) => void = () => undefined,
    private readonly clock: Clock = systemClock,
  ) {
    this.timers = new Deadlines(clock, (key) => { this.add(key); });
  }

  now(): number {
    return this.clock.now();
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return; // done() requeues it
    const waiter = this.waiters.shift();
    if (waiter) {
      this.dirty.delete(key);
      this.processing.add(key);
      waiter(key);
    } else {
      this.queue.push(key);
      this.onDepthChange(this.queue.length);
    }
  }

  /** Adds `key` after `delayMs`; an earlier pending deadline for the same key wins. */
  addAfter(key: string, requestedMs: number): void {
    this.addAt(key, this.clock.now() + requestedMs);
  }

  /** Adds `key` at the instant `at` (clock milliseconds); an earlier pending deadline for the same key wins. */
  addAt(key: string, at: number): void {
    if (this.shuttingDown) return;
    const now = this.clock.now();
    if (at <= now) {
      this.add(key);
      return;
    }
    // Timers cannot hold more than 2^31-1 ms; a day later the resync has long looked again anyway.
    this.timers.schedule(key, Math.min(at, now + MAX_DELAY_MS));
  }

  /** The pending deadline of `key`, if any (for tests and debugging). */
  deadline(key: string): number | undefined {
    return this.timers.get(key);
  }

  /** Requeues after the key's next backoff step; returns the delay used. */
  addRateLimited(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const delay = Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** n);
    this.addAfter(key, delay);
    return delay;
  }

  /** Resets the key's backoff after a success. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  failureCount(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Next key to process, or undefined once the queue is shut down. */
  get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.onDepthChange(this.queue.length);
      this.dirty.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.dirty.delete(key);
      this.add(key);
    }
  }

  get length(): number {
    return this.queue.length;
  }

  /** Stops handing out work; waiting workers receive undefined. Pending timers are dropped. */
  shutDown(): void {
    this.shuttingDown = true;
    this.timers.clear();
    for (const w of this.waiters) w(undefined);
    this.waiters = [];
    this.queue.length = 0;
    this.dirty.clear();
    this.onDepthChange(0);
  }
}
