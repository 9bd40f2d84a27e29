import { Writable } from 'node:stream';
import { expect } from 'chai';
import type { V1Secret } from '@kubernetes/client-node';
import type { EventRecorder, EventTarget } from '../../../src/kube/events.js';
import type { Connector, Listener } from '../../../src/model/skupper.js';
import { createLogger } from '../../../src/telemetry/log.js';
import { Metrics } from '../../../src/telemetry/metrics.js';
import { SiteConfigWatch } from '../../../src/tracking/site-config.js';
import { UncachedSecretTypes } from '../../../src/tracking/uncached-secrets.js';
import { FakeCache } from '../../support/fake-cache.js';

/** The two calls the watch makes on an informer, over a plain array. */
function listener(name: string, tlsCredentials?: string): Listener {
  return { apiVersion: 'skupper.io/v2alpha1', kind: 'Listener', metadata: { name, namespace: 'east', uid: `uid-${name}` }, spec: { routingKey: name, host: name, port: 8080, ...(tlsCredentials ? { tlsCredentials } : {}) } };
}

function tlsSecret(name: string, type = 'kubernetes.io/tls'): V1Secret {
  return { apiVersion: 'v1', kind: 'Secret', type, metadata: { name, namespace: 'east' } };
}

function setup(apiTypes: Record<string, string | null | Error>): {
  watch: SiteConfigWatch; listeners: FakeCache<Listener>; secrets: FakeCache<V1Secret>; opaque: FakeCache<V1Secret>;
  metrics: Metrics; events: { target: string; type: string; reason: string; note: string }[]; logs: Record<string, unknown>[]; reads: string[];
} {
  const listeners = new FakeCache<Listener>();
  const secrets = new FakeCache<V1Secret>();
  const opaque = new FakeCache<V1Secret>();
  const metrics = new Metrics();
  const events: { target: string; type: string; reason: string; note: string }[] = [];
  const seen = new Set<string>();
  const recorder = {
    record: (t: EventTarget, type: string, reason: string, note: string) => {
      const key = `${t.metadata.name}|${reason}|${note}`;
      if (seen.has(key)) return Promise.resolve(false);
      seen.add(key);
      events.push({ target: `${t.kind}/${t.metadata.name}`, type, reason, note });
      return Promise.resolve(true);
    },
  } as unknown as EventRecorder;
  const logs: Record<string, unknown>[] = [];
  const log = createLogger('info', new Writable({ write(chunk: Buffer, _e, cb) { logs.push(JSON.parse(chunk.toString()) as Record<string, unknown>); cb(); } }));
  const reads: string[] = [];
  const uncached = new UncachedSecretTypes((ns, name) => {
    reads.push(`${ns}/${name}`);
    const t = apiTypes[name];
    return t instanceof Error ? Promise.reject(t) : Promise.resolve(t === undefined ? null : t);
  });
  const watch = new SiteConfigWatch({ caches: { listeners: listeners.as(), connectors: new FakeCache<Connector>().as(), secrets: secrets.as(), opaqueSecrets: opaque.as() }, uncached, metrics, events: recorder, log });
  return { watch, listeners, secrets, opaque, metrics, events, logs, reads };
}

describe('SiteConfigWatch: a blocked Skupper site is named, and cleared when fixed', function () {
  it('reports a missing Secret: gauge, culprit series, one Warning, one log line; clears them when it exists', async function () {
    const t = setup({});
    t.listeners.items.push(listener('ghost', 'ghost-tls'), listener('web', 'web-tls'), listener('plain'));
    t.secrets.items.push(tlsSecret('web-tls'));
    const r = await t.watch.reconcile('east');
    expect(r.result).to.equal('blocked');
    // The Secret was read before it was called missing; the cached one was not read.
    expect(t.reads).to.deep.equal(['east/ghost-tls']);
    let text = await t.metrics.registry.metrics();
    expect(text).to.contain('skupper_cert_rotator_site_config_blocked{namespace="east"} 1');
    expect(text).to.contain('skupper_cert_rotator_site_config_blocker{namespace="east",kind="listener",name="ghost",secret="ghost-tls"} 1');
    expect(t.events).to.have.length(1);
    expect(t.events[0]).to.include({ target: 'Listener/ghost', type: 'Warning', reason: 'SiteConfigBlocked' });
    expect(t.events[0]?.note).to.contain('names Secret east/ghost-tls, which does not exist');
    // A second look changes nothing and says nothing again.
    await t.watch.reconcile('east');
    expect(t.events).to.have.length(1);
    expect(t.logs.filter((l) => l.reason === 'SiteConfigBlocked')).to.have.length(1);
    expect(t.logs[0]).to.include({ level: 'warn', listener: 'east/ghost', secret: 'ghost-tls', cause: 'missing' });

    t.secrets.items.push(tlsSecret('ghost-tls'));
    expect((await t.watch.reconcile('east')).result).to.equal('ok');
    text = await t.metrics.registry.metrics();
    expect(text).to.contain('skupper_cert_rotator_site_config_blocked{namespace="east"} 0');
    expect(text).to.not.contain('site_config_blocker{');
    expect(t.logs.at(-1)?.msg).to.contain('no longer blocked');
  });

  it('a Secret of another type blocks too, cached (Opaque) or read directly; a kubernetes.io/tls one the cache has not seen yet does not', async function () {
    const t = setup({ 'custom': 'example.com/custom', 'late': 'kubernetes.io/tls' });
    t.listeners.items.push(listener('a', 'opaque'), listener('b', 'custom'), listener('c', 'late'));
    t.opaque.items.push(tlsSecret('opaque', 'Opaque'));
    await t.watch.reconcile('east');
    expect(t.watch.blockers('east').map((b) => [b.name, b.cause, b.type])).to.deep.equal([['a', 'wrong-type', 'Opaque'], ['b', 'wrong-type', 'example.com/custom']]);
  });

  it('a failed read is not "missing": nothing is claimed until a read answers', async function () {
    const t = setup({ 'flaky': new Error('connection reset') });
    t.listeners.items.push(listener('a', 'flaky'));
    expect((await t.watch.reconcile('east')).result).to.equal('ok');
    expect(t.events).to.deep.equal([]);
    expect(await t.metrics.registry.metrics()).to.contain('skupper_cert_rotator_site_config_blocked{namespace="east"} 0');
  });

  it('asks to look again while a culprit is not in the caches (its creation as another type brings no event)', async function () {
    const t = setup({});
    t.listeners.items.push(listener('ghost', 'ghost-tls'));
    expect((await t.watch.reconcile('east')).requeueAfterMs).to.equal(60_000);
  });

  it('a namespace without Listeners or Connectors loses its series', async function () {
    const t = setup({});
    t.listeners.items.push(listener('ghost', 'ghost-tls'));
    await t.watch.reconcile('east');
    t.listeners.items = [];
    expect((await t.watch.reconcile('east')).result).to.equal('deleted');
    expect(await t.metrics.registry.metrics()).to.not.match(/site_config_blocke[dr]\{/);
  });
});
