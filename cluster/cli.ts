// npm run cluster:build | cluster:up | cluster:down | local
//
// `up` builds the binaries (foreground, with progress), then starts a detached
// supervisor process that owns the control plane and, where the Skupper binaries
// are built, a real Skupper site in the samples' namespace; the supervisor is the
// parent of every server process, which die with it (pdeathsig). `down` stops the
// supervisor gracefully and verifies that nothing is left running.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { ensureAllBinaries } from './build.js';
import { applyObjects, LocalControlPlane, type ClusterInfo } from './controlplane.js';
import { localClusterDir, localDir, localKubeconfig, repoRoot } from './paths.js';
import { isAlive, logTail, waitUntil } from './processes.js';
import { DEMO_NAMESPACE, LocalScenario } from './skupper/demo.js';
import { LocalSkupperSite, type SiteInfo } from './skupper/launch.js';
import { ensureSkupperSite, type SkupperSiteResult } from './skupper/site.js';

const stateFile = join(localDir, 'cluster.json');
const supervisorLog = join(localDir, 'supervisor.log');

interface State extends ClusterInfo {
  supervisorPid: number;
  /** The Skupper site in DEMO_NAMESPACE, or why there is none. */
  skupper?: SiteInfo | { skipped: string };
}

const runningSite = (s: State): SiteInfo | undefined => (s.skupper && 'pids' in s.skupper ? s.skupper : undefined);

function readState(): State | undefined {
  if (!existsSync(stateFile)) return undefined;
  try {
    return JSON.parse(readFileSync(stateFile, 'utf8')) as State;
  } catch {
    return undefined;
  }
}

function runningState(): State | undefined {
  const s = readState();
  return s && isAlive(s.supervisorPid) ? s : undefined;
}

