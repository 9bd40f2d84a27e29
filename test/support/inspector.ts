// The daemon's live heap, read through the V8 inspector of a daemon started
// with NODE_OPTIONS=--inspect=127.0.0.1:0 (cluster/inspector.ts does the talking).
import { inspectorUrl, retainedHeapBytes as retainedHeapAt } from '../../cluster/inspector.js';
import type { DaemonProcess } from './daemon.js';
import { eventually } from './wait.js';

export const INSPECT_ENV = { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --inspect=127.0.0.1:0`.trim() };

/** Bytes of JS heap in use after a full GC. */
export async function retainedHeapBytes(d: DaemonProcess): Promise<number> {
  const url = await eventually('the inspector URL on the daemon\'s stderr', () => Promise.resolve(inspectorUrl(d.stderr.join(''))), { timeoutMs: 10_000, intervalMs: 100 });
  return retainedHeapAt(url);
}
