// `status` lists only kubernetes.io/tls and Opaque Secrets, as the daemon
// caches them. A Secret named by spec.tlsCredentials (or the daemon's name
// for it) that the lists do not hold is read on its own, so `status` reports
// it as the wrong type rather than as missing, and calls a site blocked only
// by a Secret that is really not there (as the daemon does).
// Bounded: at most MAX_READS reads, a few at a time.
import type { V1Secret } from '@kubernetes/client-node';
import { ApiError, isNotFound, type Api } from '../kube/api.js';
import { Resources } from '../model/resources.js';
import { secretType } from '../decisions/secret-type.js';

const MAX_READS = 200;
const PARALLEL = 8;

/**
 * "namespace/name" → the type of every Secret in `refs` not in `listed`, or
 * null when the API server has none. A name that was not read (over the bound,
 * or a read we may not make) is left out: nothing is known of it.
 */
export async function unlistedSecretTypes(api: Api, refs: readonly { namespace: string; name: string | undefined }[], listed: (namespace: string, name: string) => boolean): Promise<Map<string, string | null>> {
  const wanted = [...new Set(refs
    .filter((r) => r.name !== undefined && r.name !== '' && !listed(r.namespace, r.name))
    .map((r) => `${r.namespace}/${r.name ?? ''}`))].slice(0, MAX_READS);
  const found = new Map<string, string | null>();
  for (let i = 0; i < wanted.length; i += PARALLEL) {
    await Promise.all(wanted.slice(i, i + PARALLEL).map(async (key) => {
      const [namespace = '', name = ''] = key.split('/');
      try {
        found.set(key, secretType(await api.get<V1Secret>(Resources.secret, namespace, name)));
      } catch (err) {
        if (isNotFound(err)) found.set(key, null);
        // A read we may not make leaves it unknown.
        else if (!(err instanceof ApiError && err.status === 403)) throw err;
      }
    }));
  }
  return found;
}
