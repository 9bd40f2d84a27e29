// Maps watch events onto Listener keys: a Listener changes → itself; a
// Certificate or Secret changes → the Listeners in its namespace that use that
// name; an issuer changes → the Listeners that could refer to it.
import type { KubernetesObject } from '@kubernetes/client-node';
import { Controller } from '../../kube/controller.js';
import { namespacedKey, objectKey } from '../../kube/keys.js';
import { NameIndex } from '../../kube/name-index.js';
import { listenerSecretNames } from '../../decisions/names.js';
import { ListenerReconciler, type ListenerDeps } from './reconcile.js';

export const LISTENER_CONTROLLER = 'listener';
/**
 * A reconcile mostly waits on the API server (claim the Secret, create the
 * Certificate, wire the Listener): with 2 workers, 1,000 new Listeners queued
 * behind each other. cert-manager's ingress-shim runs 5.
 */
export const LISTENER_WORKERS = 8;

export function createListenerController(deps: ListenerDeps): Controller {
  const reconciler = new ListenerReconciler(deps);
  const controller = new Controller({ name: LISTENER_CONTROLLER, workers: LISTENER_WORKERS }, (key) => reconciler.reconcile(key), deps.metrics, deps.log);
  const { caches } = deps;
  // The index the expiry and roll controllers share (NameIndex.of): it also holds the default name of
  // a Listener with spec.tlsCredentials set, whose events then wake it needlessly, but rarely.
  const secretNames = NameIndex.of(caches.listeners, listenerSecretNames);

  const bySecretName = (obj: KubernetesObject): void => {
    const ns = obj.metadata?.namespace;
    const name = obj.metadata?.name;
    if (!ns || !name) return;
    for (const key of secretNames.lookup(ns, name)) controller.enqueue(key);
    // A Certificate of ours whose Listener was renamed away or deleted still needs cleaning up.
    for (const ref of obj.metadata?.ownerReferences ?? []) if (ref.kind === 'Listener') controller.enqueue(namespacedKey(ns, ref.name));
  };

  caches.listeners.on((_e, l) => { controller.enqueue(objectKey(l)); });
  caches.certificates.on((_e, c) => { bySecretName(c); });
  caches.secrets.on((_e, s) => { bySecretName(s); });
  caches.issuers.on((_e, i) => {
    for (const l of caches.listeners.list(i.metadata.namespace)) controller.enqueue(objectKey(l));
  });
  caches.clusterIssuers.on(() => {
    for (const l of caches.listeners.list()) controller.enqueue(objectKey(l));
  });
  return controller;
}

/** Enqueues every Listener: the periodic safety net (--resync-period). */
export function resyncListeners(controller: Controller, deps: Pick<ListenerDeps, 'caches'>): void {
  for (const l of deps.caches.listeners.list()) controller.enqueue(objectKey(l));
}
