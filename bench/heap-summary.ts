// What a V8 heap snapshot holds, by kind: self sizes summed per constructor
// (objects) or per node type (strings, arrays, code), biggest first. Enough to
// see what grows with the number of objects: compare two snapshots taken at
// different N (`npm run bench -- --heap-snapshot` writes one per size).
//   npm run bench:heap -- FILE.heapsnapshot [more files] [--top 30]
//   npm run bench:heap -- N100.heapsnapshot N1000.heapsnapshot --per 900   (growth per object, by kind)
//   npm run bench:heap -- N1000.heapsnapshot --holders [--per 1000] [--kinds 4]   (which cache or index holds it: heap-holders.ts)
//   npm run bench:heap -- N1000.heapsnapshot N1000+250.heapsnapshot --holders --per 250   (what each holder grew by per added object)
import { readFileSync } from 'node:fs';
import { heapHolders, holderGrowth } from './heap-holders.js';

/** The nodes of a V8 .heapsnapshot: what a summary by kind reads. */
export interface SnapshotNodes {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] }; node_count: number };
  nodes: number[];
  strings: string[];
}

/** With the edges: what a dominator tree (heap-holders.ts) reads. */
export interface HeapSnapshot extends SnapshotNodes {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] }; node_count: number };
  edges: number[];
}

export interface HeapGroup { kind: string; count: number; bytes: number }

/** Self sizes per kind: "Foo" for objects made by Foo, "(string)" and the like for V8's own node types. */
export function summarizeHeap(s: SnapshotNodes): { total: number; groups: HeapGroup[] } {
  const f = s.snapshot.meta.node_fields;
  const width = f.length;
  const [TYPE, NAME, SIZE] = [f.indexOf('type'), f.indexOf('name'), f.indexOf('self_size')];
  const types = s.snapshot.meta.node_types[0];
  const groups = new Map<string, HeapGroup>();
  let total = 0;
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + TYPE] ?? 0] ?? '?';
    const size = s.nodes[i + SIZE] ?? 0;
    const name = s.strings[s.nodes[i + NAME] ?? 0] || '(anonymous)';
    const kind = type === 'object' ? name : type === 'closure' ? `${name} (closure)` : `(${type})`;
    const g = groups.get(kind) ?? { kind, count: 0, bytes: 0 };
    g.count += 1;
    g.bytes += size;
    groups.set(kind, g);
    total += size;
  }
  return { total, groups: [...groups.values()].sort((a, b) => b.bytes - a.bytes) };
}

/** What grew from `before` to `after`, per kind, biggest growth first. */
export function diffHeap(before: HeapGroup[], after: HeapGroup[]): HeapGroup[] {
  const was = new Map(before.map((g) => [g.kind, g]));
  return after.map((g) => ({ kind: g.kind, count: g.count - (was.get(g.kind)?.count ?? 0), bytes: g.bytes - (was.get(g.kind)?.bytes ?? 0) }))
    .concat(before.filter((g) => !after.some((a) => a.kind === g.kind)).map((g) => ({ kind: g.kind, count: -g.count, bytes: -g.bytes })))
    .sort((a, b) => b.bytes - a.bytes);
}

function flag(argv: string[], name: string): number | undefined {
  const at = argv.indexOf(name);
  return at >= 0 ? Number(argv[at + 1]) : undefined;
}

function main(argv: string[]): void {
  const top = flag(argv, '--top') ?? 30;
  const per = flag(argv, '--per');
  const files = argv.filter((a, i) => !a.startsWith('--') && !['--top', '--per', '--kinds'].includes(argv[i - 1] ?? ''));
  if (files.length === 0) throw new Error('usage: npm run bench:heap -- FILE.heapsnapshot [more files] [--top 30]   or   -- BEFORE AFTER --per N (growth per object)   or   -- FILE --holders [--per N]');
  const load = (file: string): HeapSnapshot => JSON.parse(readFileSync(file, 'utf8')) as HeapSnapshot;
  const read = (file: string): { total: number; groups: HeapGroup[] } => summarizeHeap(load(file));
  if (argv.includes('--holders') && files.length === 2 && per !== undefined) {
    const [a = '', b = ''] = files;
    const limit = flag(argv, '--top') ?? 25;
    // More holders than shown are compared: one below the cut in one snapshot and above it in the other is no growth.
    const growth = holderGrowth(heapHolders(load(a), limit * 4), heapHolders(load(b), limit * 4));
    console.log(`${b} - ${a}: retained size per holder, grown per object (${per})`);
    for (const g of growth.slice(0, limit)) console.log(`${(g.bytes / per).toFixed(0).padStart(10)} B  ${g.label}`);
    console.log(`${(growth.reduce((t, g) => t + g.bytes, 0) / per).toFixed(0).padStart(10)} B  (all ${growth.length} holders compared)`);
    return;
  }
  if (argv.includes('--holders')) {
    const unit = per ?? 1;
    const fmt = (bytes: number): string => (per === undefined ? `${(bytes / 1048576).toFixed(2)} MiB` : `${(bytes / unit).toFixed(0)} B`).padStart(12);
    for (const file of files) {
      console.log(`${file}: retained size of the biggest holders${per === undefined ? '' : `, per object (${per})`}; native memory (ArrayBuffer contents) is in a snapshot but not in the JS heap`);
      for (const h of heapHolders(load(file), flag(argv, '--top') ?? 25)) {
        console.log(`${fmt(h.retained)}  ${h.label}`);
        for (const k of h.kinds.slice(0, flag(argv, '--kinds') ?? 4)) console.log(`${' '.repeat(14)}${fmt(k.bytes)}  ${String(k.count).padStart(7)} ${k.kind}`);
      }
    }
    return;
  }
  if (per !== undefined) {
    const [a, b] = files;
    if (a === undefined || b === undefined || files.length !== 2) throw new Error('--per takes exactly two snapshots: BEFORE AFTER');
    const before = read(a);
    const after = read(b);
    console.log(`${b} - ${a}: ${((after.total - before.total) / per).toFixed(0)} bytes per object (${per} objects)`);
    for (const g of diffHeap(before.groups, after.groups).slice(0, top)) console.log(`  ${(g.bytes / per).toFixed(0).padStart(8)} B  ${(g.count / per).toFixed(2).padStart(8)}  ${g.kind}`);
    return;
  }
  for (const file of files) {
    const { total, groups } = read(file);
    console.log(`${file}: ${(total / 1048576).toFixed(1)} MiB in ${groups.reduce((n, g) => n + g.count, 0)} nodes`);
    for (const g of groups.slice(0, top)) console.log(`  ${(g.bytes / 1048576).toFixed(2).padStart(8)} MiB  ${String(g.count).padStart(8)}  ${g.kind}`);
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) main(process.argv.slice(2));
