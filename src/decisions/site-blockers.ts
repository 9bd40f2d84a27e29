// Skupper ≤ 2.2.1 (verified on a real 2.2.1 site, ../shared/notes/real-skupper-site.md):
// when any Listener or Connector of a namespace names in spec.tlsCredentials a
// Secret the kube-adaptor cannot find, the adaptor's config sync for the whole
// site stalls. Renewed certificates of every other Listener and Connector are
// written to disk but not served until that Secret exists. Skupper ignores
// Secrets that are not kubernetes.io/tls, so a Secret of another type counts
// as missing too. Skupper says nothing about it; this names the culprits.
// Pure: the daemon feeds it from its caches and bounded live reads, `status`
// from its lists, so both name the same objects.
import type { V1Secret } from '@kubernetes/client-node';
import type { Connector, Listener } from '../model/skupper.js';
import { MAX_LISTED } from '../pki/failure-text.js';
import { TLS_SECRET_TYPE, secretType } from './secret-type.js';

export const SITE_CONFIG_BLOCKED = 'SiteConfigBlocked';

/**
 * What is known of a named Secret: Skupper can use it (`tls`), it does not
 * exist (`missing`), it is of another type (`wrong-type`), or nothing is
 * known yet (`unknown`: not cached and not read yet, so not reported).
 */
export type SecretPresence =
  | { kind: 'tls' }
  | { kind: 'missing' }
  | { kind: 'wrong-type'; type: string }
  | { kind: 'unknown' };

export interface SiteBlocker {
  namespace: string;
  kind: 'listener' | 'connector';
  name: string;
  /** The Secret spec.tlsCredentials names. */
  secret: string;
  cause: 'missing' | 'wrong-type';
  /** The Secret's type, when cause is wrong-type. */
  type?: string;
}

/** The blockers of one namespace, for `status`. */
export interface BlockedSite {
  namespace: string;
  blockers: SiteBlocker[];
}

/**
 * From a cached Secret (the caches hold kubernetes.io/tls and Opaque ones) and,
 * when it is not cached, the result of a direct read: its type, null when the
 * API server has none, undefined when it was not read (yet).
 */
export function secretPresence(cached: Pick<V1Secret, 'type'> | undefined, read: string | null | undefined): SecretPresence {
  const type = cached ? secretType(cached) : read;
  if (type === undefined) return { kind: 'unknown' };
  if (type === null) return { kind: 'missing' };
  return type === TLS_SECRET_TYPE ? { kind: 'tls' } : { kind: 'wrong-type', type };
}

/** Every Secret name the objects reference in spec.tlsCredentials (what the kube-adaptor looks up). */
export function referencedSecrets(objects: readonly (Listener | Connector)[]): { namespace: string; name: string }[] {
  const seen = new Set<string>();
  const refs: { namespace: string; name: string }[] = [];
  for (const o of objects) {
    const name = o.spec.tlsCredentials;
    const key = `${o.metadata.namespace}/${name ?? ''}`;
    if (!name || seen.has(key)) continue;
    seen.add(key);
    refs.push({ namespace: o.metadata.namespace, name });
  }
  return refs;
}

/**
 * The Listeners and Connectors whose spec.tlsCredentials names a Secret Skupper
 * cannot use, sorted by namespace, kind and name. Managed or hand-made alike:
 * the adaptor does not care who set the field.
 */
export function siteBlockers(
  listeners: readonly Listener[],
  connectors: readonly Connector[],
  presence: (namespace: string, name: string) => SecretPresence,
): SiteBlocker[] {
  const found: SiteBlocker[] = [];
  const check = (kind: SiteBlocker['kind'], o: Listener | Connector): void => {
    const secret = o.spec.tlsCredentials;
    if (!secret) return;
    const { namespace, name } = o.metadata;
    const p = presence(namespace, secret);
    if (p.kind === 'missing') found.push({ namespace, kind, name, secret, cause: 'missing' });
    else if (p.kind === 'wrong-type') found.push({ namespace, kind, name, secret, cause: 'wrong-type', type: p.type });
  };
  for (const l of listeners) check('listener', l);
  for (const c of connectors) check('connector', c);
  const key = (b: SiteBlocker): string => `${b.namespace}/${b.kind}/${b.name}`;
  return found.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** Blockers grouped by namespace, in namespace order. */
export function blockedSites(blockers: readonly SiteBlocker[]): BlockedSite[] {
  const byNamespace = new Map<string, SiteBlocker[]>();
  for (const b of blockers) byNamespace.set(b.namespace, [...(byNamespace.get(b.namespace) ?? []), b]);
  return [...byNamespace.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([namespace, list]) => ({ namespace, blockers: list }));
}

function what(b: SiteBlocker): string {
  return b.cause === 'missing' ? 'which does not exist' : `which is of type ${b.type ?? '?'}, not ${TLS_SECRET_TYPE}, so Skupper ignores it`;
}

/** The Warning on a culprit: what it names, what that does to the site, what to do. */
export function blockerMessage(b: SiteBlocker): string {
  const fix = b.cause === 'missing'
    ? `create Secret ${b.secret} (type ${TLS_SECRET_TYPE}) or remove spec.tlsCredentials`
    : `recreate Secret ${b.secret} with type ${TLS_SECRET_TYPE} or point spec.tlsCredentials at one`;
  // Seen on Skupper 2.2.1 (test/integration/skupper-contract-secrets.test.ts): unblocking by dropping the reference regenerates the router config without ordinals, so what was renewed meanwhile stays unserved.
  return `spec.tlsCredentials names Secret ${b.namespace}/${b.secret}, ${what(b)}. Skupper's kube-adaptor stops applying TLS configuration for the whole site until it can read it: `
    + `no renewed or new certificate of any Listener or Connector in namespace ${b.namespace} is served meanwhile. To fix: ${fix}; `
    + 'if the site is unblocked by removing the reference instead of providing the Secret, renew again what was renewed meanwhile (skupper-cert-rotator renew)';
}

/** One line naming a blocked site's culprits (the `status` command). */
export function siteLine(site: BlockedSite): string {
  const shown = site.blockers.slice(0, MAX_LISTED).map((b) => `${b.kind}/${b.name} names Secret ${b.secret} (${b.cause === 'missing' ? 'missing' : `type ${b.type ?? '?'}`})`);
  const more = site.blockers.length > MAX_LISTED ? `, … (${site.blockers.length - MAX_LISTED} more)` : '';
  return `SITE CONFIG BLOCKED in namespace ${site.namespace}: ${shown.join(', ')}${more}; Skupper serves no certificate change in ${site.namespace} until ${site.blockers.length === 1 ? 'it exists' : 'they exist'} as ${TLS_SECRET_TYPE}`;
}
