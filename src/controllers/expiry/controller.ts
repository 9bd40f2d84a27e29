// Maps watch events onto tracked objects: the object itself, and any Secret
// or Certificate in its namespace whose name it uses. One more key per
// namespace, `site/NS/`, looks for tlsCredentials that stall Skupper's config
// sync for the whole site (tracking/site-config.ts).
import type { KubernetesObject } from '@kubernetes/client-node';
import { Controller } from '../../kube/controller.js';
import { kindKey, splitKey, splitKindKey } from '../../kube/keys.js';
import { NameIndex } from '../../kube/name-index.js';
import { connectorSecretNames, listenerSecretNames } from '../../decisions/names.js';
import { ExpiryTracker, expiryKey, type ExpiryDeps } from '../../tracking/tracker.js';
import { SiteConfigWatch } from '../../tracking/site-config.js';
import { uncachedSecretTypes } from '../../tracking/uncached-secrets.js';

export const EXPIRY_CONTROLLER = 'expiry';

const SITE = 'site';

/**
 * A site pass reads every Listener and Connector of its namespace, and every
 * one of their events asks for one: while 1,000 Listeners converge, one pass
 * per event is O(N^2). Asked for after this delay (the earliest pending
 * request wins), a burst of events makes one pass per delay, and a blocked
 * site is reported at most this much later.
 */
export const SITE_PASS_DELAY_MS = 1_000;

export function siteKey(namespace: string): string {
  return kindKey(SITE, namespace, '');
}

export function createExpiryController(deps: ExpiryDeps): { controller: Controller; tracker: ExpiryTracker; sites: SiteConfigWatch } {
  // One bounded reader of uncached Secrets for both: one rate, one memory.
  const uncached = deps.uncached ?? (deps.api ? uncachedSecretTypes(deps.api) : undefined);
  const tracker = new ExpiryTracker({ ...deps, ...(uncached ? { uncached } : {}) });
  const sites = new SiteConfigWatch({ ...deps, ...(uncached ? { uncached } : {}) });
  const controller = new Controller({ name: EXPIRY_CONTROLLER, workers: 1 }, (key) => {
    const { kind, namespace } = splitKindKey(key);
    return kind === SITE ? sites.reconcile(namespace) : tracker.reconcile(key);
  }, deps.metrics, deps.log);
  const { caches } = deps;
  const listenerNames = NameIndex.of(caches.listeners, listenerSecretNames);
  const connectorNames = NameIndex.of(caches.connectors, connectorSecretNames);
  const byName = (obj: KubernetesObject): void => {
    const ns = obj.metadata?.namespace;
    const name = obj.metadata?.name;
    if (!ns || !name) return;
    let named = false;
    for (const key of listenerNames.lookup(ns, name)) {
      const l = caches.listeners.get(...splitKey(key));
      if (!l) continue;
      controller.enqueue(expiryKey('listener', ns, l.metadata.name));
      named ||= l.spec.tlsCredentials === name;
    }
    for (const key of connectorNames.lookup(ns, name)) {
      const c = caches.connectors.get(...splitKey(key));
      if (!c) continue;
      controller.enqueue(expiryKey('connector', ns, c.metadata.name));
      named ||= c.spec.tlsCredentials === name;
    }
    if (named) controller.enqueueAfter(siteKey(ns), SITE_PASS_DELAY_MS);
  };
  caches.listeners.on((_e, l) => {
    controller.enqueue(expiryKey('listener', l.metadata.namespace, l.metadata.name));
    controller.enqueueAfter(siteKey(l.metadata.namespace), SITE_PASS_DELAY_MS);
  });
  caches.connectors.on((_e, c) => {
    controller.enqueue(expiryKey('connector', c.metadata.namespace, c.metadata.name));
    controller.enqueueAfter(siteKey(c.metadata.namespace), SITE_PASS_DELAY_MS);
  });
  caches.secrets.on((_e, s) => { byName(s); });
  caches.opaqueSecrets.on((_e, s) => { byName(s); });
  caches.certificates.on((_e, c) => { byName(c); });
  return { controller, tracker, sites };
}

export function resyncExpiry(controller: Controller, deps: Pick<ExpiryDeps, 'caches'>): void {
  const namespaces = new Set<string>();
  for (const l of deps.caches.listeners.list()) {
    controller.enqueue(expiryKey('listener', l.metadata.namespace, l.metadata.name));
    namespaces.add(l.metadata.namespace);
  }
  for (const c of deps.caches.connectors.list()) {
    controller.enqueue(expiryKey('connector', c.metadata.namespace, c.metadata.name));
    namespaces.add(c.metadata.namespace);
  }
  for (const ns of namespaces) controller.enqueue(siteKey(ns));
}
