// Maps watch events onto Certificate keys for the renewal controller: the
// Certificate itself, its owner's annotations (renew), and its Secret (mismatch).
import { Controller } from '../../kube/controller.js';
import { objectKey, splitKey } from '../../kube/keys.js';
import { NameIndex } from '../../kube/name-index.js';
import { isManagedByUs, ownerKey, ownerKeys } from '../../decisions/ownership.js';
import type { Certificate } from '../../model/certmanager.js';
import { RenewalReconciler, type RenewalDeps } from './reconcile.js';

export const RENEWAL_CONTROLLER = 'renewal';

function ourSecretNames(c: Certificate): string[] {
  return isManagedByUs(c) ? [c.spec.secretName] : [];
}

export function createRenewalController(deps: RenewalDeps): Controller {
  const reconciler = new RenewalReconciler(deps);
  const controller = new Controller({ name: RENEWAL_CONTROLLER, workers: 2 }, (key) => reconciler.reconcile(key), deps.metrics, deps.log);
  const { caches } = deps;
  // Our Certificates by their Secret's name, and Certificates by owner (`Kind/name`, the index the
  // certificate flows share): found per event without scanning the namespace.
  const ours = NameIndex.of(caches.certificates, ourSecretNames);
  const owners = NameIndex.of(caches.certificates, ownerKeys);
  const byOwner = (kind: string, namespace: string, name: string): void => {
    for (const key of owners.lookup(namespace, ownerKey(kind, name))) if (isManagedByUs(caches.certificates.get(namespace, splitKey(key)[1]))) controller.enqueue(key);
  };
  caches.certificates.on((_e, c) => { if (isManagedByUs(c)) controller.enqueue(objectKey(c)); });
  caches.listeners.on((_e, l) => { byOwner('Listener', l.metadata.namespace, l.metadata.name); });
  caches.connectors.on((_e, c) => { byOwner('Connector', c.metadata.namespace, c.metadata.name); });
  caches.secrets.on((_e, s) => {
    const { namespace, name } = s.metadata ?? {};
    if (namespace && name) for (const key of ours.lookup(namespace, name)) controller.enqueue(key);
  });
  return controller;
}

/** Enqueues every Certificate of ours: the periodic safety net (--resync-period). */
export function resyncRenewals(controller: Controller, deps: Pick<RenewalDeps, 'caches'>): void {
  for (const c of deps.caches.certificates.list()) if (isManagedByUs(c)) controller.enqueue(objectKey(c));
}
