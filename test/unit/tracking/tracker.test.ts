import { Writable } from 'node:stream';
import { expect } from 'chai';
import type { V1Secret } from '@kubernetes/client-node';
import { fastSelfSignedCA } from '../../../cluster/fastcert.js';
import { parseConfig } from '../../../src/config/parse.js';
import type { EventRecorder } from '../../../src/kube/events.js';
import type { Certificate } from '../../../src/model/certmanager.js';
import type { Connector, Listener } from '../../../src/model/skupper.js';
import { ParseCache } from '../../../src/pki/parse-cache.js';
import { createLogger } from '../../../src/telemetry/log.js';
import { Metrics } from '../../../src/telemetry/metrics.js';
import { ExpiryTracker, expiryKey } from '../../../src/tracking/tracker.js';
import { UncachedSecretTypes } from '../../../src/tracking/uncached-secrets.js';
import { FakeCache } from '../../support/fake-cache.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

function cacheOf<T extends V1Secret | Listener | Certificate | Connector>(...items: T[]): FakeCache<T> {
  const c = new FakeCache<T>();
  c.items = items;
  return c;
}

function tracker(listeners: Listener[], secrets: V1Secret[], extra: { parser?: ParseCache; uncached?: UncachedSecretTypes; certificates?: Certificate[]; now?: () => Date } = {}): ExpiryTracker {
  return new ExpiryTracker({
    caches: { listeners: cacheOf(...listeners).as(), connectors: cacheOf<Connector>().as(), certificates: cacheOf(...(extra.certificates ?? [])).as(), secrets: cacheOf(...secrets).as(), opaqueSecrets: cacheOf<V1Secret>().as() },
    config: parseConfig([], {}).config, metrics: new Metrics(), events: { record: () => Promise.resolve(true) } as unknown as EventRecorder,
    log: createLogger('error', new Writable({ write(_c, _e, cb) { cb(); } })),
    ...(extra.parser ? { parser: extra.parser } : {}), ...(extra.uncached ? { uncached: extra.uncached } : {}), ...(extra.now ? { now: extra.now } : {}),
  });
}

describe('ExpiryTracker: a resync parses nothing', function () {
  it('does not parse again a Secret whose description is still current, though the parse cache evicted it', async function () {
    const ca = fastSelfSignedCA({ cn: 'a.east' });
    const secret: V1Secret = { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name: 'a', namespace: 'east', uid: 'u1', resourceVersion: '7' }, data: { 'tls.crt': b64(ca.certPem), 'tls.key': b64(ca.keyPem), 'ca.crt': b64(ca.certPem) } };
    const listener: Listener = { apiVersion: 'skupper.io/v2alpha1', kind: 'Listener', metadata: { name: 'a', namespace: 'east', uid: 'l1', resourceVersion: '3' }, spec: { routingKey: 'a', host: 'a.east', port: 8443, tlsCredentials: 'a' } };
    // One entry: tls.crt and ca.crt evict each other, as 10,000 Secrets evict each other from 2,000 entries.
    const parser = new ParseCache(1);
    const t = tracker([listener], [secret], { parser });
    const first = await t.reconcile(expiryKey('listener', 'east', 'a'));
    expect(first.result).to.equal('Ready');
    const misses = parser.misses;
    expect(misses).to.be.greaterThan(0);
    await t.reconcile(expiryKey('listener', 'east', 'a'));
    await t.reconcile(expiryKey('listener', 'east', 'a'));
    expect(parser.misses).to.equal(misses);
  });
});

describe('ExpiryTracker: direct reads of a Secret the caches do not show', function () {
  const managed = (name: string, tlsCredentials?: string): Listener => ({
    apiVersion: 'skupper.io/v2alpha1', kind: 'Listener', metadata: { name, namespace: 'east', uid: `l-${name}`, resourceVersion: '3', annotations: { 'cert-manager.io/issuer': 'ca' } },
    spec: { routingKey: name, host: name, port: 8443, ...(tlsCredentials ? { tlsCredentials } : {}) },
  });
  function reader(clock: { t: number }): { uncached: UncachedSecretTypes; reads: string[] } {
    const reads: string[] = [];
    const uncached = new UncachedSecretTypes((ns, name) => {
      reads.push(`${ns}/${name}`);
      return Promise.resolve('kubernetes.io/basic-auth');
    }, { recheckMs: 60_000, now: () => clock.t });
    return { uncached, reads };
  }

  it('a new managed Listener\'s Secret is not read while its claim may still be on the way; read after the grace if still unseen', async function () {
    const clock = { t: 1_000_000 };
    const { uncached, reads } = reader(clock);
    const t = tracker([managed('db')], [], { uncached, now: () => new Date(clock.t) });
    const first = await t.reconcile(expiryKey('listener', 'east', 'db'));
    expect(reads, 'no read at once').to.deep.equal([]);
    // Asked to come back when the grace ends (plus the tracker's usual second).
    expect(first.requeueAfterMs).to.be.within(5_000, 6_000);
    clock.t += 4_000;
    await t.reconcile(expiryKey('listener', 'east', 'db'));
    expect(reads, 'still within the grace').to.deep.equal([]);
    clock.t += 1_000;
    await t.reconcile(expiryKey('listener', 'east', 'db'));
    expect(reads, 'read once the grace is over').to.deep.equal(['east/db-listener-tls']);
    expect(t.statuses()[0]?.problems.join(' ')).to.contain('kubernetes.io/basic-auth');
  });

  it('reads at once a Secret the Listener names, or that a Certificate of ours fills', async function () {
    const clock = { t: 1_000_000 };
    const { uncached, reads } = reader(clock);
    const cert: Certificate = { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'web-listener-tls', namespace: 'east' }, spec: { secretName: 'web-listener-tls', issuerRef: { name: 'ca', kind: 'Issuer', group: 'cert-manager.io' } } };
    const t = tracker([managed('db', 'db-listener-tls'), managed('web')], [], { uncached, certificates: [cert], now: () => new Date(clock.t) });
    await t.reconcile(expiryKey('listener', 'east', 'db'));
    await t.reconcile(expiryKey('listener', 'east', 'web'));
    expect(reads).to.deep.equal(['east/db-listener-tls', 'east/web-listener-tls']);
  });
});
