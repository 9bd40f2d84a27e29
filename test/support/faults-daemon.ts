// What the fault tests read from the daemon itself: its metrics (summed over
// label sets), and whether it survived a fault (same process, no fatal line).
import { expect } from 'chai';
import type { DaemonProcess } from './daemon.js';

export async function scrape(d: DaemonProcess): Promise<string> {
  const res = await fetch(`http://${await d.address('metrics')}/metrics`, { signal: AbortSignal.timeout(10_000) });
  return res.text();
}

/** The sum of metric `name` over the series whose labels contain every `labels` pair. */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const set = m[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => set.includes(`${k}="${v}"`))) sum += Number(m[3]);
  }
  return sum;
}

export interface Survival {
  watchRestarts: number;
  heapUsedMB: number;
  errorLines: number;
  /** The first few error-level messages, for the report. */
  errorSample: string[];
}

/** Asserts the daemon is the same live process and logged nothing fatal; returns what it went through. */
export async function survived(d: DaemonProcess, pid: number): Promise<Survival> {
  expect(d.pid, 'same daemon process').to.equal(pid);
  expect(await Promise.race([d.exited.then(() => 'exited'), Promise.resolve('running')]), 'daemon still running').to.equal('running');
  expect(d.logs.filter((l) => l.level === 'fatal').map((l) => l.msg), 'fatal log lines').to.deep.equal([]);
  const text = await scrape(d);
  const errors = d.logs.filter((l) => l.level === 'error');
  return {
    watchRestarts: metricSum(text, 'skupper_cert_rotator_watch_restarts_total'),
    heapUsedMB: Math.round(metricSum(text, 'nodejs_heap_size_used_bytes') / 1e5) / 10,
    errorLines: errors.length,
    errorSample: [...new Set(errors.map((l) => `${l.msg}${l.err ? `: ${JSON.stringify(l.err).slice(0, 120)}` : ''}`))].slice(0, 5),
  };
}
