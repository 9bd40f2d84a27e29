// SPEC §4.3 rolling, per namespace. reload (Skupper ≥ 2.1): the router picks
// up changed Secret data by itself, so a verified new revision is only
// counted. restart (Skupper 2.0): the router Deployment's pod template gets
// a new restarted-at annotation, at most once per set of new revisions; the
// record of what was rolled lives on the Deployment, so a restart of the
// daemon neither repeats nor forgets a roll.
import type { V1Deployment, V1Secret } from '@kubernetes/client-node';
import type { Config } from '../../config/config.js';
import { isNotFound, type Api } from '../../kube/api.js';
import { Resources } from '../../model/resources.js';
import { namespacedKey } from '../../kube/keys.js';
import type { ReconcileResult } from '../../kube/controller.js';
import type { EventRecorder } from '../../kube/events.js';
import type { Informer } from '../../kube/informer.js';
import type { Logger } from '../../telemetry/log.js';
import type { Metrics } from '../../telemetry/metrics.js';
import { FIELD_MANAGER } from '../../model/annotations.js';
import type { Connector, Listener } from '../../model/skupper.js';
import { Writer } from '../../owned/writer.js';
import type { ExpiryTracker } from '../../tracking/tracker.js';
import { RESTARTED_AT_ANNOTATION, ROLLED_SECRETS_ANNOTATION, decodeRecord, encodeRecord, planRoll, secretDigest } from '../../decisions/roll-plan.js';

export interface RollCaches {
  listeners: Informer<Listener>;
  connectors: Informer<Connector>;
  secrets: Informer<V1Secret>;
  opaqueSecrets: Informer<V1Secret>;
}

export interface RollDeps {
  api: Api;
  caches: RollCaches;
  config: Config;
  events: EventRecorder;
  metrics: Metrics;
  log: Logger;
  tracker: ExpiryTracker;
  now?: () => Date;
}

export class RollReconciler {
  private readonly writer: Writer;
  /** reload: digest per namespace/secret last counted. */
  private readonly seen = new Map<string, string>();
  private readonly missingDeploymentReported = new Set<string>();
  private readonly digests = new Map<string, { rv: string; digest: string }>();
  /** Restarts asked for by the probe (a stale served certificate), by namespace. */
  private readonly forced = new Map<string, string>();

  /** Restarts the router of `namespace` on the next reconcile (restart strategy only). */
  requestRestart(namespace: string, why: string): void {
    this.forced.set(namespace, why);
  }

  constructor(private readonly d: RollDeps) {
    this.writer = new Writer(d.api, d.log, d.config.dryRun);
  }

  /** secretDigest per Secret, hashed once per resourceVersion: every roll looks at every Secret of its namespace. */
  private digest(namespace: string, name: string, secret: V1Secret): string {
    const key = namespacedKey(namespace, name);
    const rv = secret.metadata?.resourceVersion ?? '';
    const known = this.digests.get(key);
    if (known && known.rv === rv && rv !== '') return known.digest;
    const digest = secretDigest(secret);
    this.digests.set(key, { rv, digest });
    return digest;
  }

  /** Verified Secrets in use in `namespace` (digest by name), and every Secret named at all. */
  private inUse(namespace: string): { current: Record<string, string>; referenced: Set<string> } {
    const { caches, tracker } = this.d;
    const current: Record<string, string> = {};
    const referenced = new Set<string>();
    const objects = [
      ...caches.listeners.list(namespace).map((o) => tracker.current('listener', namespace, o.metadata.name)),
      ...caches.connectors.list(namespace).map((o) => tracker.current('connector', namespace, o.metadata.name)),
    ];
    for (const found of objects) {
      const s = found?.status;
      if (!s?.secret) continue;
      referenced.add(s.secret);
      const secret = caches.secrets.get(namespace, s.secret) ?? caches.opaqueSecrets.get(namespace, s.secret);
      // The §4.4 gate: only verified material is rolled.
      if (s.ready && secret) current[s.secret] = this.digest(namespace, s.secret, secret);
    }
    return { current, referenced };
  }

  async reconcile(namespace: string): Promise<ReconcileResult> {
    // Parsed in slices first (tracker.prepare), so the descriptions below read the parse cache.
    for (const l of this.d.caches.listeners.list(namespace)) await this.d.tracker.prepare('listener', namespace, l.metadata.name);
    for (const c of this.d.caches.connectors.list(namespace)) await this.d.tracker.prepare('connector', namespace, c.metadata.name);
    const { current, referenced } = this.inUse(namespace);
    if (this.d.config.rollStrategy === 'reload') return this.countReloads(namespace, current);
    if (referenced.size === 0) return { result: 'idle' };

    const name = this.d.config.routerDeployment;
    let deployment: V1Deployment;
    try {
      deployment = await this.d.api.get<V1Deployment>(Resources.deployment, namespace, name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      if (!this.missingDeploymentReported.has(namespace)) {
        this.missingDeploymentReported.add(namespace);
        this.d.log.warn({ namespace, deployment: name }, `--roll-strategy=restart: router Deployment ${namespace}/${name} not found; nothing to restart (set --router-deployment if it has another name)`);
      }
      return { result: 'no-deployment' };
    }
    this.missingDeploymentReported.delete(namespace);
    const recorded = decodeRecord(deployment.metadata?.annotations?.[ROLLED_SECRETS_ANNOTATION]);
    const plan = planRoll(recorded, current, referenced);
    const forced = this.forced.get(namespace);
    if (forced !== undefined) plan.changed.push(forced);
    if (!plan.recordChanged && plan.changed.length === 0) return { result: 'ok' };

    const now = (this.d.now?.() ?? new Date()).toISOString();
    const patch = {
      metadata: { resourceVersion: deployment.metadata?.resourceVersion, annotations: { [ROLLED_SECRETS_ANNOTATION]: encodeRecord(plan.record) } },
      ...(plan.changed.length > 0 ? { spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: now } } } } } : {}),
    };
    const fields = { namespace, deployment: name, secrets: plan.changed };
    try {
      await this.writer.write(plan.changed.length > 0 ? 'restart router for new Secret revisions' : 'record Secret revisions on the router Deployment', fields,
        () => this.d.api.mergePatch(Resources.deployment, namespace, name, patch, FIELD_MANAGER));
    } catch (err) {
      if (plan.changed.length > 0) this.d.metrics.rollouts.inc({ strategy: 'restart', result: 'error' });
      throw err;
    }
    this.forced.delete(namespace);
    if (plan.changed.length > 0) {
      this.d.metrics.rollouts.inc({ strategy: 'restart', result: 'success' });
      await this.d.events.record({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace, ...(deployment.metadata?.uid ? { uid: deployment.metadata.uid } : {}) } },
        'Normal', 'RouterRestarted', `restarted for new revisions of ${plan.changed.join(', ')} (--roll-strategy=restart)`);
    }
    return { result: plan.changed.length > 0 ? 'restarted' : 'recorded' };
  }

  private countReloads(namespace: string, current: Record<string, string>): ReconcileResult {
    let reloaded = 0;
    for (const [secret, digest] of Object.entries(current)) {
      const key = namespacedKey(namespace, secret);
      const before = this.seen.get(key);
      this.seen.set(key, digest);
      // The first sighting is the revision already in use, not a roll-out.
      if (before !== undefined && before !== digest) {
        reloaded += 1;
        this.d.metrics.rollouts.inc({ strategy: 'reload', result: 'success' });
      }
    }
    return { result: reloaded > 0 ? 'reloaded' : 'ok' };
  }
}
