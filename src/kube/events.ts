// Kubernetes Events (events.k8s.io/v1) on the objects we manage. An Event is
// written once per distinct (object, reason, message): a persistent problem
// re-seen on every resync must not become a write per resync, and a steady
// state must make no writes at all. Failures to record are logged, never thrown.
import { hostname } from 'node:os';
import type { Logger } from '../log.js';
import { FIELD_MANAGER } from '../model/annotations.js';
import { Api, Resources } from './api.js';

export interface EventTarget {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; uid?: string };
}

export type EventType = 'Normal' | 'Warning';

const MAX_REMEMBERED = 10_000;
const NOTE_LIMIT = 1024;

function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class EventRecorder {
  private readonly seen = new Map<string, number>();
  private readonly instance: string;
  private sequence = 0;

  constructor(
    private readonly api: Api,
    private readonly log: Logger,
    private readonly dryRun: boolean,
  ) {
    this.instance = process.env.POD_NAME ?? hostname();
  }

  /** Records the Event unless this exact one was already recorded for this object. Returns true when written. */
  async record(target: EventTarget, type: EventType, reason: string, note: string, action = 'Reconcile'): Promise<boolean> {
    const uid = target.metadata.uid ?? `${target.metadata.namespace}/${target.metadata.name}`;
    const dedupe = `${uid}\u0000${reason}\u0000${note}`;
    if (this.seen.has(dedupe)) return false;
    this.remember(dedupe);
    const trimmed = note.length > NOTE_LIMIT ? `${note.slice(0, NOTE_LIMIT - 1)}…` : note;
    if (this.dryRun) {
      this.log.info({ event: { type, reason, note: trimmed }, object: `${target.kind}/${target.metadata.namespace}/${target.metadata.name}` }, 'dry-run: would record event');
      return false;
    }
    const now = new Date();
    try {
      await this.api.create(Resources.event, target.metadata.namespace, {
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        // client-go's naming; generateName would need to be a valid name by itself ("x." is not).
        metadata: { name: `${target.metadata.name.slice(0, 200)}.${(BigInt(now.getTime()) * 1_000_000n + BigInt(++this.sequence % 1_000_000)).toString(16)}`, namespace: target.metadata.namespace },
        eventTime: microTime(now),
        reportingController: FIELD_MANAGER,
        reportingInstance: this.instance,
        action,
        reason,
        note: trimmed,
        type,
        regarding: { apiVersion: target.apiVersion, kind: target.kind, name: target.metadata.name, namespace: target.metadata.namespace, uid: target.metadata.uid },
      });
      return true;
    } catch (err) {
      this.seen.delete(dedupe); // try again next time
      this.log.warn({ err, reason }, 'could not record event');
      return false;
    }
  }

  /** Forgets an object's events, so the same problem reappearing later is reported again. */
  forget(uid: string): void {
    for (const k of this.seen.keys()) if (k.startsWith(`${uid}\u0000`)) this.seen.delete(k);
  }

  private remember(key: string): void {
    this.seen.set(key, Date.now());
    if (this.seen.size > MAX_REMEMBERED) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
  }
}
