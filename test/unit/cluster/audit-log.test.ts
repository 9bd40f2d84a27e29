// The audit log reader must count every request even when the API server
// rotates its log several times between two reads (a benchmark reads once per
// phase, and a phase can write hundreds of MB).
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { AuditLogTail } from '../../../cluster/audit-log.js';

const line = (n: number): string => `${JSON.stringify({ verb: 'create', user: { username: `u${n}` }, stageTimestamp: '', requestReceivedTimestamp: '' })}\n`;

describe('cluster/audit-log AuditLogTail', function () {
  let dir = '';
  beforeEach(function () { dir = mkdtempSync(join(tmpdir(), 'audit-test-')); });
  afterEach(function () { rmSync(dir, { recursive: true, force: true }); });

  it('reads every line across several rotations between two reads, and a line still being written once', function () {
    const file = join(dir, 'audit.log');
    writeFileSync(file, line(1) + line(2));
    const tail = new AuditLogTail(file, (e) => e.user.username);
    expect(tail.read()).to.deep.equal(['u1', 'u2']);
    appendFileSync(file, line(3) + line(4).slice(0, 10));
    expect(tail.read()).to.deep.equal(['u1', 'u2', 'u3']);
    // The rest of line 4, then two rotations before the next read.
    appendFileSync(file, line(4).slice(10));
    renameSync(file, join(dir, 'audit-2026-11-30T10-00-00.000.log'));
    writeFileSync(file, line(5) + line(6));
    renameSync(file, join(dir, 'audit-2026-11-30T10-00-05.000.log'));
    writeFileSync(file, line(7));
    expect(tail.read()).to.deep.equal(['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7']);
    appendFileSync(file, line(8));
    expect(tail.read()).to.have.length(8);
  });

  it('follows rotations made before its first read', function () {
    const file = join(dir, 'audit.log');
    writeFileSync(file, line(1));
    const tail = new AuditLogTail(file, (e) => e.user.username);
    appendFileSync(file, line(2));
    renameSync(file, join(dir, 'audit-2026-11-30T10-00-00.000.log'));
    writeFileSync(file, line(3));
    renameSync(file, join(dir, 'audit-2026-11-30T10-00-05.000.log'));
    writeFileSync(file, line(4));
    expect(tail.read()).to.deep.equal(['u1', 'u2', 'u3', 'u4']);
  });

  it('says so when the file read so far is gone rather than undercounting', function () {
    const file = join(dir, 'audit.log');
    writeFileSync(file, line(1));
    const tail = new AuditLogTail(file, (e) => e.user.username);
    tail.read();
    rmSync(file);
    // Shorter than what was read: a new inode, or (ext4 reuses them) the same one, shrunk.
    writeFileSync(file, '{');
    expect(() => tail.read()).to.throw(/requests would go uncounted/);
  });
});
