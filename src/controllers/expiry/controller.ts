// Maps watch events onto tracked objects: the object itself, and any Secret
// or Certificate in its namespace whose name it uses.
import type { KubernetesObject } from '@kubernetes/client-node';
import { Controller } from '../../kube/controller.js';
import type { Connector, Listener } from '../../model/skupper.js';
import { secretNamesUsedBy } from '../../decisions/names.js';
import { ExpiryTracker, expiryKey, type ExpiryDeps } from '../../tracking/tracker.js';

export const EXPIRY_CONTROLLER = 'expiry';

/** Names of the Secrets/Certificates an object may use, whether it is managed or not. */
function usesName(obj: Listener | Connector, name: string): boolean {
  return secretNamesUsedBy(obj).includes(name);
}

export function createExpiryController(deps: ExpiryDeps): { controller: Controller; tracker: ExpiryTracker } {
  const tracker = new ExpiryTracker(deps);
  const controller = new Controller({ name: EXPIRY_CONTROLLER, workers: 1 }, (key) => tracker.reconcile(key), deps.metrics, deps.log);
  const { caches } = deps;
  const byName = (obj: KubernetesObject): void => {
    const ns = obj.metadata?.namespace;
    const name = obj.metadata?.name;
    if (!ns || !name) return;
    for (const l of caches.listeners.list(ns)) if (usesName(l, name)) controller.enqueue(expiryKey('listener', ns, l.metadata.name));
    for (const c of caches.connectors.list(ns)) if (usesName(c, name)) controller.enqueue(expiryKey('connector', ns, c.metadata.name));
  };
  caches.listeners.on((_e, l) => { controller.enqueue(expiryKey('listener', l.metadata.namespace, l.metadata.name)); });
  caches.connectors.on((_e, c) => { controller.enqueue(expiryKey('connector', c.metadata.namespace, c.metadata.name)); });
  caches.secrets.on((_e, s) => { byName(s); });
  caches.opaqueSecrets.on((_e, s) => { byName(s); });
  caches.certificates.on((_e, c) => { byName(c); });
  return { controller, tracker };
}

export function resyncExpiry(controller: Controller, deps: Pick<ExpiryDeps, 'caches'>): void {
  for (const l of deps.caches.listeners.list()) controller.enqueue(expiryKey('listener', l.metadata.namespace, l.metadata.name));
  for (const c of deps.caches.connectors.list()) controller.enqueue(expiryKey('connector', c.metadata.namespace, c.metadata.name));
}
