// `npm run cluster:up` / `cluster:down` as a developer uses them, in a private
// state directory so a developer's own cluster is never touched. The commands
// are README.md's, run by a shell (readmeStep, test/support/readme-commands.ts).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import * as k8s from '@kubernetes/client-node';
import { repoRoot } from '../../cluster/paths.js';
import { isAlive } from '../../cluster/processes.js';
import { readmeStep } from '../support/readme-commands.js';
import { eventually } from '../support/wait.js';

const exec = promisify(execFile);
const clusterUp = readmeStep('cluster:up');
const clusterDown = readmeStep('cluster:down');

/** A README command, as a shell runs it. */
function run(command: string, env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  return exec('bash', ['-c', command], { cwd: repoRoot, env });
}

interface State {
  supervisorPid: number;
  pids: Record<string, number>;
  kubeconfig: string;
  /** The real Skupper site in the samples' namespace, or why there is none. */
  skupper?: { namespace: string; pids: Record<string, number> } | { skipped: string };
}

/** Every process of the cluster: the supervisor, the control plane's and the Skupper site's. */
function allPids(state: State): number[] {
  const site = state.skupper && 'pids' in state.skupper ? Object.values(state.skupper.pids) : [];
  return [state.supervisorPid, ...Object.values(state.pids), ...site];
}

/** Every process whose command line mentions `needle` (the private state dir). */
function processesMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) out.push(Number(entry));
    } catch {
      // the process exited while we looked
    }
  }
  return out;
}

describe('npm run cluster:up / cluster:down', function () {
  // Longer than cluster:up's own 300 s wait for its supervisor, so a slow start fails
  // with the supervisor's log tail (cluster/cli.ts) instead of a bare mocha timeout
  // (one CI run under load: a timeout with nothing to go on).
  this.timeout(420_000);
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), 'scr-local-'));
    env = { ...process.env, SKUPPER_CERT_ROTATOR_LOCAL_DIR: dir };
  });

  afterEach(async function () {
    await run(clusterDown, env).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  async function up(): Promise<State> {
    const { stdout } = await run(clusterUp, env);
    expect(stdout).to.contain(`export KUBECONFIG=${join(dir, 'kubeconfig')}`);
    const state = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as State;
    expect(Object.keys(state.pids).sort()).to.deep.equal(['cert-manager-controller', 'etcd', 'kube-apiserver', 'kube-controller-manager']);
    // Where the Skupper binaries are built (cluster:build), a real site runs in the samples' namespace; else one line says why not.
    expect(state.skupper, 'the Skupper site or why there is none').to.be.an('object');
    if (state.skupper && 'skipped' in state.skupper) console.error(`    no Skupper site: ${state.skupper.skipped}`);
    else expect(state.skupper?.namespace).to.equal('east');
    if (state.skupper && 'pids' in state.skupper) expect(Object.keys(state.skupper.pids).sort()).to.deep.equal(['kube-adaptor', 'skrouterd', 'skupper-controller']);
    for (const pid of allPids(state)) expect(isAlive(pid), `pid ${pid}`).to.equal(true);
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(state.kubeconfig);
    const names = (await kc.makeApiClient(k8s.CoreV1Api).listNamespace()).items.map((n) => n.metadata?.name);
    expect(names).to.include('cert-manager');
    return state;
  }

  it('starts in the background, and down leaves no process behind', async function () {
    const state = await up();
    // up again is a no-op that reports the running cluster
    const again = await run(clusterUp, env);
    expect(again.stderr).to.contain('already running');

    await run(clusterDown, env);
    for (const pid of allPids(state)) expect(isAlive(pid), `pid ${pid}`).to.equal(false);
    expect(processesMentioning(dir)).to.deep.equal([]);
    expect(existsSync(join(dir, 'kubeconfig'))).to.equal(false);
  });

  it('leaves no orphan when the supervisor is killed with SIGKILL', async function () {
    const state = await up();
    process.kill(state.supervisorPid, 'SIGKILL');
    await eventually('every control-plane and Skupper site process to die with its supervisor', () =>
      Promise.resolve(allPids(state).every((p) => !isAlive(p))), { timeoutMs: 20_000 });
    expect(processesMentioning(dir)).to.deep.equal([]);
  });
});
