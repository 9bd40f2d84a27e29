// The Certificate a Listener should have (SPEC §4.1), decided from the
// Listener alone: no I/O, so every rule is unit-testable. The result is
// compared with the live object by value, so it is canonical: no
// undefined-valued keys, normalized durations and names, stable order.
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { V1OwnerReference } from '@kubernetes/client-node';
import type { Config } from '../../config.js';
import { Annotations, Labels, MANAGED_BY_LABEL, MANAGED_BY_VALUE, SKUPPER_PRIOR_VALID_REVISIONS } from '../../model/annotations.js';
import { CERT_MANAGER_API_VERSION, type Certificate, type CertificateSpec } from '../../model/certmanager.js';
import { SKUPPER_API_VERSION, type Listener } from '../../model/skupper.js';
import { asciiLower, dnsNameProblem, isDnsSubdomain, quoted } from '../../util/dnsname.js';
import { parseDuration } from '../../util/duration.js';
import { fitsGoDuration, goDurationString } from '../../util/goduration.js';
import { classifyHost, sansForHost } from './host.js';
import { issuerFromAnnotations } from './issuer.js';

export interface ListenerProblem {
  reason: 'InvalidHost' | 'InvalidAnnotation' | 'UnknownIssuerKind' | 'NoIssuer' | 'InvalidSecretName';
  message: string;
}

export type DesiredListener =
  | { kind: 'unmanaged' }
  | { kind: 'invalid'; problems: ListenerProblem[] }
  | { kind: 'managed'; secretName: string; certificate: Certificate; hosts: string[] };

export type ListenerDefaults = Pick<Config, 'clusterDomain' | 'defaultIssuer' | 'defaultIssuerKind' | 'priorValidRevisions'>;

type PrivateKey = NonNullable<CertificateSpec['privateKey']>;
type Algorithm = NonNullable<PrivateKey['algorithm']>;

/** Key usages of a TLS server certificate (SPEC §4.1). */
export const SERVER_USAGES: readonly string[] = ['server auth', 'digital signature', 'key encipherment'];

// X.509 ub-common-name: a longer host simply has no CN; the SANs carry it.
const MAX_COMMON_NAME = 64;
// cert-manager's webhook limits (MinimumCertificateDuration, MinimumRenewBefore,
// DefaultCertificateDuration): checked here so a bad annotation is reported on
// the Listener instead of failing every apply with a rejected request.
const MIN_DURATION_MS = 3_600_000;
const MIN_RENEW_BEFORE_MS = 300_000;
const DEFAULT_DURATION_MS = 2160 * 3_600_000;

const ALGORITHMS: Readonly<Record<string, Algorithm>> = { rsa: 'RSA', ecdsa: 'ECDSA', ed25519: 'Ed25519' };
const KEY_SIZES: Readonly<Record<Algorithm, readonly number[] | undefined>> = {
  RSA: [2048, 3072, 4096, 8192],
  ECDSA: [256, 384, 521],
  Ed25519: undefined, // the key size is fixed; cert-manager ignores spec.privateKey.size
};

// Secret names Skupper itself creates (SPEC §2): reusing one would hand our
// certificate to Skupper's own router configuration, or ours to Skupper.
const SKUPPER_SECRETS: readonly string[] = [
  'skupper-site-ca', 'skupper-site-server', 'skupper-service-ca', 'skupper-local-ca',
  'skupper-local-server', 'skupper-local-client', 'skupper-router-ca',
];
const SKUPPER_PREFIXES: readonly string[] = ['skupper-local-', 'skupper-site-'];

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const MAX_LABEL_VALUE = 63;

/** The Secret (and Certificate) name for a Listener: spec.tlsCredentials if set, else `<name>-listener-tls`. */
export function secretNameFor(listener: Listener): string {
  const preset = listener.spec.tlsCredentials;
  return preset !== undefined && preset !== '' ? preset : `${listener.metadata.name}-listener-tls`;
}

/**
 * The value of our listener label. Listener names may be up to 253
 * characters but label values only 63: a longer name is cut and suffixed
 * with a hash of the full name, so the value stays valid and distinct. The
 * label is for humans and selectors; ownership is decided by the
 * ownerReference, which holds the full name.
 */
