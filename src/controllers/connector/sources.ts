// The trust annotation (SPEC §4.2): `skupper-cert-rotator.io/trust:
// SOURCE[,SOURCE…]`. Parsing is pure; reading the sources is resolve.ts.
// Sources live in the Connector's own namespace: a reference into another
// namespace would let anyone who can edit a Connector copy any CA the daemon
// can read, so it is refused (a ClusterIssuer is the one exception, §4.2).
import { Annotations } from '../../model/annotations.js';
import { isDnsSubdomain, quoted } from '../../util/dnsname.js';

export type TrustSource =
  | { kind: 'secret' | 'configmap'; name: string; key: string; text: string }
  | { kind: 'issuer' | 'clusterissuer'; name: string; text: string };

export interface SourceProblem {
  reason: 'InvalidAnnotation' | 'CrossNamespaceRefused';
  message: string;
}

export const DEFAULT_SOURCE_KEY = 'ca.crt';
const KINDS = ['secret', 'configmap', 'issuer', 'clusterissuer'] as const;
type Kind = (typeof KINDS)[number];
// Secret and ConfigMap data keys (validation.IsConfigMapKey).
const DATA_KEY = /^[-._a-zA-Z0-9]+$/;
const MAX_KEY = 253;

function isKind(s: string): s is Kind {
  return (KINDS as readonly string[]).includes(s);
}

/**
 * The sources of a trust annotation, in the order given, duplicates removed.
 * `undefined` when the annotation is absent (the Connector is not ours).
 */
export function parseTrustSources(raw: string | undefined, namespace: string): { sources: TrustSource[]; problems: SourceProblem[] } | undefined {
  if (raw === undefined) return undefined;
  const sources: TrustSource[] = [];
  const problems: SourceProblem[] = [];
  const seen = new Set<string>();
  const items = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) {
    problems.push({ reason: 'InvalidAnnotation', message: `${Annotations.trust} names no source; expected e.g. "issuer/backend-ca" or "secret/backend-ca#ca.crt"` });
  }
  for (const item of items) {
    const parsed = parseOne(item, namespace);
    if ('reason' in parsed) {
      problems.push(parsed);
      continue;
    }
    const id = sourceId(parsed);
    if (seen.has(id)) continue;
    seen.add(id);
    sources.push(parsed);
  }
  return { sources, problems };
}

/** A stable identity of a source, independent of how it was spelled. */
export function sourceId(s: TrustSource): string {
  return 'key' in s ? `${s.kind}/${s.name}#${s.key}` : `${s.kind}/${s.name}`;
}

function parseOne(item: string, namespace: string): TrustSource | SourceProblem {
  const bad = (why: string): SourceProblem => ({ reason: 'InvalidAnnotation', message: `${Annotations.trust}: ${quoted(item)} ${why}` });
  const slash = item.indexOf('/');
  if (slash < 0) return bad('is not KIND/NAME (kinds: secret, configmap, issuer, clusterissuer)');
  const kind = item.slice(0, slash).toLowerCase();
  if (!isKind(kind)) return bad(`has unknown kind ${quoted(item.slice(0, slash))} (kinds: secret, configmap, issuer, clusterissuer)`);

  let rest = item.slice(slash + 1);
  let key: string | undefined;
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    key = rest.slice(hash + 1);
    rest = rest.slice(0, hash);
    if (kind === 'issuer' || kind === 'clusterissuer') return bad(`takes no #KEY: ${kind} sources use tls.crt and ca.crt of the issuer's CA Secret`);
    if (key === '' || key.length > MAX_KEY || !DATA_KEY.test(key)) return bad(`has an invalid key ${quoted(key)} (letters, digits, '-', '_' and '.')`);
  }

  const parts = rest.split('/');
  let name = rest;
  if (parts.length === 2) {
    // NAMESPACE/NAME: accepted only when it is the Connector's own namespace.
    const [ns = '', n = ''] = parts;
    if (!isDnsSubdomain(ns)) return bad(`has an invalid namespace ${quoted(ns)}`);
    if (!isDnsSubdomain(n)) return bad(`has an invalid name ${quoted(n)} (lower-case letters, digits, '-' and '.')`);
    if (kind === 'clusterissuer') return bad('names a namespace, but a ClusterIssuer is cluster-scoped');
    if (ns !== namespace) {
      return {
        reason: 'CrossNamespaceRefused',
        message: `${Annotations.trust}: ${quoted(item)} refers to namespace ${quoted(ns)}; trust sources are read from the Connector's namespace ${quoted(namespace)} only (copy the CA there, or use a ClusterIssuer)`,
      };
    }
    name = n;
  } else if (parts.length > 2) {
    return bad('has too many "/" (expected KIND/NAME or KIND/NAMESPACE/NAME)');
  }
  if (!isDnsSubdomain(name)) return bad(`has an invalid name ${quoted(name)} (lower-case letters, digits, '-' and '.')`);
  if (kind === 'secret' || kind === 'configmap') return { kind, name, key: key ?? DEFAULT_SOURCE_KEY, text: item };
  return { kind, name, text: item };
}
