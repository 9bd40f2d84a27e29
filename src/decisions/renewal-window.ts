// Maintenance windows for renewals (SPEC §4.3 `window`): a cron expression
// (the `cron` package, optional seconds field) says when a window opens, a
// duration how long it stays open, a time zone how to read the expression.
// Pure: every function takes `now`.
import { CronTime } from 'cron';

export interface RenewalWindow {
  readonly expression: string;
  readonly durationMs: number;
  readonly timeZone: string;
  readonly cron: CronTime;
}

export interface WindowState {
  open: boolean;
  /** When the open window opened. */
  openedAt?: Date;
  /** When the open window closes. */
  closesAt?: Date;
  /** The start of the next window after the current one (or after now when closed). */
  nextStart: Date;
}

/** Parses and checks a window; an Error names what is wrong (the caller names the flag). */
export function parseWindow(expression: string, durationMs: number, timeZone: string, now = new Date()): RenewalWindow | Error {
  let cron: CronTime;
  try {
    cron = new CronTime(expression, timeZone);
  } catch (err) {
    return new Error(`invalid cron expression or time zone: ${err instanceof Error ? err.message : String(err)}`);
  }
  const window: RenewalWindow = { expression, durationMs, timeZone, cron };
  // Windows that overlap are one endless window: renewals would happen at any time, which is what a window is there to prevent.
  const period = shortestPeriodMs(window, now);
  if (period !== undefined && durationMs >= period) {
    return new Error(`the window lasts ${Math.round(durationMs / 1000)}s but "${expression}" opens one every ${Math.round(period / 1000)}s; a window must close before the next opens`);
  }
  return window;
}

function nextAfter(w: RenewalWindow, t: Date): Date {
  return w.cron.getNextDateFrom(t, w.timeZone).toJSDate();
}

/**
 * The shortest gap between consecutive window starts, over the next year or
 * 60 starts, whichever is fewer: a weekly window sees both DST changes, and
 * the cron package needs milliseconds per date, which is paid at start-up.
 */
export function shortestPeriodMs(w: RenewalWindow, now: Date): number | undefined {
  let prev = nextAfter(w, now);
  let shortest: number | undefined;
  for (let i = 0; i < 60; i++) {
    const next = nextAfter(w, prev);
    const gap = next.getTime() - prev.getTime();
    shortest = shortest === undefined ? gap : Math.min(shortest, gap);
    if (next.getTime() - now.getTime() > 366 * 86_400_000) break;
    prev = next;
  }
  return shortest;
}

export function windowState(w: RenewalWindow, now: Date): WindowState {
  // The window containing now, if any, is the first start strictly after (now - duration): [start, start + duration).
  const start = nextAfter(w, new Date(now.getTime() - w.durationMs));
  if (start.getTime() <= now.getTime()) {
    return { open: true, openedAt: start, closesAt: new Date(start.getTime() + w.durationMs), nextStart: nextAfter(w, start) };
  }
  return { open: false, nextStart: start };
}
