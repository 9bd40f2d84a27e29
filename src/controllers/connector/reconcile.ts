// SPEC §4.2 for one Connector: sources → bundle → Secret, then wiring.
// Decisions are pure (decisions/connector-desired.ts, decisions/trust-sources.ts, pki/bundle.ts); this file reads
// the caches, writes only what differs, and holds the last good Secret
// whenever the inputs are not trustworthy (a missing or unreadable source,
// an empty bundle): a bad edit must never take trust away from live traffic.
import type { V1Secret } from '@kubernetes/client-node';
import type { Config } from '../../config/config.js';
import { Resources, type Api } from '../../kube/api.js';
import type { EventRecorder } from '../../kube/events.js';
import type { Informer } from '../../kube/informer.js';
import type { ReconcileResult } from '../../kube/controller.js';
import type { Logger } from '../../telemetry/log.js';
import type { Metrics } from '../../telemetry/metrics.js';
import { FIELD_MANAGER, Labels, MANAGED_BY_LABEL, MANAGED_BY_VALUE, SKUPPER_PRIOR_VALID_REVISIONS } from '../../model/annotations.js';
import { isReady, type Certificate } from '../../model/certmanager.js';
import type { Connector } from '../../model/skupper.js';
import { buildBundle, type Bundle } from '../../pki/bundle.js';
import { ParseCache, objectDataId } from '../../pki/parse-cache.js';
import { verifyServingSecret } from '../../pki/verify.js';
import type { ParsedCertificate } from '../../pki/certificate.js';
import { certificateSpecEquals } from '../../decisions/certificate-compare.js';
import { labelValue } from '../../decisions/names.js';
import { isManagedByUs, isOwnedCertificate, ownedByNamed, secretOwnership } from '../../decisions/ownership.js';
import { WRONG_TYPE_REASON, secretTypeProblem } from '../../decisions/secret-type.js';
import { cachedParse, prepareSecretCertificates } from '../../owned/secret-certificates.js';
import { Writer } from '../../owned/writer.js';
import { connectorPriorValidRevisions, desiredConnector } from '../../decisions/connector-desired.js';
import { TRUST_HISTORY_ANNOTATION, decodeHistory, encodeHistory } from '../../decisions/trust-history.js';
import { droppedSummary, weakCertificatesMessage } from '../../decisions/trust-report.js';
import { findSecret, resolveSource, type ResolvedSource, type SourceCaches } from './resolve.js';
import { secretText, splitKey } from '../../kube/object-data.js';

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

/** The client certificate material to copy next to the bundle. */
interface ClientMaterial {
  tlsCrt: string;
  tlsKey: string;
}

type ClientState =
  | { kind: 'none' }
  | { kind: 'pending' }
  | { kind: 'ready'; material: ClientMaterial }
  | { kind: 'blocked'; reason: string };

const MAX_LISTED = 5;

function b64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}

function listSubjects(certs: ParsedCertificate[]): string {
  const shown = certs.slice(0, MAX_LISTED).map((c) => `"${c.subject}"`).join(', ');
  return certs.length > MAX_LISTED ? `${shown} and ${certs.length - MAX_LISTED} more` : shown;
}

/** Our create of the bundle Secret was refused: the name is taken (the Secret found is attached). */
class SecretTakenError extends Error {
  constructor(readonly found: V1Secret | undefined) {
    super('the Secret name is taken');
  }
}

export class ConnectorReconciler {
  private readonly writer: Writer;
  /** Parsed PEM per (uid, resourceVersion, key): a steady state parses nothing. */
  readonly parser: ParseCache;
  /** Last client Certificate revision announced per uid (see ListenerReconciler.revisions). */
  private readonly clientRevisions = new Map<string, number>();

