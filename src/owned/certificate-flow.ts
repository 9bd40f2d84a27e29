// One Certificate of ours for a Listener (SPEC §4.1, the serving certificate)
// or a Connector (§4.2.5, the client certificate), from "what should exist"
// to "its Secret is issued and verifies" (§4.4): the I/O between the pure
// decisions (decisions/ownership.ts, decisions/certificate-compare.ts) and
// the API server, written once for both. Ownership under cache lag (§4.1.6):
// a Secret name is taken with a real create before cert-manager is told to
// write there, and whatever a refused create finds is judged, never taken.
//
// The flow reports its Warnings (Event and log line, in the role's words)
// and returns what it found; the caller turns that into its result, its
// Normal Events and its problems metric.
import type { V1Secret } from '@kubernetes/client-node';
import type { EventRecorder } from '../kube/events.js';
import type { Informer } from '../kube/informer.js';
import type { Logger } from '../telemetry/log.js';
import { Labels, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../model/annotations.js';
import { isReady, type Certificate, type Issuer, type IssuerRef } from '../model/certmanager.js';
import { secretText } from '../model/object-data.js';
import type { Connector, Listener } from '../model/skupper.js';
import type { VerificationResult } from '../pki/verify.js';
import { condensedTls } from '../model/condensed-tls.js';
import { certificateSpecEquals } from '../decisions/certificate-compare.js';
import { labelValue } from '../decisions/names.js';
import { isOwnedCertificate, ownerKey, ownerKeys, secretOwnership, type OwnerKind } from '../decisions/ownership.js';
import { WRONG_TYPE_REASON, secretTypeProblem } from '../decisions/secret-type.js';
import { isUnfilledSecret } from '../decisions/unfilled-secret.js';
import { verifyCachedSecret } from '../decisions/cached-secret-verdict.js';
import { prepareSecretCertificates } from './secret-certificates.js';
import type { ParseCache } from '../pki/parse-cache.js';
import type { Writer } from './writer.js';
import { namespacedKey, objectKey, splitKey } from '../kube/keys.js';
import { NameIndex } from '../kube/name-index.js';
import { UnseenWrites } from '../kube/unseen-writes.js';

/** The version an UnseenWrites entry of a create is decided on: the cache showed no object. */
const NOT_CACHED = '';

export interface CertificateFlowCaches {
  certificates: Informer<Certificate>;
  /** kubernetes.io/tls Secrets. */
  secrets: Informer<V1Secret>;
  /** Opaque Secrets: a hand-made Secret of the wrong type is usually one. */
  opaqueSecrets: Informer<V1Secret>;
  issuers: Informer<Issuer>;
  clusterIssuers: Informer<Issuer>;
}

export interface CertificateFlowDeps {
  caches: CertificateFlowCaches;
  writer: Writer;
  /** Parsed PEM per (uid, resourceVersion, key): a Secret is parsed once per revision. */
  parser: ParseCache;
  events: EventRecorder;
  log: Logger;
  /** --cluster-issuers: without it a ClusterIssuer cannot be looked up (cert-manager still can). */
  clusterIssuers: boolean;
  now: () => Date;
}

/** A Warning the flow reports; the role says which of its fields go on the log line. */
export type CertificateWarning =
  | { reason: 'CertificateConflict'; certificate: string }
  | { reason: typeof WRONG_TYPE_REASON; secret: V1Secret; secretName: string }
  | { reason: 'SecretConflict'; secretName: string }
  | { reason: 'IssuerNotFound'; issuer: IssuerRef }
  | { reason: 'VerificationFailed'; secretName: string; reasons: string[] };

/** What differs between the roles a Certificate of ours plays: the words, the log fields, one lookup. */
export interface CertificateRole {
  /** Why our Certificates of other names for the owner are deleted. */
  renamed: (name: string) => string;
  /** Appended to the Secret type problem (SecretWrongType). */
  wrongTypeSuffix: string;
  /** After "Secret N/S" in SecretConflict. */
  secretPurpose: string;
  /** After "it is never overwritten" in SecretConflict. */
  secretAdvice: string;
  /** What waits for a missing issuer ("the Certificate"). */
  certificateNoun: string;
  /** How a Secret failing verification is named ("Secret"). */
  secretNoun: string;
  /**
   * Whether a Ready Certificate whose Secret is in neither cache has its
   * Secret read from the API server (a Secret of a type the caches do not
   * hold may have taken its place); otherwise it waits for the caches.
   */
  readUncachedSecret: boolean;
  /**
   * Whether the verified outcome carries the Secret's texts (material), to be
   * copied elsewhere: then a cached Secret that kept none is read from the
   * API server (model/condensed-tls.ts).
   */
  copiesMaterial: boolean;
  /** The fields of the log line of a Certificate write. */
  writeFields: (ownerKey: string, desired: Certificate) => Record<string, unknown>;
  /** The fields of the log line of a Warning. */
  logFields: (ownerKey: string, warning: CertificateWarning) => Record<string, unknown>;
}

/** One call: whose Certificate, what it should be, what its leaf must cover, and the role's words. */
export interface OwnedCertificate {
  kind: OwnerKind;
  owner: Listener | Connector;
  /** Named as its Secret (spec.secretName), in the owner's namespace. */
  desired: Certificate;
  /** Hosts the issued leaf must cover (§4.4); none for a client certificate. */
  hosts: string[];
  role: CertificateRole;
}

export type BlockReason = 'CertificateConflict' | 'SecretConflict' | typeof WRONG_TYPE_REASON;

/** The certificate and key of a verified Secret. */
export interface CertificateMaterial {
  tlsCrt: string;
  tlsKey: string;
}

/**
 * What the flow found. `problems` are the reported problems that do not stop
 * it (IssuerNotFound, VerificationFailed), in the order reported.
 */
export type CertificateOutcome = { problems: string[] } & (
  /** Reported; nothing of the owner's is written (the name is someone else's). */
  | { kind: 'blocked'; reason: BlockReason }
  /** The Certificate was created or updated (or would be, under --dry-run); its watch event brings the owner back. */
  | { kind: 'applied'; change: 'created' | 'updated' }
  /** Our create found a Certificate of ours the cache had not shown yet; its watch event brings the owner back. */
  | { kind: 'raced' }
  /** Not Ready yet, or its Secret not there yet. */
  | { kind: 'waiting' }
  /** Ready, but the Secret fails §4.4 (reported). */
  | { kind: 'verification-failed' }
  /** Ready and verified; isNewRevision once per revision that appears while we watch. */
  | { kind: 'verified'; secret: V1Secret; material?: CertificateMaterial; leaf: VerificationResult['leaf']; revision: number; isNewRevision: boolean }
);

const OWNER_LABEL: Record<OwnerKind, string> = { Listener: Labels.listener, Connector: Labels.connector };

export class CertificateFlow {
  /**
   * Last verified revision per Certificate uid: isNewRevision is true for
   * revisions that appear while we watch, not for every Certificate found at
   * start-up, so a restart does not re-announce a thousand old issuances.
   */
  private readonly revisions = new Map<string, number>();
  /**
   * Certificates we created whose watch event has not come yet: an owner
   * woken by its claimed Secret's event before then would create again (and
   * be refused 409): 107 creates for 100 Listeners. Any event of the name ends it.
   */
  private readonly created = new UnseenWrites();
  /** Certificates by the owners they name: listing the namespace's Certificates per reconcile was 22 % of the daemon's CPU at N = 1,000 (issue 16). */
  private readonly byOwner: NameIndex<Certificate>;

  constructor(private readonly d: CertificateFlowDeps) {
    // One index for the Listener and Connector flows and the renewal controller: a copy each was an entry per Certificate each.
    this.byOwner = NameIndex.of(d.caches.certificates, ownerKeys);
    d.caches.certificates.on((_e, c) => { this.created.forget(objectKey(c)); });
  }

  /** Deletes the owner's Certificates of ours, but for the one named `keep`. */
  async deleteOwned(kind: OwnerKind, owner: Listener | Connector, why: string, keep?: string): Promise<void> {
    const ns = owner.metadata.namespace;
    const ours = this.byOwner.lookup(ns, ownerKey(kind, owner.metadata.name)).map((k) => this.d.caches.certificates.get(ns, splitKey(k)[1]))
      .filter((c): c is Certificate => c !== undefined && isOwnedCertificate(c, kind, owner));
    await this.d.writer.deleteCertificates(keep === undefined ? ours : ours.filter((c) => c.metadata.name !== keep), why);
  }

  async reconcile(req: OwnedCertificate): Promise<CertificateOutcome> {
    const { caches, writer } = this.d;
    const { kind, owner, desired, role } = req;
    const { namespace, name } = owner.metadata;
    const key = `${namespace}/${name}`;
    const certName = desired.metadata.name;
    const problems: string[] = [];
    const warn = async (w: CertificateWarning, message: string): Promise<void> => {
      await this.d.events.record(owner, 'Warning', w.reason, message);
      this.d.log.warn(role.logFields(key, w), message);
    };
    const conflict = async (): Promise<CertificateOutcome> => {
      await warn({ reason: 'CertificateConflict', certificate: certName },
        `Certificate ${namespace}/${certName} exists and is not managed by skupper-cert-rotator for this ${kind}; leaving it alone`);
      return { kind: 'blocked', reason: 'CertificateConflict', problems };
    };

    // The owner's Secret was pointed elsewhere: the Certificate for the old name is no longer ours to keep.
    await this.deleteOwned(kind, owner, role.renamed(certName), certName);
    const existing = caches.certificates.get(namespace, certName);
    if (existing && !isOwnedCertificate(existing, kind, owner)) return conflict();

    let secret = caches.secrets.get(namespace, certName) ?? caches.opaqueSecrets.get(namespace, certName);
    if (!secret && !existing) {
      // Nothing in the caches and no Certificate of ours yet: take the name
      // with a real create before cert-manager is told to write there.
      const claim = await writer.claimSecret(namespace, certName, { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [OWNER_LABEL[kind]]: labelValue(name) },
        { [kind === 'Listener' ? 'listener' : 'connector']: key, secret: certName });
      secret = claim.kind === 'dry-run' ? undefined : claim.object;
    } else if (!secret && existing && isReady(existing) && role.readUncachedSecret) {
      // Issued, yet in neither cache: a Secret of a type the caches do not hold took its place.
      secret = await writer.liveSecret(namespace, certName);
    }
    const ownership = secretOwnership(secret, existing);
    if (ownership === 'wrong-type' && secret) {
      await warn({ reason: WRONG_TYPE_REASON, secret, secretName: certName }, `${secretTypeProblem(secret) ?? ''}${role.wrongTypeSuffix}`);
      return { kind: 'blocked', reason: WRONG_TYPE_REASON, problems };
    }
    if (ownership === 'foreign') {
      await warn({ reason: 'SecretConflict', secretName: certName },
        `Secret ${namespace}/${certName}${role.secretPurpose} exists and was not created by skupper-cert-rotator or cert-manager; it is never overwritten${role.secretAdvice}`);
      return { kind: 'blocked', reason: 'SecretConflict', problems };
    }

    const ref = desired.spec.issuerRef;
    // Without --cluster-issuers a ClusterIssuer cannot be looked up; cert-manager still can.
    if (ref.group === 'cert-manager.io' && (ref.kind !== 'ClusterIssuer' || this.d.clusterIssuers)) {
      const found = ref.kind === 'ClusterIssuer' ? caches.clusterIssuers.get(undefined, ref.name) : caches.issuers.get(namespace, ref.name);
      if (!found) {
        await warn({ reason: 'IssuerNotFound', issuer: ref },
          `${ref.kind} ${ref.kind === 'Issuer' ? `${namespace}/` : ''}${ref.name} not found; ${role.certificateNoun} waits for it`);
        problems.push('IssuerNotFound');
      }
    }

    if (!existing || !certificateSpecEquals(existing, desired)) {
      const fields = role.writeFields(key, desired);
      let written: Certificate | undefined;
      if (existing) {
        written = await writer.updateCertificate(existing, desired, fields);
      } else {
        const certKey = namespacedKey(namespace, certName);
        // Created a moment ago and not in the cache yet: its watch event brings the owner back.
        if (this.created.pending(certKey, NOT_CACHED, certName)) return { kind: 'raced', problems };
        const created = await writer.createCertificate(desired, fields);
        if (created.kind === 'created') this.created.record(certKey, NOT_CACHED, certName);
        if (created.kind === 'exists') {
          // The cache lagged behind a Certificate made a moment ago: judge it as found.
          if (created.object && !isOwnedCertificate(created.object, kind, owner)) return conflict();
          return { kind: 'raced', problems }; // ours after all; its watch event brings us back
        }
        written = created.kind === 'created' ? created.object : undefined;
      }
      const uid = written?.metadata.uid;
      if (uid !== undefined && !this.revisions.has(uid)) this.revisions.set(uid, existing?.status?.revision ?? 0);
      return { kind: 'applied', change: existing ? 'updated' : 'created', problems };
    }

    const uid = existing.metadata.uid ?? '';
    if (!this.revisions.has(uid)) this.revisions.set(uid, isReady(existing) ? existing.status?.revision ?? 0 : 0);
    // A Ready Certificate over the still empty claimed Secret: the Secret's event is on its way (decisions/unfilled-secret.ts).
    if (!isReady(existing) || !secret || isUnfilledSecret(secret)) return { kind: 'waiting', problems };

    // A material copied elsewhere is read whole: a cached Secret may keep no texts (model/condensed-tls.ts).
    if (role.copiesMaterial && condensedTls(secret)) {
      secret = await writer.liveSecret(namespace, certName);
      if (!secret || isUnfilledSecret(secret)) return { kind: 'waiting', problems };
    }
    // The Secret is in the tenant's namespace and may hold anything: parsed in slices first.
    await prepareSecretCertificates(this.d.parser, secret);
    const verdict = verifyCachedSecret(secret, req.hosts, this.d.now(), this.d.parser);
    if (!verdict.ok) {
      const reasons = verdict.failures.map((f) => f.reason);
      await warn({ reason: 'VerificationFailed', secretName: certName, reasons },
        `${role.secretNoun} ${certName} (revision ${existing.status?.revision ?? '?'}) failed verification: ${verdict.failures.map((f) => f.message).join('; ')}`);
      problems.push('VerificationFailed');
      return { kind: 'verification-failed', problems };
    }
    const revision = existing.status?.revision ?? 1;
    const isNewRevision = revision > (this.revisions.get(uid) ?? 0);
    if (isNewRevision) this.revisions.set(uid, revision);
    const tlsCrt = secretText(secret, 'tls.crt');
    const tlsKey = secretText(secret, 'tls.key');
    // Both are there when the Secret verified and kept its texts (a missing one fails the gate).
    const material = tlsCrt !== undefined && tlsKey !== undefined ? { tlsCrt, tlsKey } : undefined;
    return { kind: 'verified', secret, ...(material ? { material } : {}), leaf: verdict.leaf, revision, isNewRevision, problems };
  }
}
