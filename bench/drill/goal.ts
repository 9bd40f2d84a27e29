// The drill's goal, shared by `npm run drill` (exit code) and the CI test:
// what in a report means a rotation hurt someone or went unseen.
import type { DrillReport } from './report.js';

/** Why the report misses the goal ([] when it meets it). Timing is reported, never judged here. */
export function goalMissed(r: DrillReport): string[] {
  const missed: string[] = [];
  if (r.clients.failed > 0) missed.push(`${r.clients.failed} failed connections of the 100 ms client`);
  if (r.poller.failed > 0) missed.push(`${r.poller.failed} failed poller handshakes`);
  if (r.longLived.broken !== undefined) missed.push(`the long-lived connection broke: ${r.longLived.broken}`);
  for (const p of r.priorValid) if (p.breaks.length > 0) missed.push(`prior-valid-revisions=${p.value}: ${p.breaks.length} long-lived connections broke`);
  if (r.listener.probeMissed > 0) missed.push(`the probe never saw ${r.listener.probeMissed} rotations`);
  const atBackend = r.backendTlsErrors.filter((e) => e.door === 'router').length;
  if (atBackend > 0) missed.push(`${atBackend} failed handshakes between the router and the backend`);
  // The probe must look like a well-behaved client to the servers it checks: a finished handshake, then a polite close.
  const byProbe = r.backendTlsErrors.filter((e) => e.door === 'probe').length;
  if (byProbe > 0) missed.push(`${byProbe} of the daemon's backend probes ended in a failed handshake at the backend`);
  if (r.backendProbes.unverified > 0) missed.push(`${r.backendProbes.unverified} of the daemon's backend probes did not verify the backend against the Connector's bundle`);
  if (r.daemonProblems.length > 0) missed.push(`the daemon did not run cleanly: ${r.daemonProblems.join('; ')}`);
  return missed;
}
