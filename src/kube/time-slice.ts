// Work that runs as a chain of promises (a controller's queue of reconciles
// that need no I/O, a loop over every object of a namespace) never gives the
// event loop a turn: microtasks run before any timer or socket. Such loops
// yield one setImmediate turn once they have run `budgetMs`, so /healthz,
// /metrics, watch events and timers are served in between. Issue 16: 10,000
// Listeners described in one go held the loop for 7 s, past the metrics
// server's 5 s keep-alive (the scrape got ECONNRESET) and past a liveness
// probe's timeout.
export const SLICE_MS = 10;

const nextTurn = (): Promise<void> => new Promise((resolve) => { setImmediate(resolve); });

export class TimeSlice {
  private since = performance.now();

  constructor(private readonly budgetMs = SLICE_MS) {}

  /** Yields one turn of the event loop when the budget since the last one is spent; otherwise returns at once. */
  async pause(): Promise<void> {
    if (performance.now() - this.since < this.budgetMs) return;
    await nextTurn();
    this.since = performance.now();
  }
}
