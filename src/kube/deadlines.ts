// Keys due at instants, with one timer for all of them: the earliest deadline
// per key, kept in a binary min-heap, and a single timer armed for the top.
// A timer per key was a Timeout, its closure and a record, about 250 bytes of
// heap each, and a controller keeps one per object it waits on (the next
// notAfter, the renewal time): four per Listener at N = 1,000 (issue 16).
//
// Deadlines are instants on the clock, not timer durations: Node starts a
// timer from the event loop's cached time, which lags the wall clock after a
// long synchronous stretch, so a timer can fire early. Nothing is handed out
// before its instant; an early timer re-arms for the rest.
import type { Clock, TimerHandle } from './clock.js';

interface Entry {
  at: number;
  key: string;
}

// The heap is two arrays side by side, instants and keys, not an array of
// entries: an entry object and its boxed instant were ~50 bytes per key on
// top of the Map, and instants in an array of numbers are unboxed (issue 16).

export class Deadlines {
  /** The pending deadline per key: the heap may also hold older ones (replaced by an earlier deadline), skipped when they surface. */
  private readonly pending = new Map<string, number>();
  private readonly ats: number[] = [];
  private readonly keys: string[] = [];
  private armed: { at: number; timer: TimerHandle } | undefined;

  constructor(private readonly clock: Clock, private readonly due: (key: string) => void) {}

  /** `key` is due at `at`; an earlier pending deadline for it wins. */
  schedule(key: string, at: number): void {
    const existing = this.pending.get(key);
    if (existing !== undefined && existing <= at) return;
    this.pending.set(key, at);
    this.push(at, key);
    // Replaced deadlines stay in the heap until they surface; rebuilt when they outnumber the live ones.
    if (this.ats.length > 2 * this.pending.size + 64) this.rebuild();
    this.arm();
  }

  get(key: string): number | undefined {
    return this.pending.get(key);
  }

  get size(): number {
    return this.pending.size;
  }

  /** Deadlines in the heap, replaced ones not yet dropped included (for tests). */
  get queued(): number {
    return this.ats.length;
  }

  /** Drops every deadline and the timer. */
  clear(): void {
    this.armed?.timer.cancel();
    this.armed = undefined;
    this.pending.clear();
    this.ats.length = 0;
    this.keys.length = 0;
  }

  private fire(): void {
    this.armed = undefined;
    const now = this.clock.now();
    for (let top = this.live(); top !== undefined && top.at <= now; top = this.live()) {
      this.pop();
      this.pending.delete(top.key);
      this.due(top.key);
    }
    this.arm();
  }

  /** The heap's top after dropping replaced deadlines from it. */
  private live(): Entry | undefined {
    while (this.ats.length > 0) {
      const at = this.ats[0] as number;
      const key = this.keys[0] as string;
      if (this.pending.get(key) === at) return { at, key };
      this.pop();
    }
    return undefined;
  }

  private arm(): void {
    const top = this.live();
    if (top === undefined) {
      this.armed?.timer.cancel();
      this.armed = undefined;
      return;
    }
    if (this.armed?.at === top.at) return;
    this.armed?.timer.cancel();
    this.armed = { at: top.at, timer: this.clock.setTimer(() => { this.fire(); }, Math.max(0, top.at - this.clock.now())) };
  }

  private rebuild(): void {
    this.ats.length = 0;
    this.keys.length = 0;
    for (const [key, at] of this.pending) this.push(at, key);
  }

  private push(at: number, key: string): void {
    const { ats, keys } = this;
    let i = ats.length;
    ats.push(at);
    keys.push(key);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pAt = ats[parent] as number;
      if (pAt <= at) break;
      ats[i] = pAt;
      keys[i] = keys[parent] as string;
      i = parent;
    }
    ats[i] = at;
    keys[i] = key;
  }

  private pop(): void {
    const { ats, keys } = this;
    const lastAt = ats.pop();
    const lastKey = keys.pop();
    if (lastAt === undefined || lastKey === undefined || ats.length === 0) return;
    const n = ats.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = i;
      let at = lastAt;
      if (l < n && (ats[l] as number) < at) {
        smallest = l;
        at = ats[l] as number;
      }
      if (r < n && (ats[r] as number) < at) smallest = r;
      if (smallest === i) break;
      ats[i] = ats[smallest] as number;
      keys[i] = keys[smallest] as string;
      i = smallest;
    }
    ats[i] = lastAt;
    keys[i] = lastKey;
  }
}
