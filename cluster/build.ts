// Builds the control-plane binaries from Go modules into a cache outside the
// repo, keyed by version and by a hash of the wrapper module, so a fresh clone
// reuses them and a changed go.mod/go.sum/main.go rebuilds.
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheDir, goModulesDir } from './paths.js';
import { versions } from './versions.js';

export interface GoBinary {
  /** File name of the binary and the key of the cache entry. */
  name: string;
  version: string;
  /** Directory of the wrapper module under cluster/go. */
  module: string;
  /** Package path to build. */
  pkg: string;
  tags?: string[];
  ldflags?: string[];
  /** Cold build time measured on 2 cores (fresh GOCACHE), printed so nobody thinks it hangs. */
  coldMinutes: number;
}

/**
 * Every binary is linked with `-s -w`, which throws the DWARF away; by default the
 * compiler still writes it for each package. Not writing it made a cold etcd build
 * 74 s instead of 83 s (2 cores): about a tenth of every cold build.
 */
export const goGcflags = 'all=-dwarf=false';

function kubeLdflags(version: string): string[] {
  const minor = version.split('.')[1] ?? '0';
  const flags = ['-s', '-w'];
  for (const p of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
    flags.push(`-X ${p}.gitVersion=${version}`, `-X ${p}.gitMajor=1`, `-X ${p}.gitMinor=${minor}`, `-X ${p}.gitTreeState=clean`);
  }
  return flags;
}

/** v0.316.0 is Prometheus 3.16.0. */
function prometheusLdflags(moduleVersion: string): string[] {
  const [, minor = '0', patch = '0'] = /^v0\.(\d+)\.(\d+)$/.exec(moduleVersion) ?? [];
  const release = `3.${Number(minor) - 300}.${patch}`;
  return ['-s', '-w', `-X github.com/prometheus/common/version.Version=${release}`, `-X github.com/prometheus/common/version.Branch=module-${moduleVersion}`];
}

/**
 * What helm's Makefile stamps: its own version, and the Kubernetes minor its
 * client-go speaks (the default `.Capabilities.KubeVersion` of `helm template`
 * and `helm lint`), read from the wrapper's go.mod so the two cannot drift.
 */
function helmLdflags(version: string): string[] {
  const gomod = readFileSync(join(goModulesDir, 'helm', 'go.mod'), 'utf8');
  const [, minor = '0'] = /^\s*k8s\.io\/client-go v0\.(\d+)\./m.exec(gomod) ?? [];
  const flags = ['-s', '-w', `-X helm.sh/helm/v3/internal/version.version=${version}`, '-X helm.sh/helm/v3/internal/version.gitTreeState=clean'];
  for (const p of ['helm.sh/helm/v3/pkg/lint/rules', 'helm.sh/helm/v3/pkg/chartutil']) {
    flags.push(`-X ${p}.k8sVersionMajor=1`, `-X ${p}.k8sVersionMinor=${minor}`);
  }
  return flags;
}

