// The `run` command: wire config, logger, API connection, caches, controllers,
// metrics and health servers, and shut all of it down cleanly on SIGTERM/SIGINT.
import type { Server } from 'node:http';
import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import type { Config } from './config.js';
import { createConnectorController, resyncConnectors } from './controllers/connector/controller.js';
import type { ConnectorCaches } from './controllers/connector/reconcile.js';
import { createExpiryController, resyncExpiry } from './controllers/expiry/controller.js';
import { createListenerController, resyncListeners } from './controllers/listener/controller.js';
import { createProbeController } from './controllers/probe/controller.js';
import { createRollController, resyncRolls } from './controllers/roll/controller.js';
import { createRenewalController, resyncRenewals } from './controllers/renewal/controller.js';
import { parseWindow } from './controllers/renewal/window.js';
import type { ListenerCaches } from './controllers/listener/reconcile.js';
import { HealthChecks, closeServer, serveHealth, serveMetrics } from './health.js';
import { Api, Resources } from './kube/api.js';
import { loadKubeConfig, serverVersion } from './kube/client.js';
import type { Controller } from './kube/controller.js';
import { EventRecorder } from './kube/events.js';
import { Informer, type InformerOptions } from './kube/informer.js';
import type { Logger } from './log.js';
import { Metrics } from './metrics.js';
import { ParseCache } from './pki/parse-cache.js';
import type { Certificate, Issuer } from './model/certmanager.js';
import type { Connector, Listener } from './model/skupper.js';
import { version } from './version.js';

type Named = { metadata?: { name?: string; namespace?: string } };

export class Daemon {
  readonly metrics = new Metrics();
  readonly health = new HealthChecks();
  private servers: Server[] = [];
  private connected = false;
  private api: Api | undefined;
  private informers: Pick<Informer<Named>, 'type' | 'hasSynced' | 'start' | 'stop'>[] = [];
  private controllers: Controller[] = [];
  private timers: NodeJS.Timeout[] = [];
  private stopping: Promise<void> | undefined;

