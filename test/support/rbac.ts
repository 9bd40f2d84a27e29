// Least-privilege RBAC as data: the ClusterRole and the leader-election Role
// of manifests/base split into single grants (API group, resource, verb), and
// a way to run the daemon as a fresh ServiceAccount bound to any subset.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { repoRoot } from '../../cluster/paths.js';
import { apply } from './k8s.js';
import { SA_NAMESPACE, tokenKubeconfig } from './serviceaccount.js';

export interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

export interface Grant {
  role: 'ClusterRole' | 'Role';
  apiGroup: string;
  resource: string;
  verb: string;
}

export function grantName(g: Grant): string {
  return `${g.role} ${g.apiGroup === '' ? 'core' : g.apiGroup}/${g.resource} ${g.verb}`;
}

export function baseRules(file: 'clusterrole.yaml' | 'role-leader-election.yaml'): Rule[] {
  const doc = k8s.loadYaml<{ rules?: Rule[] }>(readFileSync(join(repoRoot, 'manifests', 'base', file), 'utf8'));
  return doc.rules ?? [];
}

/** The rules the namespaced overlay grants in each watched namespace (its first Role). */
export function namespacedOverlayRules(): Rule[] {
  const docs = k8s.loadAllYaml(readFileSync(join(repoRoot, 'manifests', 'overlays', 'namespaced', 'rbac-watched-namespaces.yaml'), 'utf8')) as ({ kind?: string; rules?: Rule[] } | null)[];
  const role = docs.find((d) => d?.kind === 'Role');
  if (!role?.rules) throw new Error('manifests/overlays/namespaced/rbac-watched-namespaces.yaml has no Role');
  return role.rules;
}

export function grantsOf(role: Grant['role'], rules: readonly Rule[]): Grant[] {
  return rules.flatMap((r) => r.apiGroups.flatMap((apiGroup) => r.resources.flatMap((resource) => r.verbs.map((verb) => ({ role, apiGroup, resource, verb })))));
}

/** The rules with exactly one grant taken away (a rule over several resources is split so the others keep it). */
export function rulesWithout(rules: readonly Rule[], g: Grant): Rule[] {
  return rules.flatMap((r) => {
    if (!r.apiGroups.includes(g.apiGroup) || !r.resources.includes(g.resource) || !r.verbs.includes(g.verb)) return [r];
    const others = r.resources.filter((x) => x !== g.resource);
    const verbs = r.verbs.filter((v) => v !== g.verb);
    return [
      ...(others.length ? [{ ...r, resources: others }] : []),
      ...(verbs.length ? [{ ...r, resources: [g.resource], verbs }] : []),
    ];
  });
}

/**
 * A ServiceAccount `name` in the daemon's namespace bound to `clusterRules`
 * (cluster-wide) and `roleRules` (in the daemon's namespace, like the Lease
 * Role); returns its user name and a kubeconfig with a TokenRequest token.
 */
export async function serviceAccountWithRules(name: string, clusterRules: readonly Rule[], roleRules: readonly Rule[], watched: readonly { namespace: string; rules: readonly Rule[] }[] = []): Promise<{ user: string; kubeconfig: string }> {
  const subject = [{ kind: 'ServiceAccount', name, namespace: SA_NAMESPACE }];
  const roleName = `scr-test-${name}`;
  await apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: SA_NAMESPACE } });
  await apply({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: roleName }, rules: clusterRules });
  await apply({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: roleName }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName }, subjects: subject });
  for (const { namespace, rules } of [{ namespace: SA_NAMESPACE, rules: roleRules }, ...watched]) {
    await apply({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: roleName, namespace }, rules });
    await apply({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: roleName, namespace }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: roleName }, subjects: subject });
  }
  return { user: `system:serviceaccount:${SA_NAMESPACE}:${name}`, kubeconfig: await tokenKubeconfig(name) };
}
