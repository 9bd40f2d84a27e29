// Every write a controller makes goes through here, so --dry-run is honoured
// in one place and every write is logged the same way.
//
// Ownership under cache lag (SPEC §4.1.6): the caches may not show an object
// a user created a moment ago, so an object the cache does not show is only
// ever created with a real create (POST), which the API server refuses with
// 409 AlreadyExists when the name is taken; the object found then is re-read
// and judged, never taken over. An object the cache does show is updated
// conditionally on the resourceVersion we judged it by.
import type { V1Secret } from '@kubernetes/client-node';
import { ApiError, isNotFound, type Api } from '../kube/api.js';
import { Resources } from '../model/resources.js';
import type { Logger } from '../telemetry/log.js';
import { CERT_MANAGER_CERTIFICATE_NAME, FIELD_MANAGER } from '../model/annotations.js';
import type { Certificate } from '../model/certmanager.js';
import { isManagedByUs } from '../decisions/ownership.js';
import { TLS_SECRET_TYPE } from '../decisions/secret-type.js';
import { keepRenewRecord } from '../decisions/renew-record.js';
import { droppedSpecFields } from '../decisions/certificate-compare.js';

/** The outcome of a create: made by us, refused because the name is taken (with what is there), or not attempted (--dry-run). */
export type CreateResult<T> =
  | { kind: 'created'; object: T }
  | { kind: 'exists'; object: T | undefined }
  | { kind: 'dry-run' };

export function isAlreadyExists(err: unknown): boolean {
  return err instanceof ApiError && err.status === 409 && err.reason === 'AlreadyExists';
}

export class Writer {
  constructor(
    readonly api: Api,
    private readonly log: Logger,
    readonly dryRun: boolean,
  ) {}

  /** Performs a write unless --dry-run, logging what it does either way. */
  async write<T>(what: string, fields: Record<string, unknown>, fn: () => Promise<T>): Promise<T | undefined> {
    if (this.dryRun) {
      this.log.info({ ...fields, dryRun: true }, `dry-run: would ${what}`);
      return undefined;
    }
    const out = await fn();
    this.log.info(fields, what);
    return out;
  }

  /** A Certificate the cache does not show: created, or the one already there re-read for the caller to judge. */
  async createCertificate(cert: Certificate, fields: Record<string, unknown>): Promise<CreateResult<Certificate>> {
    const { namespace, name } = cert.metadata;
    return this.create('create Certificate', fields,
      () => this.api.create<Certificate>(Resources.certificate, namespace, cert, { fieldManager: FIELD_MANAGER }),
      () => this.liveCertificate(namespace, name));
  }

  /**
   * Brings our Certificate `existing` (as the cache shows it) to `desired` by
   * server-side apply, on condition that it is still that object: if it was
   * replaced or changed since, the API server answers 409 and the reconcile
   * is retried on the fresh object instead of writing over someone else's.
   */
  async updateCertificate(existing: Certificate, desired: Certificate, fields: Record<string, unknown>): Promise<Certificate | undefined> {
    const { namespace, name } = desired.metadata;
    const kept = keepRenewRecord(desired, existing);
    let resourceVersion = existing.metadata.resourceVersion;
    // Apply cannot remove what the create set (see droppedSpecFields): a merge patch on the same condition does.
    const dropped = droppedSpecFields(existing, kept);
    if (dropped) {
      const patched = await this.write('remove dropped Certificate fields', { ...fields, removed: Object.keys(dropped) },
        () => this.api.mergePatch<Certificate>(Resources.certificate, namespace, name, { metadata: { resourceVersion }, spec: dropped }, FIELD_MANAGER));
      if (!patched) return undefined;
      resourceVersion = patched.metadata.resourceVersion;
    }
    const body: Certificate = { ...kept, metadata: Object.assign({}, kept.metadata, { resourceVersion }) };
    return this.write('update Certificate', fields, () => this.api.apply<Certificate>(Resources.certificate, namespace, name, body, FIELD_MANAGER));
  }

  /**
   * Takes the name of the Secret one of our Certificates will fill, before
   * the Certificate exists: an empty kubernetes.io/tls Secret labelled as
   * ours. cert-manager writes into whatever Secret has the name, so without
   * this a user's Secret created between our check and cert-manager's first
   * write would be overwritten; with it, whichever create comes second is
   * refused, and ours is judged by what is there.
   */
  async claimSecret(namespace: string, name: string, labels: Record<string, string>, fields: Record<string, unknown>): Promise<CreateResult<V1Secret>> {
    const body: V1Secret = {
      apiVersion: 'v1', kind: 'Secret', type: TLS_SECRET_TYPE,
      // Named as the Secret of our Certificate `name`, as cert-manager names the Secrets it writes:
      // it is one (cert-manager fills it), not a Secret of the daemon's own making like a bundle.
      metadata: { name, namespace, labels, annotations: { [CERT_MANAGER_CERTIFICATE_NAME]: name } },
      // kubernetes.io/tls requires both keys; cert-manager fills them.
      data: { 'tls.crt': '', 'tls.key': '' },
    };
    return this.create('claim Secret name for the Certificate', fields,
      () => this.api.create<V1Secret>(Resources.secret, namespace, body, { fieldManager: FIELD_MANAGER }),
      () => this.liveSecret(namespace, name));
  }

  /** A Secret the caches and a read did not show: created, or the one there now re-read for the caller to judge. */
  async createSecret(secret: V1Secret, fields: Record<string, unknown>): Promise<CreateResult<V1Secret>> {
    const namespace = secret.metadata?.namespace ?? '';
    const name = secret.metadata?.name ?? '';
    return this.create('create Secret', fields,
      () => this.api.create<V1Secret>(Resources.secret, namespace, secret, { fieldManager: FIELD_MANAGER }),
      () => this.liveSecret(namespace, name));
  }

  private async create<T>(what: string, fields: Record<string, unknown>, post: () => Promise<T>, reread: () => Promise<T | undefined>): Promise<CreateResult<T>> {
    if (this.dryRun) {
      this.log.info({ ...fields, dryRun: true }, `dry-run: would ${what}`);
      return { kind: 'dry-run' };
    }
    try {
      const object = await post();
      this.log.info(fields, what);
      return { kind: 'created', object };
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      this.log.debug(fields, `${what}: the name is taken; judging the object found instead`);
      return { kind: 'exists', object: await reread() };
    }
  }

  /** Deletes the Certificates of ours among `certs`; one that is already gone is fine. */
  async deleteCertificates(certs: Certificate[], why: string): Promise<void> {
    for (const c of certs.filter(isManagedByUs)) {
      await this.write('delete Certificate', { certificate: `${c.metadata.namespace}/${c.metadata.name}`, why }, async () => {
        try {
          // The uid precondition makes sure we delete exactly the object we looked at.
          await this.api.delete(Resources.certificate, c.metadata.namespace, c.metadata.name, { uid: c.metadata.uid });
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      });
    }
  }

  /** A Secret the caches do not hold (they watch some types only): asked of the API server. */
  async liveSecret(namespace: string, name: string): Promise<V1Secret | undefined> {
    try {
      return await this.api.get<V1Secret>(Resources.secret, namespace, name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** A list by name, not a get: the daemon's RBAC has no get on Certificates (the cache answers every other read). */
  async liveCertificate(namespace: string, name: string): Promise<Certificate | undefined> {
    const list = await this.api.list<Certificate>(Resources.certificate, namespace, { fieldSelector: `metadata.name=${name}` });
    return list.items.find((c) => c.metadata.name === name);
  }
}
