// Reads each trust source from the caches and parses it (SPEC §4.2 step 2).
// A source that cannot be read at all, or holds no certificate, is reported
// and makes the reconcile hold the last good bundle: a typo or a deleted
// ConfigMap must not start removing CAs that connections rely on.
import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import type { Informer } from '../../kube/informer.js';
import type { Issuer } from '../../model/certmanager.js';
import { objectDataId, type DataId, type ParseCache, type ParseResult } from '../../pki/parse-cache.js';
import type { ParsedCertificate } from '../../pki/certificate.js';
import type { CertificateProblem } from '../../pki/certificate-scan.js';
import { quoted } from '../../util/dnsname.js';
import type { TrustSource } from '../../decisions/trust-sources.js';
import { secretText } from '../../model/object-data.js';
import { condensedTls } from '../../model/condensed-tls.js';

/** A condensed Secret's tls.key as a trust source: a private key (not kept), so no certificate. */
const KEY_NOT_CERTIFICATE: ParseResult = Object.freeze({
  certificates: Object.freeze([]),
  problems: Object.freeze([{ kind: 'not-certificate' as const, message: 'tls.key holds a private key, not a certificate' }]),
});

export interface SourceCaches {
  /** kubernetes.io/tls Secrets. */
  secrets: Informer<V1Secret>;
  /** Opaque Secrets: hand-made CA Secrets usually are. */
  opaqueSecrets: Informer<V1Secret>;
  configMaps: Informer<V1ConfigMap>;
  issuers: Informer<Issuer>;
  clusterIssuers: Informer<Issuer>;
}

export type ResolvedSource =
  | { ok: true; source: TrustSource; certificates: ParsedCertificate[]; problems: CertificateProblem[] }
  | { ok: false; source: TrustSource; reason: 'TrustSourceMissing' | 'TrustSourceInvalid'; message: string };

export function findSecret(caches: Pick<SourceCaches, 'secrets' | 'opaqueSecrets'>, namespace: string, name: string): V1Secret | undefined {
  return caches.secrets.get(namespace, name) ?? caches.opaqueSecrets.get(namespace, name);
}

function configMapText(cm: V1ConfigMap, key: string): string | undefined {
  const text = cm.data?.[key];
  if (text !== undefined) return text;
  const bin = cm.binaryData?.[key];
  return bin === undefined ? undefined : Buffer.from(bin, 'base64').toString('utf8');
}

export interface ResolveContext {
  namespace: string;
  clusterResourceNamespace: string;
  /** false = ClusterIssuers are not readable here (--cluster-issuers=false). */
  clusterIssuers: boolean;
  caches: SourceCaches;
  parser: ParseCache;
}

/** The Secret (namespace, name) an issuer source reads, or a reason it has none. */
export function issuerSecret(source: Extract<TrustSource, { kind: 'issuer' | 'clusterissuer' }>, ctx: ResolveContext): { namespace: string; name: string } | { reason: 'TrustSourceMissing' | 'TrustSourceInvalid'; message: string } {
  const cluster = source.kind === 'clusterissuer';
  if (cluster && !ctx.clusterIssuers) {
    return { reason: 'TrustSourceInvalid', message: `trust source ${quoted(source.text)}: ClusterIssuers are not read by this installation (--cluster-issuers=false, no cluster-scope RBAC); use secret/ or configmap/ with the CA instead` };
  }
  const issuer = cluster ? ctx.caches.clusterIssuers.get(undefined, source.name) : ctx.caches.issuers.get(ctx.namespace, source.name);
  const what = cluster ? `ClusterIssuer ${source.name}` : `Issuer ${ctx.namespace}/${source.name}`;
  if (!issuer) return { reason: 'TrustSourceMissing', message: `trust source ${quoted(source.text)}: ${what} not found` };
  const secretName = issuer.spec?.ca?.secretName;
  if (!secretName) {
    const type = Object.keys(issuer.spec ?? {})[0] ?? 'unknown';
    return { reason: 'TrustSourceInvalid', message: `trust source ${quoted(source.text)}: ${what} is a ${type} issuer, not a CA issuer; only a CA issuer's certificate can be read (use secret/ or configmap/ for other CAs)` };
  }
  return { namespace: cluster ? ctx.clusterResourceNamespace : ctx.namespace, name: secretName };
}

