// Issue 14, "Tell users what Skupper does not", shown on a real Skupper 2.2.1
// site (test/integration/skupper-gaps.test.ts proves the daemon's reporting in
// detail, without Skupper). What the real controller, kube-adaptor and router
// do is asserted from their own outputs (the Listener's status, the router's
// log, what a client is served); what the daemon says from its Events and
// metrics. The daemon probes through a kube-proxy stand-in
// (cluster/skupper/service-proxy.ts), as it would dial the Listener's Service.
// - A Listener Secret without ca.crt: the router refuses the listener, Skupper
//   says "Not Matched", the daemon says ListenerCAMissing.
// - A tlsCredentials naming a missing Secret: the kube-adaptor stops syncing
//   the site, so another Listener's renewed certificate is not served; the
//   daemon names the culprit (SiteConfigBlocked) and its probe sees the stale
//   certificate; creating the Secret releases it.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import * as k8s from '@kubernetes/client-node';
import { makeCA, makeLeaf } from '../../cluster/certgen.js';
import { SKUPPER_API_VERSION, type Connector, type Listener } from '../../src/model/skupper.js';
import { testCluster } from '../support/cluster.js';
import { apply, decode, eventsAbout } from '../support/k8s.js';
import { eventually } from '../support/wait.js';
import { SkupperSiteFixture, throughRouter } from '../support/skupper-site.js';
import type { ServiceProxy } from '../../cluster/skupper/service-proxy.js';

type WithStatus<T> = T & { status?: { status?: string; message?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[] } };

