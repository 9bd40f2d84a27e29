// Probes run per object; the workers bound how many connect at once.
import { Controller } from '../../kube/controller.js';
import { ProbeReconciler, type ProbeDeps } from './reconcile.js';
import { kindKey } from '../../kube/keys.js';

export const PROBE_CONTROLLER = 'probe';
const CONCURRENT_PROBES = 4;

export function createProbeController(deps: ProbeDeps): Controller {
  const reconciler = new ProbeReconciler(deps);
  const controller = new Controller({ name: PROBE_CONTROLLER, workers: CONCURRENT_PROBES }, (key) => reconciler.reconcile(key), deps.metrics, deps.log);
  const { caches } = deps;
  // A changed object or Secret is probed soon after (the new revision should be served).
  caches.listeners.on((_e, l) => { controller.enqueueAfter(kindKey('listener', l.metadata.namespace, l.metadata.name), 1000); });
  caches.connectors.on((_e, c) => { controller.enqueueAfter(kindKey('connector', c.metadata.namespace, c.metadata.name), 1000); });
  const bySecret = (ns: string | undefined, name: string | undefined): void => {
    if (!ns || !name) return;
    for (const l of caches.listeners.list(ns)) controller.enqueueAfter(kindKey('listener', ns, l.metadata.name), 2000);
    for (const c of caches.connectors.list(ns)) controller.enqueueAfter(kindKey('connector', ns, c.metadata.name), 2000);
  };
  caches.secrets.on((_e, s) => { bySecret(s.metadata?.namespace, s.metadata?.name); });
  return controller;
}