async function supervise(skupper: SkupperSiteResult): Promise<void> {
  rmSync(localClusterDir, { recursive: true, force: true });
  const cp = new LocalControlPlane({ dir: localClusterDir, log: (l) => { console.error(l); } });
  let site: LocalSkupperSite | undefined;
  let stopping = false;
  const shutdown = async (sig: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.error(`supervisor: ${sig}, stopping the ${site ? 'Skupper site and the ' : ''}control plane`);
    await site?.stop();
    await cp.stop();
    rmSync(stateFile, { force: true });
    rmSync(localKubeconfig, { force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  await cp.start();
  if (!('skipped' in skupper)) {
    site = new LocalSkupperSite({ kubeconfig: cp.kubeconfig, namespace: DEMO_NAMESPACE, dir: join(localClusterDir, 'skupper', DEMO_NAMESPACE), binaries: skupper, log: (l) => { console.error(l); } });
    try {
      await site.start();
    } catch (err) {
      console.error(`supervisor: the Skupper site did not start: ${err instanceof Error ? err.message : String(err)}`);
      await shutdown('Skupper site failure');
      return;
    }
  }
  copyFileSync(cp.kubeconfig, localKubeconfig);
  const state: State = { ...cp.info(), kubeconfig: localKubeconfig, supervisorPid: process.pid, skupper: site ? site.info() : skupper as { skipped: string } };
  writeFileSync(stateFile, JSON.stringify(state, null, 2));
  // If any server dies, take the rest down too: a half cluster only confuses.
  for (const p of [...cp.processes, ...(site?.processes ?? [])]) {
    void p.exited.then((code) => {
      if (!stopping) {
        console.error(`supervisor: ${p.name} exited unexpectedly (${code}); log tail:\n${logTail(p.logFile)}`);
        void shutdown(`${p.name} exited`);
      }
    });
  }
}

async function up(): Promise<State> {
  const existing = runningState();
  if (existing) {
    console.error(`local control plane already running at ${existing.server}`);
    return existing;
  }
  await ensureAllBinaries(); // in the foreground, so build progress is visible
  // A real Skupper site where its binaries are built or can be; else one line says why, and the rest works without it.
  const skupper = await ensureSkupperSite().catch((err: unknown): SkupperSiteResult => {
    const skipped = `no Skupper site: its binaries could not be built (${err instanceof Error ? err.message.split('\n')[0] ?? '' : String(err)}); npm run cluster:build shows the whole error`;
    console.error(skipped);
    return { skipped };
  });
  mkdirSync(localDir, { recursive: true });
  rmSync(stateFile, { force: true });
  const fd = openSync(supervisorLog, 'w');
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'supervise', JSON.stringify(skupper)], {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  child.unref();
  const pid = child.pid ?? -1;
  await waitUntil('the local control plane', async () => {
    if (!isAlive(pid)) throw new Error(`supervisor exited; see ${supervisorLog}:\n${logTail(supervisorLog)}`);
    return Promise.resolve(readState()?.supervisorPid === pid);
  }, { timeoutMs: 300_000, intervalMs: 300 }).catch((err: unknown) => {
    throw new Error(`${err instanceof Error ? err.message : String(err)}\nsupervisor log tail:\n${logTail(supervisorLog)}`);
  });
  const state = readState();
  if (!state) throw new Error('cluster state disappeared');
  console.error(`local control plane running at ${state.server} (logs in ${relative(process.cwd(), localClusterDir)}/)`);
  const site = runningSite(state);
  if (site) console.error(`Skupper site ${site.namespace}/${site.site} running: controller, skrouterd (metrics http://127.0.0.1:${site.routerPorts.metrics}/metrics), kube-adaptor; ready in ${(site.readyMs / 1000).toFixed(1)} s (logs and certificate files in ${relative(process.cwd(), site.dir)}/)`);
  return state;
}

async function down(): Promise<void> {
  const state = readState();
  if (!state) {
    console.error('local control plane is not running');
    return;
  }
  const pids = [state.supervisorPid, ...Object.values(state.pids), ...Object.values(runningSite(state)?.pids ?? {})];
  if (isAlive(state.supervisorPid)) process.kill(state.supervisorPid, 'SIGTERM');
  try {
    await waitUntil('every control-plane process to exit', () => Promise.resolve(pids.every((p) => !isAlive(p))), { timeoutMs: 30_000, intervalMs: 200 });
  } catch {
    for (const p of pids.filter(isAlive)) process.kill(p, 'SIGKILL');
    console.error(`had to SIGKILL: ${pids.join(' ')}`);
  }
  rmSync(stateFile, { force: true });
  rmSync(localKubeconfig, { force: true });
  console.error('local control plane stopped');
}

async function applySamples(kubeconfig: string, transform: (doc: k8s.KubernetesObject) => k8s.KubernetesObject = (d) => d): Promise<void> {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  const dir = join(repoRoot, 'manifests', 'samples');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
  for (const f of files) {
    const docs = (k8s.loadAllYaml(readFileSync(join(dir, f), 'utf8')) as (k8s.KubernetesObject | null)[]).filter((d): d is k8s.KubernetesObject => d !== null);
    await applyObjects(kc, docs.map(transform));
  }
  console.error(`applied ${files.length} sample manifests from manifests/samples/`);
}

/**
 * Cluster up if needed, samples applied, daemon in the foreground with readable
 * logs. With a Skupper site, the sample Connector reaches a local TLS backend,
 * and once a request went through the router the next steps are printed.
 */
async function local(args: string[]): Promise<void> {
  const state = await up();
  const site = runningSite(state);
  if (!site) {
    const why = state.skupper && 'skipped' in state.skupper ? state.skupper.skipped : 'this cluster was started without one';
    console.error(`no Skupper site: the samples are applied as they are and the daemon runs without a router (${why})`);
  }
  const metrics = args.map((a) => /^--metrics-bind-address=(.+)$/.exec(a)?.[1]).filter((a) => a !== undefined).pop() ?? '127.0.0.1:9090';
  const scenario = site && await LocalScenario.create({
    kubeconfig: state.kubeconfig, site, caFile: join(localDir, `${DEMO_NAMESPACE}-listener-ca.crt`), metricsUrl: `http://${metrics}/metrics`,
    say: (l) => { console.error(`[local] ${l}`); },
  });
  await applySamples(state.kubeconfig, scenario?.transform);
  const daemon = spawn(process.execPath, [join(repoRoot, 'dist', 'src', 'cli.js'), 'run', `--kubeconfig=${state.kubeconfig}`, '--metrics-bind-address=127.0.0.1:9090', '--health-bind-address=127.0.0.1:8081', ...(scenario?.daemonArgs ?? []), ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const pretty = spawn(join(repoRoot, 'node_modules', '.bin', 'pino-pretty'), ['--translateTime', 'SYS:HH:MM:ss.l', '--ignore', 'pid,hostname,app'], {
    stdio: ['pipe', 'inherit', 'inherit'],
  });
  daemon.stdout.pipe(pretty.stdin);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => daemon.kill(sig));
  if (scenario) {
    console.error(`[local] the sample Connector ${DEMO_NAMESPACE}/backend reaches a TLS backend on localhost:${scenario.backendPort} (instead of pods); waiting for a request to get through the router...`);
    void scenario.startBackend().then(() => scenario.whenServing()).then((text) => { console.error(text); }, (err: unknown) => {
      console.error(`[local] no request got through the router: ${err instanceof Error ? err.message : String(err)}`);
    });
  }
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => daemon.on('exit', (c, s) => { resolve([c, s]); }));
  await scenario?.close();
  pretty.stdin.end();
  console.error(`daemon exited with ${signal ?? code}; the cluster keeps running (npm run cluster:down to stop it)\nexport KUBECONFIG=${state.kubeconfig}`);
  process.exitCode = code ?? 1;
}

async function main(): Promise<void> {
  const [cmd, ...rest] = process.argv.slice(2);
  switch (cmd) {
    case 'build':
      await ensureAllBinaries();
      // A real Skupper site from source; skipped with one line where the archives or the C build packages are missing.
      await ensureSkupperSite();
      return;
    case 'up': {
      const s = await up();
      console.log(`export KUBECONFIG=${s.kubeconfig}`);
      return;
    }
    case 'down':
      await down();
      return;
    case 'supervise':
      await supervise(JSON.parse(rest[0] ?? '{"skipped":"no Skupper binaries given"}') as SkupperSiteResult);
      return;
    case 'local':
      await local(rest);
      return;
    default:
      throw new Error(`usage: tsx cluster/cli.ts build|up|down|local (got ${cmd ?? 'nothing'})`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
