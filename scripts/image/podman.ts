// Podman from Debian, set up the way ../shared/notes/container-engine.md found
// to work on these machines (root, cgroups v1/hybrid, no Docker engine): runc
// with the cgroupfs manager and no default ulimits, from a containers.conf of
// our own passed through CONTAINERS_CONF, so /etc is never touched. Images live
// in a storage of the project's own (CONTAINERS_STORAGE_CONF, under the cache
// directory), so pruning what a rebuild leaves behind never touches anybody
// else's images.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../../cluster/paths.js';

export const imageCacheDir = join(cacheDir(), 'image');

/**
 * Per-boot state (locks, mounts, container runtime state): on tmpfs, so a reboot
 * clears it, and one per storage, because two storages must never share it.
 */
const RUN_DIR = `/run/skupper-cert-rotator-${createHash('sha256').update(imageCacheDir).digest('hex').slice(0, 12)}`;

const STORAGE_CONF = `# Written by scripts/image/podman.ts: the project's images, apart from the machine's.
[storage]
driver = "overlay"
graphroot = "${join(imageCacheDir, 'storage')}"
runroot = "${RUN_DIR}/storage"
`;

const CONTAINERS_CONF = `# Written by scripts/image/podman.ts. Without it podman's default crun fails here
# with "setrlimit RLIMIT_NOFILE/RLIMIT_NPROC: Operation not permitted", then
# "cgroups in hybrid mode not supported".
[containers]
default_ulimits = []
pids_limit = 0
[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
tmp_dir = "${RUN_DIR}/libpod"
`;

const PACKAGES = ['podman', 'runc', 'debootstrap'] as const;

function installed(pkg: string): boolean {
  try {
    const out = execFileSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return out.trim() === 'install ok installed';
  } catch {
    return false;
  }
}

/** Installs the Debian packages that are missing (a no-op once they are there). */
export async function ensurePackages(): Promise<void> {
  const missing = PACKAGES.filter((p) => !installed(p));
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) throw new Error(`missing Debian packages ${missing.join(' ')}: run as root, or apt-get install -y ${missing.join(' ')}`);
  console.log(`installing ${missing.join(' ')} (about 2 minutes cold)`);
  await run('apt-get', ['update', '-qq']);
  await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { DEBIAN_FRONTEND: 'noninteractive' });
}

function writeIfChanged(file: string, text: string): void {
  if (!existsSync(file) || readFileSync(file, 'utf8') !== text) writeFileSync(file, text);
}

/**
 * How the image runs outside Kubernetes, as the Deployment of manifests/base runs
 * it: read-only root, uid 65532, no capabilities, no privilege escalation. Host
 * network, so 127.0.0.1 reaches a local control plane.
 */
export const RESTRICTED_RUN = ['--read-only', '--user', '65532:65532', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--network', 'host'] as const;

/** The environment every podman call runs with. */
export function podmanEnv(): NodeJS.ProcessEnv {
  mkdirSync(imageCacheDir, { recursive: true });
  const conf = join(imageCacheDir, 'containers.conf');
  const storage = join(imageCacheDir, 'storage.conf');
  writeIfChanged(conf, CONTAINERS_CONF);
  writeIfChanged(storage, STORAGE_CONF);
  return { ...process.env, CONTAINERS_CONF: conf, CONTAINERS_STORAGE_CONF: storage };
}

/** Runs a command with inherited output; rejects naming it on a non-zero exit. */
export function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${cmd} ${args.join(' ')}: exit ${code ?? signal}`));
    });
  });
}

export function podman(args: readonly string[]): string {
  return execFileSync('podman', args, { encoding: 'utf8', env: podmanEnv(), stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
}

export function podmanInherit(args: readonly string[]): Promise<void> {
  return run('podman', args, podmanEnv());
}

export function imageExists(ref: string): boolean {
  try {
    execFileSync('podman', ['image', 'exists', ref], { env: podmanEnv(), stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Wall-clock of one step, printed so the cold and warm costs are on record. */
export async function timed<T>(label: string, f: () => Promise<T> | T): Promise<T> {
  const start = performance.now();
  try {
    return await f();
  } finally {
    console.log(`[image] ${label}: ${((performance.now() - start) / 1000).toFixed(1)} s`);
  }
}
