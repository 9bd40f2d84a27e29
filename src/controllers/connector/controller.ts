// Maps watch events onto Connector keys, so a source change re-bundles within
// seconds: a Connector changes → itself; a Secret, ConfigMap or issuer
// changes → the Connectors whose trust sources (or bundle / client Secret)
// name it; a Certificate changes → the Connector that owns it.
import type { KubernetesObject } from '@kubernetes/client-node';
import { Annotations } from '../../model/annotations.js';
import type { Connector } from '../../model/skupper.js';
import { Controller } from '../../kube/controller.js';
import { namespacedKey, objectKey } from '../../kube/keys.js';
import { NameIndex } from '../../kube/name-index.js';
import { clientCertificateName, connectorSecretName } from '../../decisions/names.js';
import { ConnectorReconciler, type ConnectorDeps } from './reconcile.js';
import { parseTrustSources, type TrustSource } from '../../decisions/trust-sources.js';

export const CONNECTOR_CONTROLLER = 'connector';

function sourcesOf(c: Connector): TrustSource[] {
  return parseTrustSources(c.metadata.annotations?.[Annotations.trust], c.metadata.namespace)?.sources ?? [];
}

const sourceNames = (c: Connector, kind: TrustSource['kind']): string[] => sourcesOf(c).filter((s) => s.kind === kind).map((s) => s.name);

export function createConnectorController(deps: ConnectorDeps): { controller: Controller; reconciler: ConnectorReconciler } {
  const reconciler = new ConnectorReconciler(deps);
  const controller = new Controller({ name: CONNECTOR_CONTROLLER, workers: 2 }, (key) => reconciler.reconcile(key), deps.metrics, deps.log);
  const { caches, config } = deps;
  const enqueueWhere = (namespace: string | undefined, pred: (c: Connector) => boolean): void => {
    for (const c of caches.connectors.list(namespace)) if (pred(c)) controller.enqueue(objectKey(c));
  };


  // Reverse indexes, so a Secret's or ConfigMap's event finds its Connectors without parsing every Connector's annotation.
  const bySecret = new NameIndex(caches.connectors, (c) => [connectorSecretName(c), clientCertificateName(c), ...sourceNames(c, 'secret')]);
  const byIssuer = new NameIndex(caches.connectors, (c) => sourceNames(c, 'issuer'));
  const byConfigMap = new NameIndex(caches.connectors, (c) => sourceNames(c, 'configmap'));
  const byClusterIssuer = new NameIndex(caches.connectors, (c) => sourceNames(c, 'clusterissuer'), 'cluster');
  const enqueueAll = (keys: readonly string[]): void => { for (const key of keys) controller.enqueue(key); };

  const onSecret = (obj: KubernetesObject): void => {
    const ns = obj.metadata?.namespace;
    const name = obj.metadata?.name;
    if (!ns || !name) return;
    enqueueAll(bySecret.lookup(ns, name));
    // An Issuer source names its CA Secret only through the Issuer (few per namespace).
    for (const i of caches.issuers.list(ns)) if (i.spec?.ca?.secretName === name) enqueueAll(byIssuer.lookup(ns, i.metadata.name));
    // A ClusterIssuer's CA Secret lives in the cluster resource namespace (few ClusterIssuers).
    if (ns === config.clusterResourceNamespace) {
      for (const ci of caches.clusterIssuers.list()) if (ci.spec?.ca?.secretName === name) enqueueAll(byClusterIssuer.lookupCluster(ci.metadata.name));
    }
  };

  caches.connectors.on((_e, c) => { controller.enqueue(objectKey(c)); });
  caches.secrets.on((_e, s) => { onSecret(s); });
  caches.opaqueSecrets.on((_e, s) => { onSecret(s); });
  caches.configMaps.on((_e, cm) => {
    const ns = cm.metadata?.namespace;
    const name = cm.metadata?.name;
    if (ns && name) enqueueAll(byConfigMap.lookup(ns, name));
  });
  caches.certificates.on((_e, cert) => {
    for (const ref of cert.metadata.ownerReferences ?? []) if (ref.kind === 'Connector') controller.enqueue(namespacedKey(cert.metadata.namespace, ref.name));
  });
  // An issuer can be a source or the client certificate's issuer; both are rare enough to simply look again.
  caches.issuers.on((_e, i) => {
    enqueueWhere(i.metadata.namespace, (c) => c.metadata.annotations?.[Annotations.trust] !== undefined);
  });
  caches.clusterIssuers.on(() => {
    enqueueWhere(undefined, (c) => c.metadata.annotations?.[Annotations.trust] !== undefined);
  });
  return { controller, reconciler };
}

/** Enqueues every Connector: the periodic safety net (--resync-period). */
export function resyncConnectors(controller: Controller, deps: Pick<ConnectorDeps, 'caches'>): void {
  for (const c of deps.caches.connectors.list()) controller.enqueue(objectKey(c));
}
