// The local API server's audit log (controlplane.ts writes one) read
// incrementally, for tests and benchmarks that count requests: the log grows by
// megabytes and its readers poll it, so each read parses only what is new. A
// line still being written is kept for the next read, and the API server's
// rotations (at 100 MB, to audit-<time>.log beside it) are followed, however
// many happened between two reads: the rest of the file read so far, then every
// later rotated one, before the new one.
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
    // The file is ours from here: rotations before the first read are followed
    // too. Taken at the first read instead, a benchmark whose first phase
    // rotated the log counted only the newest file (N = 2,500: 1,552 of 2,500
    // Certificate creates).
    this.ino = statSync(file).ino;
  }

  /** Everything kept so far, the new lines read first. */
  read(): readonly T[] {
    const st = statSync(this.file);
    if (this.ino !== undefined && st.ino !== this.ino) this.followRotations();
    else if (st.size < this.offset) throw new Error(`the audit log ${this.file} shrank (${st.size} < ${this.offset} bytes read): replaced or truncated, requests would go uncounted`);
    this.ino = st.ino;
    this.readFrom(this.file, st.size);
    return this.kept;
  }

  /**
   * The file read so far was renamed to audit-<time>.log (the rename keeps its
   * inode), and more may have been rotated after it before this read: the rest
   * of ours, then every later one whole, oldest first (their names sort by time).
   */
  private followRotations(): void {
    const dir = dirname(this.file);
    const rotated = readdirSync(dir).filter((f) => /^audit-.*\.log$/.test(f)).sort().map((f) => ({ path: join(dir, f), st: statSync(join(dir, f)) }));
    const ours = rotated.findIndex((r) => r.st.ino === this.ino);
    if (ours < 0) throw new Error(`the audit log ${this.file} was replaced, and no rotated audit-*.log beside it is the file read so far: requests would go uncounted`);
    for (const [i, r] of rotated.slice(ours).entries()) {
      if (i > 0) {
        this.offset = 0;
        this.partial = '';
      }
      this.readFrom(r.path, r.st.size);
    }
    this.offset = 0;
    this.partial = '';
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
