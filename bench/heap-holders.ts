// Who holds the heap: the retained size of each object (what would be freed
// with it, from the snapshot's dominator tree), for the biggest holders. The
// self sizes of heap-summary.ts say "strings" and "arrays"; this says which
// cache, index or table they belong to.
//   npm run bench:heap -- FILE.heapsnapshot --holders [--top 25] [--per N]
// A holder is listed when nothing listed above it already holds it, so a cache
// and its inner Map are one row; --per N divides by the objects (Listeners).
// With two snapshots (before and after M more objects, `npm run bench`'s
// increment), --per M gives what each holder grew by per added object.
import type { HeapSnapshot } from './heap-summary.js';

export interface Holder {
  /** Constructor name. */
  name: string;
  /** The name and the property names it is reached by, nearest first ("ObjectStore < store < secrets"): tells apart holders of one class. */
  label: string;
  retained: number;
  /** Self sizes of what it holds, by kind ("(string)", "ParsedCertificate", …), biggest first. */
  kinds: { kind: string; bytes: number; count: number }[];
}

/** Objects made by these hold whatever their owner puts in them: their owner is the row. */
const GENERIC = new Set(['Object', 'Array', 'Map', 'Set', 'WeakMap', '(anonymous)', 'system / Context']);

export function heapHolders(s: HeapSnapshot, top: number): Holder[] {
  const f = s.snapshot.meta.node_fields;
  const w = f.length;
  const [TYPE, NAME, SIZE, EDGES] = [f.indexOf('type'), f.indexOf('name'), f.indexOf('self_size'), f.indexOf('edge_count')];
  const ef = s.snapshot.meta.edge_fields;
  const ew = ef.length;
  const [ETYPE, ENAME, TO] = [ef.indexOf('type'), ef.indexOf('name_or_index'), ef.indexOf('to_node')];
  const nodeTypes = s.snapshot.meta.node_types[0];
  const edgeTypes = s.snapshot.meta.edge_types[0];
  const skipped = new Set([edgeTypes.indexOf('weak'), edgeTypes.indexOf('shortcut')]);
  const NAMED = new Set([edgeTypes.indexOf('property'), edgeTypes.indexOf('context')]);
  const n = s.nodes.length / w;
  const firstEdge = new Uint32Array(n + 1);
  for (let i = 0, e = 0; i < n; i++) {
    firstEdge[i] = e;
    e += (s.nodes[i * w + EDGES] ?? 0) * ew;
    firstEdge[i + 1] = e;
  }
  const targets = (i: number): number[] => {
    const out: number[] = [];
    for (let e = firstEdge[i] ?? 0; e < (firstEdge[i + 1] ?? 0); e += ew) if (!skipped.has(s.edges[e + ETYPE] ?? -1)) out.push((s.edges[e + TO] ?? 0) / w);
    return out;
  };

  // Post-order from the root (node 0), iteratively: the graph is far deeper than the call stack.
  const post = new Int32Array(n).fill(-1);
  const order: number[] = [];
  const seen = new Uint8Array(n);
  const stack: { node: number; next: number[]; at: number }[] = [{ node: 0, next: targets(0), at: 0 }];
  seen[0] = 1;
  while (stack.length > 0) {
    const top_ = stack[stack.length - 1];
    if (top_ === undefined) break;
    const child = top_.next[top_.at++];
    if (child === undefined) {
      stack.pop();
      post[top_.node] = order.length;
      order.push(top_.node);
    } else if (seen[child] === 0) {
      seen[child] = 1;
      stack.push({ node: child, next: targets(child), at: 0 });
    }
  }
  const preds: number[][] = Array.from({ length: n }, () => []);
  for (const v of order) for (const t of targets(v)) preds[t]?.push(v);

  // Cooper, Harvey and Kennedy's iterative dominators, over reverse post-order.
  const idom = new Int32Array(n).fill(-1);
  idom[0] = 0;
  const intersect = (a0: number, b0: number): number => {
    let a = a0;
    let b = b0;
    while (a !== b) {
      while ((post[a] ?? 0) < (post[b] ?? 0)) a = idom[a] ?? 0;
      while ((post[b] ?? 0) < (post[a] ?? 0)) b = idom[b] ?? 0;
    }
    return a;
  };
  for (let changed = true; changed;) {
    changed = false;
    for (let k = order.length - 2; k >= 0; k--) {
      const v = order[k] ?? 0;
      let d = -1;
      for (const p of preds[v] ?? []) if ((idom[p] ?? -1) >= 0) d = d < 0 ? p : intersect(p, d);
      if (d >= 0 && idom[v] !== d) {
        idom[v] = d;
        changed = true;
      }
    }
  }
  const retained = new Float64Array(n);
  for (let i = 0; i < n; i++) retained[i] = s.nodes[i * w + SIZE] ?? 0;
  for (const v of order) {
    const d = idom[v] ?? 0;
    if (v !== 0) retained[d] = (retained[d] ?? 0) + (retained[v] ?? 0);
  }

  const typeOf = (i: number): string => nodeTypes[s.nodes[i * w + TYPE] ?? 0] ?? '?';
  const nameOf = (i: number): string => s.strings[s.nodes[i * w + NAME] ?? 0] ?? '';
  const kindOf = (i: number): string => (typeOf(i) === 'object' ? nameOf(i) || '(anonymous)' : `(${typeOf(i)})`);
  const candidates = order.filter((i) => typeOf(i) === 'object' && !GENERIC.has(nameOf(i))).sort((a, b) => (retained[b] ?? 0) - (retained[a] ?? 0));
  const children: number[][] = Array.from({ length: n }, () => []);
  for (const v of order) if (v !== 0) children[idom[v] ?? 0]?.push(v);
  const listed = new Set<number>();
  const heldByListed = (i: number): boolean => {
    for (let d = idom[i] ?? 0; d !== 0; d = idom[d] ?? 0) if (listed.has(d)) return true;
    return false;
  };
  // The property (or closure variable) names it is reached by, nearest first: from any
  // retainer, since a cache held from two places is dominated by the root alone.
  const nameFrom = (p: number, v: number): string | undefined => {
    for (let e = firstEdge[p] ?? 0; e < (firstEdge[p + 1] ?? 0); e += ew) {
      if ((s.edges[e + TO] ?? 0) / w === v && NAMED.has(s.edges[e + ETYPE] ?? -1)) return s.strings[s.edges[e + ENAME] ?? 0] ?? '?';
    }
    return undefined;
  };
  const propertyPath = (i: number): string[] => {
    const path: string[] = [];
    const visited = new Set([i]);
    for (let v = i, steps = 0; path.length < 3 && steps < 6; steps++) {
      let next = -1;
      for (const p of preds[v] ?? []) {
        const name = p === 0 || visited.has(p) ? undefined : nameFrom(p, v);
        if (name === undefined) continue;
        // `this` of a closure says nothing: the object it is has a name further up.
        if (name !== 'this') path.push(name);
        next = p;
        break;
      }
      if (next < 0) break;
      visited.add(next);
      v = next;
    }
    return path;
  };
  const out: Holder[] = [];
  for (const i of candidates) {
    if (out.length >= top) break;
    if (heldByListed(i)) continue;
    listed.add(i);
    const kinds = new Map<string, { kind: string; bytes: number; count: number }>();
    for (const todo = [i]; todo.length > 0;) {
      const v = todo.pop() ?? 0;
      const kind = kindOf(v);
      const k = kinds.get(kind) ?? { kind, bytes: 0, count: 0 };
      k.bytes += s.nodes[v * w + SIZE] ?? 0;
      k.count += 1;
      kinds.set(kind, k);
      todo.push(...(children[v] ?? []));
    }
    out.push({ name: nameOf(i), label: [nameOf(i), ...propertyPath(i)].join(' < '), retained: retained[i] ?? 0, kinds: [...kinds.values()].sort((a, b) => b.bytes - a.bytes) });
  }
  // Holders still alike are numbered by size (the biggest ObjectStore is the same cache in two snapshots of one run).
  const alike = new Map<string, number>();
  for (const h of out) {
    const k = (alike.get(h.label) ?? 0) + 1;
    alike.set(h.label, k);
    if (k > 1) h.label = `${h.label} #${k}`;
  }
  return out;
}

/**
 * What each holder grew by from `before` to `after`, biggest growth first.
 * Holders are matched by constructor name and rank among those of that name
 * (the biggest ObjectStore in both is the same cache), not by label: the
 * retainer a label names can differ between two snapshots of one run.
 */
export function holderGrowth(before: readonly Holder[], after: readonly Holder[]): { label: string; bytes: number }[] {
  const keyed = (hs: readonly Holder[]): Map<string, Holder> => {
    const rank = new Map<string, number>();
    const out = new Map<string, Holder>();
    for (const h of [...hs].sort((a, b) => b.retained - a.retained)) {
      const k = (rank.get(h.name) ?? 0) + 1;
      rank.set(h.name, k);
      out.set(`${h.name}#${k}`, h);
    }
    return out;
  };
  const a = keyed(before);
  const b = keyed(after);
  return [...new Set([...a.keys(), ...b.keys()])]
    .map((k) => ({ label: (b.get(k) ?? a.get(k))?.label ?? k, bytes: (b.get(k)?.retained ?? 0) - (a.get(k)?.retained ?? 0) }))
    .sort((x, y) => y.bytes - x.bytes);
}
