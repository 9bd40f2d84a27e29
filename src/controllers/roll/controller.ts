// The roll controller is keyed by namespace: one router per site namespace.
import { Controller } from '../../kube/controller.js';
import { RollReconciler, type RollDeps } from './reconcile.js';

export const ROLL_CONTROLLER = 'roll';

export function createRollController(deps: RollDeps): { controller: Controller; reconciler: RollReconciler } {
  const reconciler = new RollReconciler(deps);
  const controller = new Controller({ name: ROLL_CONTROLLER, workers: 1 }, (ns) => reconciler.reconcile(ns), deps.metrics, deps.log);
  const { caches } = deps;
  const enqueue = (obj: { metadata?: { namespace?: string } }): void => {
    const ns = obj.metadata?.namespace;
    // Not deferred to coalesce events: a roll that first looks at a Secret after
    // two revisions landed takes the second for the one in use and never counts
    // (reload) or restarts for it (issue 16 tried a 1 s window; the reload test
    // caught the missed revision).
    if (ns) controller.enqueue(ns);
  };
  caches.listeners.on((_e, o) => { enqueue(o); });
  caches.connectors.on((_e, o) => { enqueue(o); });
  caches.secrets.on((_e, o) => { enqueue(o); });
  caches.opaqueSecrets.on((_e, o) => { enqueue(o); });
  return { controller, reconciler };
}

export function resyncRolls(controller: Controller, deps: Pick<RollDeps, 'caches'>): void {
  const namespaces = new Set([...deps.caches.listeners.list(), ...deps.caches.connectors.list()].map((o) => o.metadata.namespace));
  for (const ns of namespaces) controller.enqueue(ns);
}
