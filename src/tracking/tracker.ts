// SPEC §4.3 expiry watch: every Listener and Connector, managed or not, is
// described (decisions/expiry-status.ts) whenever it, its Secret or its Certificate changes,
// and the per-object metrics (SPEC §5) are exported from that description.
// This is the only writer of the per-object series, so a series is never
// half-owned by two controllers. Descriptions are memoized by the
// resourceVersions they were made from: a resync or a scrape parses nothing.
import type { V1Secret } from '@kubernetes/client-node';
import type { Config } from '../config/config.js';
import type { ReconcileResult } from '../kube/controller.js';
import type { Informer } from '../kube/informer.js';
import type { EventRecorder } from '../kube/events.js';
import type { Logger } from '../telemetry/log.js';
import type { Metrics, PerObjectMetric } from '../telemetry/metrics.js';
import type { Certificate } from '../model/certmanager.js';
import type { Connector, Listener } from '../model/skupper.js';
import type { Api } from '../kube/api.js';
import { kindKey, splitKindKey } from '../kube/keys.js';
import { NestedMap } from '../util/nested-map.js';
import { secretNamesUsedBy } from '../decisions/names.js';
import { TLS_SECRET_TYPE, WRONG_TYPE_REASON } from '../decisions/secret-type.js';
import { LISTENER_CA_MISSING } from '../decisions/listener-ca.js';
import { describeConnector, describeListener, describedSecretName, type Lookup, type ObjectStatus } from '../decisions/expiry-status.js';
import { type UncachedSecretTypes, uncachedSecretTypes } from './uncached-secrets.js';
import { ParseCache } from '../pki/parse-cache.js';
import { prepareSecretCertificates } from '../owned/secret-certificates.js';

export interface ExpiryCaches {
  listeners: Informer<Listener>;
  connectors: Informer<Connector>;
  certificates: Informer<Certificate>;
  secrets: Informer<V1Secret>;
  opaqueSecrets: Informer<V1Secret>;
}

export interface ExpiryDeps {
  /** Reads a Secret the caches do not hold (uncached-secrets.ts); without it such a Secret looks missing. */
  api?: Api;
  /** Instead of one made from `api` (tests). */
  uncached?: UncachedSecretTypes;
  caches: ExpiryCaches;
  config: Config;
  metrics: Metrics;
  events: EventRecorder;
  log: Logger;
  /** Shared with the other controllers; one of its own otherwise. */
  parser?: ParseCache;
  now?: () => Date;
}

export type TrackedKind = 'listener' | 'connector';

export function expiryKey(kind: TrackedKind, namespace: string, name: string): string {
  return kindKey(kind, namespace, name);
}

/** The memo's outer key: few strings, one per kind and namespace. */
function memoKey(kind: TrackedKind, namespace: string): string {
  return `${kind}/${namespace}`;
}

function parseKey(key: string): { kind: TrackedKind; namespace: string; name: string } {
  const { kind, namespace, name } = splitKindKey(key);
  return { kind: kind === 'connector' ? 'connector' : 'listener', namespace, name };
}

const UNMANAGED_REASONS: Partial<Record<ObjectStatus['state'], string>> = { Invalid: 'SecretInvalid', Expired: 'SecretExpired', SecretMissing: 'SecretMissing' };

/** The per-object series this tracker writes; the probes own the others. */
const EXPIRY_METRICS = ['notAfter', 'notBefore', 'renewalTime', 'ready', 'hostCovered', 'bundleCertificates', 'bundleNotAfter'] as const satisfies readonly PerObjectMetric[];


/** Long enough for a claim to come back through the Secret watch on a loaded machine; short enough that a Secret of another type is reported soon. */
const CLAIM_GRACE_MS = 5_000;

const seconds = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : ms / 1000);

export class ExpiryTracker {
  /** Per kind and namespace, under the cached object's own name string. */
  private readonly memo = new NestedMap<{ fingerprint: string; status: ObjectStatus; exported: boolean }>();
  /** When each object's unseen Secret was first held off from a direct read (claimWaitMs). */
  private readonly claimWaits = new Map<string, number>();
  private readonly uncached: UncachedSecretTypes | undefined;
  /** Parsed PEM per (uid, resourceVersion, key), filled by prepare(). */
  private readonly parser: ParseCache;
  private readonly lookup: Lookup;

