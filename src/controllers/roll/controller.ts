// The roll controller is keyed by namespace: one router per site namespace.
// Each event also tells the reconciler which objects it concerns (the object
// itself, or the Listeners and Connectors naming the Secret or Certificate),
// so a reconcile describes those again, not the whole namespace (in-use.ts).
import type { KubernetesObject, V1Secret } from '@kubernetes/client-node';
import { Controller } from '../../kube/controller.js';
import type { InformerEvent } from '../../kube/informer.js';
import { splitKey } from '../../kube/keys.js';
import { NameIndex } from '../../kube/name-index.js';
import { connectorSecretNames, listenerSecretNames } from '../../decisions/names.js';
import { RollReconciler, type RollDeps } from './reconcile.js';

export const ROLL_CONTROLLER = 'roll';

export function createRollController(deps: RollDeps): { controller: Controller; reconciler: RollReconciler } {
  const reconciler = new RollReconciler(deps);
  const controller = new Controller({ name: ROLL_CONTROLLER, workers: 1 }, (ns) => reconciler.reconcile(ns), deps.metrics, deps.log);
  const { caches } = deps;
  // Registered before the handlers below, which look names up in them.
  const listenerNames = NameIndex.of(caches.listeners, listenerSecretNames);
  const connectorNames = NameIndex.of(caches.connectors, connectorSecretNames);
  // Not deferred to coalesce events: a roll that first looks at a Secret after
  // two revisions landed takes the second for the one in use and never counts
  // (reload) or restarts for it (issue 16 tried a 1 s window; the reload test
  // caught the missed revision).
  caches.listeners.on((_e, o) => {
    reconciler.touch('listener', o.metadata.namespace, o.metadata.name);
    controller.enqueue(o.metadata.namespace);
  });
  caches.connectors.on((_e, o) => {
    reconciler.touch('connector', o.metadata.namespace, o.metadata.name);
    controller.enqueue(o.metadata.namespace);
  });
  const named = (obj: KubernetesObject): void => {
    const ns = obj.metadata?.namespace;
    const name = obj.metadata?.name;
    if (!ns || !name) return;
    const users = [...listenerNames.lookup(ns, name).map((k) => ['listener', k] as const), ...connectorNames.lookup(ns, name).map((k) => ['connector', k] as const)];
    for (const [kind, key] of users) reconciler.touch(kind, ns, splitKey(key)[1]);
    if (users.length > 0) controller.enqueue(ns);
  };
  const secretEvent = (e: InformerEvent, o: V1Secret): void => {
    if (e === 'delete' && o.metadata?.namespace && o.metadata.name) reconciler.forgetSecret(o.metadata.namespace, o.metadata.name);
    named(o);
  };
  caches.secrets.on(secretEvent);
  caches.opaqueSecrets.on(secretEvent);
  caches.certificates.on((_e, o) => { named(o); });
  return { controller, reconciler };
}

/** Every namespace with a Listener or Connector gets a full pass (in-use.ts). */
export function resyncRolls(controller: Controller, reconciler: RollReconciler, deps: Pick<RollDeps, 'caches'>): void {
  const namespaces = new Set([...deps.caches.listeners.list(), ...deps.caches.connectors.list()].map((o) => o.metadata.namespace));
  for (const ns of namespaces) {
    reconciler.resync(ns);
    controller.enqueue(ns);
  }
}
