// What each side of the comparison is given: the same issuer, the same key
// algorithm (ECDSA: an RSA key per Certificate would make cert-manager's
// issuance, which competes for the same two cores, dominate every figure),
// one host per object, created the same way.
import type { KubernetesObject } from '@kubernetes/client-node';

/** The ClusterIssuer every Certificate of the benchmark names: a CA issuer, so issuance is one ECDSA signature. */
export const ISSUER = 'bench-ca';
export const SELF_SIGNED = 'bench-selfsigned';
export const CA_SECRET = 'bench-ca';

const ANNOTATIONS = { 'cert-manager.io/cluster-issuer': ISSUER, 'cert-manager.io/private-key-algorithm': 'ECDSA' };

export function objectName(i: number): string {
  return `o-${String(i).padStart(5, '0')}`;
}

/** The issuers: a self-signed ClusterIssuer signs the CA, whose ClusterIssuer signs everything else. */
export function issuerObjects(clusterResourceNamespace: string): KubernetesObject[] {
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: clusterResourceNamespace } },
    { apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: SELF_SIGNED }, spec: { selfSigned: {} } } as KubernetesObject,
    {
      apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: CA_SECRET, namespace: clusterResourceNamespace },
      spec: { isCA: true, commonName: 'bench CA', secretName: CA_SECRET, privateKey: { algorithm: 'ECDSA', size: 256 }, issuerRef: { name: SELF_SIGNED, kind: 'ClusterIssuer', group: 'cert-manager.io' } },
    } as KubernetesObject,
    { apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: ISSUER }, spec: { ca: { secretName: CA_SECRET } } } as KubernetesObject,
  ];
}

/** ingress-shim's input: one TLS host, the Secret named as the object. */
export function ingress(namespace: string, name: string): KubernetesObject {
  return {
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace, annotations: { ...ANNOTATIONS } },
    spec: { defaultBackend: { service: { name: 'backend', port: { number: 80 } } }, tls: [{ hosts: [`${name}.example.com`], secretName: name }] },
  } as KubernetesObject;
}

/** The daemon's input. */
export function listener(namespace: string, name: string): KubernetesObject {
  return {
    apiVersion: 'skupper.io/v2alpha1', kind: 'Listener', metadata: { name, namespace, annotations: { ...ANNOTATIONS } },
    spec: { routingKey: name, host: name, port: 8443 },
  } as KubernetesObject;
}

/** The floor's Certificate: what ingress-shim writes for one host (and as large as ours). */
export function certificate(namespace: string, name: string): KubernetesObject {
  return {
    apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name, namespace },
    spec: {
      secretName: name, commonName: name, dnsNames: [name, `${name}.${namespace}`, `${name}.${namespace}.svc`, `${name}.${namespace}.svc.cluster.local`],
      usages: ['server auth', 'digital signature', 'key encipherment'], privateKey: { algorithm: 'ECDSA' },
      issuerRef: { name: ISSUER, kind: 'ClusterIssuer', group: 'cert-manager.io' },
    },
  } as KubernetesObject;
}
