// Where a V8 CPU profile's time went: self and total (inclusive) milliseconds
// per function, and self per source file, busiest first. The daemon's
// `--cpu-prof` profiles (`npm run bench -- --cpu-prof` writes one per size)
// are read with it, so a round's "where the time goes" is a command, not a
// session in DevTools.
//   npm run bench:cpu -- FILE.cpuprofile [--top 25] [--match src/]
// `--match` keeps only the functions whose script URL contains it (total time
// still counts everything they call).
import { readFileSync } from 'node:fs';

/** The parts of a .cpuprofile (Chrome DevTools protocol Profiler.Profile) read here. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface FunctionTime { name: string; where: string; selfMs: number; totalMs: number }
export interface FileTime { file: string; selfMs: number }

export interface CpuSummary {
  /** Wall time the profile spans. */
  spanMs: number;
  /** Sampled time not idle: the program running JavaScript, compiling or collecting garbage. */
  busyMs: number;
  /** V8's own pseudo-frames: (idle), (garbage collector), (program). */
  special: Record<string, number>;
  functions: FunctionTime[];
  files: FileTime[];
}

const SPECIAL = new Set(['(idle)', '(garbage collector)', '(program)']);
/** Not functions: V8's pseudo-frames and the tree's root. */
const NOT_FUNCTIONS = new Set([...SPECIAL, '(root)']);

/** The script path below the repository (or the URL as it is), and the line (1-based). */
function whereOf(url: string, line: number): string {
  const path = url.replace(/^file:\/\//, '');
  const inRepo = /\/(src|dist|bench|node_modules|cluster|test)\/.*/.exec(path)?.[0].slice(1);
  return `${inRepo ?? (path || '(native)')}:${line + 1}`;
}

export function summarizeCpuProfile(p: CpuProfile): CpuSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  // Sample time per node: each sample's delta is the time up to it (as DevTools counts).
  const selfUs = new Map<number, number>();
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, deltas[i] ?? 0));
  }
  const key = (n: CpuProfile['nodes'][number]): string => `${n.callFrame.functionName || '(anonymous)'}\u0000${whereOf(n.callFrame.url, n.callFrame.lineNumber)}`;
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const special: Record<string, number> = {};
  const onStack = new Map<string, number>();
  // Depth-first with an explicit stack: a function counts once in its callers' total however deep it recurses.
  const root = p.nodes[0];
  const subtreeUs = new Map<number, number>();
  const order: number[] = [];
  const stack: { id: number; entered: boolean }[] = root ? [{ id: root.id, entered: false }] : [];
  while (stack.length > 0) {
    const top = stack.pop();
    if (!top) break;
    const node = byId.get(top.id);
    if (!node) continue;
    const k = key(node);
    if (top.entered) {
      const sub = (selfUs.get(node.id) ?? 0) + (node.children ?? []).reduce((s, c) => s + (subtreeUs.get(c) ?? 0), 0);
      subtreeUs.set(node.id, sub);
      const depth = (onStack.get(k) ?? 1) - 1;
      if (depth === 0) {
        onStack.delete(k);
        total.set(k, (total.get(k) ?? 0) + sub);
      } else onStack.set(k, depth);
      continue;
    }
    order.push(node.id);
    onStack.set(k, (onStack.get(k) ?? 0) + 1);
    stack.push({ id: node.id, entered: true });
    for (const c of node.children ?? []) stack.push({ id: c, entered: false });
  }
  // A recursive function's total above counted only its outermost frames' subtrees: exactly once per stack.
  for (const id of order) {
    const node = byId.get(id);
    if (!node) continue;
    const us = selfUs.get(id) ?? 0;
    const name = node.callFrame.functionName;
    if (SPECIAL.has(name)) special[name] = (special[name] ?? 0) + us / 1000;
    else if (!NOT_FUNCTIONS.has(name)) self.set(key(node), (self.get(key(node)) ?? 0) + us);
  }
  const functions: FunctionTime[] = [...total.entries()]
    .map(([k, us]) => {
      const [name = '', where = ''] = k.split('\u0000');
      return { name, where, selfMs: (self.get(k) ?? 0) / 1000, totalMs: us / 1000 };
    })
    .filter((f) => !NOT_FUNCTIONS.has(f.name))
    .sort((a, b) => b.selfMs - a.selfMs || b.totalMs - a.totalMs || a.name.localeCompare(b.name));
  const files = new Map<string, number>();
  for (const f of functions) {
    const file = f.where.replace(/:\d+$/, '');
    files.set(file, (files.get(file) ?? 0) + f.selfMs);
  }
  const sampled = [...selfUs.values()].reduce((a, b) => a + b, 0) / 1000;
  return {
    spanMs: (p.endTime - p.startTime) / 1000,
    busyMs: sampled - (special['(idle)'] ?? 0),
    special,
    functions,
    files: [...files.entries()].map(([file, selfMs]) => ({ file, selfMs })).sort((a, b) => b.selfMs - a.selfMs || a.file.localeCompare(b.file)),
  };
}

function main(argv: string[]): void {
  const file = argv.find((a, i) => !a.startsWith('--') && !['--top', '--match'].includes(argv[i - 1] ?? ''));
  if (!file) {
    console.error('usage: npm run bench:cpu -- FILE.cpuprofile [--top 25] [--match src/]');
    process.exit(2);
  }
  const at = (flag: string): string | undefined => { const i = argv.indexOf(flag); return i < 0 ? undefined : argv[i + 1]; };
  const top = Number(at('--top') ?? 25);
  const match = at('--match');
  const s = summarizeCpuProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  const ms = (v: number): string => v.toFixed(0).padStart(8);
  const pct = (v: number): string => `${((100 * v) / Math.max(s.busyMs, 1)).toFixed(1).padStart(5)}%`;
  console.log(`${file}: ${(s.spanMs / 1000).toFixed(1)} s profiled, ${(s.busyMs / 1000).toFixed(1)} s busy; ${Object.entries(s.special).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(', ')}`);
  console.log(`\n    self ms  of busy    total ms  function (file:line)${match ? `, only ${match}` : ''}`);
  for (const f of s.functions.filter((x) => match === undefined || x.where.includes(match)).slice(0, top)) {
    console.log(`${ms(f.selfMs)}   ${pct(f.selfMs)}  ${ms(f.totalMs)}    ${f.name || '(anonymous)'} (${f.where})`);
  }
  console.log('\n    self ms  of busy  file');
  for (const f of s.files.filter((x) => match === undefined || x.file.includes(match)).slice(0, top)) console.log(`${ms(f.selfMs)}   ${pct(f.selfMs)}  ${f.file}`);
}

if (process.argv[1]?.endsWith('cpu-profile.ts')) main(process.argv.slice(2));
