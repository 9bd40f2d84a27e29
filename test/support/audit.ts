// Counts write requests from the API server's audit log: the ground truth for
// "a steady state makes zero writes", independent of what the daemon reports.
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { testCluster } from './cluster.js';

export interface AuditWrite {
  verb: string;
  user: string;
  resource: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  code?: number;
  time: string;
  /** When the API server received the request (`time` is when it answered). */
  received: string;
  userAgent?: string;
}

/** One line of the API server's audit log, as far as the tests read it. */
export interface AuditEvent {
  verb: string;
  user: { username: string };
  objectRef?: { resource?: string; namespace?: string; name?: string; subresource?: string };
  responseStatus?: { code?: number };
  stageTimestamp: string;
  requestReceivedTimestamp: string;
  userAgent?: string;
}

const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

/** Write requests by `user` completed at or after `since`. */
export function writesBy(user: string, since: Date): AuditWrite[] {
  return requestsBy(user, since).filter((r) => WRITE_VERBS.has(r.verb));
}

interface Tail {
  file: string;
  offset: number;
  partial: string;
  events: AuditWrite[];
}

let tail: Tail | undefined;

/**
 * The audit log read incrementally: with the daemons' reads audited it grows
 * by megabytes, and tests poll it. A line still being written is kept for the
 * next read, not parsed half.
 */
function auditEvents(): AuditWrite[] {
  const file = testCluster().auditLog;
  if (!existsSync(file)) throw new Error(`no audit log at ${file}: the local control plane must be started by this project`);
  if (tail?.file !== file) tail = { file, offset: 0, partial: '', events: [] };
  const t = tail;
  const size = statSync(file).size;
  if (size < t.offset) Object.assign(t, { offset: 0, partial: '', events: [] }); // rotated or recreated
  if (size > t.offset) {
    const buf = Buffer.alloc(size - t.offset);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, buf, 0, buf.length, t.offset);
    } finally {
      closeSync(fd);
    }
    t.offset = size;
    const lines = (t.partial + buf.toString('utf8')).split('\n');
    t.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '') continue;
      const e = JSON.parse(line) as AuditEvent;
      t.events.push({
        verb: e.verb, user: e.user.username, resource: e.objectRef?.resource ?? '', namespace: e.objectRef?.namespace,
        name: e.objectRef?.name, subresource: e.objectRef?.subresource, code: e.responseStatus?.code, time: e.stageTimestamp, received: e.requestReceivedTimestamp, userAgent: e.userAgent,
      });
    }
  }
  return t.events;
}

/** Every audited request by `user` completed at or after `since` (reads are audited for the daemon's ServiceAccounts only). */
export function requestsBy(user: string, since: Date): AuditWrite[] {
  return auditEvents().filter((e) => e.user === user && new Date(e.time) >= since);
}
