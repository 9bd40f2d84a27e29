// A Skupper site (one namespace) whose config sync is stalled by a
// spec.tlsCredentials naming a Secret Skupper cannot read
// (decisions/site-blockers.ts). Per namespace: find the culprits among every
// cached Listener and Connector, managed or hand-made, and report them as a
// Warning Event on each culprit, a log line, site_config_blocked{namespace}
// and a site_config_blocker series per culprit. A name the caches do not hold
// is read directly (bounded, uncached-secrets.ts) before it is called
// missing, so cache lag or a type the caches skip is not mistaken for it.
import type { V1Secret } from '@kubernetes/client-node';
import type { ReconcileResult } from '../kube/controller.js';
import type { EventRecorder } from '../kube/events.js';
import type { Informer } from '../kube/informer.js';
import type { Logger } from '../telemetry/log.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { Connector, Listener } from '../model/skupper.js';
import { SITE_CONFIG_BLOCKED, blockerMessage, referencedSecrets, secretPresence, siteBlockers, type SiteBlocker } from '../decisions/site-blockers.js';
import type { UncachedSecretTypes } from './uncached-secrets.js';

export interface SiteConfigCaches {
  listeners: Informer<Listener>;
  connectors: Informer<Connector>;
  secrets: Informer<V1Secret>;
  opaqueSecrets: Informer<V1Secret>;
}

export interface SiteConfigDeps {
  caches: SiteConfigCaches;
  /** Without it a name the caches do not hold is never called missing (nothing is known of it). */
  uncached?: UncachedSecretTypes;
  metrics: Metrics;
  events: EventRecorder;
  log: Logger;
}

const culprit = (b: SiteBlocker): string => `${b.kind}/${b.name}`;

export class SiteConfigWatch {
  /** The culprits last reported per blocked namespace, "kind/name" → "secret cause". */
  private readonly reported = new Map<string, Map<string, string>>();

  constructor(private readonly d: SiteConfigDeps) {}

  /** The current culprits of a namespace, from the caches and what was read directly. */
  blockers(namespace: string, listeners = this.d.caches.listeners.list(namespace), connectors = this.d.caches.connectors.list(namespace)): SiteBlocker[] {
    const { uncached } = this.d;
    return siteBlockers(listeners, connectors, (ns, name) => secretPresence(this.cached(ns, name), uncached?.lastRead(ns, name)));
  }

  async reconcile(namespace: string): Promise<ReconcileResult> {
    const { caches, uncached } = this.d;
    let limited = false;
    for (const ref of referencedSecrets([...caches.listeners.list(namespace), ...caches.connectors.list(namespace)])) {
      if (!this.cached(namespace, ref.name) && uncached && (await uncached.refresh(namespace, ref.name)) === 'limited') limited = true;
    }
    // Listed once more after the reads (which may have awaited), and only once: a pass is O(objects of the namespace).
    const listeners = caches.listeners.list(namespace);
    const connectors = caches.connectors.list(namespace);
    const blockers = this.blockers(namespace, listeners, connectors);
    const tracked = listeners.length + connectors.length > 0;
    this.d.metrics.setSiteBlockers(namespace, blockers, tracked);
    this.log(namespace, blockers);
    for (const b of blockers) {
      const obj = b.kind === 'listener' ? caches.listeners.get(namespace, b.name) : caches.connectors.get(namespace, b.name);
      // Deduplicated and rate-limited by the recorder: a standing culprit is one Event.
      if (obj) await this.d.events.record(obj, 'Warning', SITE_CONFIG_BLOCKED, blockerMessage(b));
    }
    if (!tracked) return { result: 'deleted' };
    // A read that was due waits for the rate; a Secret of a type the caches skip comes and goes without an event.
    const requeueAfterMs = !uncached ? undefined
      : limited ? uncached.retryAfterMs()
        : blockers.some((b) => !this.cached(namespace, b.secret)) ? uncached.recheckMs : undefined;
    return { result: blockers.length > 0 ? 'blocked' : 'ok', ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}) };
  }

  private cached(namespace: string, name: string): V1Secret | undefined {
    return this.d.caches.secrets.get(namespace, name) ?? this.d.caches.opaqueSecrets.get(namespace, name);
  }

  /** A log line per new culprit, and one when the namespace is no longer blocked. */
  private log(namespace: string, blockers: SiteBlocker[]): void {
    const before = this.reported.get(namespace) ?? new Map<string, string>();
    const now = new Map(blockers.map((b) => [culprit(b), `${b.secret} ${b.cause}`]));
    for (const b of blockers) {
      if (before.get(culprit(b)) === now.get(culprit(b))) continue;
      this.d.log.warn({ [b.kind]: `${namespace}/${b.name}`, secret: b.secret, cause: b.cause, reason: SITE_CONFIG_BLOCKED }, blockerMessage(b));
    }
    if (now.size > 0) {
      this.reported.set(namespace, now);
    } else if (before.size > 0) {
      this.reported.delete(namespace);
      this.d.log.info({ namespace, was: [...before.keys()] }, `Skupper's config sync in namespace ${namespace} is no longer blocked by a missing tlsCredentials Secret`);
    }
  }
}
