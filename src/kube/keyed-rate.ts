// A token bucket per key (`burst` tokens, one more per `refillMs`), kept as
// one number per key: the time its bucket is full again (the generic cell
// rate algorithm). A bucket object per key was about 110 bytes of heap for
// every object that had an Event in the last minutes (issue 16). A key whose
// bucket is full holds no information and is dropped by sweep().

export class KeyedRate {
  private readonly fullAt = new Map<string, number>();

  constructor(
    private readonly burst: number,
    private readonly refillMs: number,
  ) {}

  /** Takes one of `key`'s tokens if it has one. */
  take(key: string, now: number): boolean {
    // A clock that steps backwards must not mint tokens: the debt is counted from the later of the two.
    const from = Math.max(this.fullAt.get(key) ?? now, now);
    if (from + this.refillMs - now > this.burst * this.refillMs) return false;
    this.fullAt.set(key, from + this.refillMs);
    return true;
  }

  /** Drops the keys whose buckets are full again; returns them. */
  sweep(now: number): string[] {
    const full: string[] = [];
    for (const [key, at] of this.fullAt) if (at <= now) full.push(key);
    for (const key of full) this.fullAt.delete(key);
    return full;
  }

  delete(key: string): void {
    this.fullAt.delete(key);
  }

  /** Keys whose buckets are not full. */
  get size(): number {
    return this.fullAt.size;
  }
}
