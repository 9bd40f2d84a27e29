// A child Node process's V8 inspector (the child started with
// --inspect=127.0.0.1:0), for measurements from outside: the heap retained
// after a full garbage collection, so two readings compare what is kept rather
// than when the collector last ran, and heap snapshots to see what it is.
import { createWriteStream } from 'node:fs';

interface Message { id?: number; method?: string; params?: { chunk?: string }; result?: { usedSize?: number }; error?: { message: string } }

/** The ws:// address a child prints on stderr when its inspector listens, if it has yet. */
export function inspectorUrl(output: string): string | undefined {
  return /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1];
}

async function session<T>(url: string, use: (call: (method: string) => Promise<Message>, ws: WebSocket) => Promise<T>): Promise<T> {
  const ws = new WebSocket(url);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener('open', () => { resolve(); }, { once: true });
      ws.addEventListener('error', () => { reject(new Error(`cannot connect to the inspector at ${url}`)); }, { once: true });
    });
    let next = 0;
    const call = (method: string): Promise<Message> => new Promise((resolve, reject) => {
      const id = ++next;
      // A snapshot of a large heap takes a while on a loaded machine.
      const timer = setTimeout(() => { reject(new Error(`inspector: no answer to ${method} in 120 s`)); }, 120_000);
      const onMessage = (ev: MessageEvent): void => {
        const r = JSON.parse(String(ev.data)) as Message;
        if (r.id !== id) return;
        clearTimeout(timer);
        ws.removeEventListener('message', onMessage);
        if (r.error) reject(new Error(`inspector: ${method}: ${r.error.message}`));
        else resolve(r);
      };
      ws.addEventListener('message', onMessage);
      ws.send(JSON.stringify({ id, method }));
    });
    return await use(call, ws);
  } finally {
    ws.close();
  }
}

/** Bytes of JS heap in use after a full GC. */
export function retainedHeapBytes(url: string): Promise<number> {
  return session(url, async (call) => {
    await call('HeapProfiler.collectGarbage');
    const usage = await call('Runtime.getHeapUsage');
    const used = usage.result?.usedSize;
    if (typeof used !== 'number') throw new Error(`inspector: Runtime.getHeapUsage returned ${JSON.stringify(usage)}`);
    return used;
  });
}

/** Writes a .heapsnapshot (after a full GC, as V8 takes them) to `file`; returns its size in bytes. */
export function writeHeapSnapshot(url: string, file: string): Promise<number> {
  return session(url, async (call, ws) => {
    const out = createWriteStream(file);
    let bytes = 0;
    const onChunk = (ev: MessageEvent): void => {
      const m = JSON.parse(String(ev.data)) as Message;
      if (m.method !== 'HeapProfiler.addHeapSnapshotChunk' || m.params?.chunk === undefined) return;
      bytes += Buffer.byteLength(m.params.chunk);
      out.write(m.params.chunk);
    };
    ws.addEventListener('message', onChunk);
    try {
      await call('HeapProfiler.takeHeapSnapshot');
    } finally {
      ws.removeEventListener('message', onChunk);
      await new Promise<void>((resolve, reject) => { out.end((err?: Error | null) => { if (err) reject(err); else resolve(); }); });
    }
    return bytes;
  });
}
