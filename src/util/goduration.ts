// Go's time.Duration.String(). cert-manager stores spec.duration and
// spec.renewBefore as metav1.Duration, whose JSON form is exactly this, so a
// Certificate we write in this form is byte-for-byte what cert-manager (and
// its ingress-shim) would write for the same value: "90m" becomes "1h30m0s".

const NS_PER_MS = 1_000_000n;
const MAX_GO_DURATION_NS = 9_223_372_036_854_775_807n; // math.MaxInt64

/**
 * Nanoseconds from milliseconds. The integer and fractional parts are
 * converted separately: multiplying the whole float by 1e6 loses
 * precision beyond about 2500h, a lifetime operators do use.
 */
function toNanoseconds(ms: number): bigint {
  const whole = Math.trunc(ms);
  return BigInt(whole) * NS_PER_MS + BigInt(Math.round((ms - whole) * 1e6));
}

/** `v / 10^prec` with the fraction's trailing zeros (and a bare '.') dropped, like Go's fmtFrac. */
function decimal(v: bigint, prec: number): string {
  const scale = 10n ** BigInt(prec);
  const frac = (v % scale).toString().padStart(prec, '0').replace(/0+$/, '');
  return `${v / scale}${frac === '' ? '' : `.${frac}`}`;
}

/** Whether `ms` is representable as a Go time.Duration (cert-manager cannot parse anything longer). */
export function fitsGoDuration(ms: number): boolean {
  return Number.isFinite(ms) && toNanoseconds(Math.abs(ms)) <= MAX_GO_DURATION_NS;
}

/** Go's time.Duration.String() of `ms` milliseconds, e.g. 2592000000 → "720h0m0s", 250 → "250ms". */
export function goDurationString(ms: number): string {
  if (!fitsGoDuration(ms)) throw new RangeError(`${ms} ms is not a Go duration`);
  let ns = toNanoseconds(ms);
  const sign = ns < 0n ? '-' : '';
  if (ns < 0n) ns = -ns;
  if (ns === 0n) return '0s';
  if (ns < 1000n) return `${sign}${ns}ns`;
  if (ns < 1_000_000n) return `${sign}${decimal(ns, 3)}µs`;
  if (ns < 1_000_000_000n) return `${sign}${decimal(ns, 6)}ms`;
  const seconds = decimal(ns % 60_000_000_000n, 9);
  const minutes = ns / 60_000_000_000n;
  if (minutes === 0n) return `${sign}${seconds}s`;
  const hours = minutes / 60n;
  if (hours === 0n) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${hours}h${minutes % 60n}m${seconds}s`;
}
