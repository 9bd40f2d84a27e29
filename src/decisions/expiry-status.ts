// What is known about one Listener's or Connector's TLS material right now
// (SPEC §4.3): which Secret, valid when, renewed when, covering the host or
// not, how big the CA bundle is and when its first CA expires, and whether
// it passes the §4.4 gate. Pure: the daemon feeds it from its caches (for
// metrics), the `status` command from a list (for the table), so both always
// agree. Managed or hand-made Secrets are described the same way.
import type { V1Secret } from '@kubernetes/client-node';
import type { Config } from '../config/config.js';
import { condition, isReady, type Certificate } from '../model/certmanager.js';
import type { Connector, Listener } from '../model/skupper.js';
import { strengthFailures } from '../pki/certificate-checks.js';
import type { VerificationFailure } from '../pki/verification-failure.js';
import type { VerificationResult } from '../pki/verify.js';
import type { ParseCache } from '../pki/parse-cache.js';
import { verifyCachedSecret } from './cached-secret-verdict.js';
import { desiredConnector } from './connector-desired.js';
import { clientCertificateName } from './names.js';
import { desiredListenerCertificate } from './listener-desired.js';
import { hostToCover } from './listener-host.js';
import { apiDate } from '../model/object-data.js';
import { TLS_SECRET_TYPE, secretType, wrongTypeMessage } from './secret-type.js';
import { listenerCaMissingMessage } from './listener-ca.js';
import { isUnfilledSecret } from './unfilled-secret.js';

export type ObjectState =
  /** Secret present and passing the gate. */
  | 'Ready'
  /** Managed, and the Certificate/Secret is not there or not Ready yet. */
  | 'Issuing'
  /** The leaf in the Secret has expired. */
  | 'Expired'
  /** The Secret is there but fails the gate (other than expiry). */
  | 'Invalid'
  /** spec.tlsCredentials names a Secret that does not exist. */
  | 'SecretMissing'
  /** No TLS configured and not managed: plain TCP. */
  | 'NoTLS';

export interface ObjectStatus {
  kind: 'listener' | 'connector';
  namespace: string;
  name: string;
  managed: boolean;
  secret?: string;
  /** "ClusterIssuer/name" of the managed Certificate. */
  issuer?: string;
  certificate?: string;
  // Instants are epoch milliseconds, not Dates: a Date is about 100 bytes of
  // heap, and the tracker keeps one description per object for as long as it
  // runs (the `status` command prints them as RFC 3339).
  notBefore?: number;
  notAfter?: number;
  /** SHA-256 of the leaf in tls.crt, to compare with what a service serves. */
  leafFingerprint?: string;
  renewalTime?: number;
  revision?: number;
  hostCovered?: boolean;
  bundleCertificates?: number;
  bundleNotAfter?: number;
  ready: boolean;
  state: ObjectState;
  /** Gate failures, most important first. */
  problems: string[];
  /** The Connector's client certificate, when useClientCert is managed. */
  client?: ClientStatus;
  /** Set only when the Secret is of a type Skupper does not use (not kubernetes.io/tls). */
  secretType?: string;
  /**
   * Listeners only: the Secret has no ca.crt, which makes the Skupper router
   * refuse the listener (listener-ca.ts); the text is also in `problems`. Not
   * set while a managed Certificate that was never wired is still issuing.
   */
  caMissing?: string;
}

export interface ClientStatus {
  certificate: string;
  notBefore?: number;
  notAfter?: number;
  renewalTime?: number;
  ready: boolean;
}

export interface Lookup {
  secret(namespace: string, name: string): V1Secret | undefined;
  certificate(namespace: string, name: string): Certificate | undefined;
  /**
   * The type of a Secret that `secret` does not return because only
   * kubernetes.io/tls and Opaque Secrets are cached: known from a direct
   * read, undefined when there is none or it was not read.
   */
  otherSecretType?(namespace: string, name: string): string | undefined;
  /**
   * Where parsed certificates are read from (the daemon's shared cache,
   * prepared asynchronously before describing); without it every description
   * parses afresh, which is fine for the one-shot `status` command.
   */
  parser?: ParseCache;
}


/**
 * The status of an object whose Secret is of a type Skupper does not use, or
 * undefined when the type is right or unknown (secret-type.ts).
 */
function wrongType(namespace: string, secretName: string, secret: V1Secret | undefined, lookup: Lookup): { secretType: string; problem: string } | undefined {
  const type = secret ? secretType(secret) : lookup.otherSecretType?.(namespace, secretName);
  if (type === undefined || type === TLS_SECRET_TYPE) return undefined;
  return { secretType: type, problem: wrongTypeMessage(`${namespace}/${secretName}`, type) };
}

