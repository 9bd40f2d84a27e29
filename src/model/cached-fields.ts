// What the caches keep of each object: every object a watch delivers stays
// in memory for as long as the daemon runs, so the parts no controller reads
// are dropped before it is cached (the informers' transform). Nothing here
// is ever written back from a cache: Listeners, Connectors and Secrets are
// only merge-patched or created from desired objects, so a dropped field is
// never lost from the API server.
//
// - Secrets: cert-manager describes each Secret it fills with annotations
//   (alt-names, common-name, issuer-name, …; 250 bytes per Listener's
//   Secret) that repeat its certificate, and `kubectl apply` leaves the
//   whole object, data included, in last-applied-configuration. Kept: the
//   annotations something reads (cert-manager's certificate-name, Skupper's,
//   ours).
// - Listeners and Connectors: the status is Skupper's and is never read
//   (its conditions change with every router event); annotations are kept
//   when they are cert-manager's (the ingress-shim keys) or ours.
// - Certificates are kept whole: a renewal writes the whole status back
//   (renewal/trigger.ts), so it must be the one the API server has.
import type { KubernetesObject } from '@kubernetes/client-node';
import { withoutKeys } from '../util/without-keys.js';
import { CERT_MANAGER_CERTIFICATE_NAME, PREFIX } from './annotations.js';

const SKUPPER_PREFIXES = ['skupper.io/', 'internal.skupper.io/'];

/** Annotations of a Secret that some controller reads. */
export function keptSecretAnnotation(key: string): boolean {
  return key === CERT_MANAGER_CERTIFICATE_NAME || key.startsWith(PREFIX) || SKUPPER_PREFIXES.some((p) => key.startsWith(p));
}

/** Annotations of a Listener or Connector that some controller reads. */
export function keptOwnerAnnotation(key: string): boolean {
  return key.startsWith('cert-manager.io/') || key.startsWith(PREFIX);
}

function keepAnnotations(obj: KubernetesObject, kept: (key: string) => boolean): void {
  const metadata = obj.metadata;
  const annotations = metadata?.annotations;
  if (metadata === undefined || annotations === undefined) return;
  const trimmed = withoutKeys(annotations, (k) => !kept(k));
  if (trimmed === annotations) return;
  obj.metadata = Object.keys(trimmed).length > 0 ? Object.assign({}, metadata, { annotations: trimmed }) : withoutKeys(metadata, (k) => k === 'annotations');
}

/** A Secret as cached. */
export function cachedSecret(obj: KubernetesObject): KubernetesObject {
  keepAnnotations(obj, keptSecretAnnotation);
  return obj;
}

/** A Listener or Connector as cached: no status, and the annotations read. */
export function cachedOwner(obj: KubernetesObject): KubernetesObject {
  keepAnnotations(obj, keptOwnerAnnotation);
  return withoutKeys(obj, (k) => k === 'status');
}
