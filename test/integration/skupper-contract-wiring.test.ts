// Issue 14: the daemon never points a Listener at a Secret Skupper cannot use
// yet (SPEC: create and verify the Secret first, set tlsCredentials after),
// proven against a real Skupper 2.2.1 site with five Listeners created at once
// and a renewal of another Listener in flight. Two real watches (Listeners and
// Secrets of the namespace) record every change; on one etcd a resourceVersion
// is its global revision, so "the Secret held X before the Listener named it"
// is a comparison of two numbers, not of two clocks.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import type { Listener } from '../../src/model/skupper.js';
import { testCluster } from '../support/cluster.js';
import { annotate, apply, decode } from '../support/k8s.js';
import { SkupperSiteFixture, throughRouter, type Pair } from '../support/skupper-site.js';
import { adaptorLog, missingSecretLines, readSecret, stampOf } from '../support/skupper-contract.js';
import { waitForListenerAddress } from '../../cluster/skupper/listener-port.js';
import { eventually } from '../support/wait.js';

interface Seen<T> { rv: number; at: number; obj: T }

/** Every change of the collection at API `path`, in the order the API server sent them. */
async function record<T extends k8s.KubernetesObject>(path: string, into: Seen<T>[]): Promise<AbortController> {
  return new k8s.Watch(testCluster().kc).watch(path, {}, (_type: string, obj: T) => {
    into.push({ rv: Number(obj.metadata?.resourceVersion), at: Date.now(), obj });
  }, () => { /* ended by abort() in the test */ });
}

/** Why `secret` is not a certificate the router can serve for `host` (checked by us, from its bytes), or undefined when it is. */
function unusable(secret: k8s.V1Secret, host: string): string | undefined {
  if (secret.type !== 'kubernetes.io/tls') return `type ${secret.type ?? '?'}`;
  const [crt, key, ca] = ['tls.crt', 'tls.key', 'ca.crt'].map((k) => decode(secret, k));
  if (!crt || !key || !ca) return 'a key is empty';
  const leaf = new X509Certificate(crt);
  if (leaf.checkHost(host) === undefined) return `not for ${host}`;
  if (!leaf.verify(new X509Certificate(ca).publicKey)) return 'not signed by its ca.crt';
  if (!leaf.checkPrivateKey(createPrivateKey(key))) return 'tls.key does not match';
  return undefined;
}

