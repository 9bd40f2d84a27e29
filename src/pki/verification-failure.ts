// What the gate reports, in a module of its own because both the checks that
// find failures and the gate that collects and orders them need it. The
// reasons are also values of the problem metric's reason label: renaming one
// breaks the queries that select it.

/** All reasons, in the order failures are reported; also the values of the metric label. */
export const VERIFICATION_REASONS = [
  'MissingCertificate',
  'InvalidCertificate',
  'NotYetValid',
  'Expired',
  'MissingKey',
  'InvalidKey',
  'KeyMismatch',
  'MissingCA',
  'InvalidCA',
  'UntrustedChain',
  'HostNotCovered',
  'WeakKey',
  'WeakSignature',
] as const;

export type VerificationReason = (typeof VERIFICATION_REASONS)[number];

export interface VerificationFailure {
  reason: VerificationReason;
  message: string;
}

/** The Secret fields the gate reads certificates from, as messages name them. */
export type CertificateField = 'tls.crt' | 'ca.crt';
