// Listener objects for the unit tests of the pure Listener decisions.
import type { Listener } from '../../../src/model/skupper.js';
import type { ListenerDefaults } from '../../../src/decisions/listener-desired.js';

export const DEFAULTS: ListenerDefaults = {
  clusterDomain: 'cluster.local',
  defaultIssuer: 'site-ca',
  defaultIssuerKind: 'ClusterIssuer',
  priorValidRevisions: 1,
};

export function listener(opts: { name?: string; namespace?: string; host?: string | null; annotations?: Record<string, string>; tlsCredentials?: string; uid?: string } = {}): Listener {
  const name = opts.name ?? 'backend';
  return {
    apiVersion: 'skupper.io/v2alpha1',
    kind: 'Listener',
    metadata: {
      name,
      namespace: opts.namespace ?? 'east',
      uid: opts.uid ?? '6f1c2f0e-0000-4000-8000-000000000001',
      annotations: opts.annotations ?? { 'cert-manager.io/cluster-issuer': 'site-ca' },
    },
    spec: {
      routingKey: name,
      port: 8080,
      // null = leave the host out, as an object that bypassed the CRD schema would
      ...(opts.host === null ? {} : { host: opts.host ?? 'backend' }),
      ...(opts.tlsCredentials !== undefined ? { tlsCredentials: opts.tlsCredentials } : {}),
    },
  };
}
