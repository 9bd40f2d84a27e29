// The roll controller is keyed by namespace: one router per site namespace.
import { Controller } from '../../kube/controller.js';
import { RollReconciler, type RollDeps } from './reconcile.js';

export const ROLL_CONTROLLER = 'roll';

/**
 * A namespace's roll looks at every Listener and Connector in it, so one per
 * watch event would cost O(N) per event, O(N^2) while N objects converge
 * (at N = 1,000 it took most of the daemon's CPU). Events within this long
 * are looked at together; a router restart or reload count waits at most this.
 */
export const ROLL_COALESCE_MS = 1_000;

export function createRollController(deps: RollDeps): { controller: Controller; reconciler: RollReconciler } {
  const reconciler = new RollReconciler(deps);
  const controller = new Controller({ name: ROLL_CONTROLLER, workers: 1 }, (ns) => reconciler.reconcile(ns), deps.metrics, deps.log);
  const { caches } = deps;
  const enqueue = (obj: { metadata?: { namespace?: string } }): void => {
    const ns = obj.metadata?.namespace;
    if (ns) controller.enqueueAfter(ns, ROLL_COALESCE_MS);
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
