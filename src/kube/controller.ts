// Runs a reconcile function over a work queue, controller-runtime style:
// reconcile(key) is idempotent and level-triggered, reads cached state and
// returns when to look again. A thrown error requeues the key with per-key
// exponential backoff; success resets the backoff.
//
// A reconcile's "look again after" is measured from when the reconcile began,
// the instant its decision was made on, not from when it returned: a reconcile
// that spent seconds on API writes would otherwise push a maintenance-window
// wake-up seconds late, past the window's end.
import { systemClock, type Clock } from './clock.js';
import type { Logger } from 'pino';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { isConflict } from './api.js';
import { WorkQueue, type Backoff } from './workqueue.js';
import { TimeSlice } from './time-slice.js';

export interface ReconcileResult {
  /** Look at this key again this long after the reconcile began, even without a change. */
  requeueAfterMs?: number;
  /** A label for the reconcile_total metric: ok (default), invalid, skipped, … */
  result?: string;
  /** resourceVersion of the object the decision was made on, for the debug log (tests wait on it). */
  observedVersion?: string;
}

/** The series every controller reports, labelled by controller name (and result). */
export interface ControllerMetrics {
  queueDepth: Gauge<'controller'>;
  reconcileDuration: Histogram<'controller'>;
  reconciles: Counter<'controller' | 'result'>;
}

export type Reconciler = (key: string) => Promise<ReconcileResult | undefined>;

export interface ControllerOptions {
  name: string;
  workers?: number;
  backoff?: Backoff;
  /** The queue's time; reconcilers that take `now` should be given the same one. */
  clock?: Clock;
}

export class Controller {
  readonly queue: WorkQueue;
  private workers: Promise<void>[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly opts: ControllerOptions,
    private readonly reconcile: Reconciler,
    private readonly metrics: ControllerMetrics,
    private readonly log: Logger,
  ) {
    this.queue = new WorkQueue(opts.backoff, (depth) => { metrics.queueDepth.set({ controller: opts.name }, depth); }, opts.clock ?? systemClock);
    metrics.queueDepth.set({ controller: opts.name }, 0);
  }

  get name(): string {
    return this.opts.name;
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  /** Enqueues `key` after `delayMs` (an earlier pending deadline for it wins). */
  enqueueAfter(key: string, delayMs: number): void {
    this.queue.addAfter(key, delayMs);
  }

  start(): void {
    const n = this.opts.workers ?? 2;
    for (let i = 0; i < n; i++) this.workers.push(this.work());
  }

  /** Stops taking work and waits for reconciles in flight (bounded by `deadlineMs`). */
  async stop(deadlineMs = 10_000): Promise<boolean> {
    this.queue.shutDown();
    const all = Promise.allSettled([...this.workers, ...this.inFlight]).then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((r) => { timer = setTimeout(() => { r(false); }, deadlineMs); });
    const finished = await Promise.race([all, timeout]);
    clearTimeout(timer);
    return finished;
  }

  private async work(): Promise<void> {
    // Reconciles that need no I/O (a resync, 10,000 Secrets indexed at start-up) would otherwise run back to back without the event loop getting a turn.
    const slice = new TimeSlice();
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      const p = this.processOne(key);
      this.inFlight.add(p);
      await p;
      this.inFlight.delete(p);
      await slice.pause();
    }
  }

  private async processOne(key: string): Promise<void> {
    const controller = this.opts.name;
    const end = this.metrics.reconcileDuration.startTimer({ controller });
    try {
      const started = performance.now();
      const began = this.queue.now();
      const res = await this.reconcile(key);
      this.queue.forget(key);
      this.log.debug({ controller, key, result: res?.result ?? 'ok', observedVersion: res?.observedVersion, ms: Math.round(performance.now() - started) }, 'reconciled');
      this.metrics.reconciles.inc({ controller, result: res?.result ?? 'ok' });
      if (res?.requeueAfterMs !== undefined) this.queue.addAt(key, began + res.requeueAfterMs);
    } catch (err) {
      const delay = this.queue.addRateLimited(key);
      if (isConflict(err)) {
        // Our cache was behind a write (often our own): normal with optimistic
        // concurrency, and the retry reads the newer object.
        this.metrics.reconciles.inc({ controller, result: 'conflict' });
        this.log.info({ controller, key, retryInMs: delay }, 'conflict on write; retrying with the newer object');
        return;
      }
      this.metrics.reconciles.inc({ controller, result: 'error' });
      this.log.error({ err, controller, key, retryInMs: delay, failures: this.queue.failureCount(key) }, 'reconcile failed');
    } finally {
      end();
      this.queue.done(key);
    }
  }
}
