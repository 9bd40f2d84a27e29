// One size N of the comparison, in three namespaces of its own: the floor (N
// Certificates sent by this client), the peer (N Ingresses through
// cert-manager's ingress-shim) and us (N Listeners through the daemon, run as
// its ServiceAccount and watching only its namespace), one after the other,
// each waiting for cert-manager to finish issuing before the next begins so
// the sides do not share the CPU. Then the daemon's steady state.
import { loadavg } from 'node:os';
import type { Api } from '../../src/kube/api.js';
import { Resources } from '../../src/model/resources.js';
import type { Logger } from '../../src/telemetry/log.js';
import { byVerb, byVerbAndResource, WRITE_VERBS, type AuditLog } from './audit.js';
import { BenchDaemon, metricValue } from './daemon.js';
import { runIncrement, type IncrementResult } from './increment.js';
import { waitQuiet } from './quiet.js';
import { SA_USER } from './identity.js';
import { certificate, ingress, listener, objectName } from './objects.js';
import { createAll, Ingresses, percentile, Stamps } from './phase.js';

export interface Side {
  /** First create to last create answered. */
  createMs: number;
  /** First create to all N Certificates existing. */
  certificatesMs: number;
  /** First create to all N Certificates Ready (cert-manager's issuance included). */
  readyMs: number;
  /** All Certificates existing to all Ready: cert-manager's share. */
  issuanceMs: number;
}

export interface SizeResult {
  n: number;
  loadavg: { before: number[]; after: number[] };
  floor: Side;
  peer: Side;
  us: Side & {
    /** Spawn to 'caches synced' (empty namespace). */
    daemonSyncMs: number;
    /** First create to every Listener's spec.tlsCredentials set. */
    wiredMs: number;
    /** Per Listener, its Certificate Ready → its tlsCredentials set (ms). */
    readyToWired: { p50: number; p99: number; max: number };
  };
  ratio: { usOverPeer: number; usOverFloor: number; peerOverFloor: number };
  /** The daemon's API requests (audit log) from the first create until all wired. */
  requests: { total: number; perListener: Record<string, number>; writesPerListener: number; byVerbAndResource: Record<string, number> };
  /** All wired to quiet (10 s without a write, 5 s under 1 % CPU): Normal Events still being posted, watch events still being reconciled. */
  drain: { ms: number; lastWriteMs: number; writes: number; cpuS: number; lastWriteAnyoneMs?: number };
  steady: {
    windowS: number; writes: number; writesPerMin: number; requestsPerMin: number; cpuSPerMin: number;
    rssBytes: number; heapUsedBytes: number; baselineRssBytes: number; baselineHeapUsedBytes: number;
    /** After a full GC (V8 inspector): heapUsedBytes also counts garbage not collected yet. */
    retainedHeapBytes: number; baselineRetainedHeapBytes: number;
    /** Above the idle daemon's baseline, per Listener; heap is the retained heap. */
    bytesPerObject: { rss: number; heap: number };
  };
  /** M more Listeners after the steady window: the heap each one adds (increment.ts). */
  increment?: IncrementResult;
  cpuProfile?: string;
  heapSnapshot?: string;
}

export interface SizeOptions {
  api: Api;
  audit: AuditLog;
  daemonKubeconfig: string;
  dir: string;
  prefix: string;
  steadyMs: number;
  cpuProf: boolean;
  heapSnapshot: boolean;
  /** M = this fraction of N (at least 1) more Listeners after the steady window; 0 for none. */
  increment: number;
  log: (line: string) => void;
  quiet: Logger;
}

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

