// Qpid Proton (the commit skupper-router pins) and skupper-router 3.5.1, C,
// built with cmake exactly as verified on this project's machines
// (/work/shared/notes/real-skupper-site.md): Proton static, no language binding;
// both with -Werror off (GCC 12 warns in both). Each is installed with DESTDIR into a
// scratch directory and renamed into place, because the router compiles its
// install prefix in (it finds its Python management code there).
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { buildAtomically, fmtElapsed } from '../build.js';
import { logTail } from '../processes.js';
import { cacheKey, logFile, skupperCacheDir, workDir } from './cache.js';
import { sourceArchives, unpack, type SourceArchive } from './sources.js';

/** What Debian 12 needs to build both; `.ci/run` installs the same list (a unit test compares them). */
export const debianBuildPackages = [
  'cmake', 'build-essential', 'libssl-dev', 'libsasl2-dev', 'uuid-dev', 'pkg-config',
  'libnghttp2-dev', 'libwebsockets-dev', 'libunwind-dev', 'python3-dev',
] as const;

/** Where there is no dpkg: the commands the build runs (their libraries' headers are cmake's to find). */
const commandsNeeded = ['cmake', 'cc', 'make', 'pkg-config', 'python3'] as const;

export const protonCmakeFlags = [
  '-DCMAKE_BUILD_TYPE=RelWithDebInfo', '-DENABLE_LINKTIME_OPTIMIZATION=OFF', '-DCMAKE_INTERPROCEDURAL_OPTIMIZATION=OFF',
  '-DBUILD_TLS=ON', '-DSSL_IMPL=openssl', '-DBUILD_STATIC_LIBS=ON', '-DBUILD_BINDINGS=',
  '-DENABLE_WARNING_ERROR=OFF', '-DBUILD_TOOLS=OFF', '-DBUILD_EXAMPLES=OFF', '-DBUILD_TESTING=OFF',
] as const;

export const routerCmakeFlags = [
  '-DCMAKE_BUILD_TYPE=RelWithDebInfo', '-DProton_USE_STATIC_LIBS=ON', '-DCMAKE_INTERPROCEDURAL_OPTIMIZATION=OFF',
  '-DENABLE_PROFILE_GUIDED_OPTIMIZATION=OFF', '-DBUILD_TESTING=OFF', '-DENABLE_WARNING_ERROR=OFF',
  `-DVERSION=${sourceArchives.router.version}`,
] as const;

const firstLine = (cmd: string, args: string[]): string => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? `${r.stdout}${r.stderr}`.trim().split('\n')[0] ?? '' : `${cmd}: not found`;
};

let toolchainMemo: string[] | undefined;
/** The compiler, cmake and Python (the router embeds libpython) that a build's key depends on. */
function toolchain(): string[] {
  toolchainMemo ??= [firstLine('cc', ['--version']), firstLine('cmake', ['--version']), firstLine(python(), ['--version'])];
  return toolchainMemo;
}

function python(): string {
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

export const protonKey = (tools: readonly string[]): string => cacheKey([sourceArchives.proton.sha256, protonCmakeFlags, tools]);
export const routerKey = (tools: readonly string[]): string => cacheKey([sourceArchives.router.sha256, routerCmakeFlags, protonKey(tools), tools]);

export const protonPrefix = (): string => join(skupperCacheDir(), `proton-${sourceArchives.proton.version}-${protonKey(toolchain())}`);
export const routerPrefix = (): string => join(skupperCacheDir(), `skupper-router-${sourceArchives.router.version}-${routerKey(toolchain())}`);
export const skrouterdPath = (prefix: string = routerPrefix()): string => join(prefix, 'sbin', 'skrouterd');

/** The one line printed when the build packages are missing: what to run (never run for the user). */
export function missingPackagesMessage(missing: readonly string[], isRoot: boolean): string {
  const sudo = isRoot ? '' : 'sudo ';
  return `skupper-router skipped (Qpid Proton and skupper-router are C, built with cmake): Debian packages missing: ${missing.join(' ')}. `
    + `Install them with: ${sudo}apt-get install -y ${missing.join(' ')}   (then npm run cluster:build again)`;
}

function isInstalled(pkg: string): boolean {
  const r = spawnSync('dpkg-query', ['-W', '-f=${db:Status-Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() === 'installed';
}

/** Undefined when the C build can go ahead; else the one line saying what to install. */
export function nativePrerequisites(): string | undefined {
  const hasDpkg = spawnSync('dpkg-query', ['--version']).status === 0;
  if (hasDpkg) {
    const missing = debianBuildPackages.filter((p) => !isInstalled(p));
    return missing.length === 0 ? undefined : missingPackagesMessage(missing, process.getuid?.() === 0);
  }
  const missing = commandsNeeded.filter((c) => spawnSync(c, ['--version']).error !== undefined);
  if (missing.length === 0) return undefined;
  return `skupper-router skipped (Qpid Proton and skupper-router are C, built with cmake): not found on PATH: ${missing.join(' ')}. `
    + `Install them and the development files of OpenSSL, Cyrus SASL, libuuid, nghttp2, libwebsockets, libunwind and Python 3 (Debian: apt-get install -y ${debianBuildPackages.join(' ')}).`;
}

/** Runs one step, its output appended to the log; cmake's `[ 45%]` lines drive a progress line every 20 s. */
async function step(part: string, what: string, cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; log: (line: string) => void; logPath: string }): Promise<void> {
  const out = createWriteStream(opts.logPath, { flags: 'a' });
  out.write(`\n$ ${cmd} ${args.join(' ')}\n`);
  const started = Date.now();
  let percent = '';
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const s of [child.stdout, child.stderr]) {
    s.setEncoding('utf8');
    s.on('data', (chunk: string) => {
      out.write(chunk);
      for (const m of chunk.matchAll(/\[\s*(\d+)%\]/g)) percent = `${m[1] ?? '?'}%, `;
    });
  }
  const ticker = setInterval(() => {
    opts.log(`  ${part}: ${what}, ${percent}${fmtElapsed(Date.now() - started)} elapsed`);
  }, 20_000);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    await new Promise<void>((resolve) => out.end(resolve));
    if (code !== 0) throw new Error(`${part}: ${cmd} ${args.join(' ')} exited with ${code}; full log in ${opts.logPath}, its tail:\n${logTail(opts.logPath)}`);
  } finally {
    clearInterval(ticker);
  }
}