export type DescribeConfig = Pick<Config, 'clusterDomain' | 'defaultIssuer' | 'defaultIssuerKind' | 'priorValidRevisions' | 'trustOverlapMs'>;

function issuerOf(cert: Certificate | undefined): string | undefined {
  const ref = cert?.spec.issuerRef;
  return ref ? `${ref.kind}/${ref.name}` : undefined;
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

/** The Secret describeListener/describeConnector look at: the managed name, else spec.tlsCredentials. */
export function describedSecretName(kind: 'listener' | 'connector', obj: Listener | Connector, config: DescribeConfig): string | undefined {
  const desired = kind === 'listener' ? desiredListenerCertificate(obj as Listener, config) : desiredConnector(obj as Connector, config);
  return desired.kind === 'managed' ? desired.secretName : obj.spec.tlsCredentials || undefined;
}

export function describeListener(listener: Listener, lookup: Lookup, config: DescribeConfig, now: Date): ObjectStatus {
  const { namespace, name } = listener.metadata;
  const desired = desiredListenerCertificate(listener, config);
  const managed = desired.kind === 'managed';
  const secretName = managed ? desired.secretName : listener.spec.tlsCredentials || undefined;
  const base = { kind: 'listener' as const, namespace, name, managed };
  if (secretName === undefined) return { ...base, ready: false, state: desired.kind === 'invalid' ? 'Invalid' : 'NoTLS', problems: desired.kind === 'invalid' ? desired.problems.map((p) => p.message) : [] };

  const cert = managed ? lookup.certificate(namespace, secretName) : undefined;
  const secret = lookup.secret(namespace, secretName);
  const certInfo = {
    ...optional('issuer', managed ? issuerOf(cert) ?? `${desired.certificate.spec.issuerRef.kind}/${desired.certificate.spec.issuerRef.name}` : undefined),
    ...optional('certificate', managed ? secretName : undefined),
    ...optional('renewalTime', apiDate(cert?.status?.renewalTime)?.getTime()),
    ...optional('revision', cert?.status?.revision),
  };
  const badType = wrongType(namespace, secretName, secret, lookup);
  if (!secret) {
    if (badType) return { ...base, secret: secretName, ...certInfo, ...wrongTypeStatus(badType) };
    return { ...base, secret: secretName, ...certInfo, ready: false, state: managed ? 'Issuing' : 'SecretMissing', problems: managed ? [] : [`Secret ${secretName} not found`] };
  }
  // The host in the one spelling the Listener controller verified (src/host/normalize.ts):
  // ::ffff:10.0.0.1, Example.COM. and their plain forms get one verdict everywhere.
  const host = managed ? desired.hosts[0] : hostToCover(listener.spec.host);
  const verdict = verifyCachedSecret(secret, host !== undefined ? [host] : [], now, lookup.parser);
  const leaf = verdict.leaf;
  const bundle = verdict.caCertificates;
  const expired = verdict.failures.some((f) => f.reason === 'Expired');
  // An unfilled Secret behind a Ready Certificate is the Secret's event still on its way (decisions/unfilled-secret.ts).
  const pending = managed && (!cert || !isReady(cert) || condition(cert, 'Issuing')?.status === 'True' || isUnfilledSecret(secret));
  const state: ObjectState = verdict.ok ? 'Ready' : expired ? 'Expired' : pending ? 'Issuing' : 'Invalid';
  // A managed Secret once its Certificate is issued, or while Skupper uses an issued one:
  // never the empty Secret claimed before cert-manager fills it.
  const wired = !managed || listener.spec.tlsCredentials === secretName;
  const caMissing = !badType && (!pending || (wired && leaf !== undefined)) && verdict.failures.some((f) => f.reason === 'MissingCA')
    ? listenerCaMissingMessage({ namespace, listener: name, secret: secretName, managed, wired })
    : undefined;
  const problems = verdict.failures.map((f) => (f.reason === 'MissingCA' && caMissing !== undefined ? caMissing : f.message));
  return {
    ...base,
    secret: secretName,
    ...certInfo,
    ...optional('notBefore', leaf?.notBeforeMs),
    ...optional('notAfter', leaf?.notAfterMs),
    ...optional('leafFingerprint', leaf?.fingerprint),
    ...(leaf && host ? { hostCovered: !verdict.failures.some((f) => f.reason === 'HostNotCovered') } : {}),
    bundleCertificates: bundle.length,
    ...optional('bundleNotAfter', earliest(bundle.map((c) => c.notAfterMs))),
    ready: verdict.ok && (!managed || (cert !== undefined && isReady(cert))),
    state,
    problems,
    ...optional('caMissing', caMissing),
    // Whatever its content, Skupper will not use it: the type comes first.
    ...(badType ? wrongTypeStatus(badType, problems) : {}),
  };
}

export function describeConnector(connector: Connector, lookup: Lookup, config: DescribeConfig, now: Date): ObjectStatus {
  const { namespace, name } = connector.metadata;
  const desired = desiredConnector(connector, config);
  const managed = desired.kind === 'managed';
  const secretName = managed ? desired.secretName : connector.spec.tlsCredentials || undefined;
  const base = { kind: 'connector' as const, namespace, name, managed };
  if (secretName === undefined) return { ...base, ready: false, state: desired.kind === 'invalid' ? 'Invalid' : 'NoTLS', problems: desired.kind === 'invalid' ? desired.problems.map((p) => p.message) : [] };

  const secret = lookup.secret(namespace, secretName);
  const clientName = managed && desired.client ? clientCertificateName(connector) : undefined;
  const clientCert = clientName ? lookup.certificate(namespace, clientName) : undefined;
  const client = clientName ? describeClient(clientName, clientCert, lookup.secret(namespace, clientName), now, lookup) : undefined;
  const clientInfo = {
    ...optional('client', client),
    ...optional('issuer', clientName ? issuerOf(clientCert) ?? issuerOf(desired.kind === 'managed' ? desired.client : undefined) : undefined),
    ...optional('certificate', clientName),
  };
  const badType = wrongType(namespace, secretName, secret, lookup);
  if (!secret) {
    if (badType) return { ...base, secret: secretName, ...clientInfo, ...wrongTypeStatus(badType) };
    return { ...base, secret: secretName, ...clientInfo, ready: false, state: managed ? 'Issuing' : 'SecretMissing', problems: managed ? [] : [`Secret ${secretName} not found`] };
  }
  // The router uses ca.crt alone unless it presents a client certificate (SPEC §2).
  const useClient = connector.spec.useClientCert === true;
  const verdict = verifyCachedSecret(secret, [], now, lookup.parser);
  const bundle = verdict.caCertificates;
  // Without a client certificate only ca.crt matters: missing, unreadable, or
  // holding a CA the router's TLS stack refuses (the Connector controller
  // leaves weak CAs out, so one here was put there by hand or before that).
  const relevant = useClient ? verdict.failures : caFailures(verdict);
  // The client certificate chains to the backend's client CA, not to the bundle: that check is not ours to make here.
  const failures = relevant.filter((f) => f.reason !== 'UntrustedChain');
  const leaf = useClient ? verdict.leaf : undefined;
  const expired = failures.some((f) => f.reason === 'Expired');
  const ok = failures.length === 0;
  return {
    ...base,
    secret: secretName,
    ...clientInfo,
    ...optional('notBefore', leaf?.notBeforeMs),
    ...optional('notAfter', leaf?.notAfterMs),
    ...optional('renewalTime', client?.renewalTime),
    bundleCertificates: bundle.length,
    ...optional('bundleNotAfter', earliest(bundle.map((c) => c.notAfterMs))),
    ready: ok && (!client || client.ready),
    state: ok ? 'Ready' : expired ? 'Expired' : managed && client && !client.ready ? 'Issuing' : 'Invalid',
    problems: failures.map((f) => f.message),
    ...(badType ? wrongTypeStatus(badType, failures.map((f) => f.message)) : {}),
  };
}

/** The gate's failures that concern ca.crt alone (its weak-CA check without tls.crt's entries). */
function caFailures(verdict: VerificationResult): VerificationFailure[] {
  return [
    ...verdict.failures.filter((f) => f.reason === 'MissingCA' || f.reason === 'InvalidCA'),
    ...strengthFailures([['ca.crt', verdict.caCertificates]]),
  ];
}

function describeClient(certificate: string, cert: Certificate | undefined, secret: V1Secret | undefined, now: Date, lookup: Lookup): ClientStatus {
  const verdict = secret ? verifyCachedSecret(secret, [], now, lookup.parser) : undefined;
  return {
    certificate,
    ...optional('notBefore', verdict?.leaf?.notBeforeMs),
    ...optional('notAfter', verdict?.leaf?.notAfterMs),
    ...optional('renewalTime', apiDate(cert?.status?.renewalTime)?.getTime()),
    ready: cert !== undefined && isReady(cert) && verdict?.ok === true,
  };
}

function wrongTypeStatus(bad: { secretType: string; problem: string }, otherProblems: string[] = []): Pick<ObjectStatus, 'secretType' | 'ready' | 'state' | 'problems'> {
  return { secretType: bad.secretType, ready: false, state: 'Invalid', problems: [bad.problem, ...otherProblems] };
}

/** The earliest of `dates`: one of them, not a copy (a Date is 96 bytes, and descriptions are kept per object). */
function earliest(instants: readonly number[]): number | undefined {
  return instants.length === 0 ? undefined : Math.min(...instants);
}
