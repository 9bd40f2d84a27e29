// The daemon's start-up gate on CRDs: until every required CRD is served it
// reports not-ready with the reason, logs the reason once (again only when it
// changes), and looks again with a backoff, so installing the CRDs later is
// enough for it to continue without a restart.
import type { Logger } from 'pino';
import type { Api, ResourceType } from './api.js';
import { crdName, missingCrdsMessage, missingResources, type InstallHints } from './crd-check.js';

export interface CrdGateOptions {
  /** How to install each API group's CRDs, for the message. */
  hints?: InstallHints;
  initialDelayMs?: number;
  maxDelayMs?: number;
}

export class CrdGate {
  private state: { ok: boolean; detail: string } = { ok: false, detail: 'not checked yet' };
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly hints: InstallHints;

  constructor(
    private readonly api: Api,
    private readonly required: readonly ResourceType[],
    private readonly log: Logger,
    opts: CrdGateOptions = {},
  ) {
    this.initialDelayMs = opts.initialDelayMs ?? 1000;
    this.maxDelayMs = opts.maxDelayMs ?? 16_000;
    this.hints = opts.hints ?? {};
  }

  /** The readiness check ('crds'). */
  readonly check = (): { ok: boolean; detail: string } => this.state;

  /** Resolves once every required CRD is served; rejects when `signal` aborts. */
  async wait(signal: AbortSignal): Promise<void> {
    let delay = this.initialDelayMs;
    let lastReported = '';
    for (let attempt = 1; ; attempt++) {
      signal.throwIfAborted();
      let problem: string;
      try {
        const missing = await missingResources(this.api, this.required, signal);
        if (missing.length === 0) {
          this.state = { ok: true, detail: 'installed' };
          if (lastReported !== '') this.log.info({ crds: this.required.map(crdName) }, 'required CRDs are installed now; continuing start-up');
          return;
        }
        problem = missingCrdsMessage(missing, this.hints);
        if (problem !== lastReported) this.log.error({ missing: missing.map(crdName) }, problem);
      } catch (err) {
        signal.throwIfAborted();
        // Not "missing" but "could not tell" (API server unreachable, discovery refused): also not ready, also retried.
        problem = `cannot check for the required CRDs: ${err instanceof Error ? err.message : String(err)}`;
        if (problem !== lastReported) this.log.warn({ err }, problem);
      }
      lastReported = problem;
      this.state = { ok: false, detail: problem };
      this.log.debug({ attempt, nextCheckInMs: delay }, 'required CRDs still missing');
      await sleep(delay, signal);
      delay = Math.min(delay * 2, this.maxDelayMs);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
