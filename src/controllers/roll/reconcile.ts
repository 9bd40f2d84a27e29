// SPEC §4.3 rolling, per namespace. reload (Skupper ≥ 2.1): the router picks
// up changed Secret data by itself, so a verified new revision is only
// counted. restart (Skupper 2.0): the router Deployment's pod template gets
// a new restarted-at annotation, at most once per set of new revisions; the
// record of what was rolled lives on the Deployment, so a restart of the
// daemon neither repeats nor forgets a roll.
import type { V1Deployment } from '@kubernetes/client-node';
import type { Config } from '../../config/config.js';
import { isNotFound, type Api } from '../../kube/api.js';
import { Resources } from '../../model/resources.js';
import { namespacedKey } from '../../kube/keys.js';
import type { ReconcileResult } from '../../kube/controller.js';
import type { EventRecorder } from '../../kube/events.js';
import type { Logger } from '../../telemetry/log.js';
import type { Metrics } from '../../telemetry/metrics.js';
import { FIELD_MANAGER } from '../../model/annotations.js';
import { Writer } from '../../owned/writer.js';
import { InUse, type RollCaches } from './in-use.js';
import type { ExpiryTracker, TrackedKind } from '../../tracking/tracker.js';
import { RESTARTED_AT_ANNOTATION, ROLLED_SECRETS_ANNOTATION, decodeRecord, encodeRecord, planRoll } from '../../decisions/roll-plan.js';

export type { RollCaches } from './in-use.js';

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
  /** Restarts asked for by the probe (a stale served certificate), by namespace. */
  private readonly forced = new Map<string, string>();

  /** Restarts the router of `namespace` on the next reconcile (restart strategy only). */
  requestRestart(namespace: string, why: string): void {
    this.forced.set(namespace, why);
  }

  private readonly inUse: InUse;

  constructor(private readonly d: RollDeps) {
    this.writer = new Writer(d.api, d.log, d.config.dryRun);
    this.inUse = new InUse(d.caches, d.tracker);
  }

  /** The object (or its Secret or Certificate) changed: the next reconcile of its namespace describes it again. */
  touch(kind: TrackedKind, namespace: string, name: string): void {
    this.inUse.touch(kind, namespace, name);
  }

  /** The next reconcile of `namespace` describes every object in it (the periodic resync). */
  resync(namespace: string): void {
    this.inUse.requestFullPass(namespace);
  }

  /** A Secret was deleted: its cached digest goes. */
  forgetSecret(namespace: string, name: string): void {
    this.inUse.forgetSecret(namespace, name);
  }

  /** How many Secrets have a digest cached (for tests). */
  get cachedDigests(): number {
    return this.inUse.cachedDigests;
  }

  async reconcile(namespace: string): Promise<ReconcileResult> {
    const pass = await this.inUse.refresh(namespace);
    // Only what this pass described can have a new digest: counting over the whole namespace was O(N) per event.
    if (this.d.config.rollStrategy === 'reload') return this.countReloads(namespace, pass.described);
    const { current, referenced } = pass.whole();
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

  private countReloads(namespace: string, described: Record<string, string>): ReconcileResult {
    let reloaded = 0;
    for (const [secret, digest] of Object.entries(described)) {
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
