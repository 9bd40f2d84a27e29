// Kubernetes Events (events.k8s.io/v1) on the objects we manage. An Event is
// written once per distinct (object, reason, message): a persistent problem
// re-seen on every resync must not become a write per resync, and a steady
// state must make no writes at all. Failures to record are logged, never thrown.
//
// Two limits keep one tenant from turning Events into a write storm, as
// client-go's spam filter does: each object gets a small burst and then one
// Event per interval (a Connector with dozens of bad sources, a flapping
// issuer), and once the dedupe memory is full, forgotten Events come back at a
// global rate rather than all at once on the next resync.
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { Api, CoreResources } from './api.js';
import { KeyedRate } from './keyed-rate.js';
import { SeenEvents } from './seen-events.js';
import { TokenBucket } from './token-bucket.js';

export interface EventTarget {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; uid?: string };
}

export type EventType = 'Normal' | 'Warning';

const NOTE_LIMIT = 1024;

/**
 * What dedupe remembers of an Event's reason and note: 96 bits of their
 * SHA-256, not the text, which the memory kept alive (10,000 entries of
 * messages up to 1 KiB). A string of its own: a slice of the whole digest's
 * text would keep all of it.
 */
function noteDigest(reason: string, note: string): string {
  return createHash('sha256').update(reason).update('\u0000').update(note).digest().subarray(0, 12).toString('base64url');
}
/** Events post() sends at once: enough to keep up with the controllers' workers, few enough not to crowd out their writes. */
const POST_CONCURRENCY = 4;

export interface EventLimits {
  /** Distinct (object, reason, message) remembered for dedupe. */
  remembered: number;
  /** Events one object may get at once (client-go's spam filter allows 25)… */
  perObjectBurst: number;
  /** …and then one per this long. */
  perObjectRefillMs: number;
  /** Once the dedupe memory is full, new Events at most this many at once… */
  overflowBurst: number;
  /** …and then one per this long, across all objects. */
  overflowRefillMs: number;
}

export const DEFAULT_EVENT_LIMITS: EventLimits = {
  remembered: 10_000,
  perObjectBurst: 10,
  perObjectRefillMs: 60_000,
  overflowBurst: 20,
  overflowRefillMs: 1_000,
};

/** Why an Event was not written although it was new. */
export type SuppressedBy = 'object-rate' | 'overflow-rate';

export interface EventRecorderOptions {
  /** The Event's reportingController: the program's name. */
  reportingController: string;
  limits?: Partial<EventLimits>;
  now?: () => number;
  /** Called for every Event a limit held back (for a metric). */
  onSuppressed?: (by: SuppressedBy, reason: string) => void;
}

