// Which of the CustomResourceDefinitions the daemon and the commands use are
// not served, found through API discovery (GET /apis/<group>/<version>).
// Discovery is granted to every authenticated user by the built-in
// system:discovery ClusterRole, so this needs no RBAC beyond the manifests'.
// A missing CRD otherwise shows up as a 404 on every list, retried forever.
import { Api, ApiError, apiVersionOf, type ResourceType } from './api.js';

/** How to install the CRDs of an API group, by group (the caller's product knowledge). */
export type InstallHints = Readonly<Record<string, string>>;

const DISCOVERY_TIMEOUT_MS = 15_000;

export function crdName(t: ResourceType): string {
  return `${t.plural}.${t.group}`;
}

/** The resources among `required` that the API server does not serve. Throws on errors other than "not found" (unreachable, forbidden). */
export async function missingResources(api: Api, required: readonly ResourceType[], signal?: AbortSignal): Promise<ResourceType[]> {
  const byGroupVersion = new Map<string, ResourceType[]>();
  for (const t of required) byGroupVersion.set(apiVersionOf(t), [...(byGroupVersion.get(apiVersionOf(t)) ?? []), t]);
  const missing: ResourceType[] = [];
  for (const [groupVersion, types] of byGroupVersion) {
    let served: Set<string>;
    try {
      const list = await api.request<{ resources?: { name?: string }[] }>('GET', `/apis/${groupVersion}`, { timeoutMs: DISCOVERY_TIMEOUT_MS, signal });
      served = new Set((list.resources ?? []).map((r) => r.name ?? ''));
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 404) throw err;
      served = new Set();
    }
    missing.push(...types.filter((t) => !served.has(t.plural)));
  }
  return missing;
}

/** One line naming each missing CRD, grouped by API group, with how to install it. */
export function missingCrdsMessage(missing: readonly ResourceType[], hints: InstallHints = {}): string {
  const groups = [...new Set(missing.map((t) => t.group))];
  const parts = groups.map((g) => {
    const names = missing.filter((t) => t.group === g).map((t) => `${crdName(t)} (${apiVersionOf(t)})`);
    return `${names.join(', ')}: ${hints[g] ?? `install the CRDs of API group ${g}`}`;
  });
  return `required CustomResourceDefinitions are not installed: ${parts.join('; ')}`;
}

/** Raised by the commands when the cluster lacks CRDs they read; the CLI prints its message without a stack. */
export class MissingCrdsError extends Error {
  constructor(readonly missing: readonly ResourceType[], hints: InstallHints = {}) {
    super(missingCrdsMessage(missing, hints));
    this.name = 'MissingCrdsError';
  }
}

/** Throws MissingCrdsError when any of `required` is not served. */
export async function requireResources(api: Api, required: readonly ResourceType[], hints: InstallHints = {}): Promise<void> {
  const missing = await missingResources(api, required);
  if (missing.length > 0) throw new MissingCrdsError(missing, hints);
}
