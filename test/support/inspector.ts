// The daemon's live heap, read through the V8 inspector of a daemon started
// with NODE_OPTIONS=--inspect=127.0.0.1:0: a full garbage collection first, so
// two readings compare what is retained, not when the collector last ran.
import type { DaemonProcess } from './daemon.js';
import { eventually } from './wait.js';

export const INSPECT_ENV = { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --inspect=127.0.0.1:0`.trim() };

interface Reply { id: number; result?: { usedSize?: number }; error?: { message: string } }

/** Bytes of JS heap in use after a full GC. */
export async function retainedHeapBytes(d: DaemonProcess): Promise<number> {
  const url = await eventually('the inspector URL on the daemon\'s stderr', () => {
    const m = /Debugger listening on (ws:\/\/\S+)/.exec(d.stderr.join(''));
    return Promise.resolve(m?.[1]);
  }, { timeoutMs: 10_000, intervalMs: 100 });
  const ws = new WebSocket(url);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener('open', () => { resolve(); }, { once: true });
      ws.addEventListener('error', () => { reject(new Error(`cannot connect to the inspector at ${url}`)); }, { once: true });
    });
    let next = 0;
    const call = (method: string): Promise<Reply> => new Promise((resolve, reject) => {
      const id = ++next;
      const timer = setTimeout(() => { reject(new Error(`inspector: no answer to ${method} in 30 s`)); }, 30_000);
      const onMessage = (ev: MessageEvent): void => {
        const r = JSON.parse(String(ev.data)) as Reply;
        if (r.id !== id) return;
        clearTimeout(timer);
        ws.removeEventListener('message', onMessage);
        if (r.error) reject(new Error(`inspector: ${method}: ${r.error.message}`));
        else resolve(r);
      };
      ws.addEventListener('message', onMessage);
      ws.send(JSON.stringify({ id, method }));
    });
    await call('HeapProfiler.collectGarbage');
    const usage = await call('Runtime.getHeapUsage');
    const used = usage.result?.usedSize;
    if (typeof used !== 'number') throw new Error(`inspector: Runtime.getHeapUsage returned ${JSON.stringify(usage)}`);
    return used;
  } finally {
    ws.close();
  }
}
