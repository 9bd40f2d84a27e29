// Counts write requests from the API server's audit log: the ground truth for
// "a steady state makes zero writes", independent of what the daemon reports.
import { existsSync, readFileSync } from 'node:fs';
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
  userAgent?: string;
}

interface AuditEvent {
  verb: string;
  user: { username: string };
  objectRef?: { resource?: string; namespace?: string; name?: string; subresource?: string };
  responseStatus?: { code?: number };
  stageTimestamp: string;
  userAgent?: string;
}

/** Write requests by `user` completed at or after `since`. */
export function writesBy(user: string, since: Date): AuditWrite[] {
  const file = testCluster().auditLog;
  if (!existsSync(file)) throw new Error(`no audit log at ${file}: the local control plane must be started by this project`);
  const out: AuditWrite[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    const e = JSON.parse(line) as AuditEvent;
    if (e.user.username !== user || new Date(e.stageTimestamp) < since) continue;
    out.push({
      verb: e.verb, user: e.user.username, resource: e.objectRef?.resource ?? '', namespace: e.objectRef?.namespace,
      name: e.objectRef?.name, subresource: e.objectRef?.subresource, code: e.responseStatus?.code, time: e.stageTimestamp, userAgent: e.userAgent,
    });
  }
  return out;
}
