// SPEC §4.2 for one Connector: sources → bundle → Secret, then wiring.
// Decisions are pure (decisions/connector-desired.ts, decisions/trust-sources.ts, pki/bundle.ts); this file reads
// the caches, writes only what differs, and holds the last good Secret
// whenever the inputs are not trustworthy (a missing or unreadable source,
// an empty bundle): a bad edit must never take trust away from live traffic.
// Beside it: the client certificate (client-certificate.ts, through the
// owned-Certificate flow) and the Secret write (bundle-secret.ts).
import type { V1Secret } from '@kubernetes/client-node';
import type { Config } from '../../config/config.js';
import { type Api } from '../../kube/api.js';
import { Resources } from '../../model/resources.js';
import type { EventRecorder } from '../../kube/events.js';
import type { Informer } from '../../kube/informer.js';
import type { ReconcileResult } from '../../kube/controller.js';
import type { Logger } from '../../telemetry/log.js';
import type { Metrics } from '../../telemetry/metrics.js';
import { FIELD_MANAGER } from '../../model/annotations.js';
import type { Certificate } from '../../model/certmanager.js';
import type { Connector } from '../../model/skupper.js';
import { buildBundle } from '../../pki/bundle.js';
import { ParseCache, objectDataId } from '../../pki/parse-cache.js';
import type { ParsedCertificate } from '../../pki/certificate.js';
import { isManagedByUs, ownedByNamed } from '../../decisions/ownership.js';
import { WRONG_TYPE_REASON, secretTypeProblem } from '../../decisions/secret-type.js';
import { CertificateFlow } from '../../owned/certificate-flow.js';
import { Writer } from '../../owned/writer.js';
import { desiredConnector } from '../../decisions/connector-desired.js';
import { TRUST_HISTORY_ANNOTATION, decodeHistory } from '../../decisions/trust-history.js';
import { droppedSummary, weakCertificatesMessage } from '../../decisions/trust-report.js';
import { findSecret, resolveSource, type ResolvedSource, type SourceCaches } from './resolve.js';
import { clientCertificate } from './client-certificate.js';
import { SecretTakenError, writeBundleSecret } from './bundle-secret.js';
import { secretText } from '../../model/object-data.js';
import { splitKey } from '../../kube/keys.js';

export interface ConnectorCaches extends SourceCaches {
  connectors: Informer<Connector>;
  certificates: Informer<Certificate>;
}

export interface ConnectorDeps {
  api: Api;
  caches: ConnectorCaches;
  config: Config;
  events: EventRecorder;
  metrics: Metrics;
  log: Logger;
  /** Shared with the other controllers; one of its own otherwise. */
  parser?: ParseCache;
  now?: () => Date;
}

const MAX_LISTED = 5;

function listSubjects(certs: ParsedCertificate[]): string {
  const shown = certs.slice(0, MAX_LISTED).map((c) => `"${c.subject}"`).join(', ');
  return certs.length > MAX_LISTED ? `${shown} and ${certs.length - MAX_LISTED} more` : shown;
}

export class ConnectorReconciler {
  private readonly writer: Writer;
  /** Parsed PEM per (uid, resourceVersion, key): a steady state parses nothing. */
  readonly parser: ParseCache;
  /** The client Certificate, its Secret and their verification; holds the revisions already announced. */
  private readonly flow: CertificateFlow;

  constructor(private readonly d: ConnectorDeps) {
    this.writer = new Writer(d.api, d.log, d.config.dryRun);
    this.parser = d.parser ?? new ParseCache();
    this.flow = new CertificateFlow({
      caches: d.caches, writer: this.writer, parser: this.parser, events: d.events, log: d.log,
      clusterIssuers: d.config.clusterIssuers, now: () => this.now(),
    });
  }

  private now(): Date {
    return this.d.now?.() ?? new Date();
  }

