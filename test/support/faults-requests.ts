// The daemon's requests to the API server in a time window, from the audit
// log (its ServiceAccount's reads and writes are all audited): the ground
// truth for "it does not hammer the API while a dependency is down".
import { requestsBy, type AuditWrite } from './audit.js';
import { SA_USER } from './serviceaccount.js';

export function daemonRequests(from: Date, to: Date): AuditWrite[] {
  return requestsBy(SA_USER, from).filter((r) => new Date(r.time) < to);
}

/** "verb resource: n" per minute, most frequent first, e.g. ["list secrets: 2.0/min", ...]. */
export function perMinuteByVerb(requests: AuditWrite[], windowMs: number): string[] {
  const counts = new Map<string, number>();
  for (const r of requests) {
    const key = `${r.verb} ${r.resource}${r.subresource ? `/${r.subresource}` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const perMin = 60_000 / windowMs;
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}: ${n} (${(n * perMin).toFixed(1)}/min)`);
}
