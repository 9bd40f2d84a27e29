// Who owns a Certificate or Secret: only objects we created (or that
// cert-manager wrote for a Certificate of ours) are ever changed (SPEC §4.1.6).
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Certificate } from '../../model/certmanager.js';
import { CERT_MANAGER_CERTIFICATE_NAME, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../../model/annotations.js';

export type OwnerKind = 'Listener' | 'Connector';

interface Owner {
  metadata: { name: string; uid?: string };
}

export function isManagedByUs(obj: KubernetesObject | undefined): boolean {
  return obj?.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE;
}

/** A Certificate belongs to `owner` when we manage it and it names the owner (kind, name and uid) as its owner. */
export function isOwnedCertificate(cert: Certificate, kind: OwnerKind, owner: Owner): boolean {
  return isManagedByUs(cert) && (cert.metadata.ownerReferences ?? []).some(
    (r) => r.kind === kind && r.name === owner.metadata.name && (owner.metadata.uid === undefined || r.uid === owner.metadata.uid),
  );
}

/** Certificates of ours owned by a `kind` of this name (any uid: the owner may be gone). */
export function ownedByNamed(certs: Certificate[], kind: OwnerKind, name: string): Certificate[] {
  return certs.filter((c) => isManagedByUs(c) && (c.metadata.ownerReferences ?? []).some((r) => r.kind === kind && r.name === name));
}

/**
 * A Secret we may let cert-manager write: absent, labelled as ours (our
 * secretTemplate puts the label there), or written by cert-manager for the
 * Certificate of the same name that is ours.
 */
export function secretIsOurs(secret: KubernetesObject | undefined, ourCertificate: Certificate | undefined): boolean {
  if (!secret) return true;
  if (isManagedByUs(secret)) return true;
  const certName = secret.metadata?.annotations?.[CERT_MANAGER_CERTIFICATE_NAME];
  return ourCertificate !== undefined && certName === ourCertificate.metadata.name && isManagedByUs(ourCertificate);
}
