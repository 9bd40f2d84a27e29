// The rotation drill (issue 14): while a client opens a new verified TLS
// connection through the router every 100 ms and one long-lived connection
// streams data both ways, the Listener's certificate is rotated N times and
// the backend CA M times (with the bundle overlap), then each value of
// skupper.io/tls-prior-valid-revisions gets a few rotations of its own.
// Goal: no failed handshake, no broken connection, every new leaf served,
// and the daemon's probe seeing each rotation.
//
// Probe slack: a rotation counts as seen "within one interval" when the probe
// logged the new leaf no later than interval + (Secret revision → router
// serves) + slack after the Secret revision. The probe ticks once per interval
// whatever happens, so after the router serves the new leaf the next tick is
// at most one interval away; a tick between the Secret change and the router's
// reload sees the old leaf and is retried after one interval. The slack covers
// one probe's own time (the kube-proxy stand-in's Service lookup, a TLS
// handshake) and the log line's trip: 500 ms is several times what those take here.
import { LongLived, PeriodicClient } from './clients.js';
import { DrillEnv } from './env.js';
import { priorValidPhase, type PriorValidPhase } from './prior-valid.js';
import { formatReport, stats, type DrillReport } from './report.js';
import { Rotator, type CaRotation, type ListenerRotation } from './rotations.js';
import type { SkupperSite } from '../../cluster/skupper/site.js';

export interface DrillOptions {
  kubeconfig: string;
  binaries: SkupperSite;
  /** State directory (site logs, certificate files). */
  dir: string;
  /** A fresh namespace for the site (created). */
  namespace: string;
  listenerRotations: number;
  caRotations: number;
  probeIntervalS?: number;
  /** Values of skupper.io/tls-prior-valid-revisions to compare (run largest first); [] to skip. */
  priorValidValues?: number[];
  rotationsPerValue?: number;
  log?: (line: string) => void;
}

export const PROBE_SLACK_MS = 500;
const CLIENT_EVERY_MS = 100;

export async function runDrill(o: DrillOptions): Promise<DrillReport> {
  const log = o.log ?? ((l: string) => { console.error(l); });
  const probeIntervalS = o.probeIntervalS ?? 2;
  const values = [...(o.priorValidValues ?? [2, 1, 0])].sort((a, b) => b - a);
  const perValue = o.rotationsPerValue ?? 3;
  const env = new DrillEnv({ kubeconfig: o.kubeconfig, namespace: o.namespace, dir: o.dir, binaries: o.binaries, probeIntervalS, log });
  const started = Date.now();
  let client: PeriodicClient | undefined;
  let long: LongLived | undefined;
  let stopped = false;
  try {
    await env.start();
    const target = env.target;
    if (!target) throw new Error('no target');
    client = new PeriodicClient(() => target, CLIENT_EVERY_MS);
    const c = client;
    long = new LongLived(target);
    await long.open();
    client.start();
    const rotator = new Rotator(env, probeIntervalS * 1000, PROBE_SLACK_MS);
    const listener: ListenerRotation[] = [];
    for (let i = 1; i <= o.listenerRotations; i++) {
      const r = await rotator.listener('main');
      listener.push(r);
      if (i % 10 === 0 || i === o.listenerRotations) log(`Listener rotation ${i}/${o.listenerRotations}: served ${r.servedMs} ms after the Secret revision, probe ${r.probeMs ?? 'never'} ms; clients ${c.counts.succeeded} ok / ${c.counts.failed} failed`);
    }
    const ca: CaRotation[] = [];
    for (let i = 1; i <= o.caRotations; i++) {
      const r = await rotator.backendCa();
      ca.push(r);
      log(`backend CA rotation ${i}/${o.caRotations}: bundle ${r.bundleMs} ms (${r.bundleSize} CAs), router reload ${r.routerReloadMs ?? '?'} ms, traffic on the new backend certificate ${r.throughMs} ms after the CA revision`);
    }
    const priorValid: PriorValidPhase[] = [];
    for (const v of values) {
      const p = await priorValidPhase(env, rotator, v, perValue, () => c.counts.failed + rotator.poller.failed);
      priorValid.push(p);
      log(`prior-valid-revisions=${v}: ordinal ${p.told.ordinal ?? '?'}, oldestValidOrdinal ${p.told.oldestValidOrdinal ?? '?'}; ${p.survived}/${p.connections} long-lived connections survived`);
    }
    await client.stop();
    const longResult = await long.close();
    // A leaf stays served until the next revision, so the client's first sight of it is known only now.
    const all = [...listener, ...priorValid.flatMap((p) => p.rotations)].map((r) => {
      const saw = c.firstSeen.get(r.leaf);
      return saw !== undefined ? { ...r, clientSawMs: saw - r.secretAt } : r;
    });
    const report: DrillReport = {
      startedAt: new Date(started).toISOString(), wallMs: Date.now() - started,
      options: { listenerRotations: o.listenerRotations, caRotations: o.caRotations, probeIntervalS, probeSlackMs: PROBE_SLACK_MS, priorValidValues: values, rotationsPerValue: perValue, clientEveryMs: CLIENT_EVERY_MS },
      clients: client.counts, poller: rotator.poller, longLived: longResult,
      listener: {
        rotations: all, servedMs: stats(all.map((r) => r.servedMs)), issueMs: stats(all.map((r) => r.issueMs)),
        clientSawMs: stats(all.flatMap((r) => (r.clientSawMs !== undefined ? [r.clientSawMs] : []))),
        probeMs: stats(all.flatMap((r) => (r.probeMs !== undefined ? [r.probeMs] : []))),
        notSeenByClient: all.filter((r) => r.clientSawMs === undefined).length,
        probeMissed: all.filter((r) => r.probeMs === undefined).length,
        probeLate: all.filter((r) => r.probeMs !== undefined && !r.probeWithinInterval).length,
        extraIssuances: all.reduce((n, r) => n + r.extraIssuances, 0),
      },
      ca: {
        rotations: ca, bundleMs: stats(ca.map((r) => r.bundleMs)), throughMs: stats(ca.map((r) => r.throughMs)),
        routerReloadMs: stats(ca.flatMap((r) => (r.routerReloadMs !== undefined ? [r.routerReloadMs] : []))),
      },
      priorValid, backendTlsErrors: [...(env.backend?.tlsErrors ?? [])],
      backendProbes: { count: env.daemon?.backendProbes.length ?? 0, unverified: env.daemon?.backendProbes.filter((p) => !p.verified).length ?? 0 },
      daemonProblems: [],
    };
    stopped = true;
    report.daemonProblems = await env.stop();
    return report;
  } finally {
    if (!stopped) {
      await client?.stop();
      await long?.close();
      await env.stop();
    }
  }
}

export { formatReport };
