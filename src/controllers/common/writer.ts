// Every write a controller makes goes through here, so --dry-run is honoured
// in one place and every write is logged the same way.
import type { V1Secret } from '@kubernetes/client-node';
import { Resources, isNotFound, type Api } from '../../kube/api.js';
import type { Logger } from '../../log.js';
import type { Certificate } from '../../model/certmanager.js';
import { isManagedByUs } from './ownership.js';

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

  /** A Secret the caches do not hold (they watch some types only): ask the API server before creating one. */
  async liveSecret(namespace: string, name: string): Promise<V1Secret | undefined> {
    try {
      return await this.api.get<V1Secret>(Resources.secret, namespace, name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}