describe('What Skupper does not say, on a real Skupper site: a Listener Secret without ca.crt, a site stalled by a missing Secret', function () {
  this.timeout(300_000);
  const f = new SkupperSiteFixture();
  let webProxy: ServiceProxy;
  let backendPort: number;
  const handCa = makeCA({ cn: 'silent hand-made CA', days: 30 });

  const scrape = async (): Promise<string> => (await fetch(`http://${await f.daemon!.address('metrics')}/metrics`)).text();
  const fingerprint = (s: k8s.V1Secret): string => new X509Certificate(decode(s, 'tls.crt')).fingerprint256;
  const routerLog = (): string => readFileSync(join(f.site!.info().dir, 'skrouterd.log'), 'utf8');

  before(async function () {
    this.timeout(60 * 60 * 1000);
    await f.start('skupper-silent');
    webProxy = await f.serviceProxy('web');
    await f.startDaemon(['--resync-period=10s', '--probe', '--probe-interval=2s', `--probe-address-map=${webProxy.mapEntry}`]);
    const backend = await f.issued(await f.localhostCertificate('silent-backend', 'backend-ca'));
    backendPort = await f.startBackend('silent', decode(backend, 'tls.crt'), decode(backend, 'tls.key'));
  });

  after(async function () {
    this.timeout(120_000);
    expect(await f.stop(), 'the daemon ran cleanly').to.deep.equal([]);
  });

  it('a Listener Secret without ca.crt: the router refuses the listener and Skupper says "Not Matched"; the daemon says ListenerCAMissing', async function () {
    const leaf = makeLeaf(handCa, { cn: 'noca', dns: ['noca'], days: 20 });
    await apply<k8s.V1Secret>({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'noca-tls', namespace: f.ns }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': leaf.certPem, 'tls.key': leaf.keyPem } });
    // A Connector on the same routing key, so nothing but the CA stands between the Listener and Ready.
    await apply<Connector>({ apiVersion: SKUPPER_API_VERSION, kind: 'Connector', metadata: { name: 'noca', namespace: f.ns }, spec: { routingKey: 'noca', host: 'localhost', port: backendPort } });
    await apply<Listener>({ apiVersion: SKUPPER_API_VERSION, kind: 'Listener', metadata: { name: 'noca', namespace: f.ns }, spec: { routingKey: 'noca', host: 'noca', port: 8443, tlsCredentials: 'noca-tls' } });

    // Skupper's side: the router refuses the listener for its CA file, and the Listener's status never says why.
    await eventually('the router to refuse the listener for its CA file', () => Promise.resolve(/Failed to configure TLS caCertFile/.test(routerLog()) ? true : undefined), { timeoutMs: 60_000 });
    const l = await f.get<WithStatus<Listener>>('listeners', 'noca');
    const said = JSON.stringify(l.status ?? {});
    expect(said, 'what Skupper says').to.not.match(/ca\.crt|caCertFile|TLS/i);
    expect((l.status?.conditions ?? []).find((c) => c.type === 'Ready')?.status, `Ready in ${said}`).to.not.equal('True');
    console.error(`    Skupper's status of the Listener: ${said}`);

    // The daemon's side: named, with the fix.
    const note = await eventually('ListenerCAMissing Event', async () => (await eventsAbout(f.ns, 'ListenerCAMissing', 'noca'))[0]?.note, { timeoutMs: 90_000 });
    expect(note).to.contain(`Secret ${f.ns}/noca-tls has no ca.crt`);
    await eventually('object_problem ListenerCAMissing', async () =>
      (await scrape()).includes(`skupper_cert_rotator_object_problem{namespace="${f.ns}",kind="listener",name="noca",reason="ListenerCAMissing"} 1`) ? true : undefined);
  });

  it('a tlsCredentials naming a missing Secret stalls the site: a renewal of another Listener is not served; the daemon names the culprit and its probe sees the stale certificate; creating the Secret releases it', async function () {
    const { listenerSecret } = await f.pair('web', backendPort);
    const ca = decode(listenerSecret, 'ca.crt');
    const first = fingerprint(listenerSecret);
    await eventually('the router to serve web\'s certificate through the Service', async () => ((await throughRouter(webProxy.port, ca, 'web')).served === first ? true : undefined), { timeoutMs: 30_000, intervalMs: 100 });
    await eventually('the daemon to see web\'s served certificate current', async () =>
      (await scrape()).includes(`skupper_cert_rotator_served_certificate_current{namespace="${f.ns}",kind="listener",name="web",secret="${listenerSecret.metadata?.name ?? ''}"} 1`) ? true : undefined, { timeoutMs: 30_000 });

    // The culprit: a hand-made reference to a Secret nobody has made.
    await apply<Listener>({ apiVersion: SKUPPER_API_VERSION, kind: 'Listener', metadata: { name: 'ghost', namespace: f.ns }, spec: { routingKey: 'ghost', host: 'ghost', port: 8443, tlsCredentials: 'ghost-tls' } });
    const blocked = await eventually('SiteConfigBlocked naming ghost', async () => (await eventsAbout(f.ns, 'SiteConfigBlocked', 'ghost'))[0]?.note, { timeoutMs: 60_000 });
    expect(blocked).to.contain(`names Secret ${f.ns}/ghost-tls, which does not exist`);
    await eventually('the kube-adaptor to report the missing profile Secret', () => Promise.resolve(/ghost-tls/.test(readFileSync(join(f.site!.info().dir, 'kube-adaptor.log'), 'utf8')) ? true : undefined), { timeoutMs: 60_000 });

    // web is renewed: cert-manager writes a new certificate into its Secret, which Skupper does not serve.
    const secretName = listenerSecret.metadata?.name ?? '';
    await f.renew('Listener', 'web', 'silent-1');
    const renewed = await eventually('a new certificate in web\'s Secret', async () => {
      const s = await testCluster().core.readNamespacedSecret({ namespace: f.ns, name: secretName });
      return fingerprint(s) !== first ? s : undefined;
    }, { timeoutMs: 90_000 });
    const second = fingerprint(renewed);
    const port = webProxy.port;
    // The daemon's probe finds what a client finds: the old certificate, twice in a row.
    const stale = await eventually('ServedCertificateStale on web', async () => (await eventsAbout(f.ns, 'ServedCertificateStale', 'web'))[0]?.note, { timeoutMs: 60_000 });
    const seen = await throughRouter(port, ca, 'web');
    expect(seen.served, 'what a client is served while the site is stalled').to.equal(first);
    expect(stale).to.contain(`not the one in Secret ${secretName}`);
    expect(await scrape()).to.contain(`skupper_cert_rotator_served_certificate_current{namespace="${f.ns}",kind="listener",name="web",secret="${secretName}"} 0`);

    // Released: the Secret appears, the site syncs, the renewed certificate is served, and the daemon agrees.
    const ghostLeaf = makeLeaf(handCa, { cn: 'ghost', dns: ['ghost'], days: 20 });
    const released = Date.now();
    await apply<k8s.V1Secret>({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'ghost-tls', namespace: f.ns }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': ghostLeaf.certPem, 'tls.key': ghostLeaf.keyPem, 'ca.crt': handCa.certPem } });
    await eventually('the router to serve web\'s renewed certificate', async () => ((await throughRouter(port, ca, 'web')).served === second ? true : undefined), { timeoutMs: 30_000, intervalMs: 50 });
    f.timings.push(`stalled site released: renewed certificate served ${Date.now() - released} ms after the missing Secret was created`);
    await eventually('the daemon to see web current and the site unblocked', async () => {
      const t = await scrape();
      return t.includes(`skupper_cert_rotator_served_certificate_current{namespace="${f.ns}",kind="listener",name="web",secret="${secretName}"} 1`)
        && t.includes(`skupper_cert_rotator_site_config_blocked{namespace="${f.ns}"} 0`) ? true : undefined;
    }, { timeoutMs: 60_000 });
  });
});
