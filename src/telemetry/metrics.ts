// Every metric of SPEC §5 lives here, on a registry of our own (not the
// prom-client global), so tests can run several daemons in one process.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { version } from '../version.js';
import { RENEWAL_TRIGGERS } from '../decisions/renewal.js';

export const METRIC_PREFIX = 'skupper_cert_rotator_';
const p = (name: string): string => METRIC_PREFIX + name;

export type ObjectKind = 'listener' | 'connector' | 'connector-client';
export const OBJECT_LABELS = ['namespace', 'kind', 'name', 'secret'] as const;
type ObjectLabel = (typeof OBJECT_LABELS)[number];
export const PER_OBJECT_METRICS = ['notAfter', 'notBefore', 'renewalTime', 'ready', 'hostCovered', 'bundleCertificates', 'bundleNotAfter', 'servedCurrent', 'backendTrustVerified'] as const;
export type PerObjectMetric = (typeof PER_OBJECT_METRICS)[number];

export const RENEWAL_RESULTS = ['success', 'failure', 'error'] as const;
export const ROLL_STRATEGIES = ['reload', 'restart'] as const;
export const ROLL_RESULTS = ['success', 'error'] as const;

export class Metrics {
  readonly registry = new Registry();

  // Per object (namespace, kind, name, secret).
  readonly notAfter = this.objectGauge('certificate_not_after_timestamp_seconds', 'Expiry (notAfter) of the certificate in the Secret, Unix seconds.');
  readonly notBefore = this.objectGauge('certificate_not_before_timestamp_seconds', 'Start of validity (notBefore) of the certificate in the Secret, Unix seconds.');
  readonly renewalTime = this.objectGauge('certificate_renewal_timestamp_seconds', 'When the certificate is due for renewal, Unix seconds.');
  readonly ready = this.objectGauge('certificate_ready', '1 when the Certificate is Ready and its Secret passes verification.');
  readonly hostCovered = this.objectGauge('certificate_host_covered', '1 when the certificate SANs cover the Listener host.');
  readonly bundleCertificates = this.objectGauge('ca_bundle_certificates', 'Number of CA certificates in the Secret ca.crt bundle.');
  readonly bundleNotAfter = this.objectGauge('ca_bundle_not_after_timestamp_seconds', 'Earliest expiry among the CA certificates in ca.crt, Unix seconds.');
  readonly servedCurrent = this.objectGauge('served_certificate_current', '1 when the probed service serves the certificate in the Secret.');
  readonly backendTrustVerified = this.objectGauge('backend_trust_verified', "1 when the Connector backend's chain verifies against the bundle.");

