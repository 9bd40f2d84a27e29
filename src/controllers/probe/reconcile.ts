// SPEC §4.3 probes (--probe): is the new material actually in use?
// Listener: TLS-connect to its service and compare the served leaf with the
// Secret's. Host-based Connector: TLS-connect to the backend and verify its
// chain against the bundle. Results are metrics (served_certificate_current,
// backend_trust_verified) and Events. A served certificate that is still
// stale on the next probe under --roll-strategy=restart asks for a restart,
// once per Secret revision. Concurrency is bounded by the controller's
// workers; every probe has a timeout.
import type { V1Secret } from '@kubernetes/client-node';
import type { Config } from '../../config/config.js';
import type { ReconcileResult } from '../../kube/controller.js';
import type { EventRecorder } from '../../kube/events.js';
import type { Informer } from '../../kube/informer.js';
import type { Logger } from '../../telemetry/log.js';
import type { Metrics } from '../../telemetry/metrics.js';
import type { Connector, Listener } from '../../model/skupper.js';
import type { ExpiryTracker } from '../../tracking/tracker.js';
import { hostText } from '../../host/normalize.js';
import { hostToCover, listenerAddress } from '../../decisions/listener-host.js';
import { addressKey, parseAddressMap, probeTls, type ProbeResult, type ProbeTarget } from './tls.js';
import { splitKindKey } from '../../kube/keys.js';
import { SKUPPER_TLS_PROFILE_CONTEXT } from '../../model/annotations.js';
import { profileOrdinal, staleCause, staleCauseText } from '../../decisions/served-stale-cause.js';

export interface ProbeDeps {
  caches: { listeners: Informer<Listener>; connectors: Informer<Connector>; secrets: Informer<V1Secret>; opaqueSecrets: Informer<V1Secret> };
  config: Config;
  events: EventRecorder;
  metrics: Metrics;
  log: Logger;
  tracker: ExpiryTracker;
  /** Called when a Listener keeps serving an old certificate under --roll-strategy=restart. */
  requestRestart?: (namespace: string, why: string) => void;
}

export const PROBE_TIMEOUT_MS = 5_000;
/** Leaves per Secret whose Skupper ordinal is remembered: the served one is at most a few revisions old. */
const REMEMBERED_LEAVES = 4;

export class ProbeReconciler {
  private readonly addressMap: Map<string, { host: string; port: number }>;
  /** Objects found stale on their last probe (key → Secret leaf fingerprint). */
  private readonly stale = new Map<string, string>();
  /** Per Listener: the Secret revision (ns/secret@leaf) a restart was last asked for; a revision, once replaced, never comes back. */
  private readonly restartRequested = new Map<string, string>();
  /** Per Listener: the last Skupper ordinal seen on its Secret with each of its recent leaves, to name why a renewal is not served. */
  private readonly ordinals = new Map<string, Map<string, number>>();

  constructor(private readonly d: ProbeDeps) {
    this.addressMap = parseAddressMap(d.config.probeAddressMap);
  }

  private target(host: string, port: number, servername: string): ProbeTarget {
    const mapped = this.addressMap.get(addressKey(host, port));
    return mapped ? { host: mapped.host, port: mapped.port, servername } : { host, port, servername };
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    if (!this.d.config.probe) return { result: 'disabled' };
    const { kind, namespace, name } = splitKindKey(key);
    const again = { requeueAfterMs: this.d.config.probeIntervalMs };
    if (kind === 'listener') {
      const l = this.d.caches.listeners.get(namespace, name);
      if (l) return { ...(await this.probeListener(key, l)), ...again };
      // What is remembered per Listener goes with it, so a long-running daemon holds only what exists.
      this.stale.delete(key);
      this.restartRequested.delete(key);
      this.ordinals.delete(key);
      return { result: 'deleted' };
    }
    const c = this.d.caches.connectors.get(namespace, name);
    return c ? { ...(await this.probeConnector(key, c)), ...again } : { result: 'deleted' };
  }