/**
 * One source, read and parsed. Async because a source may hold thousands of
 * certificates: the parse yields to the event loop between slices (and is
 * cached per resourceVersion, so a resync parses nothing).
 */
export async function resolveSource(source: TrustSource, ctx: ResolveContext): Promise<ResolvedSource> {
  const fail = (reason: 'TrustSourceMissing' | 'TrustSourceInvalid', message: string): ResolvedSource => ({ ok: false, source, reason, message });
  // Texts to parse, or a condensed Secret's tls.crt as parsed when it was cached (model/condensed-tls.ts).
  const texts: ({ id: DataId | undefined; text: string } | { parsed: ParseResult })[] = [];
  const fromSecret = (secret: V1Secret, key: string): boolean => {
    const condensed = condensedTls(secret);
    if (condensed && key === 'tls.crt') texts.push({ parsed: condensed.chain });
    // Not a certificate, and not kept: read as a text without one.
    else if (condensed && key === 'tls.key') texts.push({ parsed: KEY_NOT_CERTIFICATE });
    else {
      const text = secretText(secret, key);
      if (text === undefined || text.trim() === '') return text !== undefined;
      texts.push({ id: objectDataId(secret, key), text });
    }
    return true;
  };

  if ('key' in source && source.kind === 'secret') {
    const secret = findSecret(ctx.caches, ctx.namespace, source.name);
    if (!secret) return fail('TrustSourceMissing', `trust source ${quoted(source.text)}: Secret ${ctx.namespace}/${source.name} not found (only kubernetes.io/tls and Opaque Secrets are read)`);
    if (!fromSecret(secret, source.key)) return fail('TrustSourceMissing', `trust source ${quoted(source.text)}: Secret ${ctx.namespace}/${source.name} has no key ${quoted(source.key)}`);
  } else if ('key' in source) {
    const cm = ctx.caches.configMaps.get(ctx.namespace, source.name);
    if (!cm) return fail('TrustSourceMissing', `trust source ${quoted(source.text)}: ConfigMap ${ctx.namespace}/${source.name} not found`);
    const text = configMapText(cm, source.key);
    if (text === undefined) return fail('TrustSourceMissing', `trust source ${quoted(source.text)}: ConfigMap ${ctx.namespace}/${source.name} has no key ${quoted(source.key)}`);
    texts.push({ id: objectDataId(cm, source.key), text });
  } else {
    const ref = issuerSecret(source, ctx);
    if ('reason' in ref) return fail(ref.reason, ref.message);
    const secret = findSecret(ctx.caches, ref.namespace, ref.name);
    if (!secret) return fail('TrustSourceMissing', `trust source ${quoted(source.text)}: the issuer's CA Secret ${ref.namespace}/${ref.name} not found`);
    for (const key of ['tls.crt', 'ca.crt']) fromSecret(secret, key);
    if (texts.length === 0) return fail('TrustSourceInvalid', `trust source ${quoted(source.text)}: the issuer's CA Secret ${ref.namespace}/${ref.name} has neither tls.crt nor ca.crt`);
  }

  const certificates: ParsedCertificate[] = [];
  const problems: CertificateProblem[] = [];
  for (const t of texts) {
    const parsed = 'parsed' in t ? t.parsed : await ctx.parser.prepare(t.id, t.text);
    certificates.push(...parsed.certificates);
    problems.push(...parsed.problems);
  }
  if (certificates.length === 0) {
    const detail = problems.filter((p) => p.kind !== 'stray-text').map((p) => p.message).slice(0, 3).join('; ');
    return fail('TrustSourceInvalid', `trust source ${quoted(source.text)} holds no usable certificate${detail ? ` (${detail})` : ''}`);
  }
  return { ok: true, source, certificates, problems };
}
