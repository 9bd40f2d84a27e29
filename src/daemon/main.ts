// The `run` command: wire config, logger, API connection, caches, controllers,
// metrics and health servers, and shut all of it down cleanly on SIGTERM/SIGINT.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { hostname } from 'node:os';
import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import { ConfigError, type Config } from '../config/config.js';
import { createConnectorController, resyncConnectors } from '../controllers/connector/controller.js';
import type { ConnectorCaches } from '../controllers/connector/reconcile.js';
import { createExpiryController, resyncExpiry } from '../controllers/expiry/controller.js';
import { createListenerController, resyncListeners } from '../controllers/listener/controller.js';
import { createProbeController } from '../controllers/probe/controller.js';
import { createRollController, resyncRolls } from '../controllers/roll/controller.js';
import { createRenewalController, resyncRenewals } from '../controllers/renewal/controller.js';
import type { ListenerCaches } from '../controllers/listener/reconcile.js';
import { HealthChecks, closeServer, serveHealth, serveMetrics } from './health.js';
import { Api } from '../kube/api.js';
import { CRD_INSTALL_HINTS, Resources, requiredResources } from '../model/resources.js';
import { serverVersion } from '../kube/client.js';
import { kubeConfigFromFlag } from '../config/kubeconfig.js';
import { CrdGate } from '../kube/crd-wait.js';
import type { Controller } from '../kube/controller.js';
import { EventRecorder } from '../kube/events.js';
import { Informer, type InformerOptions } from '../kube/informer.js';
import { LeaderElector } from '../kube/leader-election.js';
import type { Lease } from '../kube/lease-record.js';
import type { Logger } from '../telemetry/log.js';
import { Metrics } from '../telemetry/metrics.js';
import { ParseCache } from '../pki/parse-cache.js';
import { SharedValues } from '../kube/shared-values.js';
import type { Certificate, Issuer } from '../model/certmanager.js';
import type { Connector, Listener } from '../model/skupper.js';
import { FIELD_MANAGER } from '../model/annotations.js';
import { cachedOwner, cachedSecret } from '../model/cached-fields.js';
import { condensingTransform } from '../owned/condensed-secrets.js';
import { USER_AGENT, version } from '../version.js';

type Named = { metadata?: { name?: string; namespace?: string } };

const POD_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** --leader-election-namespace, else the namespace of the pod we run in. */
function leaseNamespace(config: Config): string {
  if (config.leaderElectionNamespace !== '') return config.leaderElectionNamespace;
  try {
    return readFileSync(POD_NAMESPACE_FILE, 'utf8').trim();
  } catch {
    throw new ConfigError('leader-election-namespace', `required with --leader-elect outside a pod (${POD_NAMESPACE_FILE} is not readable)`);
  }
}

export class Daemon {
  readonly metrics = new Metrics();
  readonly health = new HealthChecks();
  private servers: Server[] = [];
  private connected = false;
  private api: Api | undefined;
  private informers: Pick<Informer<Named>, 'type' | 'hasSynced' | 'silentForMs' | 'start' | 'stop'>[] = [];
  private controllers: Controller[] = [];
  private timers: NodeJS.Timeout[] = [];
  private stopping: Promise<void> | undefined;
  private elector: LeaderElector | undefined;
  private events: EventRecorder | undefined;
  private failed: (reason: string) => void = () => undefined;
  /** Aborts waits of start() (for CRDs) when stop() is called. */
  private readonly startAbort = new AbortController();
  /** Resolves with a reason when the daemon must exit non-zero (leadership lost). */
  readonly failure = new Promise<string>((resolve) => { this.failed = resolve; });

