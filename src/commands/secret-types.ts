// `status` lists only kubernetes.io/tls and Opaque Secrets, as the daemon
// caches them. A Secret of another type named by spec.tlsCredentials is read
// on its own, so `status` reports it as the wrong type (as the daemon does)
// rather than as missing. Bounded: at most MAX_READS reads, a few at a time.
import type { V1Secret } from '@kubernetes/client-node';
import { ApiError, isNotFound, type Api } from '../kube/api.js';
import { Resources } from '../model/resources.js';
import { TLS_SECRET_TYPE, secretType } from '../decisions/secret-type.js';

const MAX_READS = 200;
const PARALLEL = 8;

/** "namespace/name" → type, for every Secret in `refs` not in `listed` that exists and is neither kubernetes.io/tls nor Opaque. */
export async function otherSecretTypes(api: Api, refs: readonly { namespace: string; name: string | undefined }[], listed: (namespace: string, name: string) => boolean): Promise<Map<string, string>> {
  const wanted = [...new Set(refs
    .filter((r) => r.name !== undefined && r.name !== '' && !listed(r.namespace, r.name))
    .map((r) => `${r.namespace}/${r.name ?? ''}`))].slice(0, MAX_READS);
  const found = new Map<string, string>();
  for (let i = 0; i < wanted.length; i += PARALLEL) {
    await Promise.all(wanted.slice(i, i + PARALLEL).map(async (key) => {
      const [namespace = '', name = ''] = key.split('/');
      try {
        const type = secretType(await api.get<V1Secret>(Resources.secret, namespace, name));
        if (type !== TLS_SECRET_TYPE && type !== 'Opaque') found.set(key, type);
      } catch (err) {
        // Missing stays "missing"; a read we may not make leaves it so too.
        if (!isNotFound(err) && !(err instanceof ApiError && err.status === 403)) throw err;
      }
    }));
  }
  return found;
}
