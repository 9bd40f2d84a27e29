// Annotation and label keys (SPEC §4). Ingress-shim compatible keys select the issuer.
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'skupper-cert-rotator';
export const FIELD_MANAGER = 'skupper-cert-rotator';
export const PREFIX = 'skupper-cert-rotator.io/';

export const Annotations = {
  issuer: 'cert-manager.io/issuer',
  clusterIssuer: 'cert-manager.io/cluster-issuer',
  issuerKind: 'cert-manager.io/issuer-kind',
  issuerGroup: 'cert-manager.io/issuer-group',
  duration: 'cert-manager.io/duration',
  renewBefore: 'cert-manager.io/renew-before',
  privateKeyAlgorithm: 'cert-manager.io/private-key-algorithm',
  privateKeySize: 'cert-manager.io/private-key-size',
  enabled: `${PREFIX}enabled`,
  extraDnsNames: `${PREFIX}extra-dns-names`,
  priorValidRevisions: `${PREFIX}prior-valid-revisions`,
  trust: `${PREFIX}trust`,
  trustOverlap: `${PREFIX}trust-overlap`,
  renew: `${PREFIX}renew`,
  /** On our Certificates: the last value of `renew` on the owner that was acted on. */
  renewHandled: `${PREFIX}renew-handled`,
  /**
   * On our Certificates: its status.revision when renewHandled was recorded
   * for a request, so a request with no revision after it is seen as not yet
   * served. Absent for the value recorded at creation.
   */
  renewHandledRevision: `${PREFIX}renew-handled-revision`,
} as const;

export const Labels = {
  /** On our Certificates: the name of the Listener they serve. */
  listener: `${PREFIX}listener`,
  connector: `${PREFIX}connector`,
} as const;

/** Skupper's own Secret annotations: never removed or overwritten (SPEC §2). */
export const SKUPPER_PRIOR_VALID_REVISIONS = 'skupper.io/tls-prior-valid-revisions';
export const SKUPPER_TLS_PROFILE_CONTEXT = 'internal.skupper.io/tls-profile-context';
/** cert-manager marks the Secret it writes with the name of its Certificate. */
export const CERT_MANAGER_CERTIFICATE_NAME = 'cert-manager.io/certificate-name';
export const CERT_MANAGER_NEXT_PRIVATE_KEY = 'cert-manager.io/next-private-key';
