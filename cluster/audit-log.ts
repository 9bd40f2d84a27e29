// The local API server's audit log (controlplane.ts writes one) read
// incrementally, for tests and benchmarks that count requests: the log grows by
// megabytes and its readers poll it, so each read parses only what is new. A
// line still being written is kept for the next read, and the API server's
// rotation (at 100 MB, to audit-<time>.log beside it) is followed: the rest of
// the rotated file is read before the new one.
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** One line of the audit log, as far as this project reads it. */
export interface AuditEvent {
  verb: string;
  user: { username: string };
  objectRef?: { resource?: string; namespace?: string; name?: string; subresource?: string };
  responseStatus?: { code?: number };
  stageTimestamp: string;
  requestReceivedTimestamp: string;
  userAgent?: string;
}

export const WRITE_VERBS: ReadonlySet<string> = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

export class AuditLogTail<T> {
  private offset = 0;
  private partial = '';
  private ino: number | undefined;
  private readonly kept: T[] = [];

  /** `keep` maps the lines worth keeping (memory stays bounded by what is asked about) and drops the rest. */
  constructor(readonly file: string, private readonly keep: (e: AuditEvent) => T | undefined) {
    if (!existsSync(file)) throw new Error(`no audit log at ${file}: it needs a control plane started by this project (cluster/controlplane.ts)`);
  }

  /** Everything kept so far, the new lines read first. */
  read(): readonly T[] {
    const st = statSync(this.file);
    if (this.ino !== undefined && st.ino !== this.ino) {
      const rotated = readdirSync(dirname(this.file)).filter((f) => /^audit-.*\.log$/.test(f)).sort().pop();
      if (rotated) this.readFrom(join(dirname(this.file), rotated), statSync(join(dirname(this.file), rotated)).size);
      this.offset = 0;
      this.partial = '';
    }
    this.ino = st.ino;
    this.readFrom(this.file, st.size);
    return this.kept;
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
      const kept = this.keep(JSON.parse(line) as AuditEvent);
      if (kept !== undefined) this.kept.push(kept);
    }
  }
}
