// What one more Listener costs in heap. The steady figure (retained heap
// above the idle daemon's baseline, divided by N) also holds what the daemon
// allocates once for any amount of work: the bytecode and optimized code of
// every path convergence took (an idle daemon has compiled almost none of
// it), tables that fill to a fixed size (the shared parts and strings) and
// the metric families' first series. Divided by N = 1,000 that is several
// KiB per Listener that the 1,001st does not cost. So after the steady
// window, M more Listeners are created in the same namespace, and once they
// are wired and the namespace is quiet again the retained heap is read again:
// (after - before) / M is the slope, the cost per managed Listener.
import type { Api } from '../../src/kube/api.js';
import { Resources } from '../../src/model/resources.js';
import type { Logger } from '../../src/telemetry/log.js';
import type { AuditLog } from './audit.js';
import type { BenchDaemon } from './daemon.js';
import { listener, objectName } from './objects.js';
import { createAll, Stamps } from './phase.js';
import { waitQuiet } from './quiet.js';

export interface IncrementResult {
  /** Listeners added (M), after the N of the size. */
  listeners: number;
  /** First create to all N + M wired. */
  wiredMs: number;
  /** All wired to quiet. */
  quietMs: number;
  /** After a full GC, before the M and after them. */
  retainedHeapBytesBefore: number;
  retainedHeapBytes: number;
  /** (after - before) / M. */
  heapPerListener: number;
  heapSnapshot?: string;
}

export interface IncrementOptions {
  api: Api;
  audit: AuditLog;
  daemon: BenchDaemon;
  namespace: string;
  /** Listeners already there (named objectName(0 … n-1)). */
  n: number;
  m: number;
  retainedHeapBytesBefore: number;
  cpuProf: boolean;
  /** Where to write a heap snapshot after the M, if wanted. */
  heapSnapshot?: string;
  quiet: Logger;
  timeoutMs: number;
}

export async function runIncrement(o: IncrementOptions): Promise<IncrementResult> {
  const names = Array.from({ length: o.m }, (_, i) => objectName(o.n + i));
  // Started over the N wired Listeners: its first list stamps them, so all N + M are awaited.
  const stamps = new Stamps(o.api, o.namespace, o.quiet, true);
  await stamps.start();
  let wiredAt: number;
  let firstAt: number;
  try {
    ({ firstAt } = await createAll(o.api, Resources.listener, names.map((x) => listener(o.namespace, x))));
    wiredAt = await stamps.all('wiredAt', o.n + o.m, o.timeoutMs);
  } finally {
    await stamps.stop();
  }
  await waitQuiet(o.audit, o.daemon, o.namespace, wiredAt, o.cpuProf);
  const quietMs = Date.now() - wiredAt;
  const retained = await o.daemon.retainedHeap();
  if (o.heapSnapshot !== undefined) await o.daemon.heapSnapshot(o.heapSnapshot);
  return {
    listeners: o.m, wiredMs: wiredAt - firstAt, quietMs,
    retainedHeapBytesBefore: o.retainedHeapBytesBefore, retainedHeapBytes: retained,
    heapPerListener: Math.round((retained - o.retainedHeapBytesBefore) / o.m),
    ...(o.heapSnapshot !== undefined ? { heapSnapshot: o.heapSnapshot } : {}),
  };
}
