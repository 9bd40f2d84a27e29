// Typed views of the cert-manager v1 objects we read and write (v1.21 CRDs).
import type { KubernetesObject, V1ObjectMeta } from '@kubernetes/client-node';

export const CERT_MANAGER_GROUP = 'cert-manager.io';
export const CERT_MANAGER_VERSION = 'v1';
export const CERT_MANAGER_API_VERSION = `${CERT_MANAGER_GROUP}/${CERT_MANAGER_VERSION}`;

export interface IssuerRef {
  name: string;
  kind: string;
  group: string;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  observedGeneration?: number;
}

export interface CertificateSpec {
  secretName: string;
  issuerRef: IssuerRef;
  commonName?: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  duration?: string;
  renewBefore?: string;
  isCA?: boolean;
  usages?: string[];
  privateKey?: { algorithm?: 'RSA' | 'ECDSA' | 'Ed25519'; size?: number; rotationPolicy?: 'Never' | 'Always' };
  secretTemplate?: { annotations?: Record<string, string>; labels?: Record<string, string> };
}

export interface CertificateStatus {
  conditions?: Condition[];
  notBefore?: string;
  notAfter?: string;
  renewalTime?: string;
  revision?: number;
  nextPrivateKeySecretName?: string;
  failedIssuanceAttempts?: number;
  lastFailureTime?: string;
}

export interface Certificate extends KubernetesObject {
  apiVersion: typeof CERT_MANAGER_API_VERSION;
  kind: 'Certificate';
  metadata: V1ObjectMeta & { name: string; namespace: string };
  spec: CertificateSpec;
  status?: CertificateStatus;
}

export function condition(obj: { status?: { conditions?: Condition[] } }, type: string): Condition | undefined {
  return obj.status?.conditions?.find((c) => c.type === type);
}

export function isReady(obj: { metadata?: { generation?: number }; status?: { conditions?: Condition[] } }): boolean {
  const c = condition(obj, 'Ready');
  if (c?.status !== 'True') return false;
  // A Ready condition from before the last spec change says nothing about the current spec.
  return c.observedGeneration === undefined || obj.metadata?.generation === undefined || c.observedGeneration >= obj.metadata.generation;
}

/** Issuer and ClusterIssuer, as far as we read them: the CA issuer's Secret is a trust source (SPEC §4.2). */
export interface Issuer extends KubernetesObject {
  metadata: V1ObjectMeta & { name: string };
  spec?: {
    ca?: { secretName?: string };
    selfSigned?: object;
    acme?: object;
    vault?: object;
    venafi?: object;
  };
  status?: { conditions?: Condition[] };
}
