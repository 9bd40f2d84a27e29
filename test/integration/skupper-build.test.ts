// The real Skupper site's binaries, built from source by `npm run cluster:build`
// (cluster/skupper/), run: skrouterd is 3.5.1 and starts from its cache prefix,
// the controller and kube-adaptor are 2.2.1 with the build-time patches compiled
// in, and the adaptor reaches a router on a port other than upstream's fixed 5672.
import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSkupperSite, type SkupperSite } from '../../cluster/skupper/site.js';
import { testCluster } from '../support/cluster.js';
import { eventually } from '../support/wait.js';
import { requireBuilt } from '../support/third-party.js';

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const addr = srv.address();
  await new Promise<void>((resolve) => srv.close(() => { resolve(); }));
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return addr.port;
}

function run(bin: string, args: string[]): { status: number | null; out: string } {
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 30_000, env: { ...process.env, SKUPPER_METRICS_DISABLE: 'true' } });
  if (r.error) throw r.error;
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('Skupper site binaries built from source (controller, kube-adaptor, skupper-router)', function () {
  let site: SkupperSite;
  let dir: string;
  const children: ChildProcess[] = [];

  before(async function () {
    // Built by `npm run cluster:build` before the tests (.ci/run); a cold machine builds here.
    this.timeout(60 * 60 * 1000);
    site = requireBuilt(await ensureSkupperSite((l) => { console.error(`    [skupper] ${l}`); }));
    dir = mkdtempSync(join(tmpdir(), 'skupper-site-'));
  });

  after(async function () {
    const running = children.filter((c) => c.exitCode === null && c.signalCode === null);
    const exited = running.map((c) => new Promise((resolve) => c.once('exit', resolve)));
    for (const c of running) c.kill('SIGKILL');
    await Promise.all(exited);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('skrouterd --version prints 3.5.1', function () {
    const r = run(site.router, ['--version']);
    expect(r.status, r.out).to.equal(0);
    expect(r.out.trim()).to.equal('3.5.1');
  });

  it('the controller and the kube-adaptor are 2.2.1: -version prints it, --help exits 0 with their flags', function () {
    for (const [bin, flags] of [[site.controller, ['-kubeconfig', '-namespace', '-watch-namespace']], [site.kubeAdaptor, ['-kubeconfig', '-namespace', '-init', '-config-dir']]] as const) {
      const v = run(bin, ['-version']);
      expect(v.status, v.out).to.equal(0);
      expect(v.out.trim(), bin).to.equal('2.2.1');
      const h = run(bin, ['--help']);
      expect(h.status, h.out).to.equal(0);
      for (const f of flags) expect(h.out, `${bin} --help`).to.contain(f);
    }
  });

  it('the build-time patches are compiled in (cluster/skupper/patches/)', function () {
    expect(readFileSync(site.controller).includes('SKUPPER_SSL_PROFILE_PATH'), 'controller reads SKUPPER_SSL_PROFILE_PATH').to.equal(true);
    expect(readFileSync(site.controller).includes('SKUPPER_LISTENER_PORT_RANGE'), 'controller reads SKUPPER_LISTENER_PORT_RANGE').to.equal(true);
    expect(readFileSync(site.kubeAdaptor).includes('SKUPPER_ROUTER_AMQP_ADDRESS'), 'kube-adaptor reads SKUPPER_ROUTER_AMQP_ADDRESS').to.equal(true);
  });

  it('skrouterd runs from its cache prefix (its Python management loads; /healthz answers) and the kube-adaptor reaches it on a free port, not 5672', async function () {
    this.timeout(120_000);
    const [amqp, health] = [await freePort(), await freePort()];
    const config = join(dir, 'skrouterd.json');
    // The shape of Skupper's initial router config (internal/kube/site/site.go), with ports of our choosing.
    writeFileSync(config, JSON.stringify([
      ['router', { id: 'smoke', mode: 'interior' }],
      ['listener', { name: 'amqp', host: '127.0.0.1', port: amqp }],
      ['listener', { name: '@9090', host: '127.0.0.1', port: health, role: 'normal', http: true, httpRootDir: 'disabled', websockets: false, healthz: true, metrics: true }],
    ]));
    let routerOut = '';
    const router = spawn(site.router, ['-c', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(router);
    for (const s of [router.stdout, router.stderr]) s.on('data', (d: Buffer) => { routerOut += d.toString(); });
    await eventually('skrouterd /healthz', async () => {
      if (router.exitCode !== null) throw new Error(`skrouterd exited with ${router.exitCode}:\n${routerOut}`);
      const res = await fetch(`http://127.0.0.1:${health}/healthz`);
      return res.status === 200;
    }, { timeoutMs: 30_000 }).catch((err: unknown) => { throw new Error(`${String(err)}\nskrouterd output:\n${routerOut}`); });

    let adaptorOut = '';
    const adaptor = spawn(site.kubeAdaptor, [], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env, KUBECONFIG: testCluster().kubeconfig, NAMESPACE: 'default', SKUPPER_METRICS_DISABLE: 'true',
        SKUPPER_CONFIG_DIR: join(dir, 'config'), SKUPPER_ROUTER_AMQP_ADDRESS: `amqp://127.0.0.1:${amqp}`,
      },
    });
    children.push(adaptor);
    for (const s of [adaptor.stdout, adaptor.stderr]) s.on('data', (d: Buffer) => { adaptorOut += d.toString(); });
    await eventually('the kube-adaptor to connect to the router', () => Promise.resolve(
      /Connected to router/.test(adaptorOut) ? true : undefined,
    ), { timeoutMs: 60_000 }).catch((err: unknown) => { throw new Error(`${String(err)}\nkube-adaptor output:\n${adaptorOut}`); });
    expect(adaptorOut).to.contain(`amqp://127.0.0.1:${amqp}`);
  });
});