export const binaries = {
  etcd: {
    name: 'etcd',
    version: versions.etcd,
    module: 'etcd',
    pkg: 'go.etcd.io/etcd/server/v3',
    ldflags: ['-s', '-w', `-X go.etcd.io/etcd/api/v3/version.GitSHA=module-${versions.etcd}`],
    coldMinutes: 2,
  },
  kubeApiserver: {
    name: 'kube-apiserver',
    version: versions.kubernetes,
    module: 'kube',
    pkg: 'k8s.io/kubernetes/cmd/kube-apiserver',
    tags: ['selinux', 'notest', 'grpcnotrace'],
    ldflags: kubeLdflags(versions.kubernetes),
    coldMinutes: 7,
  },
  kubeControllerManager: {
    name: 'kube-controller-manager',
    version: versions.kubernetes,
    module: 'kube',
    pkg: 'k8s.io/kubernetes/cmd/kube-controller-manager',
    tags: ['selinux', 'notest', 'grpcnotrace'],
    ldflags: kubeLdflags(versions.kubernetes),
    coldMinutes: 2,
  },
  /** Renders manifests/ (`kubectl kustomize`, kustomize v5 built in) and dry-runs them against the test cluster. */
  kubectl: {
    name: 'kubectl',
    version: versions.kubernetes,
    module: 'kube',
    pkg: 'k8s.io/kubernetes/cmd/kubectl',
    tags: ['selinux', 'notest', 'grpcnotrace'],
    ldflags: kubeLdflags(versions.kubernetes),
    // 4m15s with a fresh GOCACHE; 1m08s right after kube-apiserver, whose packages it shares.
    coldMinutes: 4,
  },
  certManager: {
    name: 'cert-manager-controller',
    version: versions.certManager,
    module: 'cert-manager',
    pkg: '.',
    ldflags: ['-s', '-w', `-X github.com/cert-manager/cert-manager/pkg/util.AppVersion=${versions.certManager}`],
    coldMinutes: 4,
  },
  promtool: {
    name: 'promtool',
    version: versions.prometheus,
    module: 'prometheus',
    pkg: 'github.com/prometheus/prometheus/cmd/promtool',
    // Prometheus's own switch to leave out the service-discovery plugins (AWS,
    // Azure, GCE, Kubernetes, ... SDKs) that rule checks never use: 1,117
    // packages instead of 1,364, a 54 MB binary instead of 88 MB; cold build
    // 4m06s instead of 5m51s.
    tags: ['remove_all_sd'],
    ldflags: prometheusLdflags(versions.prometheus),
    coldMinutes: 5,
  },
  /** Lints, renders and installs charts/skupper-cert-rotator against the test cluster. */
  helm: {
    name: 'helm',
    version: versions.helm,
    module: 'helm',
    pkg: 'helm.sh/helm/v3/cmd/helm',
    ldflags: helmLdflags(versions.helm),
    // 4m01s with a fresh GOCACHE on 2 cores shared with other builds (load 5-6).
    coldMinutes: 4,
  },
} satisfies Record<string, GoBinary>;

/**
 * Built only on demand (scripts/dashboard/render.ts), never by the tests or CI:
 * a Prometheus server to evaluate the dashboard's real queries on real scrapes.
 */
export const tools = {
  prometheus: {
    name: 'prometheus',
    version: versions.prometheus,
    module: 'prometheus',
    pkg: 'github.com/prometheus/prometheus/cmd/prometheus',
    ldflags: prometheusLdflags(versions.prometheus),
    coldMinutes: 4,
  },
} satisfies Record<string, GoBinary>;

export type BinaryKey = keyof typeof binaries;
export type BinaryPaths = Record<BinaryKey, string>;

let goVersionMemo: string | undefined;
export function goVersion(): string {
  if (goVersionMemo === undefined) {
    try {
      goVersionMemo = execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim();
    } catch {
      throw new Error('Go is required to build the local control plane but `go` was not found on PATH. Install Go >= 1.26 (https://go.dev/dl/) and retry.');
    }
  }
  return goVersionMemo;
}

/** Hash of everything that determines the binary: module files, flags and the Go toolchain. */
export function cacheKey(b: GoBinary): string {
  const h = createHash('sha256');
  const dir = join(goModulesDir, b.module);
  for (const f of readdirSync(dir).sort()) {
    const p = join(dir, f);
    if (statSync(p).isFile() && /\.(go|mod|sum)$/.test(f)) h.update(f).update(readFileSync(p));
  }
  h.update(JSON.stringify([b.pkg, b.tags ?? [], b.ldflags ?? [], goGcflags, goVersion()]));
  return h.digest('hex').slice(0, 12);
}

export function binaryPath(b: GoBinary): string {
  return join(cacheDir(), 'bin', `${b.name}-${b.version}-${cacheKey(b)}`);
}

