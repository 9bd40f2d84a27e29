// The issuers most integration tests need: a SelfSigned Issuer, a CA made by
// cert-manager with it, and a CA Issuer `ca` that signs with that CA.
import { CERT_MANAGER_API_VERSION } from '../../src/model/certmanager.js';
import { apply } from './k8s.js';

/** Issuers `selfsigned` and `ca` in `namespace`; the CA's Secret is `ca`, its common name `commonName`. */
export async function caIssuer(namespace: string, commonName: string): Promise<void> {
  await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'Issuer', metadata: { name: 'selfsigned', namespace }, spec: { selfSigned: {} } });
  await apply({
    apiVersion: CERT_MANAGER_API_VERSION, kind: 'Certificate', metadata: { name: 'ca', namespace },
    spec: { isCA: true, commonName, secretName: 'ca', privateKey: { algorithm: 'ECDSA', size: 256 }, issuerRef: { name: 'selfsigned', kind: 'Issuer', group: 'cert-manager.io' } },
  });
  await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'Issuer', metadata: { name: 'ca', namespace }, spec: { ca: { secretName: 'ca' } } });
}