async function createNamespace(api: Api, name: string): Promise<void> {
  await api.create(Resources.namespace, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

/** Deletes the namespace and waits until it is gone, so its objects do not weigh on the next size. */
export async function deleteNamespace(api: Api, name: string, timeoutMs = 600_000): Promise<void> {
  await api.delete(Resources.namespace, undefined, name).catch(() => undefined);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      await api.get(Resources.namespace, undefined, name);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`namespace ${name} not gone after ${timeoutMs / 1000} s`);
}

function side(created: { firstAt: number; doneAt: number }, certsAt: number, readyAt: number): Side {
  return { createMs: created.doneAt - created.firstAt, certificatesMs: certsAt - created.firstAt, readyMs: readyAt - created.firstAt, issuanceMs: readyAt - certsAt };
}

export async function runSize(n: number, o: SizeOptions): Promise<SizeResult> {
  const { api, log } = o;
  const timeout = 120_000 + n * 600;
  const before = loadavg().map((x) => round(x));
  const names = Array.from({ length: n }, (_, i) => objectName(i));

  const measure = async (what: 'floor' | 'peer', ns: string, make: () => Promise<{ firstAt: number; doneAt: number }>): Promise<Side> => {
    await createNamespace(api, ns);
    const stamps = new Stamps(api, ns, o.quiet, false);
    await stamps.start();
    const created = await make();
    const certsAt = await stamps.all('certificateAt', n, timeout);
    const readyAt = await stamps.all('readyAt', n, timeout);
    await stamps.stop();
    const s = side(created, certsAt, readyAt);
    log(`N=${n} ${what}: ${n} Certificates in ${s.certificatesMs} ms, Ready in ${s.readyMs} ms`);
    return s;
  };

  const floorNs = `${o.prefix}-floor-${n}`;
  const floor = await measure('floor', floorNs, () => createAll(api, Resources.certificate, names.map((x) => certificate(floorNs, x))));
  const peerNs = `${o.prefix}-peer-${n}`;
  const peer = await measure('peer', peerNs, () => createAll(api, Ingresses, names.map((x) => ingress(peerNs, x))));

  const usNs = `${o.prefix}-us-${n}`;
  await createNamespace(api, usNs);
  const nodeArgs = o.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${o.dir}`, `--cpu-prof-name=daemon-N${n}.cpuprofile`] : [];
  const daemon = new BenchDaemon([`--kubeconfig=${o.daemonKubeconfig}`, `--namespaces=${usNs}`], o.dir, nodeArgs);
  let result: SizeResult;
  try {
    const daemonSyncMs = await daemon.waitSynced();
    const base = daemon.sample();
    const baseHeap = metricValue((await daemon.scrape()).text, 'nodejs_heap_size_used_bytes') ?? 0;
    const baseRetained = await daemon.retainedHeap();
    const stamps = new Stamps(api, usNs, o.quiet, true);
    await stamps.start();
    const created = await createAll(api, Resources.listener, names.map((x) => listener(usNs, x)));
    const certsAt = await stamps.all('certificateAt', n, timeout);
    const readyAt = await stamps.all('readyAt', n, timeout);
    const wiredAt = await stamps.all('wiredAt', n, timeout);
    await stamps.stop();
    const lags = names.map((x) => (stamps.wiredAt.get(x) ?? 0) - (stamps.readyAt.get(x) ?? 0));
    const us = { ...side(created, certsAt, readyAt), daemonSyncMs, wiredMs: wiredAt - created.firstAt, readyToWired: { p50: percentile(lags, 50) ?? 0, p99: percentile(lags, 99) ?? 0, max: Math.max(...lags) } };
    log(`N=${n} us: ${n} Certificates in ${us.certificatesMs} ms, Ready in ${us.readyMs} ms, all wired in ${us.wiredMs} ms`);

    // The steady window measures a daemon with nothing to do: it begins once the namespace is quiet (quiet.ts).
    const quiet = await waitQuiet(o.audit, daemon, usNs, wiredAt, o.cpuProf);
    const { lastWrite, othersLast } = quiet;
    // Counted only now: the API server writes a request's audit line after its
    // response, so right at "all wired" the last lines may not be in the file
    // yet (a smoke run counted 19 of 20 Certificate creates). The window is by
    // the time each request was received, so reading later changes nothing else.
    const converging = o.audit.requests(SA_USER, created.firstAt, wiredAt).filter((r) => r.namespace === usNs || r.namespace === undefined);
    const verbs = byVerb(converging);
    const writes = converging.filter((r) => WRITE_VERBS.has(r.verb)).length;
    const drain = { ms: Date.now() - wiredAt, lastWriteMs: lastWrite - wiredAt, writes: quiet.writes.length, cpuS: round(quiet.cpuS), ...(othersLast !== undefined ? { lastWriteAnyoneMs: othersLast - wiredAt } : {}) };
    log(`N=${n} us: quiet ${drain.ms} ms after all were wired: ${drain.writes} writes (the last ${drain.lastWriteMs} ms after; the namespace's last write by anyone ${othersLast !== undefined ? `${othersLast - wiredAt} ms after` : 'before'}), ${drain.cpuS} CPU s`);

    const steadyFrom = Date.now();
    const cpu0 = daemon.sample().cpuS;
    await new Promise((r) => setTimeout(r, o.steadyMs));
    const steadyTo = Date.now();
    const end = daemon.sample();
    const heap = metricValue((await daemon.scrape()).text, 'nodejs_heap_size_used_bytes') ?? 0;
    const retained = await daemon.retainedHeap();
    let snapshot: string | undefined;
    if (o.heapSnapshot) {
      snapshot = `${o.dir}/daemon-N${n}.heapsnapshot`;
      log(`N=${n}: heap snapshot ${snapshot} (${((await daemon.heapSnapshot(snapshot)) / 1e6).toFixed(1)} MB)`);
    }
    const minutes = (steadyTo - steadyFrom) / 60_000;
    const window = o.audit.requests(SA_USER, steadyFrom, steadyTo);
    const steadyWrites = window.filter((r) => WRITE_VERBS.has(r.verb)).length;
    result = {
      n, loadavg: { before, after: loadavg().map((x) => round(x)) }, floor, peer, us, drain,
      ratio: { usOverPeer: round(us.certificatesMs / peer.certificatesMs), usOverFloor: round(us.certificatesMs / floor.certificatesMs), peerOverFloor: round(peer.certificatesMs / floor.certificatesMs) },
      requests: {
        total: converging.length,
        perListener: Object.fromEntries(Object.entries(verbs).map(([v, c]) => [v, round(c / n)])),
        writesPerListener: round(writes / n),
        byVerbAndResource: byVerbAndResource(converging),
      },
      steady: {
        windowS: round((steadyTo - steadyFrom) / 1000, 1), writes: steadyWrites, writesPerMin: round(steadyWrites / minutes), requestsPerMin: round(window.length / minutes),
        cpuSPerMin: round((end.cpuS - cpu0) / minutes, 3), rssBytes: end.rssBytes, heapUsedBytes: heap, baselineRssBytes: base.rssBytes, baselineHeapUsedBytes: baseHeap,
        retainedHeapBytes: retained, baselineRetainedHeapBytes: baseRetained,
        bytesPerObject: { rss: Math.round((end.rssBytes - base.rssBytes) / n), heap: Math.round((retained - baseRetained) / n) },
      },
      ...(snapshot !== undefined ? { heapSnapshot: snapshot } : {}),
    };
    if (o.increment > 0) {
      const m = Math.max(1, Math.round(n * o.increment));
      const inc = await runIncrement({
        api, audit: o.audit, daemon, namespace: usNs, n, m, retainedHeapBytesBefore: retained, cpuProf: o.cpuProf, quiet: o.quiet, timeoutMs: timeout,
        ...(o.heapSnapshot ? { heapSnapshot: `${o.dir}/daemon-N${n}+${m}.heapsnapshot` } : {}),
      });
      result.increment = inc;
      log(`N=${n} +${m}: all wired ${inc.wiredMs} ms after the first create, quiet ${inc.quietMs} ms later; retained heap ${inc.heapPerListener} B per added Listener (${inc.retainedHeapBytesBefore} -> ${inc.retainedHeapBytes} B)`);
    }
    const errors = daemon.errors();
    if (errors.length > 0) log(`N=${n}: the daemon logged ${errors.length} errors, first: ${errors[0] ?? ''} (log ${daemon.logFile})`);
  } finally {
    await daemon.stop();
  }
  if (o.cpuProf) result.cpuProfile = `${o.dir}/daemon-N${n}.cpuprofile`;
  for (const ns of [floorNs, peerNs, usNs]) await deleteNamespace(api, ns);
  return result;
}
