// The trust annotation (SPEC §4.2): `skupper-cert-rotator.io/trust:
// SOURCE[,SOURCE…]`. Parsing is pure; reading the sources is resolve.ts.
// Sources live in the Connector's own namespace: a reference into another
// namespace would let anyone who can edit a Connector copy any CA the daemon
// can read, so it is refused (a ClusterIssuer is the one exception, §4.2).
import { Annotations } from '../model/annotations.js';
import { isDnsSubdomain, quoted } from '../util/dnsname.js';

export type TrustSource =
  | { kind: 'secret' | 'configmap'; name: string; key: string; text: string }
  | { kind: 'issuer' | 'clusterissuer'; name: string; text: string };

export interface SourceProblem {
  reason: 'InvalidAnnotation' | 'CrossNamespaceRefused';
  message: string;
}

export const DEFAULT_SOURCE_KEY = 'ca.crt';
/**
 * At most this many sources per annotation. Each source is a read, a parse of
 * up to an object's worth of PEM and an Event when it is broken, on every
 * reconcile; the annotation is tenant input of up to 256 KiB, which holds tens
 * of thousands of items. Real Connectors name one to three sources (old and
 * new CA during a rotation); 32 leaves room for any honest use. Over the cap,
 * the whole annotation is refused rather than truncated: a silently shortened
 * list would drop a CA the backend needs.
 */
export const MAX_TRUST_SOURCES = 32;
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
  if (items.length > MAX_TRUST_SOURCES) {
    // Checked before any item is parsed: one problem, not one per item.
    problems.push({
      reason: 'InvalidAnnotation',
      message: `${Annotations.trust} names ${items.length} sources; at most ${MAX_TRUST_SOURCES} are allowed (put the CAs into fewer Secrets or ConfigMaps)`,
    });
    return { sources, problems };
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