  private async probeListener(key: string, l: Listener): Promise<ReconcileResult> {
    const { namespace, name } = l.metadata;
    await this.d.tracker.prepare('listener', namespace, name);
    const status = this.d.tracker.current('listener', namespace, name)?.status;
    const host = l.spec.host;
    if (!status?.secret || !status.leafFingerprint || !host) return { result: 'nothing-to-probe' };
    // The host as the certificate names it (src/host/normalize.ts), so an
    // IPv4-mapped or upper-case host is dialled and checked like its plain form.
    const address = listenerAddress(host, namespace);
    const r = await probeTls(this.target(address, l.spec.port, hostToCover(host) ?? host), { timeoutMs: PROBE_TIMEOUT_MS });
    const current = r.connected && r.leafFingerprint === status.leafFingerprint;
    // A Listener's sslProfile is named after its Secret.
    const secretOrdinal = profileOrdinal(this.d.caches.secrets.get(namespace, status.secret)?.metadata?.annotations?.[SKUPPER_TLS_PROFILE_CONTEXT], status.secret);
    const byLeaf = this.rememberOrdinal(key, status.leafFingerprint, secretOrdinal);
    this.d.metrics.setObject('listener', namespace, name, status.secret, { servedCurrent: current ? 1 : 0 });
    // Fingerprints (public) of both sides, so a log reader can tell which revision was served when.
    this.d.log.debug({ listener: `${namespace}/${name}`, address: `${address}:${l.spec.port}`, current, served: r.leafFingerprint, secretLeaf: status.leafFingerprint, ms: r.ms, error: r.error }, 'probed Listener service');
    if (!r.connected) {
      await this.failed(l, `${address}:${l.spec.port}`, r);
      return { result: 'unreachable' };
    }
    if (current) {
      this.stale.delete(key);
      return { result: 'current' };
    }
    // One stale probe right after a rotation is Skupper still reloading; two in a row is a finding.
    const secretFp = status.leafFingerprint;
    if (this.stale.get(key) !== secretFp) {
      this.stale.set(key, secretFp);
      return { result: 'stale-once', requeueAfterMs: Math.min(this.d.config.probeIntervalMs, 10_000) };
    }
    const cause = staleCause({ profile: status.secret, secretOrdinal, servedLeaf: r.leafFingerprint, ordinalByLeaf: byLeaf });
    const msg = `${address}:${l.spec.port} serves certificate sha256:${(r.leafFingerprint ?? '?').slice(0, 16)}…, not the one in Secret ${status.secret} (sha256:${secretFp.slice(0, 16)}…, valid until ${status.notAfter !== undefined ? new Date(status.notAfter).toISOString() : '?'}). ${staleCauseText(cause, namespace, status.secret)}`;
    await this.d.events.record(l, 'Warning', 'ServedCertificateStale', msg);
    this.d.log.warn({ listener: `${namespace}/${name}`, cause: cause.kind }, msg);
    const once = `${namespace}/${status.secret}@${secretFp}`;
    if (this.d.config.rollStrategy === 'restart' && this.d.requestRestart && this.restartRequested.get(key) !== once) {
      this.restartRequested.set(key, once);
      this.d.requestRestart(namespace, `Listener ${name} serves a stale certificate`);
    }
    return { result: 'stale' };
  }

  /** Records `ordinal` as the latest seen with `leaf`; keeps the last few leaves per Listener. */
  private rememberOrdinal(key: string, leaf: string, ordinal: number | undefined): ReadonlyMap<string, number> {
    const byLeaf = this.ordinals.get(key) ?? new Map<string, number>();
    this.ordinals.set(key, byLeaf);
    if (ordinal === undefined) return byLeaf;
    // Re-inserted so the map's order is recency: the oldest leaf goes first.
    byLeaf.delete(leaf);
    byLeaf.set(leaf, ordinal);
    for (const old of byLeaf.keys()) {
      if (byLeaf.size <= REMEMBERED_LEAVES) break;
      byLeaf.delete(old);
    }
    return byLeaf;
  }

  private async probeConnector(key: string, c: Connector): Promise<ReconcileResult> {
    const { namespace, name } = c.metadata;
    const host = c.spec.host;
    // Selector-based Connectors reach pods by IP through the router; only a host is probed from here.
    if (!host) return { result: 'selector' };
    await this.d.tracker.prepare('connector', namespace, name);
    const status = this.d.tracker.current('connector', namespace, name)?.status;
    const secret = status?.secret ? this.d.caches.secrets.get(namespace, status.secret) ?? this.d.caches.opaqueSecrets.get(namespace, status.secret) : undefined;
    const caB64 = secret?.data?.['ca.crt'];
    if (!status?.secret || !caB64) return { result: 'nothing-to-probe' };
    const ca = Buffer.from(caB64, 'base64').toString('utf8');
    if (ca.trim() === '') return { result: 'nothing-to-probe' };
    // Dialled as written; the name checked is the one spelling, as for Listeners.
    const r = await probeTls(this.target(host, c.spec.port, hostText(host)), { ca, verifyHostname: c.spec.verifyHostname ?? true, timeoutMs: PROBE_TIMEOUT_MS });
    const verified = r.connected && r.authorized === true;
    this.d.metrics.setObject('connector', namespace, name, status.secret, { backendTrustVerified: verified ? 1 : 0 });
    this.d.log.debug({ connector: `${namespace}/${name}`, address: `${host}:${c.spec.port}`, verified, ms: r.ms, error: r.error }, 'probed Connector backend');
    if (!r.connected) {
      await this.failed(c, `${host}:${c.spec.port}`, r);
      return { result: 'unreachable' };
    }
    if (!verified) {
      const msg = `backend ${host}:${c.spec.port} does not verify against ca.crt of ${status.secret}: ${r.error ?? 'not authorized'}`;
      await this.d.events.record(c, 'Warning', 'BackendTrustFailed', msg);
      this.d.log.warn({ connector: key }, msg);
      return { result: 'untrusted' };
    }
    return { result: 'verified' };
  }

  private async failed(obj: Listener | Connector, address: string, r: ProbeResult): Promise<void> {
    const msg = `TLS probe of ${address} failed: ${r.error ?? 'unknown error'}`;
    await this.d.events.record(obj, 'Warning', 'ProbeFailed', msg);
    this.d.log.info({ object: `${obj.metadata.namespace}/${obj.metadata.name}` }, msg);
  }
}
