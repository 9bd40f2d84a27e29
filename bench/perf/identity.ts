// The daemon runs as the ServiceAccount of manifests/base with its RBAC, as
// in a cluster: its requests are then attributable in the audit log (which
// records every request of that ServiceAccount, reads included) and the
// benchmark measures the product as installed, not an admin shortcut.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { applyObjects } from '../../cluster/controlplane.js';
import { repoRoot } from '../../cluster/paths.js';
import { serviceAccountKubeconfig } from '../../cluster/token-kubeconfig.js';

export const SA_NAMESPACE = 'skupper-cert-rotator';
export const SA_NAME = 'skupper-cert-rotator';
export const SA_USER = `system:serviceaccount:${SA_NAMESPACE}:${SA_NAME}`;

/** The identity files of manifests/base (its kustomization adds labels only); the Deployment and Service need a kubelet this cluster lacks. */
const IDENTITY_FILES = ['namespace.yaml', 'serviceaccount.yaml', 'clusterrole.yaml', 'clusterrolebinding.yaml', 'role-leader-election.yaml', 'rolebinding-leader-election.yaml'];

/** Applies the daemon's identity and returns a kubeconfig with a TokenRequest token for it. */
export async function daemonKubeconfig(kc: k8s.KubeConfig): Promise<string> {
  const objects = IDENTITY_FILES.flatMap((f) => k8s.loadAllYaml(readFileSync(join(repoRoot, 'manifests', 'base', f), 'utf8')) as k8s.KubernetesObject[]);
  await applyObjects(kc, objects, 'skupper-cert-rotator-bench');
  return serviceAccountKubeconfig(kc, SA_NAMESPACE, SA_NAME);
}
