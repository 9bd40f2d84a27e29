// Grafana's value formats for the units the dashboard uses, so the picture
// reads like the real thing: "s" scales to min/hour/day/week, "dtdurations"
// spells "2 days, 3 hours" (and "... ago" when negative), "dateTimeAsIso"
// takes milliseconds. Times are shown in UTC, so a picture does not depend on
// the time zone of the machine that made it.

/** Up to `digits` significant digits, trailing zeros dropped ("1.5", "12", "0.034"). */
export function trimNumber(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  const decimals = Math.max(0, Math.min(6, digits - 1 - magnitude));
  const s = value.toFixed(decimals);
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

function fixed(value: number, decimals: number | undefined): string {
  return decimals === undefined ? trimNumber(value) : value.toFixed(decimals);
}

const SECONDS: readonly [number, string][] = [
  [31_536_000, 'year'],
  [604_800, 'week'],
  [86_400, 'day'],
  [3_600, 'hour'],
  [60, 'min'],
];

/** Grafana's "s": seconds, scaled to the largest unit that keeps the number >= 1. */
export function formatSeconds(value: number, decimals?: number): string {
  const abs = Math.abs(value);
  if (abs === 0) return '0 s';
  if (abs < 1e-6) return `${fixed(value * 1e9, decimals)} ns`;
  if (abs < 1e-3) return `${fixed(value * 1e6, decimals)} µs`;
  if (abs < 1) return `${fixed(value * 1e3, decimals)} ms`;
  for (const [size, name] of SECONDS) if (abs >= size) return `${fixed(value / size, decimals)} ${name}`;
  return `${fixed(value, decimals)} s`;
}

const DURATION_UNITS: readonly [number, string][] = [
  [31_536_000, 'year'],
  [2_592_000, 'month'],
  [604_800, 'week'],
  [86_400, 'day'],
  [3_600, 'hour'],
  [60, 'minute'],
  [1, 'second'],
];

/** Grafana's "dtdurations": the two largest whole units; a negative value reads "... ago". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  if (seconds < 0) return `${formatDuration(-seconds)} ago`;
  let rest = Math.floor(seconds);
  if (rest === 0) return '0 seconds';
  const parts: string[] = [];
  for (const [size, name] of DURATION_UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0 || parts.length > 0) {
      if (n > 0) parts.push(`${n} ${name}${n === 1 ? '' : 's'}`);
      rest -= n * size;
      // Two units, adjacent or not: "1 day, 4 hours", never "1 day, 0 hours, 3 minutes".
      if (parts.length === 2 || (parts.length === 1 && n === 0)) break;
    }
  }
  return parts.join(', ');
}

/** Grafana's "dateTimeAsIso" (milliseconds since the epoch), in UTC. */
export function formatIsoTime(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, '');
}

const IEC: readonly string[] = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(value: number, decimals?: number): string {
  let v = value;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < IEC.length - 1) {
    v /= 1024;
    i++;
  }
  return `${fixed(v, decimals)} ${IEC[i] ?? 'B'}`;
}

const SHORT: readonly [number, string][] = [
  [1e12, ' T'],
  [1e9, ' B'],
  [1e6, ' Mil'],
  [1e3, ' K'],
];

/** Grafana's "short" (and "none", which Grafana leaves unscaled). */
export function formatShort(value: number, decimals?: number): string {
  for (const [size, suffix] of SHORT) if (Math.abs(value) >= size) return `${fixed(value / size, decimals)}${suffix}`;
  return fixed(value, decimals);
}

/** The text Grafana would show for `value` in `unit`; NaN and infinities as Prometheus spells them. */
export function formatValue(value: number, unit: string | undefined, decimals?: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  switch (unit) {
    case 's':
      return formatSeconds(value, decimals);
    case 'dtdurations':
      return formatDuration(value);
    case 'dateTimeAsIso':
      return formatIsoTime(value);
    case 'bytes':
      return formatBytes(value, decimals);
    case 'percentunit':
      return `${fixed(value * 100, decimals)}%`;
    case 'ops':
      return `${formatShort(value, decimals)} ops/s`;
    case 'none':
      return fixed(value, decimals);
    default:
      return formatShort(value, decimals);
  }
}
