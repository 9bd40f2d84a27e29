// When the daemon's namespace is quiet: nobody (the daemon, cert-manager) has
// written in it for 10 s and the daemon used under 1 % of a CPU for 5 s. All
// wired is not that: the Normal Events may still be being posted (not awaited
// by the reconciles), and cert-manager goes on updating the Certificates and
// deleting its temporary key Secrets for minutes (a round-7 run at N = 2,500
// put 4 minutes of it, 2,500 updates and deletes, in the steady window: 2.2
// CPU s/min). --cpu-prof's sampling threads alone keep 13 % of a core busy:
// then only the writes tell when it is quiet.
import { WRITE_VERBS, type AuditLog, type AuditRequest } from './audit.js';
import type { BenchDaemon } from './daemon.js';
import { SA_USER } from './identity.js';

export interface Quiet {
  /** The daemon's writes from `since` until quiet. */
  writes: AuditRequest[];
  /** The daemon's last write (or `since`). */
  lastWrite: number;
  /** Anyone's last write in the namespace after `since`, if any. */
  othersLast?: number;
  /** The daemon's CPU seconds from `since` until quiet. */
  cpuS: number;
}

export async function waitQuiet(audit: AuditLog, daemon: BenchDaemon, namespace: string, since: number, cpuProf: boolean, deadlineMs = 600_000): Promise<Quiet> {
  const idleCpuS = cpuProf ? Infinity : 0.05;
  const cpu0 = daemon.sample().cpuS;
  const deadline = Date.now() + deadlineMs;
  const cpuTrail: number[] = [];
  for (;;) {
    const writes = audit.requests(SA_USER, since).filter((r) => WRITE_VERBS.has(r.verb));
    const lastWrite = writes.reduce((m, r) => Math.max(m, r.at), since);
    const othersLast = audit.lastWriteIn(namespace, since);
    const last = Math.max(lastWrite, othersLast ?? since);
    cpuTrail.push(daemon.sample().cpuS);
    const recent = cpuTrail.length > 5 ? (cpuTrail[cpuTrail.length - 1] ?? 0) - (cpuTrail[cpuTrail.length - 6] ?? 0) : Infinity;
    if ((Date.now() - last >= 10_000 && recent < idleCpuS) || Date.now() > deadline) {
      return { writes, lastWrite, cpuS: daemon.sample().cpuS - cpu0, ...(othersLast !== undefined ? { othersLast } : {}) };
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}