export function fmtElapsed(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

async function goBuild(b: GoBinary, out: string, log: (line: string) => void): Promise<void> {
  await runGoBuild({
    name: b.name, cwd: join(goModulesDir, b.module), where: `cluster/go/${b.module}`,
    pkg: b.pkg, out, tags: b.tags, ldflags: b.ldflags,
  }, log);
}

export interface GoBuildSpec {
  /** Shown in progress lines. */
  name: string;
  /** The module to build in. */
  cwd: string;
  /** The module directory as shown in an error. */
  where: string;
  pkg: string;
  out: string;
  tags?: string[] | undefined;
  ldflags?: string[] | undefined;
}

/** `go build -v` (static, trimmed paths, go.mod read-only, no DWARF) with a progress line every 20 s. */
export async function runGoBuild(spec: GoBuildSpec, log: (line: string) => void): Promise<void> {
  const args = ['build', '-v', '-trimpath', '-buildvcs=false', `-gcflags=${goGcflags}`, '-o', spec.out];
  if (spec.tags?.length) args.push('-tags', spec.tags.join(','));
  if (spec.ldflags?.length) args.push('-ldflags', spec.ldflags.join(' '));
  args.push(spec.pkg);
  const started = Date.now();
  let compiled = 0;
  const stderrTail: string[] = [];
  const child = spawn('go', args, {
    cwd: spec.cwd,
    env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=readonly' },
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  // `go build -v` names each package as it compiles: a cheap progress counter.
  child.stderr.setEncoding('utf8');
  let partial = '';
  child.stderr.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (/^[\w.\-/]+$/.test(line)) compiled++;
      else if (line.startsWith('go: downloading')) continue;
      else {
        stderrTail.push(line);
        if (stderrTail.length > 40) stderrTail.shift();
      }
    }
  });
  const ticker = setInterval(() => {
    log(`  ${spec.name}: ${compiled} packages compiled, ${fmtElapsed(Date.now() - started)} elapsed`);
  }, 20_000);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (code !== 0) {
      throw new Error(`go ${args.join(' ')} (in ${spec.where}) exited with ${code}:\n${stderrTail.join('\n')}`);
    }
  } finally {
    clearInterval(ticker);
  }
  log(`  ${spec.name}: built in ${fmtElapsed(Date.now() - started)} (${compiled} packages compiled)`);
}

/**
 * Builds into `${path}.tmp-<pid>` and renames that into place, so a concurrent
 * reader never sees half a result (a file, or a directory). When another
 * process put an equivalent directory there first, its copy is kept.
 */
export async function buildAtomically(path: string, build: (tmp: string) => Promise<void>): Promise<string> {
  const tmp = `${path}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  try {
    await build(tmp);
    try {
      renameSync(tmp, path);
    } catch (err) {
      // rename(2) replaces a file but not a non-empty directory: someone else won the race.
      if (!existsSync(path)) throw err;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return path;
}

/** Returns the cached binary, building it first when missing. */
export async function ensureBinary(b: GoBinary, log: (line: string) => void = console.error): Promise<string> {
  const path = binaryPath(b);
  if (existsSync(path)) return path;
  mkdirSync(join(cacheDir(), 'bin'), { recursive: true });
  log(`building ${b.name} ${b.version} from Go modules (cold: ~${b.coldMinutes} min on 2 cores; cached afterwards in ${path})`);
  return buildAtomically(path, (tmp) => goBuild(b, tmp, log));
}

export async function ensureAllBinaries(log: (line: string) => void = console.error): Promise<BinaryPaths> {
  const started = Date.now();
  const out = {} as BinaryPaths;
  for (const key of Object.keys(binaries) as BinaryKey[]) {
    out[key] = await ensureBinary(binaries[key], log);
  }
  log(`control-plane binaries ready in ${fmtElapsed(Date.now() - started)}`);
  return out;
}

/** Extracted root of a Go module in the module cache (downloads it when missing). */
export function goModuleDir(modulePath: string, version: string): string {
  const json = execFileSync('go', ['mod', 'download', '-json', `${modulePath}@${version}`], {
    cwd: tmpdir(), // outside any module, so no go.mod is consulted
    encoding: 'utf8',
  });
  const info = JSON.parse(json) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download ${modulePath}@${version}: ${info.Error ?? 'no Dir in output'}`);
  return info.Dir;
}
