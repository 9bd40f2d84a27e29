// Issue 14: rolling under --roll-strategy=reload against the real router, and
// what happens when the Skupper controller is down or restarted. The site runs
// as local processes (test/support/skupper-site.ts); the daemon probes each
// Listener through a kube-proxy stand-in (ServiceProxy) that follows the
// Service's targetPort, so when a controller restart moves the router port the
// probe, like a cluster client, follows it. Throughout, a client samples what
// the Service serves and the daemon's probe lines are checked against it.
import { cpSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { expect } from 'chai';
import type * as k8s from '@kubernetes/client-node';
import { listenerAddress } from '../../cluster/skupper/listener-port.js';
import type { ServiceProxy } from '../../cluster/skupper/service-proxy.js';
import { testCluster } from '../support/cluster.js';
import { runCli } from '../support/cli.js';
import { decode } from '../support/k8s.js';
import { SkupperSiteFixture } from '../support/skupper-site.js';
import { ClientSampler, clientView, disagreements, objectMetric, probeLines, secretLeaf } from '../support/served-view.js';
import { ordinalOf, stampOf } from '../support/skupper-contract.js';
import { eventsAbout } from '../support/k8s.js';
import { eventually } from '../support/wait.js';

const NAME = 'web';
const BLOCKED = 'blocked';

describe('Rolling on a real Skupper site: --roll-strategy=reload, the Skupper controller down and restarted, a router port taken', function () {
  this.timeout(300_000);
  const f = new SkupperSiteFixture();
  let web: ServiceProxy;
  let blockedProxy: ServiceProxy;
  let ca = '';
  let secretName = '';
  let sampler: ClientSampler | undefined;
  const notes: string[] = [];

  const cluster = (): { core: k8s.CoreV1Api } => testCluster();
  const readSecret = (): Promise<k8s.V1Secret> => cluster().core.readNamespacedSecret({ namespace: f.ns, name: secretName });
  const served = (name = NAME): Promise<number | undefined> => objectMetric(f.daemon!, 'served_certificate_current', { namespace: f.ns, kind: 'listener', name, secret: name === NAME ? secretName : `${name}-listener-tls` });
  const routerPort = async (name = NAME): Promise<number | undefined> => (await listenerAddress(testCluster().kc, f.ns, name))?.port;
  /** The ordinal Skupper's controller configured for the Listener's sslProfile in ConfigMap skupper-router (undefined: none). */
  const configuredOrdinal = async (): Promise<number | undefined> => {
    const cm = await cluster().core.readNamespacedConfigMap({ namespace: f.ns, name: 'skupper-router' });
    const config = JSON.parse(cm.data?.['skrouterd.json'] ?? '[]') as [string, { name?: string; ordinal?: number }][];
    return config.find(([type, v]) => type === 'sslProfile' && v.name === secretName)?.[1].ordinal;
  };
  const see = async (): Promise<string | undefined> => (await clientView(web.port, ca, NAME)).served;

  /** Renews the Listener's certificate as a user would; returns the new Secret once its leaf differs from `before`. */
  const renew = async (before: string): Promise<k8s.V1Secret> => {
    const r = await runCli(['renew', `listener/${NAME}`, '-n', f.ns, `--kubeconfig=${testCluster().kubeconfig}`]);
    expect(r.code, r.stderr).to.equal(0);
    return eventually('a new leaf in the Listener Secret', async () => {
      const s = await readSecret();
      return secretLeaf(s) !== before ? s : undefined;
    }, { timeoutMs: 60_000 });
  };
  const metricIs = (want: number, what: string, timeoutMs = 30_000): Promise<true> =>
    eventually(`served_certificate_current ${want} (${what})`, async () => ((await served()) === want ? true : undefined), { timeoutMs, intervalMs: 250 });
  const clientSees = (leaf: string, what: string, timeoutMs = 30_000): Promise<true> =>
    eventually(`a client through the Service to see ${what}`, async () => ((await see()) === leaf ? true : undefined), { timeoutMs, intervalMs: 200 });

  before(async function () {
    this.timeout(60 * 60 * 1000);
    await f.start('skupper-rolling');
    web = await f.serviceProxy(NAME);
    blockedProxy = await f.serviceProxy(BLOCKED);
    // Default --roll-strategy=reload; probes every 2 s (the minimum is 1 s) so a finding comes within seconds.
    await f.startDaemon(['--resync-period=10s', '--probe', '--probe-interval=2s', '--log-level=debug', `--probe-address-map=${web.mapEntry},${blockedProxy.mapEntry}`]);
    const backend = await f.issued(await f.localhostCertificate('web-backend', 'backend-ca'));
    const port = await f.startBackend(NAME, decode(backend, 'tls.crt'), decode(backend, 'tls.key'));
    const pair = await f.pair(NAME, port);
    ca = decode(pair.listenerSecret, 'ca.crt');
    secretName = pair.listenerSecret.metadata?.name ?? '';
    await clientSees(secretLeaf(pair.listenerSecret), 'the first certificate');
    await metricIs(1, 'the first certificate');
  });

  afterEach(async function () {
    const samples = await sampler?.stop();
    sampler = undefined;
    if (samples === undefined) return;
    // Whenever the daemon said "current" (or "stale, serving X"), a client at about that moment saw that leaf.
    const probes = probeLines(f.daemon!, f.ns, NAME, samples[0]?.at ?? 0).filter((p) => p.at <= (samples.at(-1)?.at ?? 0));
    const bad = disagreements(probes, samples);
    notes.push(`${this.currentTest?.title.slice(0, 40) ?? ''}…: ${probes.length} probes (${probes.filter((p) => p.current).length} current), ${samples.length} client samples, ${bad.length} disagreements`);
    expect(bad, 'probe lines no client saw').to.deep.equal([]);
    expect(probes.length, 'probes during the test').to.be.greaterThan(0);
  });

  after(async function () {
    this.timeout(120_000);
    console.error(`    findings:\n      ${notes.join('\n      ')}`);
    // The site's logs go with its directory: keep them where a failed run can be read.
    if (process.env.SKUPPER_ROLLING_KEEP_LOGS !== undefined && f.site) cpSync(f.site.info().dir, process.env.SKUPPER_ROLLING_KEEP_LOGS, { recursive: true });
    expect(await f.stop(), 'the daemon ran cleanly').to.deep.equal([]);
  });

  const startSampling = (): void => { sampler = new ClientSampler(web.port, ca, NAME); };

  it('a router port another process holds: Skupper says Ready, the daemon reports ProbeFailed', async function () {
    const block = f.site!.info().listenerPorts;
    expect(await routerPort(), 'the first Listener has the block\'s first port').to.equal(block.first);
    // The next Listener gets the next port of the block; hold it on every interface, as the router would bind it.
    const squatter: Server = createServer((s) => { s.destroy(); });
    await new Promise<void>((resolve) => squatter.listen(block.first + 1, resolve));
    try {
      const backend = await f.issued(await f.localhostCertificate('blocked-backend', 'backend-ca'));
      const port = await f.startBackend(BLOCKED, decode(backend, 'tls.crt'), decode(backend, 'tls.key'));
      const pair = await f.pair(BLOCKED, port);
      expect(pair.address.port, 'Skupper gave it the held port').to.equal(block.first + 1);
      const readyMs = await f.listenerReady(BLOCKED, pair.created);
      const failed = await eventually('ProbeFailed on the blocked Listener', async () => (await eventsAbout(f.ns, 'ProbeFailed', BLOCKED))[0], { timeoutMs: 60_000 });
      expect(await served(BLOCKED)).to.equal(0);
      notes.push(`port held: Skupper Ready after ${readyMs} ms; ProbeFailed: "${failed.note ?? ''}"`);
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => { resolve(); }));
    }
    // Freed: does the router open it by itself? Measured, not assumed.
    const freed = Date.now();
    const healed = await eventually('the freed port served', async () => ((await served(BLOCKED)) === 1 ? true : undefined), { timeoutMs: 20_000 }).catch(() => false);
    notes.push(`port freed: served_certificate_current 1 ${healed ? `after ${Date.now() - freed} ms` : 'not within 20 s'}`);
    let renewed = false;
    if (!healed) {
      // A renewal updates the sslProfile, not the listener: does the router retry the port then?
      const r = await runCli(['renew', `listener/${BLOCKED}`, '-n', f.ns, `--kubeconfig=${testCluster().kubeconfig}`]);
      expect(r.code, r.stderr).to.equal(0);
      renewed = await eventually('the renewed blocked Listener served', async () => ((await served(BLOCKED)) === 1 ? true : undefined), { timeoutMs: 20_000 }).catch(() => false);
      notes.push(`port freed and renewed: ${renewed ? 'served' : 'still not served 20 s later'}`);
    }
    // Measured on Skupper 2.2.1 / skupper-router 3.5.1, and docs/runbooks.md says so: neither freeing the port nor a renewal makes the router open it.
    expect({ healed, renewed }, 'the router opened the freed port by itself').to.deep.equal({ healed: false, renewed: false });
    await testCluster().custom.deleteNamespacedCustomObject({ group: 'skupper.io', version: 'v2alpha1', namespace: f.ns, plural: 'listeners', name: BLOCKED });
  });

  it('reload: a renewal reaches the router without a restart, and the daemon says current exactly when a client sees the new leaf', async function () {
    startSampling();
    const routerPid = f.site!.info().pids.skrouterd;
    for (const round of [1, 2]) {
      const before = await readSecret();
      const t0 = Date.now();
      const after = await renew(secretLeaf(before));
      const leaf = secretLeaf(after);
      await clientSees(leaf, `renewal ${round}'s leaf`);
      const clientMs = Date.now() - t0;
      await metricIs(1, `renewal ${round}`);
      notes.push(`reload round ${round}: client saw the new leaf ${clientMs} ms after renew started; daemon current after ${Date.now() - t0} ms; ordinals ${JSON.stringify(stampOf(await readSecret()))}, router ConfigMap ${String(await configuredOrdinal())}`);
      // The probe line that says current names the new Secret leaf.
      await eventually('a probe line: current with the new leaf', () => Promise.resolve(probeLines(f.daemon!, f.ns, NAME, t0).some((p) => p.current && p.secretLeaf === leaf) ? true : undefined), { timeoutMs: 30_000 });
    }
    expect(f.site!.info().pids.skrouterd, 'the router process was not restarted').to.equal(routerPid);
  });

  it('controller down: the Secret is renewed, the router keeps the old certificate, the daemon says stale (metric, Event, status)', async function () {
    startSampling();
    await f.site!.stopController();
    const before = await readSecret();
    const oldLeaf = secretLeaf(before);
    const t0 = Date.now();
    const after = await renew(oldLeaf);
    const newLeaf = secretLeaf(after);
    await metricIs(0, 'the renewed Secret not served');
    const staleMs = Date.now() - t0;
    const event = await eventually('ServedCertificateStale', async () => (await eventsAbout(f.ns, 'ServedCertificateStale', NAME)).find((e) => (e.note ?? '').includes(newLeaf.slice(0, 16))), { timeoutMs: 30_000 });
    expect(await see(), 'a client still gets the old leaf').to.equal(oldLeaf);
    // What the daemon can see: the data changed and Skupper's ordinal did not, so it names the controller.
    expect(event.note).to.contain('has not picked up this revision').and.contain(`still ${String(ordinalOf(after, secretName))}`);
    const status = await runCli(['status', '-n', f.ns, '-o', 'json', `--kubeconfig=${testCluster().kubeconfig}`]);
    const row = (JSON.parse(status.stdout) as { items: { kind: string; name: string; lastError?: string }[] }).items.find((i) => i.kind === 'listener' && i.name === NAME);
    expect(row?.lastError ?? '').to.match(/^ServedCertificateStale: /);
    notes.push(`controller down: stale (metric 0) ${staleMs} ms after renew; ordinals before ${JSON.stringify(stampOf(before))} after ${JSON.stringify(stampOf(await readSecret()))}; router ConfigMap ordinal ${String(await configuredOrdinal())}; Event: "${event.note ?? ''}"`);
    // Still the old one three probes later: nothing else makes the router reload.
    const seen = probeLines(f.daemon!, f.ns, NAME).length;
    await eventually('three more probes', () => Promise.resolve(probeLines(f.daemon!, f.ns, NAME).length >= seen + 3 ? true : undefined), { timeoutMs: 30_000 });
    expect(probeLines(f.daemon!, f.ns, NAME).slice(seen).every((p) => !p.current && p.served === oldLeaf), 'the daemon kept saying stale').to.equal(true);
    expect(await see()).to.equal(oldLeaf);
  });

  it('controller restarted: ordinals reset to 0, the router serves the Secret\'s current certificate, and later renewals are served', async function () {
    startSampling();
    const portBefore = await routerPort();
    const before = await readSecret();
    const ordinalBefore = ordinalOf(before, secretName) ?? -1;
    const leaf = secretLeaf(before);
    const t0 = Date.now();
    f.site!.startController();
    // The renewal made while it was down reaches the router once it is back: measured from its start.
    await clientSees(leaf, 'the Secret\'s current leaf after the restart', 60_000);
    const servedMs = Date.now() - t0;
    await metricIs(1, 'after the restart');
    const reset = await eventually('Skupper\'s ordinal stamp after the restart', async () => { const o = ordinalOf(await readSecret(), secretName); return o !== undefined && o < ordinalBefore ? o : undefined; }, { timeoutMs: 30_000 });
    expect(reset, 'the controller restarts its ordinals at 0').to.equal(0);
    notes.push(`controller restarted: ordinal ${ordinalBefore} -> ${reset} (router ConfigMap ${String(await configuredOrdinal())}); client and daemon see the renewal made while it was down ${servedMs} ms after the start; router port ${String(portBefore)} -> ${String(await routerPort())}`);
    // The kube-adaptor ignores "downgrading" stamps; still, the next renewal is served (the controller's new ordinal reaches the router config).
    for (const round of [1, 2]) {
      const r0 = Date.now();
      const next = await renew(secretLeaf(await readSecret()));
      await clientSees(secretLeaf(next), `renewal ${round} after the restart`);
      await metricIs(1, `renewal ${round} after the restart`);
      notes.push(`after the restart, renewal ${round}: served and current ${Date.now() - r0} ms after renew started; ordinal ${String(ordinalOf(await readSecret(), secretName))}, router ConfigMap ${String(await configuredOrdinal())}`);
    }
  });
});
