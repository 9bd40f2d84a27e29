// A manual clock for the work queue and controllers: time moves only when a
// test says so, and due timers then run in deadline order.
import type { Clock, TimerHandle } from '../../../src/kube/clock.js';

export class FakeClock implements Clock {
  private timers: { at: number; seq: number; fn: () => void; cancelled: boolean }[] = [];
  private seq = 0;

  constructor(public t = Date.parse('2026-01-01T00:00:00Z')) {}

  now(): number {
    return this.t;
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    const timer = { at: this.t + ms, seq: ++this.seq, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => { timer.cancelled = true; } };
  }

  /** Like a Node timer started from a stale event-loop time: fires `earlyMs` before it is due. */
  fireEarly(earlyMs: number): void {
    for (const t of this.timers) t.at -= earlyMs;
  }

  pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Moves time forward to `to`, running each timer at its own instant, and letting promises settle after each. */
  async advanceTo(to: number): Promise<void> {
    for (;;) {
      const due = this.timers.filter((x) => !x.cancelled && x.at <= to).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = Math.max(this.t, due.at);
      due.fn();
      await settle();
    }
    this.t = Math.max(this.t, to);
    await settle();
  }

  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.t + ms);
  }
}

/** Lets every pending promise callback run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise((r) => setImmediate(r));
}