  constructor(private readonly d: ExpiryDeps) {
    this.parser = d.parser ?? new ParseCache();
    this.lookup = {
      secret: (ns, name) => this.d.caches.secrets.get(ns, name) ?? this.d.caches.opaqueSecrets.get(ns, name),
      certificate: (ns, name) => this.d.caches.certificates.get(ns, name),
      otherSecretType: (ns, name) => {
        const type = this.uncached?.type(ns, name);
        // A cached type the caches do not show yet is cache lag, not a wrong type.
        return type === TLS_SECRET_TYPE || type === 'Opaque' ? undefined : type;
      },
      parser: this.parser,
    };
    this.uncached = d.uncached ?? (d.api ? uncachedSecretTypes(d.api) : undefined);
  }

  /** The latest description of every tracked object (for tests and future consumers). */
  statuses(): ObjectStatus[] {
    return [...this.memo.values()].map((m) => m.status);
  }

  /**
   * The current description of a tracked object (memoized by the versions it
   * depends on), or undefined when the object does not exist. Also used by
   * the roll controller, which must see the same verdicts.
   */
  current(kind: TrackedKind, namespace: string, name: string, now: Date = this.d.now?.() ?? new Date()): { status: ObjectStatus; changed: boolean } | undefined {
    const obj = kind === 'listener' ? this.d.caches.listeners.get(namespace, name) : this.d.caches.connectors.get(namespace, name);
    if (!obj) return undefined;
    const fingerprint = this.fingerprint(kind, obj, now);
    const cached = this.memo.get(memoKey(kind, namespace), name);
    if (cached?.fingerprint === fingerprint) return { status: cached.status, changed: false };
    const described = kind === 'listener' ? describeListener(obj as Listener, this.lookup, this.d.config, now) : describeConnector(obj as Connector, this.lookup, this.d.config, now);
    // Kept as a copy: the description is built by spreading optional parts,
    // which leaves V8 an object with spare out-of-object property storage.
    // 5,000 descriptions of a Ready managed Listener (18 keys) held 1,082 B
    // each as described and 571 B as copies; the memo keeps one per object.
    const status = { ...described };
    const entry = { fingerprint, status, exported: false };
    this.memo.set(memoKey(kind, namespace), obj.metadata.name, entry);
    // Recorded with the validity bounds of this description, as the next call computes it: otherwise every new description was made twice.
    entry.fingerprint = this.fingerprint(kind, obj, now);
    return { status, changed: true };
  }

  /**
   * How long to hold off reading an unseen Secret directly: a managed
   * object's Secret that nothing names yet and no Certificate fills is one the
   * Listener or Connector controller is about to create (its claim), and a
   * read now would only find nothing (0.6 GETs per new Listener at N = 1,000).
   * After the grace it is read if the caches still do not show it: then a
   * Secret of another type holds the name.
   */
  private claimWaitMs(key: string, expected: boolean): number {
    if (expected) return 0;
    const now = (this.d.now?.() ?? new Date()).getTime();
    const since = this.claimWaits.get(key) ?? now;
    this.claimWaits.set(key, since);
    return Math.max(0, since + CLAIM_GRACE_MS - now);
  }

