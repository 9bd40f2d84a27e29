// When to renew a managed Certificate (SPEC §4.3), as a pure function of the
// Certificate's status, the owner's request and the clock. The caller performs
// the renewal the `cmctl renew` way and calls again at `wakeAt`: the work
// queue's per-key timers are the scheduler, nothing polls.
import type { WindowState } from './renewal-window.js';

/** Why a renewal is requested (the renewals_total trigger label). */
export const RENEWAL_TRIGGERS = ['window', 'manual', 'overdue', 'mismatch'] as const;
export type Trigger = (typeof RENEWAL_TRIGGERS)[number];

export interface CertificateFacts {
  revision: number;
  ready: boolean;
  /** An Issuing=True condition: cert-manager is already (re)issuing. */
  issuing: boolean;
  renewalTime?: Date;
  notBefore?: Date;
  notAfter?: Date;
  /** cert-manager's own failure record (status.lastFailureTime, failedIssuanceAttempts). */
  lastFailureTime?: Date;
  failedIssuanceAttempts?: number;
}

/** What the daemon did last for this Certificate's current revision (kept in memory). */
export interface LastAction {
  trigger: Trigger;
  /** triggered = we asked cert-manager to issue; stuck = it was already issuing, overdue, and we reported it. */
  kind: 'triggered' | 'stuck';
  /** The revision that was current at the time. */
  revision: number;
  at: Date;
  /** Consecutive actions for this revision that did not produce a new one. */
  attempts: number;
}

export interface RenewalInput {
  now: Date;
  certificate: CertificateFacts;
  /**
   * skupper-cert-rotator.io/renew on the owner, the value already acted on,
   * and the Certificate's revision when that value was recorded (absent for
   * the value recorded at creation, which asks for nothing).
   */
  manual: { requested?: string; handled?: string; handledRevision?: number };
  /** The Secret does not cover the host although the Certificate is Ready. */
  mismatch: boolean;
  overdueAfterMs: number;
  window?: WindowState;
  last?: LastAction;
  backoffMs: number;
}

export interface RenewalDecision {
  /** Ask cert-manager to issue now (cmctl renew). */
  trigger?: Trigger;
  /** Overdue while cert-manager has been issuing without result: report it and count a failure. */
  stuck?: boolean;
  /** Record this manual value as handled, before the trigger, with the revision it was recorded at. */
  handle?: string;
  handleRevision?: number;
  /** Why nothing is triggered now, for the debug log. */
  waiting?: string;
  /** Look again at this instant even if nothing changes. */
  wakeAt?: Date;
}

const MAX_BACKOFF_FACTOR = 32;

/** Retry delay after `attempts` unsuccessful actions on one revision: base, 2x, 4x … up to 32x. */
export function backoffDelay(baseMs: number, attempts: number): number {
  return baseMs * Math.min(2 ** Math.max(0, attempts - 1), MAX_BACKOFF_FACTOR);
}

function earliest(...dates: (Date | undefined)[]): Date | undefined {
  let best: Date | undefined;
  for (const d of dates) if (d && (!best || d < best)) best = d;
  return best;
}

export function decideRenewal(input: RenewalInput): RenewalDecision {
  const { now, certificate: c, manual } = input;
  const t = now.getTime();

  // The value present when the Certificate was created is recorded on it at
  // creation (listener-desired.ts, connector-desired.ts), so only a later change is a request.
  // It is recorded before the trigger and never while cert-manager is issuing: a
  // write to the Certificate then races cert-manager's own updates, and in rare
  // timings cert-manager issues twice for one request.
  if (manual.requested !== undefined && manual.requested !== manual.handled) {
    // An extra renewal after the running one is fine: the user asked for a certificate newer than the request.
    if (c.issuing) return { waiting: 'cert-manager is issuing; the renew request is handled after it' };
    return { trigger: 'manual', handle: manual.requested, handleRevision: c.revision };
  }
  // Recorded, yet no revision since and cert-manager not issuing: the trigger
  // did not take effect (the daemon stopped between the two writes, or the
  // status write was refused), or the issuance failed. Again, after the backoffs below.
  const unserved = manual.requested !== undefined && manual.handledRevision !== undefined && manual.handledRevision === c.revision;

  // Never the same revision again before the backoff: a broken issuer is not hammered.
  const last = input.last;
  if (last && last.revision === c.revision) {
    const retryAt = new Date(last.at.getTime() + backoffDelay(input.backoffMs, last.attempts));
    if (retryAt.getTime() > t) return { waiting: `backing off until ${retryAt.toISOString()} after ${last.attempts} ${last.trigger} attempt(s)`, wakeAt: retryAt };
  }

  const overdueAt = c.renewalTime ? new Date(c.renewalTime.getTime() + input.overdueAfterMs) : undefined;
  const overdue = overdueAt !== undefined && overdueAt.getTime() <= t;
  if (c.issuing) return overdue ? { stuck: true } : { waiting: 'cert-manager is issuing', ...(overdueAt ? { wakeAt: overdueAt } : {}) };

  // cert-manager backs off after a failed issuance; so do we, from its record.
  if (c.lastFailureTime && (c.failedIssuanceAttempts ?? 0) > 0) {
    const until = new Date(c.lastFailureTime.getTime() + backoffDelay(input.backoffMs, c.failedIssuanceAttempts ?? 1));
    if (until.getTime() > t) return { waiting: `cert-manager failed ${c.failedIssuanceAttempts ?? 1} time(s); waiting until ${until.toISOString()}`, wakeAt: until };
  }

  if (unserved) return { trigger: 'manual' };
  if (input.mismatch && c.ready) return { trigger: 'mismatch' };
  if (!c.renewalTime || !overdueAt) return { waiting: 'no renewal time yet' };
  if (overdue) return { trigger: 'overdue' };

  const w = input.window;
  if (w) {
    // Renew now what would otherwise renew before the next window opens, so
    // rotations happen inside windows; a certificate issued in this window is
    // done (short-lived ones would otherwise be renewed over and over). A
    // renewal time exactly at the next start counts as due now: cert-manager
    // renews at that very instant, a race our wake-up at the start cannot win.
    const issuedInWindow = w.openedAt !== undefined && c.notBefore !== undefined && c.notBefore.getTime() >= w.openedAt.getTime() - 1000;
    if (w.open && !issuedInWindow && c.renewalTime.getTime() <= w.nextStart.getTime()) return { trigger: 'window' };
    return { waiting: w.open ? 'not due before the next window' : 'outside the renewal window', wakeAt: earliest(overdueAt, w.nextStart) };
  }
  return { waiting: 'not due', wakeAt: overdueAt };
}