function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class EventRecorder {
  private readonly seen: SeenEvents;
  private readonly perObject: KeyedRate;
  /** Objects told about in the log that their Events are being held back. */
  private readonly throttled = new Set<string>();
  private readonly overflow: TokenBucket;
  private readonly limits: EventLimits;
  private readonly now: () => number;
  private readonly instance: string;
  private sequence = 0;
  private lastSweep = 0;
  /** Events post() accepted and not yet sent, and how many are being sent. */
  private readonly backlog: (() => Promise<unknown>)[] = [];
  private sending = 0;
  private readonly idle: (() => void)[] = [];

  constructor(
    private readonly api: Api,
    private readonly log: Logger,
    private readonly dryRun: boolean,
    private readonly opts: EventRecorderOptions,
  ) {
    this.instance = process.env.POD_NAME ?? hostname();
    this.limits = { ...DEFAULT_EVENT_LIMITS, ...opts.limits };
    this.now = opts.now ?? Date.now;
    this.overflow = new TokenBucket(this.limits.overflowBurst, this.limits.overflowRefillMs, this.now());
    this.seen = new SeenEvents(this.limits.remembered);
    this.perObject = new KeyedRate(this.limits.perObjectBurst, this.limits.perObjectRefillMs);
  }

  /**
   * Records the Event unless this exact one was already recorded for this
   * object, or a limit holds it back (then it is not remembered, so a later
   * reconcile may record it). Returns true when written.
   */
  async record(target: EventTarget, type: EventType, reason: string, note: string, action = 'Reconcile'): Promise<boolean> {
    const uid = target.metadata.uid ?? `${target.metadata.namespace}/${target.metadata.name}`;
    const digest = noteDigest(reason, note);
    if (this.seen.has(uid, digest)) return false;
    const held = this.admit(uid);
    if (held) {
      this.opts.onSuppressed?.(held, reason);
      if (!this.throttled.has(uid)) {
        this.throttled.add(uid);
        this.log.info({ object: `${target.kind}/${target.metadata.namespace}/${target.metadata.name}`, reason, limit: held }, 'events for this object are rate-limited; later ones are held back');
      }
      return false;
    }
    this.throttled.delete(uid);
    this.seen.add(uid, digest);
    const trimmed = note.length > NOTE_LIMIT ? `${note.slice(0, NOTE_LIMIT - 1)}…` : note;
    if (this.dryRun) {
      this.log.info({ event: { type, reason, note: trimmed }, object: `${target.kind}/${target.metadata.namespace}/${target.metadata.name}` }, 'dry-run: would record event');
      return false;
    }
    const now = new Date(this.now());
    try {
      await this.api.create(CoreResources.event, target.metadata.namespace, {
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        // client-go's naming; generateName would need to be a valid name by itself ("x." is not).
        metadata: { name: `${target.metadata.name.slice(0, 200)}.${(BigInt(now.getTime()) * 1_000_000n + BigInt(++this.sequence % 1_000_000)).toString(16)}`, namespace: target.metadata.namespace },
        eventTime: microTime(now),
        reportingController: this.opts.reportingController,
        reportingInstance: this.instance,
        action,
        reason,
        note: trimmed,
        type,
        regarding: { apiVersion: target.apiVersion, kind: target.kind, name: target.metadata.name, namespace: target.metadata.namespace, uid: target.metadata.uid },
      });
      return true;
    } catch (err) {
      this.seen.delete(uid, digest); // try again next time
      this.log.warn({ err, reason }, 'could not record event');
      return false;
    }
  }

  /**
   * record() without the caller waiting for the API server: for the Normal
   * Events of a reconcile, whose write would otherwise be a round trip on
   * every object's path to its Certificate. The dedupe and the limits apply
   * when the Event's turn comes, as in record(); at most POST_CONCURRENCY are
   * sent at a time, in order. drain() waits for them (shutdown).
   */
  post(target: EventTarget, type: EventType, reason: string, note: string, action = 'Reconcile'): void {
    // A copy: the caller's object may be a cache entry replaced before the Event is sent.
    const t: EventTarget = { apiVersion: target.apiVersion, kind: target.kind, metadata: { ...target.metadata } };
    this.backlog.push(() => this.record(t, type, reason, note, action));
    this.pump();
  }

  /** Resolves when every Event post() accepted has been sent (or failed and been logged). */
  drain(): Promise<void> {
    if (this.backlog.length === 0 && this.sending === 0) return Promise.resolve();
    return new Promise((resolve) => { this.idle.push(resolve); });
  }

  private pump(): void {
    while (this.sending < POST_CONCURRENCY) {
      const send = this.backlog.shift();
      if (send === undefined) return;
      this.sending++;
      void send().finally(() => {
        this.sending--;
        this.pump();
        if (this.sending === 0 && this.backlog.length === 0) for (const done of this.idle.splice(0)) done();
      });
    }
  }

  /** Forgets an object's events, so the same problem reappearing later is reported again. */
  forget(uid: string): void {
    this.seen.forget(uid);
    this.perObject.delete(uid);
    this.throttled.delete(uid);
  }

  /** Which limit holds a new Event for `uid` back, if any; takes the tokens otherwise. */
  private admit(uid: string): SuppressedBy | undefined {
    const now = this.now();
    this.sweep(now);
    if (!this.perObject.take(uid, now)) return 'object-rate';
    // A full memory means forgotten Events are being re-seen: pace them.
    if (this.seen.size >= this.limits.remembered && !this.overflow.take(now)) return 'overflow-rate';
    return undefined;
  }

  /** Drops per-object buckets that have refilled: they hold no information, and objects come and go. */
  private sweep(now: number): void {
    if (now - this.lastSweep < this.limits.perObjectRefillMs) return;
    this.lastSweep = now;
    for (const uid of this.perObject.sweep(now)) this.throttled.delete(uid);
  }
}
