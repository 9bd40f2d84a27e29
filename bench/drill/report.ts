// The drill's report: what was counted, latency summaries, and the table
// `npm run drill` prints.
import type { Counts, LongLivedResult } from './clients.js';
import type { Door } from './echo-backend.js';
import type { PriorValidPhase } from './prior-valid.js';
import type { CaRotation, ListenerRotation } from './rotations.js';

export interface Stats {
  n: number;
  p50: number;
  p95: number;
  max: number;
}

export interface DrillReport {
  startedAt: string;
  wallMs: number;
  options: { listenerRotations: number; caRotations: number; probeIntervalS: number; probeSlackMs: number; priorValidValues: number[]; rotationsPerValue: number; clientEveryMs: number };
  /** The new connection every 100 ms (send a line, get it echoed through both hops). */
  clients: Counts;
  /** The tight poller's connections (back to back while a new leaf is awaited). */
  poller: Counts;
  /** The connection that streamed for the whole drill. */
  longLived: LongLivedResult;
  listener: { rotations: ListenerRotation[]; servedMs: Stats; clientSawMs: Stats; probeMs: Stats; issueMs: Stats; notSeenByClient: number; probeMissed: number; probeLate: number; extraIssuances: number };
  ca: { rotations: CaRotation[]; bundleMs: Stats; routerReloadMs: Stats; throughMs: Stats };
  priorValid: PriorValidPhase[];
  /**
   * Handshakes the backend saw fail, by port: `router` (the Connector's) or
   * `probe` (where --probe-address-map sends the daemon's backend probe, which
   * closes its socket as soon as its own side of the handshake is done, so the
   * backend's side ends in "socket hang up").
   */
  backendTlsErrors: { at: number; message: string; door: Door }[];
  /** The daemon's probes of the backend through its own port, and how many did not verify against the Connector's bundle. */
  backendProbes: { count: number; unverified: number };
  /** The daemon's exit code and error-level log lines ([] when clean). */
  daemonProblems: string[];
}

export function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? NaN;
  return { n: s.length, p50: at(0.5), p95: at(0.95), max: s.at(-1) ?? NaN };
}

const ms = (x: number): string => (Number.isNaN(x) ? '-' : `${Math.round(x)}`);
const row = (name: string, s: Stats): string => `  ${name.padEnd(44)} ${String(s.n).padStart(4)} ${ms(s.p50).padStart(7)} ${ms(s.p95).padStart(7)} ${ms(s.max).padStart(7)}`;
const reasons = (c: Counts): string => Object.entries(c.reasons).map(([k, v]) => `${v}× ${k}`).join(', ') || 'none';

function backendErrors(r: DrillReport): string {
  const atProbe = r.backendTlsErrors.filter((e) => e.door === 'probe');
  const other = r.backendTlsErrors.filter((e) => e.door === 'router');
  const kinds = (es: { message: string }[]): string => [...new Set(es.map((e) => e.message))].join('; ');
  return `${other.length} from the router's traffic${other.length ? ` (${kinds(other)})` : ''}; ${atProbe.length} of the daemon's ${r.backendProbes.count} backend probes${atProbe.length ? ` (${kinds(atProbe)})` : ''}; ${r.backendProbes.unverified} probes did not verify the backend`;
}

export function formatReport(r: DrillReport): string {
  const o = r.options;
  const l = r.listener;
  const out = [
    `rotation drill: ${o.listenerRotations} Listener rotations, ${o.caRotations} backend CA rotations, probe every ${o.probeIntervalS} s; wall time ${(r.wallMs / 1000).toFixed(1)} s`,
    '',
    `new connection every ${o.clientEveryMs} ms: ${r.clients.attempted} attempted, ${r.clients.succeeded} echoed through both hops, ${r.clients.failed} failed (${reasons(r.clients)})`,
    `tight poller:               ${r.poller.attempted} attempted, ${r.poller.failed} failed (${reasons(r.poller)})`,
    `long-lived connection:      ${r.longLived.bytesSent} bytes sent, ${r.longLived.bytesEchoed} echoed in order, ${r.longLived.broken === undefined ? 'never broke' : `BROKE: ${r.longLived.broken}`}`,
    `backend TLS errors:         ${backendErrors(r)}`,
    '',
    `  ${'latency, ms'.padEnd(44)} ${'n'.padStart(4)} ${'p50'.padStart(7)} ${'p95'.padStart(7)} ${'max'.padStart(7)}`,
    row('Listener: renew asked -> Secret revision', l.issueMs),
    row('Listener: Secret revision -> router serves', l.servedMs),
    row('Listener: Secret revision -> a 100 ms client', l.clientSawMs),
    row('Listener: Secret revision -> probe current', l.probeMs),
    row('CA: CA revision -> Connector bundle (overlap)', r.ca.bundleMs),
    row('CA: CA revision -> router reloads profile', r.ca.routerReloadMs),
    row('CA: CA revision -> traffic on new backend cert', r.ca.throughMs),
    '',
    `probe: saw ${l.rotations.length - l.probeMissed}/${l.rotations.length} rotations; ${l.rotations.length - l.probeMissed - l.probeLate} within one interval (${o.probeIntervalS} s + the router's reload time + ${o.probeSlackMs} ms slack), ${l.probeLate} later, ${l.probeMissed} never`,
    `Listener rotations no 100 ms client saw (served for less than one client period before the next): ${l.notSeenByClient}`,
    `extra issuances by cert-manager (a second leaf for one trigger; the probe is judged on the last): ${l.extraIssuances}`,
  ];
  if (r.priorValid.length > 0) {
    out.push('', 'skupper.io/tls-prior-valid-revisions (long-lived connections opened before each rotation, checked after the last):',
      `  ${'value'.padStart(5)} ${'rotations'.padStart(9)} ${'ordinal'.padStart(7)} ${'oldestValid'.padStart(11)} ${'conns'.padStart(5)} ${'survived'.padStart(8)} ${'failed handshakes'.padStart(17)}`);
    for (const p of r.priorValid) {
      out.push(`  ${String(p.value).padStart(5)} ${String(p.rotations.length).padStart(9)} ${String(p.told.ordinal ?? '?').padStart(7)} ${String(p.told.oldestValidOrdinal ?? '?').padStart(11)} ${String(p.connections).padStart(5)} ${String(p.survived).padStart(8)} ${String(p.failedHandshakes).padStart(17)}${p.breaks.length ? `  breaks: ${p.breaks.join('; ')}` : ''}`);
    }
  }
  if (r.daemonProblems.length > 0) out.push('', `daemon problems: ${r.daemonProblems.join('; ')}`);
  return out.join('\n');
}
