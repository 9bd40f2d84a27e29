// The API server's audit log (cluster/controlplane.ts writes one: every write,
// and every request of the daemon's ServiceAccount, at Metadata level) read
// incrementally: at N = 5,000 it holds hundreds of thousands of lines, and the
// benchmark reads it after every phase. A line still being written is kept for
// the next read.
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface AuditRequest {
  verb: string;
  user: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  /** When the request completed, ms epoch. */
  at: number;
}

interface AuditLine {
  verb: string;
  user: { username: string };
  objectRef?: { resource?: string; namespace?: string; subresource?: string };
  stageTimestamp: string;
}

export const WRITE_VERBS: ReadonlySet<string> = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

export class AuditLog {
  private offset = 0;
  private partial = '';
  private ino: number | undefined;
  private readonly events: AuditRequest[] = [];

  constructor(readonly file: string) {
    if (!existsSync(file)) throw new Error(`no audit log at ${file}: the benchmark needs a control plane started by cluster/controlplane.ts (or --audit-log=FILE for one it did not start)`);
  }

  /** Every request of `user` that completed within [from, to] (ms epoch). */
  requests(user: string, from: number, to = Number.POSITIVE_INFINITY): AuditRequest[] {
    this.readNew();
    return this.events.filter((e) => e.user === user && e.at >= from && e.at <= to);
  }

  private readNew(): void {
    const st = statSync(this.file);
    if (this.ino !== undefined && st.ino !== this.ino) {
      // The API server rotates its audit log at 100 MB (audit-<time>.log next to it): finish the rotated file, then start on the new one.
      const rotated = readdirSync(dirname(this.file)).filter((f) => /^audit-.*\.log$/.test(f)).sort().pop();
      if (rotated) this.readFrom(join(dirname(this.file), rotated), statSync(join(dirname(this.file), rotated)).size);
      this.offset = 0;
    }
    this.ino = st.ino;
    this.readFrom(this.file, st.size);
  }

  private readFrom(file: string, size: number): void {
    if (size <= this.offset) return;
    const buf = Buffer.alloc(size - this.offset);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, buf, 0, buf.length, this.offset);
    } finally {
      closeSync(fd);
    }
    this.offset = size;
    const lines = (this.partial + buf.toString('utf8')).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '') continue;
      const e = JSON.parse(line) as AuditLine;
      // Only the users the benchmark asks about are kept: memory stays bounded by what is measured.
      if (!e.user.username.startsWith('system:serviceaccount:')) continue;
      this.events.push({
        verb: e.verb, user: e.user.username, resource: e.objectRef?.resource ?? '', subresource: e.objectRef?.subresource,
        namespace: e.objectRef?.namespace, at: Date.parse(e.stageTimestamp),
      });
    }
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
