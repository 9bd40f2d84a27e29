import { Writable } from 'node:stream';
import { expect } from 'chai';
import type { V1Secret } from '@kubernetes/client-node';
import { parseConfig } from '../../../src/config/parse.js';
import { createRollController } from '../../../src/controllers/roll/controller.js';
import type { RollReconciler } from '../../../src/controllers/roll/reconcile.js';
import type { Api } from '../../../src/kube/api.js';
import type { EventRecorder } from '../../../src/kube/events.js';
import type { ObjectStatus } from '../../../src/decisions/expiry-status.js';
import type { Connector, Listener } from '../../../src/model/skupper.js';
import type { Certificate } from '../../../src/model/certmanager.js';
import { WorkQueue } from '../../../src/kube/workqueue.js';
import { createLogger } from '../../../src/telemetry/log.js';
import { Metrics } from '../../../src/telemetry/metrics.js';
import type { ExpiryTracker } from '../../../src/tracking/tracker.js';
import { FakeCache } from '../../support/fake-cache.js';
import { keepCondensed } from '../../../src/model/condensed-tls.js';

const listener = (name: string): Listener => ({ apiVersion: 'skupper.io/v2alpha1', kind: 'Listener', metadata: { name, namespace: 'east' }, spec: { routingKey: name, host: name, port: 8443, tlsCredentials: `${name}-tls` } });
const secret = (name: string): V1Secret => ({ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name, namespace: 'east', resourceVersion: '1' }, data: { 'tls.crt': Buffer.from(name).toString('base64') } });

function setup(): { reconciler: RollReconciler; listeners: FakeCache<Listener>; secrets: FakeCache<V1Secret>; certificates: FakeCache<Certificate>; described: string[]; fail: Set<string>; metrics: Metrics } {
  const listeners = new FakeCache<Listener>();
  const secrets = new FakeCache<V1Secret>();
  const certificates = new FakeCache<Certificate>();
  const described: string[] = [];
  const fail = new Set<string>();
  // Every Listener described as Ready with its own Secret: the roll hashes each.
  const tracker = {
    prepare: () => Promise.resolve(),
    current: (_kind: string, namespace: string, name: string) => {
      if (fail.has(name)) throw new Error(`describing ${name} failed`);
      described.push(name);
      return { status: { kind: 'listener', namespace, name, secret: `${name}-tls`, ready: true } as unknown as ObjectStatus, changed: false };
    },
  } as unknown as ExpiryTracker;
  const metrics = new Metrics();
  const { reconciler } = createRollController({
    api: {} as Api, caches: { listeners: listeners.as(), connectors: new FakeCache<Connector>().as(), certificates: certificates.as(), secrets: secrets.as(), opaqueSecrets: new FakeCache<V1Secret>().as() },
    config: parseConfig(['--roll-strategy=reload'], {}).config, events: {} as EventRecorder, metrics, log: createLogger('error', new Writable({ write(_c, _e, cb) { cb(); } })), tracker,
  });
  return { reconciler, listeners, secrets, certificates, described, fail, metrics };
}

/** A Listener per name, each with its own Secret. */
function seed(t: ReturnType<typeof setup>, names: readonly string[]): void {
  for (const n of names) {
    t.listeners.add(listener(n));
    t.secrets.add(secret(`${n}-tls`));
  }
}

