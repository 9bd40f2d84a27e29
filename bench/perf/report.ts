// The benchmark's tables, from its JSON report.
import type { PerfReport } from './perf.js';

const s = (ms: number): string => (ms / 1000).toFixed(1);
const mib = (b: number): string => (b / 1024 / 1024).toFixed(0);
const kib = (b: number): string => (b / 1024).toFixed(1);

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** Whether y grows linearly with n between the smallest and largest size: the ratio of per-object cost. */
function growth(points: { n: number; y: number }[]): string {
  const a = points[0];
  const b = points[points.length - 1];
  if (points.length < 2 || !a || !b || a.y <= 0) return '';
  const k = (b.y / b.n) / (a.y / a.n);
  return `${k.toFixed(2)}x per object from N=${a.n} to N=${b.n} (${k < 1.3 ? 'linear or better' : 'worse than linear'})`;
}

export function formatReport(r: PerfReport): string {
  const out: string[] = [];
  out.push(`skupper-cert-rotator ${r.versions.daemon}, Node ${r.versions.node}, Kubernetes ${r.versions.kubernetes}, cert-manager ${r.versions.certManager}; ${r.machine.cpus} CPUs (${r.machine.model}); ${r.date}`);
  out.push('', 'Time from the first create to all N Certificates existing (created 16 at a time); Ready = cert-manager issued them all', '');
  out.push(table(['N', 'floor s', 'peer (ingress-shim) s', 'us s', 'us/peer', 'us/floor', 'peer Ready s', 'us Ready s', 'us all wired s', 'Ready→wired p50/p99 ms', 'load before→after'],
    r.sizes.map((x) => [String(x.n), s(x.floor.certificatesMs), s(x.peer.certificatesMs), s(x.us.certificatesMs), x.ratio.usOverPeer.toFixed(2), x.ratio.usOverFloor.toFixed(2),
      s(x.peer.readyMs), s(x.us.readyMs), s(x.us.wiredMs), `${x.us.readyToWired.p50}/${x.us.readyToWired.p99}`, `${x.loadavg.before[0] ?? '?'}→${x.loadavg.after[0] ?? '?'}`])));
  out.push('', 'The daemon\'s API requests per Listener during convergence (audit log), and its steady state after', '');
  out.push(table(['N', 'writes/Listener', 'by verb', 'steady s', 'writes/min', 'requests/min', 'CPU s/min', 'RSS MiB', 'heap MiB (retained)', 'RSS KiB/object', 'retained heap KiB/object'],
    r.sizes.map((x) => [String(x.n), x.requests.writesPerListener.toFixed(2), Object.entries(x.requests.perListener).map(([v, c]) => `${v} ${c}`).join(', '),
      x.steady.windowS.toFixed(0), String(x.steady.writesPerMin), String(x.steady.requestsPerMin), x.steady.cpuSPerMin.toFixed(3), mib(x.steady.rssBytes), `${mib(x.steady.heapUsedBytes)} (${mib(x.steady.retainedHeapBytes)})`,
      kib(x.steady.bytesPerObject.rss), kib(x.steady.bytesPerObject.heap)])));
  for (const x of r.sizes) {
    const inc = x.increment;
    if (inc) out.push(`N=${x.n}: ${inc.listeners} more Listeners after the steady window (all wired ${s(inc.wiredMs)} s after the first create): retained heap ${kib(inc.heapPerListener)} KiB per added Listener (${mib(inc.retainedHeapBytesBefore)} → ${mib(inc.retainedHeapBytes)} MiB), against ${kib(x.steady.bytesPerObject.heap)} KiB per Listener above the idle daemon's baseline`);
  }
  for (const x of r.sizes) out.push(`N=${x.n}: quiet ${s(x.drain.ms)} s after all were wired (${x.drain.writes} writes, the last after ${s(x.drain.lastWriteMs)} s; the namespace's last write by anyone ${x.drain.lastWriteAnyoneMs !== undefined ? `after ${s(x.drain.lastWriteAnyoneMs)} s` : 'before'}; ${x.drain.cpuS} CPU s); the steady window began then`);
  if (r.sizes.length >= 2) {
    out.push('', 'Growth with N:');
    out.push(`  us, Certificates: ${growth(r.sizes.map((x) => ({ n: x.n, y: x.us.certificatesMs })))}`);
    out.push(`  peer, Certificates: ${growth(r.sizes.map((x) => ({ n: x.n, y: x.peer.certificatesMs })))}`);
    out.push(`  us, all wired: ${growth(r.sizes.map((x) => ({ n: x.n, y: x.us.wiredMs })))}`);
    out.push(`  us, retained heap above baseline: ${growth(r.sizes.map((x) => ({ n: x.n, y: x.steady.retainedHeapBytes - x.steady.baselineRetainedHeapBytes })))}`);
  }
  if (r.expiry) {
    const e = r.expiry;
    out.push('', `Expiry tracking, ${e.objects} Secrets named by unannotated Listeners: caches synced ${s(e.daemonSyncMs)} s after spawn, all indexed and exported ${s(e.indexedMs)} s after spawn; one /metrics scrape ${e.scrape.ms.toFixed(0)} ms (slowest of 5: ${e.scrape.maxMs.toFixed(0)} ms; ${e.scrape.cpuMs} ms of the daemon's CPU), ${(e.scrape.bytes / 1e6).toFixed(2)} MB (${((e.scrape.wireBytes ?? 0) / 1e6).toFixed(2)} MB gzip-encoded); longest event-loop stall while indexing ${e.eventLoopLagMaxMs} ms, slowest /healthz ${e.healthzMaxMs} ms, ${e.failedScrapes.length} failed scrapes; RSS ${mib(e.rssBytes)} MiB, heap ${mib(e.heapUsedBytes)} MiB, retained ${mib(e.retainedHeapBytes)} MiB (${kib(e.retainedHeapBytes / e.objects)} KiB retained heap per object, baseline included)`);
  }
  return out.join('\n');
}
