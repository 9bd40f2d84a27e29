// Which Connectors a watch event wakes: a source Secret, ConfigMap or issuer
// CA Secret must reach exactly the Connectors that name it (through the reverse
// indexes), or a CA rotation waits for the next resync.
import { Writable } from 'node:stream';
import { expect } from 'chai';
import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import { parseConfig } from '../../../src/config/parse.js';
import { createConnectorController } from '../../../src/controllers/connector/controller.js';
import type { ConnectorDeps } from '../../../src/controllers/connector/reconcile.js';
import type { Api } from '../../../src/kube/api.js';
import type { EventRecorder } from '../../../src/kube/events.js';
import type { Certificate, Issuer } from '../../../src/model/certmanager.js';
import type { Connector } from '../../../src/model/skupper.js';
import { createLogger } from '../../../src/telemetry/log.js';
import { Metrics } from '../../../src/telemetry/metrics.js';
import { FakeCache } from '../../support/fake-cache.js';

const TRUST = 'skupper-cert-rotator.io/trust';
const connector = (namespace: string, name: string, trust: string): Connector => ({
  apiVersion: 'skupper.io/v2alpha1', kind: 'Connector', metadata: { name, namespace, annotations: { [TRUST]: trust } }, spec: { routingKey: name, host: `${name}.example`, port: 5432 },
});
const secret = (namespace: string, name: string): V1Secret => ({ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name, namespace } });
const caIssuer = (name: string, secretName: string, namespace?: string): Issuer => ({
  apiVersion: 'cert-manager.io/v1', kind: namespace ? 'Issuer' : 'ClusterIssuer', metadata: { name, ...(namespace ? { namespace } : {}) }, spec: { ca: { secretName } },
});

function setup(): { woken: () => string[]; connectors: FakeCache<Connector>; secrets: FakeCache<V1Secret>; configMaps: FakeCache<V1ConfigMap>; issuers: FakeCache<Issuer>; clusterIssuers: FakeCache<Issuer> } {
  const caches = {
    connectors: new FakeCache<Connector>(), certificates: new FakeCache<Certificate>(), secrets: new FakeCache<V1Secret>(), opaqueSecrets: new FakeCache<V1Secret>(),
    configMaps: new FakeCache<V1ConfigMap>(), issuers: new FakeCache<Issuer>(), clusterIssuers: new FakeCache<Issuer>(),
  };
  const deps = {
    api: {} as Api, events: {} as EventRecorder, metrics: new Metrics(), config: parseConfig([], {}).config,
    log: createLogger('error', new Writable({ write(_c, _e, cb) { cb(); } })),
    caches: Object.fromEntries(Object.entries(caches).map(([k, v]) => [k, v.as()])),
  } as unknown as ConnectorDeps;
  const { controller } = createConnectorController(deps);
  let keys: string[] = [];
  controller.enqueue = (key: string): void => { keys.push(key); };
  const woken = (): string[] => { const k = [...new Set(keys)].sort(); keys = []; return k; };
  return { woken, ...caches };
}

describe('Connector controller: which Connectors an event wakes', function () {
  it("a ClusterIssuer's CA Secret wakes the Connectors of every namespace that name that ClusterIssuer, and no other", function () {
    const t = setup();
    t.clusterIssuers.add(caIssuer('root', 'root-ca'));
    t.clusterIssuers.add(caIssuer('other', 'other-ca'));
    t.connectors.add(connector('east', 'db', 'clusterissuer/root'));
    t.connectors.add(connector('west', 'api', 'secret/local-ca, clusterissuer/root'));
    t.connectors.add(connector('west', 'cache', 'clusterissuer/other'));
    t.connectors.add(connector('west', 'plain', 'secret/root-ca'));
    t.woken();
    t.secrets.add(secret('cert-manager', 'root-ca'));
    expect(t.woken()).to.deep.equal(['east/db', 'west/api']);
    t.secrets.add(secret('cert-manager', 'other-ca'));
    expect(t.woken()).to.deep.equal(['west/cache']);
    // Not the cluster resource namespace: only a secret/ source of that namespace by that name.
    t.secrets.add(secret('west', 'root-ca'));
    expect(t.woken()).to.deep.equal(['west/plain']);
    // A Connector that stops naming the ClusterIssuer is no longer woken by its Secret.
    t.connectors.add(connector('east', 'db', 'secret/db-ca'));
    t.woken();
    t.secrets.add(secret('cert-manager', 'root-ca'));
    expect(t.woken()).to.deep.equal(['west/api']);
  });

  it("an Issuer's CA Secret, a secret/ or configmap/ source wakes the Connectors of that namespace naming it", function () {
    const t = setup();
    t.issuers.add(caIssuer('ca', 'ca-secret', 'east'));
    t.connectors.add(connector('east', 'a', 'issuer/ca'));
    t.connectors.add(connector('east', 'b', 'configmap/cas#bundle.pem'));
    t.connectors.add(connector('west', 'c', 'issuer/ca'));
    t.woken();
    t.secrets.add(secret('east', 'ca-secret'));
    expect(t.woken()).to.deep.equal(['east/a']);
    t.configMaps.add({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cas', namespace: 'east' }, data: {} });
    expect(t.woken()).to.deep.equal(['east/b']);
    t.secrets.add(secret('east', 'unrelated'));
    expect(t.woken()).to.deep.equal([]);
  });
});