  constructor(private readonly d: ConnectorDeps) {
    this.writer = new Writer(d.api, d.log, d.config.dryRun);
    this.parser = d.parser ?? new ParseCache();
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
      const ours = caches.certificates.list(namespace).filter((c) => isOwnedCertificate(c, 'Connector', connector));
      await this.writer.deleteCertificates(ours, 'Connector no longer annotated');
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

    const client = await this.clientCertificate(connector, desired.client, problems);

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
      written = await this.writeSecret(connector, secretName, secret, bundle, previous, client);
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
      await this.d.events.record(connector, 'Normal', 'Wired', `spec.tlsCredentials set to ${secretName}`);
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

  /** Creates the Secret, or patches data and our annotation only (Skupper's annotations stay); false when nothing was written. */
  private async writeSecret(connector: Connector, secretName: string, secret: V1Secret | undefined, bundle: Bundle, previous: ParsedCertificate[], client: ClientState): Promise<boolean> {
    const { namespace, name } = connector.metadata;
    const data: Record<string, string> = { 'ca.crt': b64(bundle.pem) };
    if (client.kind === 'ready') {
      data['tls.crt'] = b64(client.material.tlsCrt);
      data['tls.key'] = b64(client.material.tlsKey);
    } else if (client.kind === 'pending') {
      // Keep the client certificate we have until its successor verifies.
      data['tls.crt'] = secret?.data?.['tls.crt'] ?? '';
      data['tls.key'] = secret?.data?.['tls.key'] ?? '';
    } else {
      // kubernetes.io/tls requires both keys; a CA-only Secret has them empty (SPEC §2).
      data['tls.crt'] = '';
      data['tls.key'] = '';
    }
    const history = encodeHistory(bundle.history);
    // Skupper keeps this many earlier revisions valid for existing connections (SPEC §2, reload strategy).
    const revisions = String(connectorPriorValidRevisions(connector, this.d.config.priorValidRevisions));
    const revisionsChanged = secret?.metadata?.annotations?.[SKUPPER_PRIOR_VALID_REVISIONS] !== revisions;
    const changedKeys = Object.keys(data).filter((k) => (secret?.data?.[k] ?? '') !== data[k] || (secret !== undefined && secret.data?.[k] === undefined));
    const historyChanged = secret?.metadata?.annotations?.[TRUST_HISTORY_ANNOTATION] !== history;
    if (secret && changedKeys.length === 0 && !historyChanged && !revisionsChanged) return false;

    const before = new Set(previous.map((c) => c.fingerprint));
    const added = bundle.entries.filter((e) => !before.has(e.certificate.fingerprint));
    const removed = previous.length - bundle.entries.filter((e) => before.has(e.certificate.fingerprint)).length;
    const retained = bundle.entries.filter((e) => e.retainedUntil);
    const fields = { connector: `${namespace}/${name}`, secret: secretName, certificates: bundle.entries.length, added: added.length, removed, retained: retained.length, keys: changedKeys, bytes: bundle.pem.length };
    if (!secret) {
      const body: V1Secret = {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'kubernetes.io/tls',
        metadata: {
          name: secretName,
          namespace,
          labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [Labels.connector]: labelValue(name) },
          annotations: { [TRUST_HISTORY_ANNOTATION]: history, [SKUPPER_PRIOR_VALID_REVISIONS]: revisions },
        },
        data,
      };
      const created = await this.writer.createSecret(body, fields);
      // Made a moment ago by someone else, after the caches and our read: judged, never taken over.
      if (created.kind === 'exists') throw new SecretTakenError(created.object);
    } else {
      // A merge patch names only our keys, so Skupper's annotations and any
      // other data are left as they are; the resourceVersion makes a
      // concurrent change fail (and requeue) instead of being overwritten.
      const patch = {
        metadata: {
          resourceVersion: secret.metadata?.resourceVersion,
          ...(historyChanged || revisionsChanged ? { annotations: { ...(historyChanged ? { [TRUST_HISTORY_ANNOTATION]: history } : {}), ...(revisionsChanged ? { [SKUPPER_PRIOR_VALID_REVISIONS]: revisions } : {}) } } : {}),
        },
        ...(changedKeys.length > 0 ? { data: Object.fromEntries(changedKeys.map((k) => [k, data[k]])) } : {}),
      };
      await this.writer.write(changedKeys.length > 0 ? 'update Secret data' : 'update trust history', fields,
        () => this.d.api.mergePatch(Resources.secret, namespace, secretName, patch, FIELD_MANAGER));
    }
    if (changedKeys.includes('ca.crt') || !secret) {
      const parts = [`+${added.length}`, `-${removed}`];
      const kept = retained.length > 0 ? `; ${retained.length} kept for the overlap, the first until ${new Date(Math.min(...retained.map((e) => e.retainedUntil?.getTime() ?? Infinity))).toISOString()}` : '';
      await this.d.events.record(connector, 'Normal', 'TrustBundleUpdated', `${secretName} ca.crt now holds ${bundle.entries.length} certificate(s) (${parts.join(', ')})${kept}`);
    }
    return !this.d.config.dryRun;
  }

