// The one place that names Secrets: the default Secret (and Certificate)
// names of Listeners and Connectors, label values derived from names, and the
// Secret names that must never be ours (SPEC §2).
import { createHash } from 'node:crypto';
import type { Connector, Listener } from '../model/skupper.js';
import { isDnsSubdomain, quoted } from '../util/dnsname.js';

// Secret names Skupper itself creates (SPEC §2): reusing one would hand our
// certificate to Skupper's own router configuration, or ours to Skupper.
const SKUPPER_SECRETS: readonly string[] = [
  'skupper-site-ca', 'skupper-site-server', 'skupper-service-ca', 'skupper-local-ca',
  'skupper-local-server', 'skupper-local-client', 'skupper-router-ca',
];
const SKUPPER_PREFIXES: readonly string[] = ['skupper-local-', 'skupper-site-'];

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const MAX_LABEL_VALUE = 63;

/**
 * An object name as a label value. Names may be up to 253 characters but
 * label values only 63: a longer name is cut and suffixed with a hash of the
 * full name, so the value stays valid and distinct. Labels are for humans and
 * selectors; ownership is decided by ownerReferences, which hold the full name.
 */
export function labelValue(name: string): string {
  if (name.length <= MAX_LABEL_VALUE && LABEL_VALUE.test(name)) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 10);
  // Keep only label-value characters, and make the value start alphanumerically.
  const prefix = name.slice(0, MAX_LABEL_VALUE - hash.length - 1).replace(/[^A-Za-z0-9_.-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return prefix === '' ? hash : `${prefix}-${hash}`;
}

/** Why `name` cannot be a Secret of ours, or undefined when it can; `hint` is appended to the message. */
export function secretNameProblem(name: string, hint = ''): string | undefined {
  if (!isDnsSubdomain(name)) return `Secret name ${quoted(name)} is not a valid Kubernetes name (lower-case letters, digits, '-' and '.', at most 253 characters)${hint}`;
  if (name.endsWith('-profile')) return `Secret name ${quoted(name)} ends in "-profile", which Skupper reserves for its own TLS profiles${hint}`;
  if (SKUPPER_SECRETS.includes(name) || SKUPPER_PREFIXES.some((p) => name.startsWith(p))) {
    return `Secret name ${quoted(name)} is one of Skupper's own Secret names (skupper-site-*, skupper-local-*, skupper-service-ca, skupper-router-ca)${hint}`;
  }
  return undefined;
}

/** What the default names are made of: a Listener or a Connector. */
type TlsObject = Pick<Listener | Connector, 'metadata' | 'spec'>;

const LISTENER_SUFFIX = '-listener-tls';
const CONNECTOR_SUFFIX = '-connector-tls';

function presetOr(obj: TlsObject, suffix: string): string {
  const preset = obj.spec.tlsCredentials;
  return preset !== undefined && preset !== '' ? preset : `${obj.metadata.name}${suffix}`;
}

/** The Secret (and Certificate) name for a Listener: spec.tlsCredentials if set, else `<name>-listener-tls`. */
export function secretNameFor(listener: TlsObject): string {
  return presetOr(listener, LISTENER_SUFFIX);
}

/** The bundle Secret of a Connector: spec.tlsCredentials if set, else `<name>-connector-tls`. */
export function connectorSecretName(connector: TlsObject): string {
  return presetOr(connector, CONNECTOR_SUFFIX);
}

/** A Connector's client Certificate and its Secret share this name. */
export function clientCertificateName(connector: Pick<Connector, 'metadata'>): string {
  return `${connector.metadata.name}-connector-client`;
}

/**
 * Every Secret (and Certificate) name a Listener may use, managed or not,
 * sorted: its spec.tlsCredentials and its default name. A watch event on one
 * of these names concerns the Listener. Only a Listener's own names: the
 * Connector names of the same name were two more entries per Listener in
 * every index of Listeners by Secret name (issue 16), and a Listener never
 * reads them.
 */
export function listenerSecretNames(obj: TlsObject): string[] {
  return withPreset(obj, [`${obj.metadata.name}${LISTENER_SUFFIX}`]);
}

/** The same for a Connector: its spec.tlsCredentials, its bundle Secret's default name and its client Certificate's. */
export function connectorSecretNames(obj: TlsObject): string[] {
  return withPreset(obj, [`${obj.metadata.name}${CONNECTOR_SUFFIX}`, clientCertificateName(obj)]);
}

/** listenerSecretNames or connectorSecretNames, by kind. */
export function secretNamesUsedBy(kind: 'listener' | 'connector', obj: TlsObject): string[] {
  return kind === 'listener' ? listenerSecretNames(obj) : connectorSecretNames(obj);
}

function withPreset(obj: TlsObject, names: string[]): string[] {
  // Called for every description the expiry tracker checks (its fingerprint):
  // built without copying the object, as the default names above would need.
  const preset = obj.spec.tlsCredentials;
  if (preset !== undefined && preset !== '' && !names.includes(preset)) names.push(preset);
  return names.sort();
}
