// Every audited write to the objects of one name in a namespace, by any
// user, for explaining an unexpected state (e.g. a Certificate issued twice).
import { readFileSync } from 'node:fs';
import type { AuditEvent } from './audit.js';
import { testCluster } from './cluster.js';

/** Lines "time verb resource/name[/sub] code user (agent)" for writes to objects named in `names` of `namespace`. */
export function writeHistory(namespace: string, names: string[]): string[] {
  const wanted = new Set(names);
  return readFileSync(testCluster().auditLog, 'utf8').split('\n').flatMap((line) => {
    if (line === '') return [];
    const e = JSON.parse(line) as AuditEvent;
    const r = e.objectRef;
    if (!r || r.namespace !== namespace || !wanted.has(r.name ?? '') || e.verb === 'get' || e.verb === 'list' || e.verb === 'watch') return [];
    return [`${e.stageTimestamp} ${e.verb} ${r.resource ?? ''}/${r.name ?? ''}${r.subresource ? `/${r.subresource}` : ''} ${String(e.responseStatus?.code)} ${e.user.username} (${(e.userAgent ?? '').slice(0, 40)})`];
  });
}
