// Benchmark: what a resync costs the §4.4 gate once N Secrets are verified.
// The Listener controller, the expiry tracker and the roll controller
// verify every tracked Secret again on each resync (10 minutes by default);
// a revision verified before should cost a cache lookup, not a parse, a key
// load and a signature check. Issue 16 found that at N = 5,000 it did not
// (a parse cache of 2,000 entries, a memo of 4,096): ~25 CPU s per resync.
//
// For each N: N Secrets as cert-manager's SelfSigned issuer writes them
// (tls.crt a self-signed P-256 certificate, ca.crt the same, tls.key its
// key), one pass as on the first sight of each Secret (cold), then one pass
// as a resync, through the daemon's own path: the shared ParseCache, then
// verifyServingSecret reading it. Printed per N: both passes' CPU time, their
// ratio (the baseline is the cold pass of the same process), how many
// Secrets the resync parsed again, and the heap kept per Secret after a full GC.
//   npm run bench:resync                (or: -- 1000,5000,10000)
import { generateKeyPairSync } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import type { V1Secret } from '@kubernetes/client-node';
import { fastSelfSignedCA } from '../cluster/fastcert.js';
import { secretText } from '../src/model/object-data.js';
import { prepareSecretCertificates } from '../src/owned/secret-certificates.js';
import { cachedParse, ParseCache } from '../src/pki/parse-cache.js';
import { verifyServingSecret } from '../src/pki/verify.js';

const sizes = (process.argv[2] ?? '1000,5000,10000').split(',').map(Number);
if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`usage: npm run bench:resync -- [N,N,…] (positive integers), got ${process.argv[2] ?? ''}`);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc (npm run bench:resync does)');

const b64 = (s: string): string => Buffer.from(s).toString('base64');

function secrets(n: number): V1Secret[] {
  const out: V1Secret[] = [];
  for (let i = 0; i < n; i++) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const cn = `l-${i}.bench.svc`;
    const { certPem, keyPem } = fastSelfSignedCA({ cn, key: privateKey });
    out.push({
      apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls',
      metadata: { name: `l-${i}-tls`, namespace: 'bench', uid: `uid-${n}-${i}`, resourceVersion: String(1000 + i) },
      data: { 'tls.crt': b64(certPem), 'tls.key': b64(keyPem), 'ca.crt': b64(certPem) },
    });
  }
  return out;
}

/** One reconcile's gate per Secret, as certificate-flow.ts runs it. Returns CPU ms and how many Secrets failed. */
async function pass(parser: ParseCache, all: readonly V1Secret[]): Promise<{ cpuMs: number; failed: number; parsed: number }> {
  const misses = parser.misses;
  const start = process.cpuUsage();
  let failed = 0;
  for (const s of all) {
    await prepareSecretCertificates(parser, s);
    const host = s.metadata?.name?.replace(/-tls$/, '.bench.svc') ?? '';
    const verdict = verifyServingSecret({ tlsCrt: secretText(s, 'tls.crt'), tlsKey: secretText(s, 'tls.key'), caCrt: secretText(s, 'ca.crt'), hosts: [host], now: new Date(), parse: cachedParse(parser, s) });
    if (!verdict.ok) failed += 1;
  }
  const used = process.cpuUsage(start);
  return { cpuMs: (used.user + used.system) / 1000, failed, parsed: parser.misses - misses };
}

function heapUsed(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

console.log(`bench:resync on ${cpus().length} CPUs, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}, Node ${process.version}`);
console.log('N        cold pass  resync pass  resync/cold  re-parsed  failed  heap kept per Secret');
const results = [];
for (const n of sizes) {
  const all = secrets(n);
  const before = heapUsed();
  const parser = new ParseCache();
  const cold = await pass(parser, all);
  const kept = heapUsed() - before;
  const resync = await pass(parser, all);
  const row = { n, coldCpuMs: Math.round(cold.cpuMs), resyncCpuMs: Math.round(resync.cpuMs), ratio: resync.cpuMs / cold.cpuMs, reparsed: resync.parsed, failed: cold.failed + resync.failed, keptBytesPerSecret: Math.round(kept / n) };
  results.push(row);
  console.log(`${String(n).padEnd(8)} ${`${row.coldCpuMs} ms`.padStart(9)}  ${`${row.resyncCpuMs} ms`.padStart(11)}  ${row.ratio.toFixed(3).padStart(11)}  ${String(row.reparsed).padStart(9)}  ${String(row.failed).padStart(6)}  ${`${(row.keptBytesPerSecret / 1024).toFixed(2)} KiB`.padStart(20)}`);
  if (row.failed > 0) throw new Error(`${row.failed} verifications failed: the benchmark's Secrets must pass the gate`);
}
console.log(JSON.stringify({ bench: 'resync', node: process.version, results }));