  /** SPEC §4.2.5: the client Certificate; its material once it is Ready and verifies. */
  private async clientCertificate(connector: Connector, desired: Certificate | undefined, problems: string[]): Promise<ClientState> {
    const { caches } = this.d;
    const { namespace, name } = connector.metadata;
    const owned = caches.certificates.list(namespace).filter((c) => isOwnedCertificate(c, 'Connector', connector));
    await this.writer.deleteCertificates(owned.filter((c) => c.metadata.name !== desired?.metadata.name), desired ? 'renamed' : 'spec.useClientCert is off');
    if (!desired) {
      return { kind: 'none' };
    }
    const certName = desired.metadata.name;
    const existing = caches.certificates.get(namespace, certName);
    if (existing && !isOwnedCertificate(existing, 'Connector', connector)) {
      await this.warn(connector, 'CertificateConflict', `Certificate ${namespace}/${certName} exists and is not managed by skupper-cert-rotator for this Connector; leaving it alone`);
      return { kind: 'blocked', reason: 'CertificateConflict' };
    }
    let secret = findSecret(caches, namespace, certName);
    if (!secret && !existing) {
      // As for Listeners: take the name with a real create before cert-manager is told to write there.
      const claim = await this.writer.claimSecret(namespace, certName, { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [Labels.connector]: labelValue(name) }, { connector: `${namespace}/${name}`, secret: certName });
      secret = claim.kind === 'dry-run' ? undefined : claim.object;
    }
    const ownership = secretOwnership(secret, existing);
    if (ownership === 'wrong-type' && secret) {
      await this.warn(connector, WRONG_TYPE_REASON, `${secretTypeProblem(secret) ?? ''} (the client certificate's Secret)`, { secret: certName, type: secret.type });
      return { kind: 'blocked', reason: WRONG_TYPE_REASON };
    }
    if (ownership === 'foreign') {
      await this.warn(connector, 'SecretConflict', `Secret ${namespace}/${certName} (for the client certificate) exists and was not created by skupper-cert-rotator or cert-manager; it is never overwritten`);
      return { kind: 'blocked', reason: 'SecretConflict' };
    }
    const ref = desired.spec.issuerRef;
    // Without --cluster-issuers a ClusterIssuer cannot be looked up; cert-manager still can.
    if (ref.group === 'cert-manager.io' && (ref.kind !== 'ClusterIssuer' || this.d.config.clusterIssuers)) {
      const found = ref.kind === 'ClusterIssuer' ? caches.clusterIssuers.get(undefined, ref.name) : caches.issuers.get(namespace, ref.name);
      if (!found) {
        problems.push('IssuerNotFound');
        await this.warn(connector, 'IssuerNotFound', `${ref.kind} ${ref.kind === 'Issuer' ? `${namespace}/` : ''}${ref.name} not found; the client Certificate waits for it`);
      }
    }
    if (!existing || !certificateSpecEquals(existing, desired)) {
      const fields = { connector: `${namespace}/${name}`, certificate: certName, client: true };
      let applied: Certificate | undefined;
      if (existing) {
        applied = await this.writer.updateCertificate(existing, desired, fields);
      } else {
        const created = await this.writer.createCertificate(desired, fields);
        if (created.kind === 'exists' && created.object && !isOwnedCertificate(created.object, 'Connector', connector)) {
          await this.warn(connector, 'CertificateConflict', `Certificate ${namespace}/${certName} exists and is not managed by skupper-cert-rotator for this Connector; leaving it alone`);
          return { kind: 'blocked', reason: 'CertificateConflict' };
        }
        applied = created.kind === 'created' ? created.object : undefined;
      }
      const uid = applied?.metadata.uid;
      if (uid !== undefined && !this.clientRevisions.has(uid)) this.clientRevisions.set(uid, existing?.status?.revision ?? 0);
      return { kind: 'pending' };
    }
    const uid = existing.metadata.uid ?? '';
    if (!this.clientRevisions.has(uid)) this.clientRevisions.set(uid, isReady(existing) ? existing.status?.revision ?? 0 : 0);
    if (!isReady(existing) || !secret) {
      return { kind: 'pending' };
    }
    const tlsCrt = secretText(secret, 'tls.crt');
    const tlsKey = secretText(secret, 'tls.key');
    await prepareSecretCertificates(this.parser, secret);
    const verdict = verifyServingSecret({ tlsCrt, tlsKey, caCrt: secretText(secret, 'ca.crt'), hosts: [], now: this.now(), parse: cachedParse(this.parser, secret) });
    const leaf = verdict.leaf;
    if (!verdict.ok || tlsCrt === undefined || tlsKey === undefined) {
      problems.push('VerificationFailed');
      await this.warn(connector, 'VerificationFailed', `client certificate Secret ${certName} (revision ${existing.status?.revision ?? '?'}) failed verification: ${verdict.failures.map((f) => f.message).join('; ')}`,
        { reasons: verdict.failures.map((f) => f.reason) });
      return { kind: 'pending' };
    }
    const revision = existing.status?.revision ?? 1;
    if (revision > (this.clientRevisions.get(uid) ?? 0)) {
      this.clientRevisions.set(uid, revision);
      await this.d.events.record(connector, 'Normal', 'ClientCertificateIssued',
        `client certificate ${certName} revision ${revision} verified (valid until ${leaf?.notAfter.toISOString() ?? '?'}); copied into ${connector.spec.tlsCredentials ?? 'the Connector Secret'}`);
    }
    return { kind: 'ready', material: { tlsCrt, tlsKey } };
  }

  /** Per-object series belong to the expiry tracker; only the problems are ours. */
  private forget(namespace: string, name: string): void {
    this.d.metrics.setProblems('connector', namespace, name, []);
  }
}
