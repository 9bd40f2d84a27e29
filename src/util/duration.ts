// Go-style durations ("720h", "1h30m", "90s", "250ms"), the format operators
// already use for cert-manager's duration and renewBefore.
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

// Inputs reach messages (flags, annotations, Events): quoted, and cut so a
// megabyte of garbage does not become a megabyte of log.
function show(input: string): string {
  return JSON.stringify(input.length > 64 ? `${input.slice(0, 60)}…` : input);
}

/** Milliseconds, or an Error saying what is wrong. Never throws; linear in the input. */
export function parseDuration(input: string): number | Error {
  const s = input.trim();
  if (s === '') return new Error('empty duration');
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let pos = 0;
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) return new Error(`invalid duration ${show(input)} (use Go syntax such as 90s, 15m, 720h or 1h30m)`);
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? NaN);
    pos = re.lastIndex;
  }
  if (!Number.isFinite(total)) return new Error(`invalid duration ${show(input)}: too long`);
  return total;
}

/** Inverse of parseDuration for whole units, e.g. 5400000 → "1h30m". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  const parts: string[] = [];
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  if (rest > 0) parts.push(`${Math.round(rest)}ms`);
  return sign + parts.join('');
}