export function listenerLabelValue(name: string): string {
  if (name.length <= MAX_LABEL_VALUE && LABEL_VALUE.test(name)) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 10);
  // Keep only label-value characters, and make the value start alphanumerically.
  const prefix = name.slice(0, MAX_LABEL_VALUE - hash.length - 1).replace(/[^A-Za-z0-9_.-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return prefix === '' ? hash : `${prefix}-${hash}`;
}

function secretNameProblem(name: string, derived: boolean): string | undefined {
  const hint = derived ? ' (derived from the Listener name; set spec.tlsCredentials to choose another)' : '';
  if (!isDnsSubdomain(name)) return `Secret name ${quoted(name)} is not a valid Kubernetes name (lower-case letters, digits, '-' and '.', at most 253 characters)${hint}`;
  if (name.endsWith('-profile')) return `Secret name ${quoted(name)} ends in "-profile", which Skupper reserves for its own TLS profiles${hint}`;
  if (SKUPPER_SECRETS.includes(name) || SKUPPER_PREFIXES.some((p) => name.startsWith(p))) {
    return `Secret name ${quoted(name)} is one of Skupper's own Secret names (skupper-site-*, skupper-local-*, skupper-service-ca, skupper-router-ca)${hint}`;
  }
  return undefined;
}

/** Extra SANs from the annotation: trimmed, lower-cased, sorted so reordering the list changes nothing. */
function extraDnsNames(raw: string | undefined, problems: ListenerProblem[]): string[] {
  if (raw === undefined) return [];
  const names: string[] = [];
  // Empty items (a trailing comma) are harmless and ignored.
  for (const item of raw.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const name = asciiLower(item);
    const problem = isIP(name) !== 0 ? 'it is an IP address; only DNS names are accepted here' : dnsNameProblem(name, { wildcard: true });
    if (problem === undefined) names.push(name);
    else problems.push({ reason: 'InvalidAnnotation', message: `${Annotations.extraDnsNames}: ${quoted(item)} is not a valid DNS name: ${problem}` });
  }
  return [...new Set(names)].sort();
}

function durationAnnotation(annotations: Record<string, string>, key: string, min: number, problems: ListenerProblem[]): number | undefined {
  const raw = annotations[key];
  if (raw === undefined) return undefined;
  const ms = parseDuration(raw);
  let problem: string;
  if (ms instanceof Error) problem = ms.message;
  else if (!fitsGoDuration(ms)) problem = `${quoted(raw)} is too long for cert-manager`;
  else if (ms < min) problem = `${quoted(raw)} is shorter than cert-manager's minimum ${goDurationString(min)}`;
  else return ms;
  problems.push({ reason: 'InvalidAnnotation', message: `${key}: ${problem}` });
  return undefined;
}

function privateKey(annotations: Record<string, string>, problems: ListenerProblem[]): PrivateKey {
  const rawAlgorithm = annotations[Annotations.privateKeyAlgorithm]?.trim();
  const rawSize = annotations[Annotations.privateKeySize]?.trim();
  const bad = (message: string): PrivateKey => {
    problems.push({ reason: 'InvalidAnnotation', message });
    return { rotationPolicy: 'Always' };
  };

  let algorithm: Algorithm | undefined;
  if (rawAlgorithm !== undefined) {
    algorithm = ALGORITHMS[rawAlgorithm.toLowerCase()];
    if (algorithm === undefined) return bad(`${Annotations.privateKeyAlgorithm}: ${quoted(rawAlgorithm)} is not RSA, ECDSA or Ed25519`);
  }
  if (rawSize === undefined) return algorithm === undefined ? { rotationPolicy: 'Always' } : { algorithm, rotationPolicy: 'Always' };

  if (!/^[0-9]+$/.test(rawSize)) return bad(`${Annotations.privateKeySize}: ${quoted(rawSize)} is not a whole number`);
  const size = Number(rawSize);
  // cert-manager's default algorithm is RSA; say so explicitly so the spec reads the same either way.
  const alg = algorithm ?? 'RSA';
  const allowed = KEY_SIZES[alg];
  if (allowed === undefined) return { algorithm: alg, rotationPolicy: 'Always' };
  if (!allowed.includes(size)) return bad(`${Annotations.privateKeySize}: ${size} is not a valid ${alg} key size (${allowed.join(', ')})`);
  return { algorithm: alg, size, rotationPolicy: 'Always' };
}

function priorValidRevisions(annotations: Record<string, string>, fallback: number, problems: ListenerProblem[]): number {
  const raw = annotations[Annotations.priorValidRevisions]?.trim();
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (/^[0-9]+$/.test(raw) && Number.isSafeInteger(n)) return n;
  problems.push({ reason: 'InvalidAnnotation', message: `${Annotations.priorValidRevisions}: ${quoted(raw)} is not a non-negative integer` });
  return fallback;
}

/**
 * Decides what to do for a Listener: leave it alone, report everything
 * wrong with it, or manage this exact Certificate.
 */
export function desiredListenerCertificate(listener: Listener, defaults: ListenerDefaults): DesiredListener {
  const annotations = listener.metadata.annotations ?? {};
  const issuer = issuerFromAnnotations(annotations, defaults);
  if (issuer.kind === 'none') return { kind: 'unmanaged' };

  const problems: ListenerProblem[] = [];
  if (issuer.kind === 'invalid') problems.push({ reason: issuer.reason, message: issuer.message });

  const host = classifyHost(listener.spec.host);
  if (host instanceof Error) problems.push({ reason: 'InvalidHost', message: host.message });

  const secretName = secretNameFor(listener);
  const nameProblem = secretNameProblem(secretName, secretName !== listener.spec.tlsCredentials);
  if (nameProblem !== undefined) problems.push({ reason: 'InvalidSecretName', message: nameProblem });

  const extras = extraDnsNames(annotations[Annotations.extraDnsNames], problems);
  const duration = durationAnnotation(annotations, Annotations.duration, MIN_DURATION_MS, problems);
  const renewBefore = durationAnnotation(annotations, Annotations.renewBefore, MIN_RENEW_BEFORE_MS, problems);
  const durationInvalid = duration === undefined && annotations[Annotations.duration] !== undefined; // already reported
  if (renewBefore !== undefined && !durationInvalid && renewBefore >= (duration ?? DEFAULT_DURATION_MS)) {
    const of = duration === undefined ? `cert-manager's default duration ${goDurationString(DEFAULT_DURATION_MS)}` : `${Annotations.duration} (${goDurationString(duration)})`;
    problems.push({ reason: 'InvalidAnnotation', message: `${Annotations.renewBefore} (${goDurationString(renewBefore)}) must be shorter than ${of}` });
  }
  const key = privateKey(annotations, problems);
  const revisions = priorValidRevisions(annotations, defaults.priorValidRevisions, problems);

  if (problems.length > 0 || issuer.kind !== 'ok' || host instanceof Error) return { kind: 'invalid', problems };

  const namespace = listener.metadata.namespace;
  const hostText = host.kind === 'ip' ? host.ip : host.name;
  const sans = sansForHost(host, namespace, defaults.clusterDomain);
  const dnsNames = [...new Set([...sans.dnsNames, ...extras])];

  const spec: CertificateSpec = {
    secretName,
    issuerRef: { ...issuer.choice.ref },
    ...(hostText.length <= MAX_COMMON_NAME ? { commonName: hostText } : {}),
    ...(dnsNames.length > 0 ? { dnsNames } : {}),
    ...(sans.ipAddresses.length > 0 ? { ipAddresses: sans.ipAddresses } : {}),
    ...(duration !== undefined ? { duration: goDurationString(duration) } : {}),
    ...(renewBefore !== undefined ? { renewBefore: goDurationString(renewBefore) } : {}),
    usages: [...SERVER_USAGES],
    privateKey: key,
    secretTemplate: {
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
      annotations: { [SKUPPER_PRIOR_VALID_REVISIONS]: String(revisions) },
    },
  };

  const uid = listener.metadata.uid;
  // No blockOwnerDeletion: setting it requires update permission on
  // listeners/finalizers, and background garbage collection after the
  // Listener is gone is all we need.
  const owner: V1OwnerReference | undefined = uid === undefined || uid === ''
    ? undefined // only objects that never came from the API server lack a uid; a reference without one is rejected
    : { apiVersion: SKUPPER_API_VERSION, kind: 'Listener', name: listener.metadata.name, uid, controller: true };

  const certificate: Certificate = {
    apiVersion: CERT_MANAGER_API_VERSION,
    kind: 'Certificate',
    metadata: {
      name: secretName,
      namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [Labels.listener]: listenerLabelValue(listener.metadata.name) },
      ...(owner ? { ownerReferences: [owner] } : {}),
    },
    spec,
  };
  return { kind: 'managed', secretName, certificate, hosts: [hostText] };
}