  private async warn(connector: Connector, reason: string, message: string, fields: Record<string, unknown> = {}): Promise<void> {
    await this.d.events.record(connector, 'Warning', reason, message);
    this.d.log.warn({ connector: `${connector.metadata.namespace}/${connector.metadata.name}`, reason, ...fields }, message);
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace, name] = splitKey(key);
    const observedVersion = this.d.caches.connectors.get(namespace, name)?.metadata.resourceVersion;
    const result = await this.reconcileConnector(namespace, name);
    return observedVersion === undefined ? result : { ...result, observedVersion };
  }

  private async reconcileConnector(namespace: string, name: string): Promise<ReconcileResult> {
    const key = `${namespace}/${name}`;
    const { caches, metrics } = this.d;
    const connector = caches.connectors.get(namespace, name);
    if (!connector) {
      await this.writer.deleteCertificates(ownedByNamed(caches.certificates.list(namespace), 'Connector', name), 'Connector deleted');
      this.forget(namespace, name);
      return { result: 'deleted' };
    }

    const desired = desiredConnector(connector, this.d.config);
    if (desired.kind === 'unmanaged') {
      await this.flow.deleteOwned('Connector', connector, 'Connector no longer annotated');
      this.forget(namespace, name);
      return { result: 'unmanaged' };
    }
    if (desired.kind === 'invalid') {
      for (const p of desired.problems) await this.warn(connector, p.reason, p.message);
      metrics.setProblems('connector', namespace, name, desired.problems.map((p) => p.reason));
      return { result: 'invalid' };
    }

    const problems: string[] = [];
    const secretName = desired.secretName;
    const secret = findSecret(caches, namespace, secretName) ?? await this.writer.liveSecret(namespace, secretName);
    const refused = await this.refuseSecret(connector, secret);
    if (refused) return refused;

    const client = await clientCertificate(this.flow, this.d.events, connector, desired.client, problems);

    // Sources: any failure holds the current Secret as it is.
    const ctx = { namespace, clusterResourceNamespace: this.d.config.clusterResourceNamespace, clusterIssuers: this.d.config.clusterIssuers, caches, parser: this.parser };
    const resolved: ResolvedSource[] = [];
    // One at a time, in annotation order: messages and the bundle's source lists follow it.
    for (const s of desired.sources) resolved.push(await resolveSource(s, ctx));
    let hold = false;
    for (const r of resolved) {
      if (!r.ok) {
        hold = true;
        problems.push(r.reason);
        await this.warn(connector, r.reason, `${r.message}; ${secret ? `keeping the current ${secretName}` : `${secretName} is not created until it is fixed`}`, { source: r.source.text });
        continue;
      }
      const lost = r.problems.filter((p) => p.kind !== 'stray-text');
      if (lost.length > 0) {
        problems.push('TrustSourceInvalid');
        await this.warn(connector, 'TrustSourceInvalid',
          `trust source "${r.source.text}": ${lost.length} block(s) skipped (${lost.slice(0, 3).map((p) => p.message).join('; ')}); its ${r.certificates.length} certificate(s) are used`,
          { source: r.source.text });
      }
    }
    if (hold || client.kind === 'blocked') {
      if (client.kind === 'blocked') problems.push(client.reason);
      metrics.setProblems('connector', namespace, name, problems);
      return { result: 'invalid' };
    }

    const previousPem = secretText(secret, 'ca.crt') ?? '';
    // Up to the whole bundle (thousands of CAs): parsed in slices, once per resourceVersion.
    const previous = secret ? (await this.parser.prepare(objectDataId(secret, 'ca.crt'), previousPem)).certificates : [];
    const stored = decodeHistory(secret?.metadata?.annotations?.[TRUST_HISTORY_ANNOTATION]);
    if (stored.problem) await this.warn(connector, 'TrustHistoryDamaged', `${stored.problem} (Secret ${secretName})`);
    const bundle = buildBundle({
      sources: resolved.flatMap((r) => (r.ok ? [{ source: r.source.text, certificates: r.certificates }] : [])),
      previous,
      history: stored.history,
      now: this.now(),
      overlapMs: desired.overlapMs,
    });

    if (bundle.notCA.length > 0) {
      problems.push('TrustSourceLeafCertificate');
      await this.warn(connector, 'TrustSourceLeafCertificate',
        `the trust sources hold ${bundle.notCA.length} certificate(s) that are not CAs: ${listSubjects(bundle.notCA.map((e) => e.certificate))}; kept in the bundle (trusted as pinned certificates), but a CA is usually what was meant`);
    }
    const weak = bundle.dropped.filter((d) => d.reason === 'weak');
    if (weak.length > 0) {
      // Dropped, not kept (bundle.ts says why); without this Event the CA would vanish from the bundle silently.
      problems.push('TrustSourceWeakCertificate');
      await this.warn(connector, 'TrustSourceWeakCertificate', weakCertificatesMessage(weak));
    }
    if (bundle.entries.length === 0) {
      problems.push('TrustBundleEmpty');
      await this.warn(connector, 'TrustBundleEmpty',
        `the trust sources hold no usable certificate${droppedSummary(bundle.dropped)}; an empty ca.crt would break the router, so ${secret ? `the current ${secretName} is kept` : `${secretName} is not created`}`);
      metrics.setProblems('connector', namespace, name, problems);
      return { result: 'invalid' };
    }

    let written: boolean;
    try {
      written = await writeBundleSecret({ api: this.d.api, writer: this.writer, events: this.d.events, config: this.d.config }, connector, secretName, secret, bundle, previous, client);
    } catch (err) {
      if (!(err instanceof SecretTakenError)) throw err;
      const refusedNow = await this.refuseSecret(connector, err.found ?? { metadata: { name: secretName, namespace } });
      if (refusedNow) return refusedNow;
      return { result: 'waiting' }; // ours after all (a create of our own the caches had not shown): its watch event brings us back
    }
    const complete = client.kind !== 'pending';

    // Skupper ≤ 2.2.1 stalls on a tlsCredentials naming a missing Secret (SPEC §2): wire only once it exists and is complete.
    if (complete && (secret || written) && connector.spec.tlsCredentials !== secretName) {
      await this.writer.write('wire spec.tlsCredentials', { connector: key, secret: secretName },
        () => this.d.api.mergePatch(Resources.connector, namespace, name, { spec: { tlsCredentials: secretName } }, FIELD_MANAGER));
      this.d.events.post(connector, 'Normal', 'Wired', `spec.tlsCredentials set to ${secretName}`);
    }
    metrics.setProblems('connector', namespace, name, problems);
    const next = bundle.nextChange ? bundle.nextChange.getTime() - this.now().getTime() + 1000 : undefined;
    return { result: 'ok', ...(next !== undefined ? { requeueAfterMs: Math.max(next, 1000) } : {}) };
  }

  /**
   * Reports and returns a result when the Connector's Secret may not be
   * written: not kubernetes.io/tls (never written, label or not), or not ours.
   */
  private async refuseSecret(connector: Connector, secret: V1Secret | undefined): Promise<ReconcileResult | undefined> {
    const { namespace, name } = connector.metadata;
    if (!secret) return undefined;
    const secretName = secret.metadata?.name ?? '';
    const wrongType = secretTypeProblem(secret);
    if (wrongType !== undefined) {
      await this.warn(connector, WRONG_TYPE_REASON, wrongType, { secret: secretName, type: secret.type });
      this.d.metrics.setProblems('connector', namespace, name, [WRONG_TYPE_REASON]);
      return { result: 'invalid' };
    }
    if (!isManagedByUs(secret)) {
      const msg = `Secret ${namespace}/${secretName} exists and was not created by skupper-cert-rotator; it is never overwritten. Delete it or point spec.tlsCredentials elsewhere.`;
      await this.warn(connector, 'SecretConflict', msg, { secret: secretName });
      this.d.metrics.setProblems('connector', namespace, name, ['SecretConflict']);
      return { result: 'invalid' };
    }
    return undefined;
  }

  /** Per-object series belong to the expiry tracker; only the problems are ours. */
  private forget(namespace: string, name: string): void {
    this.d.metrics.setProblems('connector', namespace, name, []);
  }
}
