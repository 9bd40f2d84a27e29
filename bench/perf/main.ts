// npm run bench: the daemon against cert-manager's ingress-shim at the same
// job (annotation in, Certificate out), against the floor (the same creates
// from a minimal client), end to end, its API requests, its steady state and
// expiry tracking at scale, on a control plane of its own (etcd,
// kube-apiserver, cert-manager in a temp dir). Prints tables, writes JSON.
//   npm run bench -- --sizes 100,1000 --steady-minutes 1 --out bench-perf.json [--cpu-prof]
// Not a test: nothing here passes or fails; docs/performance.md holds results.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LocalControlPlane } from '../../cluster/controlplane.js';
import { parseBenchArgs } from './args.js';
import { runPerf } from './perf.js';
import { formatReport } from './report.js';

const args = parseBenchArgs(process.argv.slice(2));
const out = resolve(args.out);
const dir = mkdtempSync(join(tmpdir(), 'scr-bench-'));
const log = (l: string): void => { console.error(`[bench] ${l}`); };
const cp = args.kubeconfig ? undefined : new LocalControlPlane({ dir: join(dir, 'cluster'), log: (l) => { console.error(`[cluster] ${l}`); } });
const began = Date.now();
let ok = false;
try {
  await cp?.start();
  const info = cp?.info();
  const daemonDir = join(dir, 'daemon');
  mkdirSync(daemonDir, { recursive: true });
  const report = await runPerf({
    kubeconfig: args.kubeconfig ?? info?.kubeconfig ?? '', auditLog: args.auditLog ?? info?.auditLog ?? '', dir: daemonDir,
    sizes: args.sizes, steadyMs: args.steadyMinutes * 60_000, expiryObjects: args.expiryObjects, cpuProf: args.cpuProf, heapSnapshot: args.heapSnapshot, increment: args.increment,
    prefix: 'bench', clusterResourceNamespace: 'cert-manager', log,
    onProgress: (partial) => { writeFileSync(out, `${JSON.stringify({ ...partial, partial: true }, null, 2)}\n`); },
  });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(formatReport(report));
  console.log(`\nreport: ${out}; total wall time ${((Date.now() - began) / 1000).toFixed(0)} s`);
  ok = true;
} finally {
  await cp?.stop();
  // CPU profiles, heap snapshots and daemon logs stay for whoever asked for them, or when the run failed.
  if (ok && !args.cpuProf && !args.heapSnapshot && !process.env.BENCH_KEEP_STATE) rmSync(dir, { recursive: true, force: true });
  else console.error(`state, daemon logs and profiles kept in ${dir}`);
}
