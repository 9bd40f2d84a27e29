// Runs the daemon as the ServiceAccount from manifests/base, with its RBAC:
// the tests then prove the RBAC is sufficient, and the daemon's writes are
// attributable in the audit log.
import { join } from 'node:path';
import { repoRoot } from '../../cluster/paths.js';
import { serviceAccountKubeconfig } from '../../cluster/token-kubeconfig.js';
import { testCluster } from './cluster.js';
import { apply } from './k8s.js';
import { kustomize } from './kubectl.js';

export const SA_NAMESPACE = 'skupper-cert-rotator';
export const SA_NAME = 'skupper-cert-rotator';
export const SA_USER = `system:serviceaccount:${SA_NAMESPACE}:${SA_NAME}`;

let cached: string | undefined;

/**
 * What the daemon's identity is made of. The base's Deployment, Service and
 * PodDisruptionBudget stay out: this cluster has no kubelet to run them, and
 * the tests run the daemon as a local process instead.
 */
const IDENTITY_KINDS = new Set(['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);

/** Applies the identity part of manifests/base, as kustomize renders it, and returns a kubeconfig with a token for the ServiceAccount. */
export async function daemonKubeconfig(): Promise<string> {
  if (cached) return cached;
  const objects = await kustomize(join(repoRoot, 'manifests', 'base'));
  // Kustomize emits Namespaces first and roles before their bindings.
  for (const obj of objects.filter((o) => IDENTITY_KINDS.has(o.kind ?? ''))) await apply(obj);
  const file = await tokenKubeconfig(SA_NAME);
  cached = file;
  return file;
}

/** A kubeconfig for ServiceAccount `name` (in the daemon's namespace unless told) with a fresh TokenRequest token. */
export async function tokenKubeconfig(name: string, namespace = SA_NAMESPACE): Promise<string> {
  return serviceAccountKubeconfig(testCluster().kc, namespace, name);
}
