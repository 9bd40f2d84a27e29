// SPEC §4.1 for one Listener: decide (pure, decisions/listener-desired.ts), compare with the
// cache, write only what differs, and wire tlsCredentials only after the
// Secret is issued and verified. Every write goes through `Writes`, which
// honours --dry-run.
import type { V1Secret } from '@kubernetes/client-node';
import type { Config } from '../../config/config.js';
import { Resources, type Api } from '../../kube/api.js';
import type { EventRecorder } from '../../kube/events.js';
import type { Informer } from '../../kube/informer.js';
import type { ReconcileResult } from '../../kube/controller.js';
import type { Logger } from '../../telemetry/log.js';
import type { Metrics } from '../../telemetry/metrics.js';
import { FIELD_MANAGER, Labels, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../../model/annotations.js';
import { isReady, type Certificate, type Issuer } from '../../model/certmanager.js';
import type { Listener } from '../../model/skupper.js';
import { ParseCache } from '../../pki/parse-cache.js';
import { verifyServingSecret } from '../../pki/verify.js';
import { cachedParse, prepareSecretCertificates } from '../../owned/secret-certificates.js';
import { Writer } from '../../owned/writer.js';
import { certificateSpecEquals } from '../../decisions/certificate-compare.js';
import { desiredListenerCertificate } from '../../decisions/listener-desired.js';
import { isOwnedCertificate, ownedByNamed, secretOwnership } from '../../decisions/ownership.js';
import { labelValue } from '../../decisions/names.js';
import { WRONG_TYPE_REASON, secretTypeProblem } from '../../decisions/secret-type.js';
import { secretText, splitKey } from '../../kube/object-data.js';

export interface ListenerCaches {
  listeners: Informer<Listener>;
  certificates: Informer<Certificate>;
  secrets: Informer<V1Secret>;
  /** Opaque Secrets: a hand-made Secret of the wrong type is usually one. */
  opaqueSecrets: Informer<V1Secret>;
  issuers: Informer<Issuer>;
  clusterIssuers: Informer<Issuer>;
}

export interface ListenerDeps {
  api: Api;
  caches: ListenerCaches;
  config: Config;
  events: EventRecorder;
  metrics: Metrics;
  log: Logger;
  /** Shared with the other controllers; one of its own otherwise. */
  parser?: ParseCache;
  now?: () => Date;
}

export class ListenerReconciler {
  /**
   * Last verified revision per Certificate uid. Issued/Reissued are reported
   * for revisions that appear while we watch, not for every Certificate found
   * at start-up: a restart must not re-announce a thousand old issuances.
   */
  private readonly revisions = new Map<string, number>();

  private readonly writer: Writer;
  /** Parsed PEM per (uid, resourceVersion, key): a Secret is parsed once per revision. */
  private readonly parser: ParseCache;

  constructor(private readonly d: ListenerDeps) {
    this.writer = new Writer(d.api, d.log, d.config.dryRun);
    this.parser = d.parser ?? new ParseCache();
  }

  private isNewRevision(cert: Certificate, revision: number): boolean {
    const uid = cert.metadata.uid ?? '';
    const seen = this.revisions.get(uid) ?? 0;
    if (revision <= seen) return false;
    this.revisions.set(uid, revision);
    return true;
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace, name] = splitKey(key);
    const { caches, metrics } = this.d;
    const listener = caches.listeners.get(namespace, name);
    if (!listener) {
      await this.writer.deleteCertificates(ownedByNamed(caches.certificates.list(namespace), 'Listener', name), 'Listener deleted');
      metrics.setProblems('listener', namespace, name, []); // the expiry tracker owns the per-object series
      return { result: 'deleted' };
    }

    const desired = desiredListenerCertificate(listener, this.d.config);
    if (desired.kind === 'unmanaged') {
      const ours = caches.certificates.list(namespace).filter((c) => isOwnedCertificate(c, 'Listener', listener));
      await this.writer.deleteCertificates(ours, 'Listener no longer annotated');
      metrics.setProblems('listener', namespace, name, []); // the expiry tracker owns the per-object series
      return { result: 'unmanaged' };
    }
    if (desired.kind === 'invalid') {
      // Keep whatever was issued before: a typo in an annotation must not take a working certificate away.
      for (const p of desired.problems) {
        await this.d.events.record(listener, 'Warning', p.reason, p.message);
        this.d.log.warn({ listener: key, reason: p.reason }, p.message);
      }
      metrics.setProblems('listener', namespace, name, desired.problems.map((p) => p.reason));
      return { result: 'invalid' };
    }

    const secretName = desired.secretName;
    const problems: string[] = [];
    const ours = caches.certificates.list(namespace).filter((c) => isOwnedCertificate(c, 'Listener', listener));
    // tlsCredentials was pointed elsewhere: the Certificate for the old name is no longer ours to keep.
    await this.writer.deleteCertificates(ours.filter((c) => c.metadata.name !== secretName), `tlsCredentials now names ${secretName}`);

    const existing = caches.certificates.get(namespace, secretName);
    if (existing && !isOwnedCertificate(existing, 'Listener', listener)) return this.certificateConflict(listener, secretName);

    let secret: V1Secret | undefined = caches.secrets.get(namespace, secretName) ?? caches.opaqueSecrets.get(namespace, secretName);
    if (!secret && !existing) {
      // Nothing in the caches and no Certificate of ours yet: take the name
      // with a real create before cert-manager is told to write there.
      const claim = await this.writer.claimSecret(namespace, secretName, { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [Labels.listener]: labelValue(name) }, { listener: key, secret: secretName });
      secret = claim.kind === 'dry-run' ? undefined : claim.object;
    } else if (!secret && existing && isReady(existing)) {
      // Issued, yet in neither cache: a Secret of a type the caches do not hold took its place.
      secret = await this.writer.liveSecret(namespace, secretName);
    }
    const ownership = secretOwnership(secret, existing);
    if (ownership === 'wrong-type' && secret) return this.wrongType(listener, secret);
    if (ownership === 'foreign') {
      const msg = `Secret ${namespace}/${secretName} exists and was not created by skupper-cert-rotator or cert-manager; it is never overwritten. Delete it or point spec.tlsCredentials elsewhere.`;
      await this.d.events.record(listener, 'Warning', 'SecretConflict', msg);
      this.d.log.warn({ listener: key, secret: secretName }, msg);
      metrics.setProblems('listener', namespace, name, ['SecretConflict']);
      return { result: 'invalid' };
    }

    const ref = desired.certificate.spec.issuerRef;
    // Without --cluster-issuers a ClusterIssuer cannot be looked up; cert-manager still can.
    if (ref.group === 'cert-manager.io' && (ref.kind !== 'ClusterIssuer' || this.d.config.clusterIssuers)) {
      const found = ref.kind === 'ClusterIssuer' ? caches.clusterIssuers.get(undefined, ref.name) : caches.issuers.get(namespace, ref.name);
      if (!found) {
        const msg = `${ref.kind} ${ref.kind === 'Issuer' ? `${namespace}/` : ''}${ref.name} not found; the Certificate waits for it`;
        await this.d.events.record(listener, 'Warning', 'IssuerNotFound', msg);
        this.d.log.warn({ listener: key, issuer: ref }, msg);
        problems.push('IssuerNotFound');
      }
    }

    if (!existing || !certificateSpecEquals(existing, desired.certificate)) {
      const fields = { listener: key, certificate: secretName, dnsNames: desired.certificate.spec.dnsNames, ipAddresses: desired.certificate.spec.ipAddresses };
      let written: Certificate | undefined;
      if (existing) {
        written = await this.writer.updateCertificate(existing, desired.certificate, fields);
      } else {
        const created = await this.writer.createCertificate(desired.certificate, fields);
        if (created.kind === 'exists') {
          // The cache lagged behind a Certificate made a moment ago: judge it as found.
          if (created.object && !isOwnedCertificate(created.object, 'Listener', listener)) return this.certificateConflict(listener, secretName);
          return { result: 'waiting' }; // ours after all; its watch event brings us back
        }
        written = created.kind === 'created' ? created.object : undefined;
      }
      const uid = written?.metadata.uid;
      if (uid !== undefined && !this.revisions.has(uid)) this.revisions.set(uid, existing?.status?.revision ?? 0);
      await this.d.events.record(listener, 'Normal', 'Issuing',
        existing ? `Updated Certificate ${secretName} for host ${desired.hosts.join(', ')}; cert-manager reissues it in place` : `Created Certificate ${secretName} for host ${desired.hosts.join(', ')}`);
      metrics.setProblems('listener', namespace, name, problems);
      return { result: 'ok' }; // the Certificate's watch event brings us back
    }

    if (!this.revisions.has(existing.metadata.uid ?? '')) this.revisions.set(existing.metadata.uid ?? '', isReady(existing) ? existing.status?.revision ?? 0 : 0);
    const ready = isReady(existing);
    if (!ready || !secret) {
      metrics.setProblems('listener', namespace, name, problems);
      return { result: 'waiting' };
    }

    // The Secret is in the tenant's namespace and may hold anything: parsed in slices first.
    await prepareSecretCertificates(this.parser, secret);
    const verdict = verifyServingSecret({
      tlsCrt: secretText(secret, 'tls.crt'), tlsKey: secretText(secret, 'tls.key'), caCrt: secretText(secret, 'ca.crt'),
      hosts: desired.hosts, now: this.d.now?.() ?? new Date(), parse: cachedParse(this.parser, secret),
    });
    const leaf = verdict.leaf;
    if (!verdict.ok) {
      const msg = `Secret ${secretName} (revision ${existing.status?.revision ?? '?'}) failed verification: ${verdict.failures.map((f) => f.message).join('; ')}`;
      await this.d.events.record(listener, 'Warning', 'VerificationFailed', msg);
      this.d.log.warn({ listener: key, secret: secretName, reasons: verdict.failures.map((f) => f.reason) }, msg);
      metrics.setProblems('listener', namespace, name, [...problems, 'VerificationFailed']);
      return { result: 'invalid' };
    }
    const revision = existing.status?.revision ?? 1;
    if (this.isNewRevision(existing, revision)) {
      await this.d.events.record(listener, 'Normal', revision > 1 ? 'Reissued' : 'Issued',
        `Secret ${secretName} revision ${revision} verified: valid until ${leaf?.notAfter.toISOString() ?? '?'}, covers ${desired.hosts.join(', ')}`);
    }

    if (listener.spec.tlsCredentials !== secretName) {
      await this.writer.write('wire spec.tlsCredentials', { listener: key, secret: secretName },
        () => this.d.api.mergePatch(Resources.listener, namespace, name, { spec: { tlsCredentials: secretName } }, FIELD_MANAGER));
      await this.d.events.record(listener, 'Normal', 'Wired', `spec.tlsCredentials set to ${secretName}`);
    }
    metrics.setProblems('listener', namespace, name, problems);
    return { result: 'ok' };
  }

  private async certificateConflict(listener: Listener, secretName: string): Promise<ReconcileResult> {
    const { namespace, name } = listener.metadata;
    const msg = `Certificate ${namespace}/${secretName} exists and is not managed by skupper-cert-rotator for this Listener; leaving it alone`;
    await this.d.events.record(listener, 'Warning', 'CertificateConflict', msg);
    this.d.log.warn({ listener: `${namespace}/${name}`, certificate: secretName }, msg);
    this.d.metrics.setProblems('listener', namespace, name, ['CertificateConflict']);
    return { result: 'invalid' };
  }

  private async wrongType(listener: Listener, secret: V1Secret): Promise<ReconcileResult> {
    const { namespace, name } = listener.metadata;
    const msg = secretTypeProblem(secret) ?? '';
    await this.d.events.record(listener, 'Warning', WRONG_TYPE_REASON, msg);
    this.d.log.warn({ listener: `${namespace}/${name}`, secret: secret.metadata?.name, type: secret.type, reason: WRONG_TYPE_REASON }, msg);
    this.d.metrics.setProblems('listener', namespace, name, [WRONG_TYPE_REASON]);
    return { result: 'invalid' };
  }
}
