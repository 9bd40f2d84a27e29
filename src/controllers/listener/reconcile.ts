// SPEC §4.1 for one Listener: decide (pure, decisions/listener-desired.ts), bring the
// Certificate there through the owned-Certificate flow (owned/certificate-flow.ts,
// shared with the Connector's client certificate), and wire tlsCredentials
// only after the Secret is issued and verified. Every write goes through
// `Writer`, which honours --dry-run.
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
import type { Certificate, Issuer } from '../../model/certmanager.js';
import type { Listener } from '../../model/skupper.js';
import { ParseCache } from '../../pki/parse-cache.js';
import { CertificateFlow, type CertificateRole } from '../../owned/certificate-flow.js';
import { Writer } from '../../owned/writer.js';
import { desiredListenerCertificate } from '../../decisions/listener-desired.js';
import { ownedByNamed } from '../../decisions/ownership.js';
import { WRONG_TYPE_REASON } from '../../decisions/secret-type.js';
import { splitKey } from '../../kube/keys.js';
import { UnseenWrites } from '../../kube/unseen-writes.js';

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

/** The serving certificate's words and log fields in the owned-Certificate flow. */
const SERVING_CERTIFICATE: CertificateRole = {
  renamed: (name) => `tlsCredentials now names ${name}`,
  wrongTypeSuffix: '',
  secretPurpose: '',
  secretAdvice: '. Delete it or point spec.tlsCredentials elsewhere.',
  certificateNoun: 'the Certificate',
  secretNoun: 'Secret',
  readUncachedSecret: true,
  copiesMaterial: false,
  writeFields: (listener, c: Certificate) => ({ listener, certificate: c.metadata.name, dnsNames: c.spec.dnsNames, ipAddresses: c.spec.ipAddresses }),
  logFields: (listener, w) => {
    switch (w.reason) {
      case 'CertificateConflict': return { listener, certificate: w.certificate };
      case 'SecretConflict': return { listener, secret: w.secretName };
      case 'IssuerNotFound': return { listener, issuer: w.issuer };
      case 'VerificationFailed': return { listener, secret: w.secretName, reasons: w.reasons };
      case WRONG_TYPE_REASON: return { listener, secret: w.secret.metadata?.name, type: w.secret.type, reason: w.reason };
    }
  },
};

export class ListenerReconciler {
  private readonly writer: Writer;
  /** The Certificate, its Secret and their verification; holds the revisions already announced. */
  private readonly flow: CertificateFlow;
  /** tlsCredentials patches whose watch event has not reached the cache yet. */
  private readonly wired = new UnseenWrites();

  constructor(private readonly d: ListenerDeps) {
    this.writer = new Writer(d.api, d.log, d.config.dryRun);
    this.flow = new CertificateFlow({
      caches: d.caches, writer: this.writer, parser: d.parser ?? new ParseCache(), events: d.events, log: d.log,
      clusterIssuers: d.config.clusterIssuers, now: () => d.now?.() ?? new Date(),
    });
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace, name] = splitKey(key);
    const { caches, metrics } = this.d;
    const listener = caches.listeners.get(namespace, name);
    if (!listener) {
      this.wired.forget(key);
      await this.writer.deleteCertificates(ownedByNamed(caches.certificates.list(namespace), 'Listener', name), 'Listener deleted');
      metrics.setProblems('listener', namespace, name, []); // the expiry tracker owns the per-object series
      return { result: 'deleted' };
    }

    const desired = desiredListenerCertificate(listener, this.d.config);
    if (desired.kind === 'unmanaged') {
      await this.flow.deleteOwned('Listener', listener, 'Listener no longer annotated');
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
    const outcome = await this.flow.reconcile({ kind: 'Listener', owner: listener, desired: desired.certificate, hosts: desired.hosts, role: SERVING_CERTIFICATE });
    const { problems } = outcome;
    switch (outcome.kind) {
      case 'blocked':
        metrics.setProblems('listener', namespace, name, [outcome.reason]);
        return { result: 'invalid' };
      case 'raced':
        return { result: 'waiting' }; // ours after all; its watch event brings us back
      case 'applied':
        // A new Listener's history is one Event, Wired, once its certificate is verified (the
        // creation is on the Certificate's own Events): each Event is a write, and the budget
        // is the claim, the create and the wiring. A changed host is worth saying at once.
        if (outcome.change === 'updated') {
          this.d.events.post(listener, 'Normal', 'Issuing', `Updated Certificate ${secretName} for host ${desired.hosts.join(', ')}; cert-manager reissues it in place`);
        }
        metrics.setProblems('listener', namespace, name, problems);
        return { result: 'ok' }; // the Certificate's watch event brings us back
      case 'waiting':
        metrics.setProblems('listener', namespace, name, problems);
        return { result: 'waiting' };
      case 'verification-failed':
        metrics.setProblems('listener', namespace, name, problems);
        return { result: 'invalid' };
      case 'verified':
        break;
    }
    const { revision } = outcome;
    const verified = outcome.isNewRevision
      ? `Secret ${secretName} revision ${revision} verified: valid until ${outcome.leaf?.notAfter.toISOString() ?? '?'}, covers ${desired.hosts.join(', ')}`
      : undefined;
    const issued = (): void => {
      if (verified) this.d.events.post(listener, 'Normal', revision > 1 ? 'Reissued' : 'Issued', verified);
    };

    if (listener.spec.tlsCredentials === secretName) {
      this.wired.forget(key);
      issued();
    } else {
      const basedOn = listener.metadata.resourceVersion;
      if (this.wired.pending(key, basedOn, secretName)) {
        // Woken by the Secret or Certificate before our patch came back: the patch's own watch event brings us back.
        issued();
        metrics.setProblems('listener', namespace, name, problems);
        return { result: 'waiting' };
      }
      const out = await this.writer.write('wire spec.tlsCredentials', { listener: key, secret: secretName },
        () => this.d.api.mergePatch(Resources.listener, namespace, name, { spec: { tlsCredentials: secretName } }, FIELD_MANAGER));
      if (out !== undefined) this.wired.record(key, basedOn, secretName);
      // The verification rides on this one Event rather than an Issued of its own.
      this.d.events.post(listener, 'Normal', 'Wired', `spec.tlsCredentials set to ${secretName}${verified ? `; ${verified}` : ''}`);
    }
    metrics.setProblems('listener', namespace, name, problems);
    return { result: 'ok' };
  }
}
