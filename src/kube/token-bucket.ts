// A token bucket on an injected clock: `burst` tokens, refilled at one token
// per `refillMs`. Used to bound how often something may happen without a
// timer: tokens are computed from elapsed time when asked.

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly burst: number,
    private readonly refillMs: number,
    now: number,
  ) {
    this.tokens = burst;
    this.updatedAt = now;
  }

  /** Takes one token if there is one. */
  take(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private refill(now: number): void {
    // A clock that steps backwards must not mint tokens or take them away.
    const elapsed = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.burst, this.tokens + elapsed / this.refillMs);
    this.updatedAt = Math.max(this.updatedAt, now);
  }
}
