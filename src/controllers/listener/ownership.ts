// Who owns a Certificate or Secret: only objects we created (or that
// cert-manager wrote for a Certificate of ours) are ever changed (SPEC §4.1.6).
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Certificate } from '../../model/certmanager.js';
import { CERT_MANAGER_CERTIFICATE_NAME, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../../model/annotations.js';
import type { Listener } from '../../model/skupper.js';

export function isManagedByUs(obj: KubernetesObject | undefined): boolean {
  return obj?.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE;
}

/** A Certificate is the Listener's when we manage it and it names the Listener as its owner. */
export function isListenerCertificate(cert: Certificate, listener: Pick<Listener, 'metadata'>): boolean {
  return isManagedByUs(cert) && (cert.metadata.ownerReferences ?? []).some(
    (r) => r.kind === 'Listener' && r.name === listener.metadata.name && (listener.metadata.uid === undefined || r.uid === listener.metadata.uid),
  );
}

/** Certificates of ours owned by a Listener of this name (any uid: the Listener may be gone). */
export function ownedByListenerNamed(certs: Certificate[], name: string): Certificate[] {
  return certs.filter((c) => isManagedByUs(c) && (c.metadata.ownerReferences ?? []).some((r) => r.kind === 'Listener' && r.name === name));
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