describe('Roll controller: what a reconcile looks at', function () {
  it('drops the digest of a deleted Secret, keeps the others', async function () {
    const t = setup();
    t.listeners.add(listener('a'));
    t.listeners.add(listener('b'));
    t.secrets.add(secret('a-tls'));
    t.secrets.add(secret('b-tls'));
    await t.reconciler.reconcile('east');
    expect(t.reconciler.cachedDigests).to.equal(2);
    t.secrets.delete('a-tls');
    expect(t.reconciler.cachedDigests).to.equal(1);
    await t.reconciler.reconcile('east');
    expect(t.reconciler.cachedDigests).to.equal(1);
  });

  it("takes a condensed Secret's digest as it carries it, remembering none for it", async function () {
    const t = setup();
    t.listeners.add(listener('a'));
    t.listeners.add(listener('b'));
    t.secrets.add(secret('a-tls'));
    const condensed = secret('b-tls');
    keepCondensed(condensed, { chain: { certificates: [], problems: [] }, keyFailures: [], digest: '0123456789abcdef' });
    t.secrets.add(condensed);
    await t.reconciler.reconcile('east');
    expect(t.reconciler.cachedDigests).to.equal(1);
  });

  it('describes again only the objects an event concerns; only the first pass and a resync look at every object', async function () {
    const t = setup();
    seed(t, ['a', 'b', 'c']);
    await t.reconciler.reconcile('east');
    expect(t.described.sort()).to.deep.equal(['a', 'b', 'c']);
    t.described.length = 0;
    t.secrets.delete('b-tls');
    t.secrets.add(secret('b-tls'));
    t.certificates.add({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'c-tls', namespace: 'east' }, spec: { secretName: 'c-tls' } } as unknown as Certificate);
    await t.reconciler.reconcile('east');
    expect(t.described.sort()).to.deep.equal(['b', 'c']);
    t.described.length = 0;
    // A reconcile with no event on record (the queue running the namespace again) describes nothing.
    await t.reconciler.reconcile('east');
    expect(t.described).to.deep.equal([]);
    // The resync asks for a full pass: the safety net for time-driven verdicts.
    t.reconciler.resync('east');
    await t.reconciler.reconcile('east');
    expect(t.described.sort()).to.deep.equal(['a', 'b', 'c']);
  });

  it('events that arrive between the queue handing out the namespace and its reconcile are described once, not followed by a full pass', async function () {
    const t = setup();
    seed(t, ['a', 'b', 'c', 'd']);
    await t.reconciler.reconcile('east');
    t.described.length = 0;
    // The controller's queue hands the namespace to an idle worker at the first
    // event; the second arrives before the worker runs, and the queue, which saw
    // it while the key was out, runs the namespace again after this reconcile.
    const queue = new WorkQueue();
    const handedOut = queue.get();
    t.secrets.delete('a-tls');
    t.secrets.add(secret('a-tls'));
    queue.add('east');
    t.secrets.delete('b-tls');
    t.secrets.add(secret('b-tls'));
    queue.add('east');
    expect(await handedOut).to.equal('east');
    await t.reconciler.reconcile('east');
    expect(t.described.sort()).to.deep.equal(['a', 'b']);
    queue.done('east');
    expect(await queue.get(), 'the queue runs the namespace once more').to.equal('east');
    t.described.length = 0;
    await t.reconciler.reconcile('east');
    expect(t.described, 'the second run describes nothing (inferring a full pass from no events on record described all 4)').to.deep.equal([]);
  });

  it('a pass that fails is retried as a full pass: the events it took are not lost', async function () {
    const t = setup();
    seed(t, ['a', 'b', 'c']);
    await t.reconciler.reconcile('east');
    t.described.length = 0;
    t.fail.add('b');
    t.secrets.delete('b-tls');
    t.secrets.add(secret('b-tls'));
    let failed: unknown;
    await t.reconciler.reconcile('east').catch((err: unknown) => { failed = err; });
    expect(String(failed)).to.contain('describing b failed');
    t.fail.clear();
    t.described.length = 0;
    await t.reconciler.reconcile('east');
    expect(t.described.sort()).to.deep.equal(['a', 'b', 'c']);
  });

  it('reload: counts one roll-out per Secret whose verified data changed, looking only at what the event concerns', async function () {
    const t = setup();
    const reloads = async (): Promise<number> => (await t.metrics.rollouts.get()).values.find((v) => v.labels.strategy === 'reload' && v.labels.result === 'success')?.value ?? 0;
    seed(t, ['a', 'b', 'c']);
    expect((await t.reconciler.reconcile('east')).result, 'the first sighting is the revision in use').to.equal('ok');
    expect(await reloads()).to.equal(0);
    t.described.length = 0;
    t.secrets.add({ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name: 'b-tls', namespace: 'east', resourceVersion: '2' }, data: { 'tls.crt': Buffer.from('b, renewed').toString('base64') } });
    expect((await t.reconciler.reconcile('east')).result).to.equal('reloaded');
    expect(t.described).to.deep.equal(['b']);
    expect(await reloads()).to.equal(1);
    // A full pass (the resync) sees the same digests: nothing more to count.
    t.reconciler.resync('east');
    expect((await t.reconciler.reconcile('east')).result).to.equal('ok');
    expect(await reloads()).to.equal(1);
  });
});
