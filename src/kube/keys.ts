// The one work-queue key format. A key names an object, optionally with the
// kind in front when one queue carries several kinds:
//   "namespace/name"          (objectKey, namespacedKey)
//   "name"                    (a cluster-scoped object)
//   "kind/namespace/name"     (kindKey: the expiry and probe queues)
// Names and namespaces are DNS labels/subdomains, so '/' never occurs in them
// and the split is unambiguous.
import type { KubernetesObject } from '@kubernetes/client-node';

/** "namespace/name" of a namespaced object, "name" of a cluster-scoped one. */
export function objectKey(obj: KubernetesObject): string {
  const ns = obj.metadata?.namespace;
  return ns ? namespacedKey(ns, obj.metadata?.name ?? '') : (obj.metadata?.name ?? '');
}

export function namespacedKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** Splits a "namespace/name" key. */
export function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}

/** "kind/namespace/name": one queue for several kinds. */
export function kindKey(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespacedKey(namespace, name)}`;
}

/** Splits a kindKey; the kind is returned as written, for the caller to check. */
export function splitKindKey(key: string): { kind: string; namespace: string; name: string } {
  const i = key.indexOf('/');
  const [namespace, name] = splitKey(key.slice(i + 1));
  return { kind: key.slice(0, i), namespace, name };
}
