import { Writable } from 'node:stream';
import { expect } from 'chai';
import type { KubernetesObject, V1Secret } from '@kubernetes/client-node';
import { fastSelfSignedCA } from '../../../cluster/fastcert.js';
import { parseConfig } from '../../../src/config/parse.js';
import type { EventRecorder } from '../../../src/kube/events.js';
import type { Informer } from '../../../src/kube/informer.js';
import type { Certificate } from '../../../src/model/certmanager.js';
import type { Connector, Listener } from '../../../src/model/skupper.js';
import { ParseCache } from '../../../src/pki/parse-cache.js';
import { createLogger } from '../../../src/telemetry/log.js';
import { Metrics } from '../../../src/telemetry/metrics.js';
import { ExpiryTracker, expiryKey } from '../../../src/tracking/tracker.js';

/** get and list over a plain array. */
class FakeCache<T extends KubernetesObject> {
  constructor(readonly items: T[] = []) {}
  get(namespace: string | undefined, name: string): T | undefined {
    return this.items.find((i) => i.metadata?.namespace === namespace && i.metadata?.name === name);
  }
  list(namespace?: string): T[] {
    return this.items.filter((i) => namespace === undefined || i.metadata?.namespace === namespace);
  }
  as(): Informer<T> {
    return this as unknown as Informer<T>;
  }
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('ExpiryTracker: a resync parses nothing', function () {
  it('does not parse again a Secret whose description is still current, though the parse cache evicted it', async function () {
    const ca = fastSelfSignedCA({ cn: 'a.east' });
    const secret: V1Secret = { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name: 'a', namespace: 'east', uid: 'u1', resourceVersion: '7' }, data: { 'tls.crt': b64(ca.certPem), 'tls.key': b64(ca.keyPem), 'ca.crt': b64(ca.certPem) } };
    const listener: Listener = { apiVersion: 'skupper.io/v2alpha1', kind: 'Listener', metadata: { name: 'a', namespace: 'east', uid: 'l1', resourceVersion: '3' }, spec: { routingKey: 'a', host: 'a.east', port: 8443, tlsCredentials: 'a' } };
    // One entry: tls.crt and ca.crt evict each other, as 10,000 Secrets evict each other from 2,000 entries.
    const parser = new ParseCache(1);
    const tracker = new ExpiryTracker({
      caches: { listeners: new FakeCache([listener]).as(), connectors: new FakeCache<Connector>().as(), certificates: new FakeCache<Certificate>().as(), secrets: new FakeCache([secret]).as(), opaqueSecrets: new FakeCache<V1Secret>().as() },
      config: parseConfig([], {}).config, metrics: new Metrics(), events: { record: () => Promise.resolve(true) } as unknown as EventRecorder,
      log: createLogger('error', new Writable({ write(_c, _e, cb) { cb(); } })), parser,
    });
    const first = await tracker.reconcile(expiryKey('listener', 'east', 'a'));
    expect(first.result).to.equal('Ready');
    const misses = parser.misses;
    expect(misses).to.be.greaterThan(0);
    await tracker.reconcile(expiryKey('listener', 'east', 'a'));
    await tracker.reconcile(expiryKey('listener', 'east', 'a'));
    expect(parser.misses).to.equal(misses);
  });
});
