// "A steady state makes zero writes", measured from the API server's audit
// log: wait until the daemon's ServiceAccount has been quiet for a while (its
// own convergence may still be finishing), then count its writes over a
// window that contains resyncs.
import { writesBy, type AuditWrite } from './audit.js';
import { eventually } from './wait.js';

export interface SteadyStateOptions {
  /** The ServiceAccount user whose writes count. */
  user: string;
  /** How long without a write counts as settled. */
  quietMs?: number;
  /** How long settling may take. */
  settleTimeoutMs?: number;
  /** The measured window. */
  windowMs: number;
}

/** The writes made by `user` in a window that starts once it has settled. */
export async function writesInSteadyState(opts: SteadyStateOptions): Promise<AuditWrite[]> {
  const quietMs = opts.quietMs ?? 5_000;
  await eventually(`no write by ${opts.user} for ${quietMs} ms`, () => {
    const recent = writesBy(opts.user, new Date(Date.now() - quietMs));
    return Promise.resolve(recent.length === 0 ? true : undefined);
  }, { timeoutMs: opts.settleTimeoutMs ?? 90_000, intervalMs: 1_000 });
  const start = new Date();
  // The window itself is what is measured: there is no condition to await.
  await new Promise((r) => setTimeout(r, opts.windowMs));
  return writesBy(opts.user, start);
}

export function describeWrites(writes: AuditWrite[]): string[] {
  return writes.map((w) => `${w.verb} ${w.resource}${w.subresource ? `/${w.subresource}` : ''} ${w.namespace ?? ''}/${w.name ?? ''}`);
}
