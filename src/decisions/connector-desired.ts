// What a Connector should have (SPEC §4.2), decided from the Connector alone:
// the Secret name, the trust sources, the overlap, and for useClientCert the
// client Certificate. Pure; reading sources and writing are elsewhere.
import type { V1OwnerReference } from '@kubernetes/client-node';
import type { Config } from '../config/config.js';
import { Annotations, Labels, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../model/annotations.js';
import { CERT_MANAGER_API_VERSION, type Certificate } from '../model/certmanager.js';
import { SKUPPER_API_VERSION, type Connector } from '../model/skupper.js';
import { quoted } from '../util/dnsname.js';
import { parseDuration } from '../util/duration.js';
import { certificateOptions, priorValidRevisions } from './certificate-options.js';
import { issuerFromAnnotations } from './issuer.js';
import { clientCertificateName, connectorSecretName, labelValue, secretNameProblem } from './names.js';
import { parseTrustSources, type TrustSource } from './trust-sources.js';

export interface ConnectorProblem {
  reason: 'InvalidAnnotation' | 'CrossNamespaceRefused' | 'InvalidSecretName' | 'UnknownIssuerKind' | 'NoIssuer';
  message: string;
}

export type DesiredConnector =
  | { kind: 'unmanaged' }
  | { kind: 'invalid'; problems: ConnectorProblem[] }
  | { kind: 'managed'; secretName: string; sources: TrustSource[]; overlapMs: number; client?: Certificate };

export type ConnectorDefaults = Pick<Config, 'defaultIssuer' | 'defaultIssuerKind' | 'trustOverlapMs'> & Partial<Pick<Config, 'allowShortDurations'>>;

/** Usages of the certificate the router presents to the backend (SPEC §4.2.5). */
export const CLIENT_USAGES: readonly string[] = ['client auth', 'digital signature', 'key encipherment'];
const MAX_COMMON_NAME = 64;


/** skupper.io/tls-prior-valid-revisions for the bundle Secret: the annotation when it is a valid number, else the flag. */
export function connectorPriorValidRevisions(connector: Connector, fallback: number): number {
  return priorValidRevisions(connector.metadata.annotations ?? {}, fallback, []);
}

export function desiredConnector(connector: Connector, defaults: ConnectorDefaults): DesiredConnector {
  const annotations = connector.metadata.annotations ?? {};
  const enabled = annotations[Annotations.enabled]?.trim();
  if (enabled === 'false') return { kind: 'unmanaged' };
  const namespace = connector.metadata.namespace;
  const parsed = parseTrustSources(annotations[Annotations.trust], namespace);
  if (parsed === undefined) return { kind: 'unmanaged' };

  const problems: ConnectorProblem[] = [...parsed.problems];
  priorValidRevisions(annotations, 0, problems);
  if (enabled !== undefined && enabled !== 'true') {
    problems.push({ reason: 'InvalidAnnotation', message: `${Annotations.enabled} must be "true" or "false", not ${quoted(annotations[Annotations.enabled] ?? '')}` });
  }
  const secretName = connectorSecretName(connector);
  const nameProblem = secretNameProblem(secretName, secretName !== connector.spec.tlsCredentials ? ' (derived from the Connector name; set spec.tlsCredentials to choose another)' : '');
  if (nameProblem !== undefined) problems.push({ reason: 'InvalidSecretName', message: nameProblem });

  let overlapMs = defaults.trustOverlapMs;
  const rawOverlap = annotations[Annotations.trustOverlap];
  if (rawOverlap !== undefined) {
    const ms = parseDuration(rawOverlap);
    if (ms instanceof Error) problems.push({ reason: 'InvalidAnnotation', message: `${Annotations.trustOverlap}: ${quoted(rawOverlap)}: ${ms.message}` });
    else overlapMs = ms;
  }

  let client: Certificate | undefined;
  if (connector.spec.useClientCert === true) {
    const issuer = issuerFromAnnotations(annotations, defaults);
    if (issuer.kind === 'none') {
      problems.push({ reason: 'NoIssuer', message: `spec.useClientCert is true but no issuer is set for the client certificate: annotate ${Annotations.issuer} or ${Annotations.clusterIssuer} (or ${Annotations.enabled}: "true" with the daemon's --default-issuer)` });
    } else if (issuer.kind === 'invalid') {
      // An invalid enabled value is already reported above.
      if (!problems.some((p) => p.message === issuer.message)) problems.push({ reason: issuer.reason, message: issuer.message });
    } else {
      const options = certificateOptions(annotations, problems, { allowShortDurations: defaults.allowShortDurations });
      const name = clientCertificateName(connector);
      const clientNameProblem = secretNameProblem(name, ' (the client certificate is named <Connector name>-connector-client; a shorter Connector name avoids this)');
      if (clientNameProblem !== undefined) problems.push({ reason: 'InvalidSecretName', message: clientNameProblem });
      const cn = connector.metadata.name;
      const renew = annotations[Annotations.renew]?.trim() || undefined;
      const uid = connector.metadata.uid;
      const owner: V1OwnerReference | undefined = uid === undefined || uid === ''
        ? undefined
        : { apiVersion: SKUPPER_API_VERSION, kind: 'Connector', name: connector.metadata.name, uid, controller: true };
      client = {
        apiVersion: CERT_MANAGER_API_VERSION,
        kind: 'Certificate',
        metadata: {
          name,
          namespace,
          labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [Labels.connector]: labelValue(connector.metadata.name) },
          // The renew request already present is not a new one (renewal.ts).
          ...(renew !== undefined ? { annotations: { [Annotations.renewHandled]: renew } } : {}),
          ...(owner ? { ownerReferences: [owner] } : {}),
        },
        spec: {
          secretName: name,
          issuerRef: { ...issuer.choice.ref },
          // A client certificate needs a subject; the Connector's name says who is calling.
          commonName: cn.length <= MAX_COMMON_NAME ? cn : cn.slice(0, MAX_COMMON_NAME),
          ...(options.duration !== undefined ? { duration: options.duration } : {}),
          ...(options.renewBefore !== undefined ? { renewBefore: options.renewBefore } : {}),
          usages: [...CLIENT_USAGES],
          privateKey: options.privateKey,
          secretTemplate: { labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } },
        },
      };
    }
  }

  if (problems.length > 0) return { kind: 'invalid', problems };
  return { kind: 'managed', secretName, sources: parsed.sources, overlapMs, ...(client ? { client } : {}) };
}
