// Counts write requests from the API server's audit log: the ground truth for
// "a steady state makes zero writes", independent of what the daemon reports.
import { AuditLogTail, WRITE_VERBS } from '../../cluster/audit-log.js';
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

export type { AuditEvent } from '../../cluster/audit-log.js';

/** Write requests by `user` completed at or after `since`. */
export function writesBy(user: string, since: Date): AuditWrite[] {
  return requestsBy(user, since).filter((r) => WRITE_VERBS.has(r.verb));
}

let tail: AuditLogTail<AuditWrite> | undefined;

function auditEvents(): readonly AuditWrite[] {
  const file = testCluster().auditLog;
  if (tail?.file !== file) {
    tail = new AuditLogTail(file, (e) => ({
      verb: e.verb, user: e.user.username, resource: e.objectRef?.resource ?? '', namespace: e.objectRef?.namespace,
      name: e.objectRef?.name, subresource: e.objectRef?.subresource, code: e.responseStatus?.code, time: e.stageTimestamp, received: e.requestReceivedTimestamp, userAgent: e.userAgent,
    }));
  }
  return tail.read();
}

/** Every audited request by `user` completed at or after `since` (reads are audited for the daemon's ServiceAccounts only). */
export function requestsBy(user: string, since: Date): AuditWrite[] {
  return auditEvents().filter((e) => e.user === user && new Date(e.time) >= since);
}
