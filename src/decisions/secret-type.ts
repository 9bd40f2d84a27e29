// Skupper 2.2 reads only kubernetes.io/tls Secrets (SPEC §2). A Secret of
// another type named by tlsCredentials is never used by the router, and the
// type of a Secret cannot be changed in place: the one fix is to recreate
// it, which only its owner may do. So the daemon reports it and never
// writes to it, whoever made it.
import type { V1Secret } from '@kubernetes/client-node';

export const TLS_SECRET_TYPE = 'kubernetes.io/tls';
export const WRONG_TYPE_REASON = 'SecretWrongType';

/** The type as the API server reports it; a Secret created without one is Opaque. */
export function secretType(secret: Pick<V1Secret, 'type'>): string {
  return secret.type === undefined || secret.type === '' ? 'Opaque' : secret.type;
}

/** Why Skupper cannot use `secret`, or undefined when its type is right. */
export function secretTypeProblem(secret: Pick<V1Secret, 'type' | 'metadata'>): string | undefined {
  const type = secretType(secret);
  if (type === TLS_SECRET_TYPE) return undefined;
  return wrongTypeMessage(`${secret.metadata?.namespace ?? ''}/${secret.metadata?.name ?? ''}`, type);
}

export function wrongTypeMessage(secret: string, type: string): string {
  return `Secret ${secret} is of type ${type}; Skupper only uses ${TLS_SECRET_TYPE} Secrets: recreate it with type ${TLS_SECRET_TYPE} (the type of a Secret cannot be changed, and skupper-cert-rotator never writes to a Secret of another type)`;
}
