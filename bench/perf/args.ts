// npm run bench's flags, as `--name=value` or `--name value`.
export interface BenchArgs {
  sizes: number[];
  steadyMinutes: number;
  expiryObjects: number;
  out: string;
  cpuProf: boolean;
  /** A heap snapshot of the daemon at the end of each steady window, beside the daemon logs. */
  heapSnapshot: boolean;
  /** After each steady window, this fraction of N more Listeners: the retained heap each one adds (the slope, without the daemon's one-off costs). */
  increment: number;
  /** An existing cluster of this project's making (its kubeconfig and audit log) instead of a new one. */
  kubeconfig?: string;
  auditLog?: string;
}

export const USAGE = `npm run bench -- [--sizes 100,1000,5000] [--steady-minutes 5] [--expiry-objects 10000] [--out bench-perf.json] [--cpu-prof] [--heap-snapshot] [--increment 0.25]
                    [--kubeconfig FILE --audit-log FILE]   (a running control plane of this project instead of a new one)`;

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}\n${USAGE}`);
    const eq = a.indexOf('=');
    if (eq > 0) values.set(a.slice(2, eq), a.slice(eq + 1));
    else if (a === '--cpu-prof' || a === '--heap-snapshot') values.set(a.slice(2), 'true');
    else values.set(a.slice(2), argv[++i] ?? '');
  }
  const known = new Set(['sizes', 'steady-minutes', 'expiry-objects', 'out', 'cpu-prof', 'heap-snapshot', 'increment', 'kubeconfig', 'audit-log']);
  for (const k of values.keys()) if (!known.has(k)) throw new Error(`unknown flag --${k}\n${USAGE}`);
  const num = (k: string, fallback: number, integer: boolean): number => {
    const raw = values.get(k);
    if (raw === undefined) return fallback;
    const v = Number(raw);
    if (!Number.isFinite(v) || v < 0 || (integer && !Number.isInteger(v))) throw new Error(`--${k} must be a non-negative ${integer ? 'integer' : 'number'}, got ${raw}`);
    return v;
  };
  const sizes = (values.get('sizes') ?? '100,1000,5000').split(',').filter((x) => x !== '').map(Number);
  if (sizes.length === 0 || sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--sizes must be positive integers, got ${values.get('sizes') ?? ''}`);
  const kubeconfig = values.get('kubeconfig');
  const auditLog = values.get('audit-log');
  if ((kubeconfig === undefined) !== (auditLog === undefined)) throw new Error('--kubeconfig and --audit-log go together');
  return {
    sizes, steadyMinutes: num('steady-minutes', 5, false), expiryObjects: num('expiry-objects', 10_000, true),
    out: values.get('out') ?? 'bench-perf.json', cpuProf: values.get('cpu-prof') === 'true', heapSnapshot: values.get('heap-snapshot') === 'true', increment: num('increment', 0.25, false),
    ...(kubeconfig !== undefined && auditLog !== undefined ? { kubeconfig, auditLog } : {}),
  };
}
