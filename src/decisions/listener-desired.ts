// The Certificate a Listener should have (SPEC §4.1), decided from the
// Listener alone: no I/O, so every rule is unit-testable. The result is
// compared with the live object by value, so it is canonical: no
// undefined-valued keys, normalized durations and names, stable order.
import type { V1OwnerReference } from '@kubernetes/client-node';
import type { Config } from '../config/config.js';
import { Annotations, Labels, MANAGED_BY_LABEL, MANAGED_BY_VALUE, SKUPPER_PRIOR_VALID_REVISIONS } from '../model/annotations.js';
import { CERT_MANAGER_API_VERSION, type Certificate, type CertificateSpec } from '../model/certmanager.js';
import { SKUPPER_API_VERSION, type Listener } from '../model/skupper.js';
import { normalizeHost } from '../host/normalize.js';
import { dnsNameProblem, quoted } from '../util/dnsname.js';
import { classifyHost, sansForHost } from './listener-host.js';
import { certificateOptions, priorValidRevisions } from './certificate-options.js';
import { issuerFromAnnotations } from './issuer.js';
import { labelValue, secretNameFor, secretNameProblem } from './names.js';

export interface ListenerProblem {
  reason: 'InvalidHost' | 'InvalidAnnotation' | 'UnknownIssuerKind' | 'NoIssuer' | 'InvalidSecretName';
  message: string;
}

export type DesiredListener =
  | { kind: 'unmanaged' }
  | { kind: 'invalid'; problems: ListenerProblem[] }
  | { kind: 'managed'; secretName: string; certificate: Certificate; hosts: string[] };

export type ListenerDefaults = Pick<Config, 'clusterDomain' | 'defaultIssuer' | 'defaultIssuerKind' | 'priorValidRevisions'> & Partial<Pick<Config, 'allowShortDurations'>>;

/** Key usages of a TLS server certificate (SPEC §4.1). */
export const SERVER_USAGES: readonly string[] = ['server auth', 'digital signature', 'key encipherment'];

// X.509 ub-common-name: a longer host simply has no CN; the SANs carry it.
const MAX_COMMON_NAME = 64;
/** Extra SANs from the annotation: trimmed, lower-cased, sorted so reordering the list changes nothing. */
function extraDnsNames(raw: string | undefined, problems: ListenerProblem[]): string[] {
  if (raw === undefined) return [];
  const names: string[] = [];
  // Empty items (a trailing comma) are harmless and ignored.
  for (const item of raw.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    // Spelled like the host (src/host/normalize.ts): Example.COM. is example.com.
    const n = normalizeHost(item);
    const name = n.text;
    const problem = n.kind === 'ip' ? 'it is an IP address; only DNS names are accepted here' : dnsNameProblem(name, { wildcard: true });
    if (problem === undefined) names.push(name);
    else problems.push({ reason: 'InvalidAnnotation', message: `${Annotations.extraDnsNames}: ${quoted(item)} is not a valid DNS name: ${problem}` });
  }
  return [...new Set(names)].sort();
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
  const nameProblem = secretNameProblem(secretName, secretName !== listener.spec.tlsCredentials ? ' (derived from the Listener name; set spec.tlsCredentials to choose another)' : '');
  if (nameProblem !== undefined) problems.push({ reason: 'InvalidSecretName', message: nameProblem });

  const extras = extraDnsNames(annotations[Annotations.extraDnsNames], problems);
  const options = certificateOptions(annotations, problems, { allowShortDurations: defaults.allowShortDurations });
  const revisions = priorValidRevisions(annotations, defaults.priorValidRevisions, problems);

  if (problems.length > 0 || issuer.kind !== 'ok' || host instanceof Error) return { kind: 'invalid', problems };

  const namespace = listener.metadata.namespace;
  const renew = annotations[Annotations.renew]?.trim() || undefined;
  const hostText = host.kind === 'ip' ? host.ip : host.name;
  const sans = sansForHost(host, namespace, defaults.clusterDomain);
  const dnsNames = [...new Set([...sans.dnsNames, ...extras])];

  const spec: CertificateSpec = {
    secretName,
    issuerRef: { ...issuer.choice.ref },
    ...(hostText.length <= MAX_COMMON_NAME ? { commonName: hostText } : {}),
    ...(dnsNames.length > 0 ? { dnsNames } : {}),
    ...(sans.ipAddresses.length > 0 ? { ipAddresses: sans.ipAddresses } : {}),
    ...(options.duration !== undefined ? { duration: options.duration } : {}),
    ...(options.renewBefore !== undefined ? { renewBefore: options.renewBefore } : {}),
    usages: [...SERVER_USAGES],
    privateKey: options.privateKey,
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
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [Labels.listener]: labelValue(listener.metadata.name) },
      // The renew request already present is not a new one (renewal.ts).
      ...(renew !== undefined ? { annotations: { [Annotations.renewHandled]: renew } } : {}),
      ...(owner ? { ownerReferences: [owner] } : {}),
    },
    spec,
  };
  return { kind: 'managed', secretName, certificate, hosts: [hostText] };
}
