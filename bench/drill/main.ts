// npm run drill: the rotation drill on a control plane of its own (etcd,
// kube-apiserver, cert-manager in a temp dir) with a real Skupper site, the
// built daemon and the drill's clients; prints the report and writes it as
// JSON. Counts come from flags or the environment:
//   npm run drill -- --listener-rotations=100 --ca-rotations=3 --probe-interval=2 \
//     --prior-valid=2,1,0 --rotations-per-value=3 --out=drill-report.json
//   (DRILL_LISTENER_ROTATIONS, DRILL_CA_ROTATIONS, DRILL_PROBE_INTERVAL,
//    DRILL_PRIOR_VALID, DRILL_ROTATIONS_PER_VALUE, DRILL_OUT)
// Exit code 1 when the goal is missed: a failed handshake, a broken connection,
// a rotation the router or the probe never showed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LocalControlPlane } from '../../cluster/controlplane.js';
import { ensureSkupperSite } from '../../cluster/skupper/site.js';
import { formatReport, runDrill } from './drill.js';
import { goalMissed } from './goal.js';

function setting(flag: string, env: string, fallback: string): string {
  const arg = process.argv.slice(2).find((a) => a.startsWith(`--${flag}=`));
  return arg?.slice(flag.length + 3) ?? process.env[env] ?? fallback;
}

function int(flag: string, env: string, fallback: number): number {
  const v = Number(setting(flag, env, String(fallback)));
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${flag} (${env}) must be a non-negative integer`);
  return v;
}

const listenerRotations = int('listener-rotations', 'DRILL_LISTENER_ROTATIONS', 100);
const caRotations = int('ca-rotations', 'DRILL_CA_ROTATIONS', 3);
const probeIntervalS = Math.max(1, int('probe-interval', 'DRILL_PROBE_INTERVAL', 2));
const priorValidValues = setting('prior-valid', 'DRILL_PRIOR_VALID', '2,1,0').split(',').filter((x) => x !== '').map(Number);
const rotationsPerValue = int('rotations-per-value', 'DRILL_ROTATIONS_PER_VALUE', 3);
const out = resolve(setting('out', 'DRILL_OUT', 'drill-report.json'));

const binaries = await ensureSkupperSite();
if ('skipped' in binaries) throw new Error(`the drill needs a real Skupper site: ${binaries.skipped}`);
const dir = mkdtempSync(join(tmpdir(), 'scr-drill-'));
const cp = new LocalControlPlane({ dir: join(dir, 'cluster'), log: (l) => { console.error(`[cluster] ${l}`); } });
const began = Date.now();
let code = 1;
try {
  await cp.start();
  const report = await runDrill({
    kubeconfig: cp.kubeconfig, binaries, dir: join(dir, 'drill'), namespace: 'drill',
    listenerRotations, caRotations, probeIntervalS, priorValidValues, rotationsPerValue,
    log: (l) => { console.error(`[drill] ${l}`); },
  });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(formatReport(report));
  const missed = goalMissed(report);
  console.log(`\n${missed.length === 0 ? 'goal met: 0 failed handshakes, 0 broken connections, every rotation served and probed' : `GOAL MISSED: ${missed.join('; ')}`}`);
  console.log(`report: ${out}; total wall time (control plane included) ${((Date.now() - began) / 1000).toFixed(1)} s`);
  code = missed.length === 0 ? 0 : 1;
} finally {
  await cp.stop();
  // A missed goal keeps the logs (the daemon's, the router's, the adaptor's) for whoever looks into it.
  if (code === 0 && !process.env.DRILL_KEEP_STATE) rmSync(dir, { recursive: true, force: true });
  else console.error(`state and logs kept in ${dir}`);
}
process.exit(code);