/** Unpack, configure, build, install with DESTDIR; the prefix appears at `prefix` only when complete. */
async function cmakeBuild(part: string, a: SourceArchive, archive: string, prefix: string, flags: readonly string[], coldSeconds: number, log: (line: string) => void): Promise<void> {
  const logPath = logFile(part);
  mkdirSync(dirname(logPath), { recursive: true });
  rmSync(logPath, { force: true });
  log(`building ${part} ${a.version} from source with cmake (cold: ~${coldSeconds} s on 2 cores; cached afterwards in ${prefix}; log ${logPath})`);
  const started = Date.now();
  const work = workDir(part);
  try {
    const src = unpack(a, archive, work);
    const build = join(work, 'build');
    const destdir = join(work, 'destdir');
    const opts = { cwd: work, log, logPath };
    await step(part, 'configuring', 'cmake', ['-S', src, '-B', build, ...flags, `-DPython_EXECUTABLE=${python()}`, `-DCMAKE_INSTALL_PREFIX=${prefix}`], opts);
    await step(part, 'compiling', 'cmake', ['--build', build, '-j', String(availableParallelism())], opts);
    await buildAtomically(prefix, async (tmp) => {
      await step(part, 'installing', 'cmake', ['--install', build], { ...opts, env: { ...process.env, DESTDIR: destdir } });
      renameSync(join(destdir, prefix), tmp);
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  log(`  ${part}: built in ${fmtElapsed(Date.now() - started)}`);
}

/** Proton's cmake package directory in its prefix (lib/, or lib64/ where cmake prefers it). */
function protonCmakeDir(prefix: string): string {
  const dir = ['lib', 'lib64'].map((l) => join(prefix, l, 'cmake', 'Proton')).find((d) => existsSync(d));
  if (!dir) throw new Error(`${prefix} holds no lib/cmake/Proton: remove it and build again`);
  return dir;
}

/** `skrouterd --version`, which must be the release built (a smoke test of the install). */
export function routerVersion(skrouterd: string): string {
  const r = spawnSync(skrouterd, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${skrouterd} --version exited with ${r.status ?? r.signal}: ${r.error?.message ?? r.stderr}`);
  return r.stdout.trim();
}

/** Builds whichever of Proton and the router is not cached, from verified archives; returns skrouterd's path. */
export async function buildRouter(archives: { proton: string; router: string }, log: (line: string) => void): Promise<string> {
  const router = routerPrefix();
  if (existsSync(skrouterdPath(router))) return skrouterdPath(router);
  const proton = protonPrefix();
  if (!existsSync(proton)) await cmakeBuild('proton', sourceArchives.proton, archives.proton, proton, protonCmakeFlags, 25, log);
  const flags = [...routerCmakeFlags, `-DProton_DIR=${protonCmakeDir(proton)}`];
  await cmakeBuild('skupper-router', sourceArchives.router, archives.router, router, flags, 25, log);
  const skrouterd = skrouterdPath(router);
  const version = routerVersion(skrouterd);
  if (version !== sourceArchives.router.version) {
    rmSync(router, { recursive: true, force: true });
    throw new Error(`${skrouterd} --version printed ${JSON.stringify(version)}, not ${sourceArchives.router.version}: the build is wrong, removed`);
  }
  log(`  skupper-router: ${skrouterd} --version → ${version}`);
  return skrouterd;
}
