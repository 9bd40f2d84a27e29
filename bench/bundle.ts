// Benchmark: building a Connector CA bundle (SPEC §4.2) from sources of
// 1, 10, 100 and 1,000 certificates, cold (PEM parsed) and warm (parse cache
// hit, as in a steady-state reconcile). Ratios are against the 10-certificate
// cold run measured in the same process.
//   npm run bench:bundle            (or: npx tsx bench/bundle.ts [rounds])
import { generateKeyPairSync } from 'node:crypto';
import { buildBundle } from '../src/pki/bundle.js';
import { ParseCache } from '../src/pki/parse-cache.js';
import { encodeHistory } from '../src/decisions/trust-history.js';
import { fastSelfSignedCA } from '../cluster/fastcert.js';

const rounds = Number(process.argv[2] ?? 20);
const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const now = new Date();

function source(n: number): string {
  let pem = '';
  for (let i = 0; i < n; i++) pem += fastSelfSignedCA({ cn: `bench-${n}-${i}`, key }).certPem;
  return pem;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

/** One reconcile's worth of work: parse (through the cache), bundle, encode the history. */
function run(pem: string, cache: ParseCache, id: string | undefined): { pem: string; history: string } {
  const { certificates } = cache.parse(id, pem);
  const b = buildBundle({ sources: [{ source: 'configmap/bench', certificates }], previous: [], history: new Map(), now, overlapMs: 3_600_000 });
  return { pem: b.pem, history: encodeHistory(b.history) };
}

function measure(pem: string, warm: boolean): number {
  const times: number[] = [];
  const cache = new ParseCache();
  if (warm) run(pem, cache, 'bench');
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    run(pem, cache, warm ? 'bench' : undefined);
    times.push(performance.now() - t);
  }
  return median(times);
}

const sizes = [1, 10, 100, 1000];
const results = sizes.map((n) => {
  const pem = source(n);
  return { n, bytes: pem.length, cold: measure(pem, false), warm: measure(pem, true) };
});
const baseline = results.find((r) => r.n === 10)?.cold ?? NaN;
console.log(`bundle benchmark: node ${process.version}, ${rounds} rounds, median per reconcile`);
console.log('certificates  source bytes  cold ms  per cert µs  warm ms  cold/baseline(10)');
for (const r of results) {
  console.log(`${String(r.n).padStart(12)}  ${String(r.bytes).padStart(12)}  ${r.cold.toFixed(2).padStart(7)}  ${(r.cold * 1000 / r.n).toFixed(0).padStart(11)}  ${r.warm.toFixed(2).padStart(7)}  ${(r.cold / baseline).toFixed(1).padStart(17)}x`);
}
