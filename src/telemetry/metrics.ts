// Every metric of SPEC §5 lives here, on a registry of our own (not the
// prom-client global), so tests can run several daemons in one process.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { version } from '../version.js';
import { RENEWAL_TRIGGERS } from '../decisions/renewal.js';
import { ObjectSeries, type ObjectFamily, type ObjectLabels } from './object-series.js';
import { gzipParts, inflatePrefix } from './deflated-prefix.js';

export const METRIC_PREFIX = 'skupper_cert_rotator_';
const p = (name: string): string => METRIC_PREFIX + name;
/** How often the event-loop monitor samples; nodejs_eventloop_lag_min_seconds sits at about this. */
export const EVENT_LOOP_MONITOR_MS = 100;

export type ObjectKind = 'listener' | 'connector' | 'connector-client';
export { OBJECT_LABELS } from './object-series.js';
export const PER_OBJECT_METRICS = ['notAfter', 'notBefore', 'renewalTime', 'ready', 'hostCovered', 'bundleCertificates', 'bundleNotAfter', 'servedCurrent', 'backendTrustVerified'] as const;
export type PerObjectMetric = (typeof PER_OBJECT_METRICS)[number];

export const RENEWAL_RESULTS = ['success', 'failure', 'error'] as const;
export const ROLL_STRATEGIES = ['reload', 'restart'] as const;
export const ROLL_RESULTS = ['success', 'error'] as const;

/** Every series of the per-object table: the per-object gauges and the site blockers, which share their labels. */
type ObjectMetric = PerObjectMetric | 'siteConfigBlocker';

const OBJECT_FAMILIES: readonly ObjectFamily<ObjectMetric>[] = [
  { key: 'notAfter', name: p('certificate_not_after_timestamp_seconds'), help: 'Expiry (notAfter) of the certificate in the Secret, Unix seconds.' },
  { key: 'notBefore', name: p('certificate_not_before_timestamp_seconds'), help: 'Start of validity (notBefore) of the certificate in the Secret, Unix seconds.' },
  { key: 'renewalTime', name: p('certificate_renewal_timestamp_seconds'), help: 'When the certificate is due for renewal, Unix seconds.' },
  { key: 'ready', name: p('certificate_ready'), help: '1 when the Certificate is Ready and its Secret passes verification.' },
  { key: 'hostCovered', name: p('certificate_host_covered'), help: '1 when the certificate SANs cover the Listener host.' },
  { key: 'bundleCertificates', name: p('ca_bundle_certificates'), help: 'Number of CA certificates in the Secret ca.crt bundle.' },
  { key: 'bundleNotAfter', name: p('ca_bundle_not_after_timestamp_seconds'), help: 'Earliest expiry among the CA certificates in ca.crt, Unix seconds.' },
  { key: 'servedCurrent', name: p('served_certificate_current'), help: '1 when the probed service serves the certificate in the Secret.' },
  { key: 'backendTrustVerified', name: p('backend_trust_verified'), help: "1 when the Connector backend's chain verifies against the bundle." },
  { key: 'siteConfigBlocker', name: p('site_config_blocker'), help: "1 for each Listener/Connector whose spec.tlsCredentials names a Secret (the secret label) that does not exist or is not kubernetes.io/tls: it blocks Skupper's config sync in its namespace." },
];

/** A /metrics response: parts to write in order, gzip-encoded when `encoding` says so. */
export interface ScrapeBody {
  encoding?: 'gzip';
  parts: Buffer[];
}

/** What the /metrics endpoint serves. */
export interface MetricsSource {
  readonly contentType: string;
  /** `gzip`: the client takes a gzip body (it may still get a plain one). */
  scrape(gzip?: boolean): Promise<ScrapeBody>;
}

/**
 * prom-client's registry with the per-object table in every scrape, first:
 * the table is kept compressed (object-series.ts), and a gzip body can only
 * continue from kept compressed bytes, not lead into them.
 */
class MetricsRegistry extends Registry implements MetricsSource {
  constructor(private readonly objects: ObjectSeries<ObjectMetric>) {
    super();
  }

  override async metrics(): Promise<string> {
    return Buffer.concat((await this.scrape()).parts).toString('utf8');
  }

  async scrape(gzip = false): Promise<ScrapeBody> {
    const table = this.objects.table();
    const rest = Buffer.from(`\n\n${await super.metrics()}`, 'utf8');
    if ('plain' in table) return { parts: [table.plain, rest] };
    if (gzip) return { encoding: 'gzip', parts: gzipParts(table.deflated, rest) };
    return { parts: [await inflatePrefix(table.deflated), rest] };
  }
}

export class Metrics {
  /** Per object (namespace, kind, name, secret): object-series.ts. */
  readonly objects = new ObjectSeries<ObjectMetric>(OBJECT_FAMILIES);
  readonly registry: Registry & MetricsSource = new MetricsRegistry(this.objects);

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
  readonly eventsSuppressed = new Counter({ name: p('events_suppressed_total'), help: 'Kubernetes Events held back by a rate limit (object-rate: one object had too many; overflow-rate: the dedupe memory is full).', labelNames: ['limit'] as const, registers: [this.registry] });
  readonly buildInfo = new Gauge({ name: p('build_info'), help: 'Build information; always 1.', labelNames: ['version', 'nodejs'] as const, registers: [this.registry] });

  constructor() {
    // Standard process_* and nodejs_* names, so stock dashboards and alerts work.
    // The event-loop monitor wakes the process once per period: at prom-client's
    // 10 ms that alone cost an idle daemon 0.48 CPU s/min, at 100 ms 0.05. A
    // stall still shows in nodejs_eventloop_lag_max_seconds (overstated by at
    // most one period); nodejs_eventloop_lag_seconds is measured at each scrape.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: EVENT_LOOP_MONITOR_MS });
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
    this.replaceObject(kind, namespace, name, secret, values, []);
  }

  /**
   * Like setObject, but the series among `owned` that are not in `values` are
   * removed: a value that disappeared (a Secret emptied) must not linger.
   * Series outside `owned` (another writer's) are left alone.
   */
  replaceObject(kind: ObjectKind, namespace: string, name: string, secret: string, values: Partial<Record<PerObjectMetric, number>>, owned: readonly PerObjectMetric[]): void {
    const id = `${kind}/${namespace}/${name}`;
    const previous = this.objectSecrets.get(id);
    if (previous !== undefined && previous !== secret) this.removeObjectSeries(kind, namespace, name, previous);
    this.objectSecrets.set(id, secret);
    this.objects.update({ namespace, kind, name, secret }, values, owned);
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

  private readonly siteBlockers = new Map<string, ObjectLabels[]>();

  /**
   * The site series of a namespace: site_config_blocked, and a blocker series
   * for exactly these culprits (earlier ones are removed). A namespace no
   * longer `tracked` (no Listener or Connector left) loses both.
   */
  setSiteBlockers(namespace: string, blockers: readonly { kind: string; name: string; secret: string }[], tracked: boolean): void {
    for (const old of this.siteBlockers.get(namespace) ?? []) this.objects.remove(old, ['siteConfigBlocker']);
    const now = tracked ? blockers.map((b) => ({ namespace, kind: b.kind, name: b.name, secret: b.secret })) : [];
    for (const labels of now) this.objects.update(labels, { siteConfigBlocker: 1 });
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
    this.objects.remove({ namespace, kind, name, secret }, PER_OBJECT_METRICS);
  }
}
