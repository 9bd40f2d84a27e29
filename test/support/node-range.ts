// Whether some release of a Node major satisfies package.json's engines range:
// the pinned Node and the image's base must both be inside it.

/** Whether some release of Node `major` satisfies an engines range such as ">=20.19.0 <23". */
export function nodeMajorInRange(major: number, range: string): boolean {
  type V = [number, number, number];
  const cmp = (a: V, b: V): number => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
  const comparators = range.trim().split(/\s+/).map((c) => {
    const m = /^(>=|>|<=|<)v?(\d+)(?:\.(\d+)\.(\d+))?$/.exec(c);
    // Partial versions only where they read unambiguously (<23, >=20); ||, ^, ~ and x-ranges are not needed here.
    if (!m || (m[3] === undefined && (m[1] === '<=' || m[1] === '>'))) throw new Error(`engines range "${range}": unsupported comparator "${c}"`);
    return { op: m[1] ?? '', v: [Number(m[2]), Number(m[3] ?? 0), Number(m[4] ?? 0)] as V };
  });
  const ok = (v: V): boolean => comparators.every(({ op, v: b }) => {
    const c = cmp(v, b);
    return op === '>=' ? c >= 0 : op === '>' ? c > 0 : op === '<=' ? c <= 0 : c < 0;
  });
  // The satisfying versions of one major form an interval; it starts at x.0.0 or at a lower bound.
  const candidates: V[] = [[major, 0, 0], ...comparators.filter((c) => c.op.startsWith('>')).map((c): V => (c.op === '>' ? [c.v[0], c.v[1], c.v[2] + 1] : c.v))];
  return candidates.some((v) => v[0] === major && ok(v));
}