  /**
   * Parses, in slices that yield to the event loop, the certificates of every
   * Secret the object's description may read, so that current() after it
   * finds them in the cache instead of parsing a tenant's megabyte in one
   * block. A no-op for Secrets already parsed at their resourceVersion.
   */
  async prepare(kind: TrackedKind, namespace: string, name: string): Promise<void> {
    const obj = kind === 'listener' ? this.d.caches.listeners.get(namespace, name) : this.d.caches.connectors.get(namespace, name);
    if (!obj) return;
    // A description still current reads no certificate: without this a resync
    // re-parsed every Secret the parse cache (LRU, 2,000 entries) had evicted,
    // all of them once the objects' Secrets outnumber it (issue 16).
    if (this.memo.get(memoKey(kind, namespace), name)?.fingerprint === this.fingerprint(kind, obj, this.d.now?.() ?? new Date())) return;
    for (const n of secretNamesUsedBy(kind, obj)) await prepareSecretCertificates(this.parser, this.lookup.secret(namespace, n));
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const { kind, namespace, name } = parseKey(key);
    await this.prepare(kind, namespace, name);
    // A Secret the caches do not show may be of another type: read it (bounded).
    const obj0 = kind === 'listener' ? this.d.caches.listeners.get(namespace, name) : this.d.caches.connectors.get(namespace, name);
    const ref = obj0 ? describedSecretName(kind, obj0, this.d.config) : undefined;
    const reader = obj0 !== undefined && ref !== undefined && !this.lookup.secret(namespace, ref) ? this.uncached : undefined;
    const waitMs = reader && obj0 && ref ? this.claimWaitMs(key, obj0.spec.tlsCredentials === ref || this.lookup.certificate(namespace, ref) !== undefined) : 0;
    if (!reader) this.claimWaits.delete(key);
    const limited = reader && ref && waitMs === 0 ? (await reader.refresh(namespace, ref)) === 'limited' : false;
    const now = this.d.now?.() ?? new Date();
    const found = this.current(kind, namespace, name, now);
    if (!found) {
      this.memo.delete(memoKey(kind, namespace), name);
      this.claimWaits.delete(key);
      this.d.metrics.forgetObject(kind, namespace, name);
      if (kind === 'connector') this.d.metrics.forgetObject('connector-client', namespace, name);
      return { result: 'deleted' };
    }
    const { status } = found;
    const entry = this.memo.get(memoKey(kind, namespace), name);
    // Another caller (the roll controller) may have described it first: export once per description.
    if (entry && !entry.exported) {
      this.export(status);
      entry.exported = true;
      const obj = kind === 'listener' ? this.d.caches.listeners.get(namespace, name) : this.d.caches.connectors.get(namespace, name);
      if (obj) await this.report(obj, status);
    }
    // Wake when the state changes by itself: a certificate reaching its notBefore or notAfter.
    const instants = [status.notBefore, status.notAfter, status.bundleNotAfter, status.client?.notAfter]
      .filter((t): t is number => t !== undefined && t > now.getTime());
    if (waitMs > 0) instants.push(now.getTime() + waitMs);
    else if (limited && this.uncached) instants.push(now.getTime() + this.uncached.retryAfterMs());
    // A Secret of another type goes away without an event we watch: look again later.
    else if (status.secretType !== undefined && this.uncached && !this.lookup.secret(namespace, status.secret ?? '')) instants.push(now.getTime() + this.uncached.recheckMs);
    const next = instants.length ? Math.min(...instants) - now.getTime() + 1000 : undefined;
    return { result: status.state, ...(next !== undefined ? { requeueAfterMs: next } : {}) };
  }

  /**
   * A hand-made Secret that fails the gate is reported here (SPEC §4.4: Event,
   * metric label, log line); a managed one is reported by its controller. A
   * Listener Secret without ca.crt is reported here, managed or not, in what
   * it does to Skupper (ListenerCAMissing, decisions/listener-ca.ts).
   */
  private async report(obj: Listener | Connector, s: ObjectStatus): Promise<void> {
    // Without a Secret there is nothing of ours to report: annotation problems are the controller's.
    const state = s.managed || s.secret === undefined ? undefined : s.secretType !== undefined ? WRONG_TYPE_REASON : UNMANAGED_REASONS[s.state];
    // A missing ca.crt breaks a Listener in Skupper whoever issued it (managed ones too), and
    // has a reason of its own; when it is a hand-made Secret's only problem, it is the one reported.
    const reason = state === 'SecretInvalid' && s.caMissing !== undefined && s.problems.length === 1 ? undefined : state;
    const reasons = [...(reason ? [reason] : []), ...(s.caMissing !== undefined ? [LISTENER_CA_MISSING] : [])];
    this.d.metrics.setProblems(s.kind, s.namespace, s.name, reasons, 'expiry');
    const fields = { [s.kind]: `${s.namespace}/${s.name}`, secret: s.secret };
    if (reason) {
      const msg = `Secret ${s.secret ?? '?'} (not managed by skupper-cert-rotator): ${s.problems.join('; ')}`;
      await this.d.events.record(obj, 'Warning', reason, msg);
      this.d.log.warn({ ...fields, reason }, msg);
    }
    if (s.caMissing !== undefined) {
      await this.d.events.record(obj, 'Warning', LISTENER_CA_MISSING, s.caMissing);
      this.d.log.warn({ ...fields, reason: LISTENER_CA_MISSING }, s.caMissing);
    }
  }

