// Time as the work queue and controllers see it, injectable so tests can run
// schedules deterministically. Production uses the wall clock and Node timers.

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  now(): number;
  /** Calls `fn` after about `ms` (never a reason to assume exactly). */
  setTimer(fn: () => void, ms: number): TimerHandle;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => {
    const t = setTimeout(fn, ms);
    // Timers alone must not keep a stopping process alive.
    t.unref();
    return { cancel: () => { clearTimeout(t); } };
  },
};