  // Daemon.
  readonly renewals = new Counter({ name: p('renewals_total'), help: 'Renewals triggered, by trigger and result.', labelNames: ['trigger', 'result'] as const, registers: [this.registry] });
  readonly rollouts = new Counter({ name: p('rollouts_total'), help: 'Secret roll-outs, by strategy and result.', labelNames: ['strategy', 'result'] as const, registers: [this.registry] });
  readonly reconciles = new Counter({ name: p('reconcile_total'), help: 'Reconciles, by controller and result.', labelNames: ['controller', 'result'] as const, registers: [this.registry] });
  readonly reconcileDuration = new Histogram({
    name: p('reconcile_duration_seconds'),
    help: 'Reconcile latency by controller.',
    labelNames: ['controller'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly watchRestarts = new Counter({ name: p('watch_restarts_total'), help: 'Watch restarts, by resource.', labelNames: ['resource'] as const, registers: [this.registry] });
  readonly queueDepth = new Gauge({ name: p('queue_depth'), help: 'Keys waiting in the work queue, by controller.', labelNames: ['controller'] as const, registers: [this.registry] });
  readonly leader = new Gauge({ name: p('leader'), help: '1 while this replica holds the leader Lease.', registers: [this.registry] });
  readonly objectProblem = new Gauge({
    name: p('object_problem'),
    help: '1 while a Listener/Connector has a problem that stops it from converging (bad annotation, invalid host, conflict, failed verification), by reason.',
    labelNames: ['namespace', 'kind', 'name', 'reason'] as const,
    registers: [this.registry],
  });
  // Per namespace (a Skupper site): see src/decisions/site-blockers.ts.
  readonly siteConfigBlocked = new Gauge({
    name: p('site_config_blocked'),
    help: "1 while a Listener or Connector of the namespace names in spec.tlsCredentials a Secret that does not exist or is not kubernetes.io/tls, which stalls Skupper's config sync for the whole site; 0 otherwise.",
    labelNames: ['namespace'] as const,
    registers: [this.registry],
  });
  readonly siteConfigBlocker = this.objectGauge('site_config_blocker', "1 for each Listener/Connector whose spec.tlsCredentials names a Secret (the secret label) that does not exist or is not kubernetes.io/tls: it blocks Skupper's config sync in its namespace.");
  readonly eventsSuppressed = new Counter({ name: p('events_suppressed_total'), help: 'Kubernetes Events held back by a rate limit (object-rate: one object had too many; overflow-rate: the dedupe memory is full).', labelNames: ['limit'] as const, registers: [this.registry] });
  readonly buildInfo = new Gauge({ name: p('build_info'), help: 'Build information; always 1.', labelNames: ['version', 'nodejs'] as const, registers: [this.registry] });

  constructor() {
    // Standard process_* and nodejs_* names, so stock dashboards and alerts work.
    collectDefaultMetrics({ register: this.registry });
    this.buildInfo.set({ version, nodejs: process.version }, 1);
    this.leader.set(0);
    // Known label sets start at 0, so the first failure is an increase() that
    // alerts see, and dashboards show a flat line rather than "no data".
    for (const trigger of RENEWAL_TRIGGERS) for (const result of RENEWAL_RESULTS) this.renewals.inc({ trigger, result }, 0);
    for (const strategy of ROLL_STRATEGIES) for (const result of ROLL_RESULTS) this.rollouts.inc({ strategy, result }, 0);
    for (const limit of ['object-rate', 'overflow-rate']) this.eventsSuppressed.inc({ limit }, 0);
  }

  private readonly objectSecrets = new Map<string, string>();
  private readonly objectProblems = new Map<string, Set<string>>();

  /** Per-object gauges for one object; a changed secret name removes the old series. */
  setObject(kind: ObjectKind, namespace: string, name: string, secret: string, values: Partial<Record<PerObjectMetric, number>>): void {
    const id = `${kind}/${namespace}/${name}`;
    const previous = this.objectSecrets.get(id);
    if (previous !== undefined && previous !== secret) this.removeObjectSeries(kind, namespace, name, previous);
    this.objectSecrets.set(id, secret);
    const labels = { namespace, kind, name, secret };
    for (const [metric, value] of Object.entries(values) as [PerObjectMetric, number][]) this[metric].set(labels, value);
  }

  /**
   * Like setObject, but the series among `owned` that are not in `values` are
   * removed: a value that disappeared (a Secret emptied) must not linger.
   * Series outside `owned` (another writer's) are left alone.
   */
  replaceObject(kind: ObjectKind, namespace: string, name: string, secret: string, values: Partial<Record<PerObjectMetric, number>>, owned: readonly PerObjectMetric[]): void {
    this.setObject(kind, namespace, name, secret, values);
    for (const m of owned) if (values[m] === undefined) this[m].remove({ namespace, kind, name, secret });
  }

  /** Current problems of an object: exactly these reasons are 1, earlier ones are removed. */
  /**
   * `source` separates writers: the expiry tracker's problems of an object
   * are set and cleared independently of its controller's.
   */
  setProblems(kind: ObjectKind, namespace: string, name: string, reasons: readonly string[], source = 'controller'): void {
    const id = `${source}:${kind}/${namespace}/${name}`;
    const now = new Set(reasons);
    for (const old of this.objectProblems.get(id) ?? []) if (!now.has(old)) this.objectProblem.remove({ namespace, kind, name, reason: old });
    for (const r of now) this.objectProblem.set({ namespace, kind, name, reason: r }, 1);
    if (now.size === 0) this.objectProblems.delete(id);
    else this.objectProblems.set(id, now);
  }

  private readonly siteBlockers = new Map<string, Record<ObjectLabel, string>[]>();

  /**
   * The site series of a namespace: site_config_blocked, and a blocker series
   * for exactly these culprits (earlier ones are removed). A namespace no
   * longer `tracked` (no Listener or Connector left) loses both.
   */
  setSiteBlockers(namespace: string, blockers: readonly { kind: string; name: string; secret: string }[], tracked: boolean): void {
    for (const old of this.siteBlockers.get(namespace) ?? []) this.siteConfigBlocker.remove(old);
    const now = tracked ? blockers.map((b) => ({ namespace, kind: b.kind, name: b.name, secret: b.secret })) : [];
    for (const labels of now) this.siteConfigBlocker.set(labels, 1);
    if (now.length > 0) this.siteBlockers.set(namespace, now);
    else this.siteBlockers.delete(namespace);
    if (tracked) this.siteConfigBlocked.set({ namespace }, now.length > 0 ? 1 : 0);
    else this.siteConfigBlocked.remove({ namespace });
  }

  /** Removes the per-object series (not the problems) of an object that has no Secret any more. */
  forgetSeries(kind: ObjectKind, namespace: string, name: string): void {
    const id = `${kind}/${namespace}/${name}`;
    const secret = this.objectSecrets.get(id);
    if (secret !== undefined) this.removeObjectSeries(kind, namespace, name, secret);
    this.objectSecrets.delete(id);
  }

  /** Removes every series of a deleted object, its problems included. */
  forgetObject(kind: ObjectKind, namespace: string, name: string): void {
    this.forgetSeries(kind, namespace, name);
    this.setProblems(kind, namespace, name, []);
    this.setProblems(kind, namespace, name, [], 'expiry');
  }

  private removeObjectSeries(kind: ObjectKind, namespace: string, name: string, secret: string): void {
    for (const m of PER_OBJECT_METRICS) this[m].remove({ namespace, kind, name, secret });
  }

  private objectGauge(name: string, help: string): Gauge<ObjectLabel> {
    return new Gauge({ name: p(name), help, labelNames: OBJECT_LABELS, registers: [this.registry] });
  }
}