  constructor(
    readonly config: Config,
    readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const { config, log, metrics } = this;
    const kc = kubeConfigFromFlag(config.kubeconfig);
    // Before any server starts: a flag error exits 2 with one line, nothing to clean up.
    const leaseNs = config.leaderElect ? leaseNamespace(config) : '';
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

    const instance = process.env.POD_NAME ?? hostname();
    const api = new Api(kc, `${USER_AGENT} (${instance})`);
    this.api = api;
    // Without the Skupper and cert-manager CRDs every watch would fail with 404
    // forever: wait for them, not ready and saying why.
    const crds = new CrdGate(api, requiredResources({ clusterIssuers: config.clusterIssuers, issuers: true }), log, { hints: CRD_INSTALL_HINTS });
    this.health.addReadiness('crds', crds.check);
    await crds.wait(this.startAbort.signal);
    // One table for every cache: a Listener's name is also its Certificate's, its Secret's and their owner references'.
    const strings = new SharedValues();
    const informer = <T extends Named>(type: (typeof Resources)[keyof typeof Resources], extra: Partial<InformerOptions> = {}): Informer<T> => {
      metrics.watchRestarts.inc({ resource: type.plural }, 0);
      const inf = new Informer<T>(api, type, {
        namespaces: config.namespaces,
        stallMs: config.watchStallTimeoutMs,
        strings,
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
    const secretNamespaces = config.namespaces.length > 0 ? [...new Set([...config.namespaces, ...(config.clusterIssuers ? [config.clusterResourceNamespace] : [])])] : [];
    // One cache for every controller: a Secret's certificates are parsed once per resourceVersion, whoever reads them first.
    const parser = new ParseCache();
    // A Listener's Secret is cached without its tls.crt and tls.key texts (model/condensed-tls.ts).
    const secretTransform = condensingTransform(parser, cachedSecret);
    const caches: ListenerCaches & ConnectorCaches = {
      listeners: informer<Listener>(Resources.listener, { ...selector, transform: cachedOwner }),
      connectors: informer<Connector>(Resources.connector, { ...selector, transform: cachedOwner }),
      certificates: informer<Certificate>(Resources.certificate),
      // Skupper only syncs kubernetes.io/tls Secrets (SPEC §2); hand-made CA
      // Secrets are usually Opaque. Caching every other type (service account
      // tokens, Helm releases) would waste memory.
      secrets: informer<V1Secret>(Resources.secret, { fieldSelector: 'type=kubernetes.io/tls', namespaces: secretNamespaces, transform: secretTransform }),
      opaqueSecrets: informer<V1Secret>(Resources.secret, { fieldSelector: 'type=Opaque', namespaces: secretNamespaces, transform: cachedSecret }),
      configMaps: informer<V1ConfigMap>(Resources.configMap),
      issuers: informer<Issuer>(Resources.issuer),
      clusterIssuers: informer<Issuer>(Resources.clusterIssuer, { namespaces: [], disabled: !config.clusterIssuers }),
    };
    const events = new EventRecorder(api, log, config.dryRun, { reportingController: FIELD_MANAGER, onSuppressed: (limit) => { metrics.eventsSuppressed.inc({ limit }); } });
    this.events = events;
    // Sized by the objects tracked: a deleted object's parses go with it.
    for (const source of [caches.secrets, caches.opaqueSecrets, caches.configMaps]) {
      source.on((event, obj) => {
        const uid = obj.metadata?.uid;
        if (event === 'delete' && uid !== undefined) parser.forget(uid);
      });
    }
    const listeners = createListenerController({ api, caches, config, events, metrics, log, parser });
    const connectors = createConnectorController({ api, caches, config, events, metrics, log, parser }).controller;
    const window = config.renewalWindowSchedule;
    const renewals = createRenewalController({ api, caches, config, events, metrics, log, parser, ...(window ? { window } : {}) });
    const { controller: expiry, tracker } = createExpiryController({ api, caches, config, metrics, log, events, parser });
    const { controller: rolls, reconciler: roller } = createRollController({ api, caches, config, events, metrics, log, tracker });
    const requestRestart = (ns: string, why: string): void => {
      roller.requestRestart(ns, why);
      rolls.enqueue(ns);
    };
    this.controllers.push(listeners, connectors, renewals, expiry, rolls);
    if (config.probe) this.controllers.push(createProbeController({ caches, config, events, metrics, log, tracker, requestRestart }));

    // Followers see renewals and releases of the Lease as they happen (leader-election.ts).
    const leases = config.leaderElect
      ? informer<Lease>(Resources.lease, { namespaces: [leaseNs], fieldSelector: `metadata.name=${config.leaderElectionId}` })
      : undefined;

    this.health.addReadiness('caches', () => {
      const pending = this.informers.filter((i) => !i.hasSynced()).map((i) => i.type.plural);
      return { ok: pending.length === 0, detail: pending.length ? `waiting for ${pending.join(', ')}` : 'synced' };
    });
    // Watches can go silent without an error; the informers restart them after
    // --watch-stall-timeout, so silence for twice that means restarting failed.
    this.health.addLiveness('watches', () => {
      const bound = 2 * config.watchStallTimeoutMs;
      const stalled = this.informers.filter((i) => i.silentForMs() > bound).map((i) => `${i.type.plural} (${Math.round(i.silentForMs() / 1000)} s)`);
      return { ok: stalled.length === 0, detail: stalled.length ? `silent beyond ${bound / 1000} s: ${stalled.join(', ')}` : 'flowing' };
    });
    for (const i of this.informers) i.start();
    await this.waitForSync();
    log.info({ listeners: caches.listeners.list().length, connectors: caches.connectors.list().length, certificates: caches.certificates.list().length, secrets: caches.secrets.list().length }, 'caches synced');

    // Only the leader reconciles (and so writes); a follower keeps its caches
    // warm, serves health and metrics, and queues keys for when it leads.
    let leading = false;
    const lead = (): void => {
      if (leading || this.stopping !== undefined) return;
      leading = true;
      metrics.leader.set(1);
      for (const c of this.controllers) c.start();
      const resync = setInterval(() => {
        resyncListeners(listeners, { caches });
        resyncConnectors(connectors, { caches });
        resyncRenewals(renewals, { caches });
        resyncExpiry(expiry, { caches });
        resyncRolls(rolls, roller, { caches });
      }, config.resyncPeriodMs);
      resync.unref();
      this.timers.push(resync);
    };
    if (!leases) {
      lead();
      return;
    }
    const identity = `${instance}_${randomUUID()}`;
    const elector = new LeaderElector(api, {
      namespace: leaseNs, name: config.leaderElectionId, identity,
      leaseDurationMs: config.leaseDurationMs, renewDeadlineMs: config.renewDeadlineMs, retryPeriodMs: config.retryPeriodMs,
    }, {
      onStartedLeading: lead,
      onStoppedLeading: () => {
        metrics.leader.set(0);
        this.failed('leadership lost');
      },
    }, log);
    this.elector = elector;
    leases.on((event, lease) => {
      if (event !== 'delete') elector.seen(lease);
    });
    log.info({ lease: `${leaseNs}/${config.leaderElectionId}`, identity }, 'campaigning for leadership');
    elector.start();
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
      this.startAbort.abort(new Error(`stopped: ${reason}`));
      this.connected = false;
      for (const t of this.timers) clearInterval(t);
      const drained = await Promise.all(this.controllers.map((c) => c.stop(this.config.shutdownTimeoutMs)));
      if (drained.includes(false)) this.log.warn({ shutdownTimeoutMs: this.config.shutdownTimeoutMs }, 'reconciles still running at the shutdown deadline; abandoning them');
      // Events the reconciles posted without waiting: sent before the API connection closes, within the same deadline.
      let deadline: NodeJS.Timeout | undefined;
      await Promise.race([this.events?.drain(), new Promise((r) => { deadline = setTimeout(r, this.config.shutdownTimeoutMs); })]);
      clearTimeout(deadline);
      // After the last write: the next leader must not overlap with us.
      await this.elector?.stop();
      this.metrics.leader.set(0);
      await Promise.all(this.informers.map((i) => i.stop()));
      this.api?.close();
      await Promise.all(this.servers.map(closeServer));
      this.servers = [];
      this.log.info('shutdown complete');
    })();
    return this.stopping;
  }
}
