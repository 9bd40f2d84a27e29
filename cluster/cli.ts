// npm run cluster:build | cluster:up | cluster:down | local
//
// `up` builds the binaries (foreground, with progress), then starts a detached
// supervisor process that owns the control plane; the supervisor is the parent
// of every server process, which die with it (pdeathsig). `down` stops the
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
import { ensureSkupperSite } from './skupper/site.js';

const stateFile = join(localDir, 'cluster.json');
const supervisorLog = join(localDir, 'supervisor.log');

interface State extends ClusterInfo {
  supervisorPid: number;
}

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

async function supervise(): Promise<void> {
  rmSync(localClusterDir, { recursive: true, force: true });
  const cp = new LocalControlPlane({ dir: localClusterDir, log: (l) => { console.error(l); } });
  let stopping = false;
  const shutdown = async (sig: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.error(`supervisor: ${sig}, stopping the control plane`);
    await cp.stop();
    rmSync(stateFile, { force: true });
    rmSync(localKubeconfig, { force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  await cp.start();
  copyFileSync(cp.kubeconfig, localKubeconfig);
  const state: State = { ...cp.info(), kubeconfig: localKubeconfig, supervisorPid: process.pid };
  writeFileSync(stateFile, JSON.stringify(state, null, 2));
  // If any server dies, take the rest down too: a half cluster only confuses.
  for (const p of cp.processes) {
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
  mkdirSync(localDir, { recursive: true });
  rmSync(stateFile, { force: true });
  const fd = openSync(supervisorLog, 'w');
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'supervise'], {
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
  return state;
}

async function down(): Promise<void> {
  const state = readState();
  if (!state) {
    console.error('local control plane is not running');
    return;
  }
  const pids = [state.supervisorPid, ...Object.values(state.pids)];
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

async function applySamples(kubeconfig: string): Promise<void> {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  const dir = join(repoRoot, 'manifests', 'samples');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
  for (const f of files) {
    const docs = (k8s.loadAllYaml(readFileSync(join(dir, f), 'utf8')) as (k8s.KubernetesObject | null)[]).filter((d): d is k8s.KubernetesObject => d !== null);
    await applyObjects(kc, docs);
  }
  console.error(`applied ${files.length} sample manifests from manifests/samples/`);
}

/** Cluster up if needed, samples applied, daemon in the foreground with readable logs. */
async function local(args: string[]): Promise<void> {
  const state = await up();
  await applySamples(state.kubeconfig);
  const daemon = spawn(process.execPath, [join(repoRoot, 'dist', 'src', 'cli.js'), 'run', `--kubeconfig=${state.kubeconfig}`, '--metrics-bind-address=127.0.0.1:9090', '--health-bind-address=127.0.0.1:8081', ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const pretty = spawn(join(repoRoot, 'node_modules', '.bin', 'pino-pretty'), ['--translateTime', 'SYS:HH:MM:ss.l', '--ignore', 'pid,hostname,app'], {
    stdio: ['pipe', 'inherit', 'inherit'],
  });
  daemon.stdout.pipe(pretty.stdin);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => daemon.kill(sig));
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => daemon.on('exit', (c, s) => { resolve([c, s]); }));
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
      await supervise();
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
