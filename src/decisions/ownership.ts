// Who owns a Certificate or Secret: only objects we created (or that
// cert-manager wrote for a Certificate of ours) are ever changed (SPEC §4.1.6).
// Everything here is a pure decision on objects already read; the writes
// that keep it true under cache lag (real creates, conditional updates) are
// in owned/writer.ts.
import type { KubernetesObject, V1Secret } from '@kubernetes/client-node';
import type { Certificate } from '../model/certmanager.js';
import { CERT_MANAGER_CERTIFICATE_NAME, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../model/annotations.js';
import { secretType, TLS_SECRET_TYPE } from './secret-type.js';

export type OwnerKind = 'Listener' | 'Connector';

interface Owner {
  metadata: { name: string; uid?: string };
}

/** `Kind/name` of each owner an object names: what the Certificates are indexed by, one index for every controller (NameIndex.of). */
export function ownerKeys(obj: KubernetesObject): string[] {
  return (obj.metadata?.ownerReferences ?? []).map((r) => ownerKey(r.kind, r.name));
}

export function ownerKey(kind: string, name: string): string {
  return `${kind}/${name}`;
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
 * What a Secret named by one of our Certificates is to us:
 * - absent: nothing there (yet);
 * - ours: labelled as ours (we created it, or our secretTemplate put the label there);
 * - cert-manager: written by cert-manager for that Certificate, which is ours;
 * - wrong-type: not kubernetes.io/tls, so never written whoever made it (secret-type.ts);
 * - foreign: anything else, a user's Secret: never overwritten.
 */
export type SecretOwnership = 'absent' | 'ours' | 'cert-manager' | 'wrong-type' | 'foreign';

export function secretOwnership(secret: V1Secret | undefined, ourCertificate: Certificate | undefined): SecretOwnership {
  if (!secret) return 'absent';
  if (secretType(secret) !== TLS_SECRET_TYPE) return 'wrong-type';
  if (isManagedByUs(secret)) return 'ours';
  const certName = secret.metadata?.annotations?.[CERT_MANAGER_CERTIFICATE_NAME];
  if (ourCertificate !== undefined && isManagedByUs(ourCertificate) && certName === ourCertificate.metadata.name) return 'cert-manager';
  return 'foreign';
}

/** A Secret we may let cert-manager (or ourselves) write: absent, ours or cert-manager's for our Certificate. */
export function secretIsOurs(secret: V1Secret | undefined, ourCertificate: Certificate | undefined): boolean {
  const o = secretOwnership(secret, ourCertificate);
  return o === 'absent' || o === 'ours' || o === 'cert-manager';
}
