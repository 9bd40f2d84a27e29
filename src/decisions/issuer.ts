// Which issuer a Listener (SPEC §4.1) or a Connector client certificate (§4.2.5) asks for. The annotations mean what they
// mean on an Ingress under cert-manager's ingress-shim, so operators can move
// their habits (and their linters) over unchanged; on top of that,
// skupper-cert-rotator.io/enabled opts a Listener in with the daemon default.
import { Annotations } from '../model/annotations.js';
import { CERT_MANAGER_GROUP, type IssuerRef } from '../model/certmanager.js';
import { isDnsSubdomain, quoted } from '../util/dnsname.js';

export interface IssuerChoice {
  ref: IssuerRef;
  source: 'annotation' | 'default';
}

export type IssuerResult =
  | { kind: 'none' }
  | { kind: 'ok'; choice: IssuerChoice }
  | { kind: 'invalid'; reason: 'UnknownIssuerKind' | 'InvalidAnnotation' | 'NoIssuer'; message: string };

type Invalid = Extract<IssuerResult, { kind: 'invalid' }>;

const CM_KINDS: readonly string[] = ['Issuer', 'ClusterIssuer'];
// A Kubernetes Kind is a CamelCase identifier; anything else cannot name a resource type.
const KIND = /^[A-Z][A-Za-z0-9]*$/;

function invalid(reason: Invalid['reason'], message: string): Invalid {
  return { kind: 'invalid', reason, message };
}

/**
 * Resolves the issuer reference from a Listener's annotations: `none` when
 * the Listener is not opted in, `invalid` when it is but the annotations
 * cannot be used.
 */
export function issuerFromAnnotations(
  annotations: Record<string, string> | undefined,
  defaults: { defaultIssuer: string; defaultIssuerKind: 'Issuer' | 'ClusterIssuer' },
): IssuerResult {
  const a = annotations ?? {};
  // Values are trimmed: a YAML block scalar leaves a trailing newline that nobody sees.
  const get = (key: string): string | undefined => a[key]?.trim();

  const enabled = get(Annotations.enabled);
  if (enabled !== undefined && enabled !== 'true' && enabled !== 'false') {
    return invalid('InvalidAnnotation', `${Annotations.enabled} must be "true" or "false", not ${quoted(a[Annotations.enabled] ?? '')}`);
  }
  // An explicit "false" is an opt-out and wins over issuer annotations, so a
  // Listener can be taken out of management without deleting its issuer settings.
  if (enabled === 'false') return { kind: 'none' };

  const issuer = get(Annotations.issuer);
  const clusterIssuer = get(Annotations.clusterIssuer);
  const kind = get(Annotations.issuerKind);
  const group = get(Annotations.issuerGroup);

  if (issuer === undefined && clusterIssuer === undefined) {
    if (enabled !== 'true') return { kind: 'none' };
    if (kind !== undefined || group !== undefined) {
      return invalid('InvalidAnnotation', `${Annotations.issuerKind} and ${Annotations.issuerGroup} need ${Annotations.issuer}; they do not modify the daemon's default issuer`);
    }
    return defaultIssuer(defaults);
  }

  if (issuer !== undefined && clusterIssuer !== undefined) {
    return invalid('InvalidAnnotation', `both ${Annotations.issuer} and ${Annotations.clusterIssuer} are set; use one`);
  }
  if (clusterIssuer !== undefined) {
    // As in ingress-shim: cluster-issuer fixes kind and group, so a kind or group next to it is a contradiction, not an override.
    if (kind !== undefined) return invalid('InvalidAnnotation', `${Annotations.issuerKind} cannot be combined with ${Annotations.clusterIssuer}; use ${Annotations.issuer} with ${Annotations.issuerKind}`);
    if (group !== undefined) return invalid('InvalidAnnotation', `${Annotations.issuerGroup} cannot be combined with ${Annotations.clusterIssuer}; use ${Annotations.issuer} with ${Annotations.issuerKind} and ${Annotations.issuerGroup}`);
    return annotated(Annotations.clusterIssuer, clusterIssuer, 'ClusterIssuer', CERT_MANAGER_GROUP);
  }
  return annotated(Annotations.issuer, issuer ?? '', kind ?? 'Issuer', group ?? CERT_MANAGER_GROUP);
}

function annotated(nameKey: string, name: string, kind: string, group: string): IssuerResult {
  if (name === '') return invalid('InvalidAnnotation', `${nameKey} is empty; it must name an issuer`);
  if (!isDnsSubdomain(name)) return invalid('InvalidAnnotation', `${nameKey}: ${quoted(name)} is not a valid issuer name (lower-case letters, digits, '-' and '.')`);
  if (group === '') return invalid('InvalidAnnotation', `${Annotations.issuerGroup} is empty; omit it for cert-manager.io`);
  if (!isDnsSubdomain(group)) return invalid('InvalidAnnotation', `${Annotations.issuerGroup}: ${quoted(group)} is not a valid API group (a DNS subdomain such as awspca.cert-manager.io)`);
  if (kind === '') return invalid('InvalidAnnotation', `${Annotations.issuerKind} is empty; omit it for Issuer`);
  if (group === CERT_MANAGER_GROUP) {
    if (!CM_KINDS.includes(kind)) {
      return invalid('UnknownIssuerKind', `${Annotations.issuerKind}: ${quoted(kind)} is not an issuer kind of ${CERT_MANAGER_GROUP} (Issuer or ClusterIssuer); set ${Annotations.issuerGroup} for an external issuer`);
    }
  } else if (!KIND.test(kind)) {
    return invalid('InvalidAnnotation', `${Annotations.issuerKind}: ${quoted(kind)} is not a valid Kind (CamelCase letters and digits)`);
  }
  return { kind: 'ok', choice: { ref: { name, kind, group }, source: 'annotation' } };
}

function defaultIssuer(defaults: { defaultIssuer: string; defaultIssuerKind: 'Issuer' | 'ClusterIssuer' }): IssuerResult {
  const name = defaults.defaultIssuer;
  if (name === '') {
    return invalid('NoIssuer', `${Annotations.enabled} is "true" but the daemon has no --default-issuer; set it, or annotate ${Annotations.issuer} or ${Annotations.clusterIssuer}`);
  }
  if (!isDnsSubdomain(name)) return invalid('NoIssuer', `--default-issuer ${quoted(name)} is not a valid issuer name`);
  return { kind: 'ok', choice: { ref: { name, kind: defaults.defaultIssuerKind, group: CERT_MANAGER_GROUP }, source: 'default' } };
}
