// How long a reflector waits before listing or watching again after a failure.
// Failures in a row back off exponentially (500 ms up to 30 s), as client-go's
// reflector does, so a refusing or unreachable API server is not hammered. But
// a watch that streamed for a while and was then cut (a load balancer's idle
// timeout, a proxy or API server restart) says nothing about the server's
// health: counting it on top of earlier cuts would leave a daemon whose watches
// are cut every few minutes waiting 30 s after each, blind to changes.

/** A watch open at least this long before it failed ends a run of failures. */
export const HEALTHY_WATCH_MS = 1000;
export const MAX_RETRY_DELAY_MS = 30_000;

/** The failure count after a failure that came `streamedMs` after the watch opened (0: it never opened). */
export function failuresAfter(previous: number, streamedMs: number): number {
  return (streamedMs >= HEALTHY_WATCH_MS ? 0 : previous) + 1;
}

/** The pause before the next attempt after `failures` failures in a row (≥ 1). */
export function retryDelayMs(failures: number): number {
  return Math.min(MAX_RETRY_DELAY_MS, 500 * 2 ** Math.min(Math.max(failures, 1) - 1, 6));
}
