// The daemon's requests from the API server's audit log (cluster/audit-log.ts
// reads it incrementally, following rotation): at N = 5,000 it holds hundreds
// of thousands of lines, and the benchmark reads it after every phase.
import { AuditLogTail, WRITE_VERBS } from '../../cluster/audit-log.js';

export { WRITE_VERBS };

export interface AuditRequest {
  verb: string;
  user: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  /**
   * When the API server received the request, ms epoch: a write the benchmark
   * saw take effect belongs to the window it saw it in, though the API server
   * stamps its completion a little later.
   */
  at: number;
}

export class AuditLog {
  private readonly tail: AuditLogTail<AuditRequest>;

  constructor(readonly file: string) {
    // Only ServiceAccounts' requests and everyone's writes are kept: memory stays bounded by what is measured.
    this.tail = new AuditLogTail(file, (e) => (e.user.username.startsWith('system:serviceaccount:') || WRITE_VERBS.has(e.verb)
      ? { verb: e.verb, user: e.user.username, resource: e.objectRef?.resource ?? '', subresource: e.objectRef?.subresource, namespace: e.objectRef?.namespace, at: Date.parse(e.requestReceivedTimestamp) }
      : undefined));
  }

  /** Every request kept (ServiceAccounts', and everyone's writes) received since `from`. */
  all(from: number): AuditRequest[] {
    return this.tail.read().filter((e) => e.at >= from);
  }

  /** Every request of `user` received within [from, to] (ms epoch). */
  requests(user: string, from: number, to = Number.POSITIVE_INFINITY): AuditRequest[] {
    return this.tail.read().filter((e) => e.user === user && e.at >= from && e.at <= to);
  }

  /**
   * When anyone last wrote in `namespace` since `from` (ms epoch), Leases
   * aside: cert-manager goes on updating Certificates and deleting its
   * temporary key Secrets for minutes after it marks them Ready, and each is a
   * watch event the daemon reconciles.
   */
  lastWriteIn(namespace: string, from: number): number | undefined {
    let last: number | undefined;
    for (const r of this.all(from)) if (r.namespace === namespace && r.resource !== 'leases' && WRITE_VERBS.has(r.verb)) last = Math.max(last ?? 0, r.at);
    return last;
  }
}

/** Requests counted by verb (a subresource is named with its verb, e.g. `patch listeners`). */
export function byVerb(requests: readonly AuditRequest[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of requests) out[r.verb] = (out[r.verb] ?? 0) + 1;
  return out;
}

/** Requests counted by verb and resource, e.g. `create certificates`. */
export function byVerbAndResource(requests: readonly AuditRequest[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of requests) {
    const k = `${r.verb} ${r.resource}${r.subresource ? `/${r.subresource}` : ''}`;
    out[k] = (out[k] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}