  constructor(
    readonly config: Config,
    readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const { config, log, metrics } = this;
    const kc = loadKubeConfig(config.kubeconfig);
    log.info({ version, server: kc.getCurrentCluster()?.server, namespaces: config.namespaces.length ? config.namespaces : 'all', dryRun: config.dryRun }, 'starting skupper-cert-rotator');
    this.health.addLiveness('process', () => ({ ok: true, detail: 'running' }));
    this.health.addReadiness('apiserver', () => ({ ok: this.connected, detail: this.connected ? 'connected' : 'not connected yet' }));

    const metricsServer = await serveMetrics(metrics.registry, config.metricsBindAddress);
    this.servers.push(metricsServer.server);
    log.info({ address: metricsServer.address }, 'metrics server listening');
    const health = await serveHealth(this.health, config.healthBindAddress);
    this.servers.push(health.server);
    log.info({ address: health.address }, 'health server listening');

    const apiVersion = await serverVersion(kc);
    this.connected = true;
    log.info({ apiVersion }, 'connected to the Kubernetes API');

    const api = new Api(kc);
    this.api = api;
    const informer = <T extends Named>(type: (typeof Resources)[keyof typeof Resources], extra: Partial<InformerOptions> = {}): Informer<T> => {
      metrics.watchRestarts.inc({ resource: type.plural }, 0);
      const inf = new Informer<T>(api, type, {
        namespaces: config.namespaces,
        onRestart: (reason) => {
          metrics.watchRestarts.inc({ resource: type.plural });
          log.debug({ resource: type.plural, reason }, 'watch restarted');
        },
        ...extra,
      }, log);
      this.informers.push(inf);
      return inf;
    };
    const selector = config.labelSelector ? { labelSelector: config.labelSelector } : {};
    // ClusterIssuer CA Secrets live in the cluster resource namespace, which a
    // --namespaces list need not include.
    const secretNamespaces = config.namespaces.length > 0 ? [...new Set([...config.namespaces, config.clusterResourceNamespace])] : [];
    const caches: ListenerCaches & ConnectorCaches = {
      listeners: informer<Listener>(Resources.listener, selector),
      connectors: informer<Connector>(Resources.connector, selector),
      certificates: informer<Certificate>(Resources.certificate),
      // Skupper only syncs kubernetes.io/tls Secrets (SPEC §2); hand-made CA
      // Secrets are usually Opaque. Caching every other type (service account
      // tokens, Helm releases) would waste memory.
      secrets: informer<V1Secret>(Resources.secret, { fieldSelector: 'type=kubernetes.io/tls', namespaces: secretNamespaces }),
      opaqueSecrets: informer<V1Secret>(Resources.secret, { fieldSelector: 'type=Opaque', namespaces: secretNamespaces }),
      configMaps: informer<V1ConfigMap>(Resources.configMap),
      issuers: informer<Issuer>(Resources.issuer),
      clusterIssuers: informer<Issuer>(Resources.clusterIssuer, { namespaces: [] }),
    };
    const events = new EventRecorder(api, log, config.dryRun);
    const listeners = createListenerController({ api, caches, config, events, metrics, log });
    const parser = new ParseCache();
    const connectors = createConnectorController({ api, caches, config, events, metrics, log, parser }).controller;
    const window = config.renewalWindow === '' ? undefined : parseWindow(config.renewalWindow, config.renewalWindowDurationMs, config.renewalWindowTimeZone);
    if (window instanceof Error) throw window; // parseConfig already refused it
    const renewals = createRenewalController({ api, caches, config, events, metrics, log, parser, ...(window ? { window } : {}) });
    const { controller: expiry, tracker } = createExpiryController({ caches, config, metrics, log, events });
    const { controller: rolls, reconciler: roller } = createRollController({ api, caches, config, events, metrics, log, tracker });
    const requestRestart = (ns: string, why: string): void => {
      roller.requestRestart(ns, why);
      rolls.enqueue(ns);
    };
    this.controllers.push(listeners, connectors, renewals, expiry, rolls);
    if (config.probe) this.controllers.push(createProbeController({ caches, config, events, metrics, log, tracker, requestRestart }));

    this.health.addReadiness('caches', () => {
      const pending = this.informers.filter((i) => !i.hasSynced()).map((i) => i.type.plural);
      return { ok: pending.length === 0, detail: pending.length ? `waiting for ${pending.join(', ')}` : 'synced' };
    });
    for (const i of this.informers) i.start();
    await this.waitForSync();
    log.info({ listeners: caches.listeners.list().length, connectors: caches.connectors.list().length, certificates: caches.certificates.list().length, secrets: caches.secrets.list().length }, 'caches synced');
    for (const c of this.controllers) c.start();
    const resync = setInterval(() => {
      resyncListeners(listeners, { caches });
      resyncConnectors(connectors, { caches });
      resyncRenewals(renewals, { caches });
      resyncExpiry(expiry, { caches });
      resyncRolls(rolls, { caches });
    }, config.resyncPeriodMs);
    resync.unref();
    this.timers.push(resync);
  }

  private async waitForSync(): Promise<void> {
    while (!this.informers.every((i) => i.hasSynced())) {
      if (this.stopping) throw new Error('stopped before caches synced');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  isStopping(): boolean {
    return this.stopping !== undefined;
  }

  /** Idempotent; resolves when every controller, watch and server is closed. */
  stop(reason: string): Promise<void> {
    this.stopping ??= (async () => {
      this.log.info({ reason }, 'shutting down');
      this.connected = false;
      for (const t of this.timers) clearInterval(t);
      const drained = await Promise.all(this.controllers.map((c) => c.stop(10_000)));
      if (drained.includes(false)) this.log.warn('reconciles still running at the shutdown deadline; abandoning them');
      await Promise.all(this.informers.map((i) => i.stop()));
      this.api?.close();
      await Promise.all(this.servers.map(closeServer));
      this.servers = [];
      this.log.info('shutdown complete');
    })();
    return this.stopping;
  }
}