  /** The inputs a description depends on, plus which side of each validity bound `now` is on. */
  private fingerprint(kind: TrackedKind, obj: Listener | Connector, now: Date): string {
    const ns = obj.metadata.namespace;
    // The names are not in it: they follow from the object's resourceVersion (and kind, which the memo key has).
    const parts = [obj.metadata.resourceVersion ?? ''];
    for (const n of secretNamesUsedBy(kind, obj)) {
      parts.push(this.lookup.secret(ns, n)?.metadata?.resourceVersion ?? '-', this.lookup.certificate(ns, n)?.metadata.resourceVersion ?? '-', this.lookup.otherSecretType?.(ns, n) ?? '-');
    }
    const previous = this.memo.get(memoKey(kind, ns), obj.metadata.name)?.status;
    const bounds = [previous?.notBefore, previous?.notAfter, previous?.bundleNotAfter, previous?.client?.notAfter]
      .map((t) => (t === undefined ? '' : t <= now.getTime() ? 'past' : 'future'));
    return [...parts, ...bounds].join('|');
  }

  private export(s: ObjectStatus): void {
    const { metrics } = this.d;
    if (s.secret === undefined) {
      // Only the series: the object's controller may have problems on record for it.
      metrics.forgetSeries(s.kind, s.namespace, s.name);
    } else {
      const values: Partial<Record<'notAfter' | 'notBefore' | 'renewalTime' | 'ready' | 'hostCovered' | 'bundleCertificates' | 'bundleNotAfter', number>> = { ready: s.ready ? 1 : 0 };
      const notAfter = seconds(s.notAfter);
      const notBefore = seconds(s.notBefore);
      const renewal = seconds(s.renewalTime);
      const bundleNotAfter = seconds(s.bundleNotAfter);
      if (notAfter !== undefined) values.notAfter = notAfter;
      if (notBefore !== undefined) values.notBefore = notBefore;
      if (renewal !== undefined) values.renewalTime = renewal;
      if (s.hostCovered !== undefined) values.hostCovered = s.hostCovered ? 1 : 0;
      if (s.bundleCertificates !== undefined) values.bundleCertificates = s.bundleCertificates;
      if (bundleNotAfter !== undefined) values.bundleNotAfter = bundleNotAfter;
      // A value that disappeared (Secret emptied) must not linger from an earlier description.
      metrics.replaceObject(s.kind, s.namespace, s.name, s.secret, values, EXPIRY_METRICS);
    }
    if (s.kind === 'connector') {
      const c = s.client;
      if (!c) {
        metrics.forgetSeries('connector-client', s.namespace, s.name);
      } else {
        const values: Partial<Record<'notAfter' | 'notBefore' | 'renewalTime' | 'ready', number>> = { ready: c.ready ? 1 : 0 };
        const na = seconds(c.notAfter);
        const nb = seconds(c.notBefore);
        const rt = seconds(c.renewalTime);
        if (na !== undefined) values.notAfter = na;
        if (nb !== undefined) values.notBefore = nb;
        if (rt !== undefined) values.renewalTime = rt;
        metrics.replaceObject('connector-client', s.namespace, s.name, c.certificate, values, EXPIRY_METRICS);
      }
    }
  }
}