describe('The daemon\'s contract with a real Skupper site: a Listener is never pointed at a Secret that is not ready', function () {
  this.timeout(300_000);
  const f = new SkupperSiteFixture();

  before(async function () {
    this.timeout(60 * 60 * 1000);
    await f.start('contract-wiring');
    await f.startDaemon();
  });

  after(async function () {
    this.timeout(120_000);
    expect(await f.stop(), 'the daemon ran cleanly').to.deep.equal([]);
  });

  it('five Listeners created at once: each is wired only after its Secret holds a verified certificate for its host; Skupper stamps it after; none stalls the site, and another Listener\'s renewal meanwhile is served', async function () {
    const issued = await f.issued(await f.localhostCertificate('wiring-backend', 'backend-ca'));
    const other: Pair = await f.pair('steady', await f.startBackend('wiring', decode(issued, 'tls.crt'), decode(issued, 'tls.key')));
    const ca = decode(other.listenerSecret, 'ca.crt');
    const oldServed = new X509Certificate(decode(other.listenerSecret, 'tls.crt')).fingerprint256;
    await eventually('steady served', async () => (await throughRouter(other.address.port, ca, 'steady')).served === oldServed, { timeoutMs: 30_000, intervalMs: 100 });

    const listeners: Seen<Listener>[] = [];
    const secrets: Seen<k8s.V1Secret>[] = [];
    const watches = [
      await record(`/apis/skupper.io/v2alpha1/namespaces/${f.ns}/listeners`, listeners),
      await record(`/api/v1/namespaces/${f.ns}/secrets`, secrets),
    ];
    const names = [1, 2, 3, 4, 5].map((i) => `race-${i}`);
    const missingBefore = missingSecretLines(f.site!.info().dir).length;
    const created = Date.now();
    try {
      // All at once, with a renewal of `steady` in the same moment.
      await Promise.all([
        ...names.map((name) => apply<Listener>({ apiVersion: 'skupper.io/v2alpha1', kind: 'Listener', metadata: { name, namespace: f.ns, annotations: { 'cert-manager.io/issuer': 'ca' } }, spec: { routingKey: 'steady', host: name, port: 8443 } })),
        annotate('Listener', f.ns, 'steady', { 'skupper-cert-rotator.io/renew': 'during-race' }),
      ]);
      const renewed = await eventually('steady reissued', async () => {
        const s = await readSecret(f.ns, other.listenerSecret.metadata?.name ?? '');
        return s && decode(s, 'tls.crt') !== decode(other.listenerSecret, 'tls.crt') ? s : undefined;
      }, { timeoutMs: 60_000 });
      expect(new X509Certificate(decode(renewed, 'tls.crt')).fingerprint256).to.not.equal(oldServed);
      // Served: the router presents the Secret's current certificate, read
      // again each time. cert-manager now and then issues a second leaf for
      // one trigger under load (the rotation drill counts them), and the
      // router then rightly serves that one, never the first.
      await eventually('steady\'s renewal served', async () => {
        const current = await readSecret(f.ns, other.listenerSecret.metadata?.name ?? '');
        const currentFp = current ? new X509Certificate(decode(current, 'tls.crt')).fingerprint256 : undefined;
        const served = (await throughRouter(other.address.port, ca, 'steady')).served;
        return currentFp !== undefined && served !== oldServed && served === currentFp ? true : undefined;
      }, { timeoutMs: 30_000, intervalMs: 100 });
      f.timings.push(`steady: renewal made during the race served ${((Date.now() - created) / 1000).toFixed(1)} s after the Listeners were created`);
      // Every race Listener served by the router with its own verified certificate.
      for (const name of names) {
        const address = await waitForListenerAddress(testCluster().kc, f.ns, name);
        await eventually(`${name} served`, async () => {
          const t = await throughRouter(address.port, ca, name);
          return t.secure && t.data === 'hello from wiring\n' ? t : undefined;
        }, { timeoutMs: 60_000, intervalMs: 100 });
      }
      f.timings.push(`race: all five served ${((Date.now() - created) / 1000).toFixed(1)} s after creation`);
      await eventually('every race Secret stamped by Skupper, seen by the watch', () => Promise.resolve(
        names.every((n) => secrets.some((s) => s.obj.metadata?.name === `${n}-listener-tls` && stampOf(s.obj) !== undefined)) ? true : undefined), { timeoutMs: 30_000 });
    } finally {
      for (const w of watches) w.abort();
    }

    const lines: string[] = [];
    for (const name of names) {
      const secretName = `${name}-listener-tls`;
      const wired = listeners.find((l) => l.obj.metadata.name === name && l.obj.spec.tlsCredentials !== undefined);
      expect(wired, `${name} wired`).to.not.equal(undefined);
      expect(wired!.obj.spec.tlsCredentials).to.equal(secretName);
      // The Secret as it was at the revision the Listener was wired: the last change of it before.
      const history = secrets.filter((s) => s.obj.metadata?.name === secretName);
      const atWiring = history.filter((s) => s.rv < wired!.rv).at(-1);
      expect(atWiring, `${secretName} existed before ${name} named it`).to.not.equal(undefined);
      expect(unusable(atWiring!.obj, name), `${secretName} at the revision ${name} was wired`).to.equal(undefined);
      // Skupper's controller stamps only Secrets a Listener names: the stamp comes after the wiring, never before.
      const stamped = history.find((s) => stampOf(s.obj) !== undefined);
      expect(stamped!.rv, `${secretName} stamped after ${name} was wired`).to.be.greaterThan(wired!.rv);
      lines.push(`${name}: wired ${wired!.at - created} ms, ${history.filter((s) => s.rv < wired!.rv).length} Secret change(s) before, stamp +${stamped!.at - wired!.at} ms`);
    }
    // Skupper's own race: the adaptor may see a new profile in the router config a moment before the stamp and say the Secret is
    // missing; it retries on the stamp and writes the files (above: every Listener served). A stall would have kept them unserved.
    const missing = missingSecretLines(f.site!.info().dir).slice(missingBefore);
    const log = adaptorLog(f.site!.info().dir);
    for (const name of names) expect(log, `the adaptor wrote ${name}'s profile`).to.contain(`Wrote SslProfile contents component=kube.secrets profile_name=${name}-listener-tls`);
    const foreign = missing.filter((l) => !names.some((n) => l.includes(`${n}-listener-tls`)));
    expect(foreign, 'missing-secret lines naming anything but the new Listeners\' own profiles').to.deep.equal([]);
    console.error(`    wiring: ${lines.join('; ')}; adaptor "missing secret" lines for the new profiles: ${missing.length}`);
  });
});
