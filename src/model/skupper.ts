// Typed views of the Skupper v2alpha1 objects we read (spec) and patch
// (spec.tlsCredentials only). Status belongs to Skupper and is never written.
import type { KubernetesObject, V1ObjectMeta } from '@kubernetes/client-node';

export const SKUPPER_GROUP = 'skupper.io';
export const SKUPPER_VERSION = 'v2alpha1';
export const SKUPPER_API_VERSION = `${SKUPPER_GROUP}/${SKUPPER_VERSION}`;

export interface ListenerSpec {
  routingKey: string;
  /** Required by the CRD schema, but typed optional: the daemon must survive objects that predate or bypass it. */
  host?: string;
  port: number;
  tlsCredentials?: string;
  type?: string;
  exposePodsByName?: boolean;
  settings?: Record<string, string>;
  observer?: 'auto' | 'none' | 'http1' | 'http2';
}

export interface ConnectorSpec {
  routingKey: string;
  port: number;
  selector?: string;
  host?: string;
  tlsCredentials?: string;
  useClientCert?: boolean;
  verifyHostname?: boolean;
  type?: string;
  includeNotReadyPods?: boolean;
  exposePodsByName?: boolean;
  settings?: Record<string, string>;
}

type Meta = V1ObjectMeta & { name: string; namespace: string };

export interface Listener extends KubernetesObject {
  apiVersion: typeof SKUPPER_API_VERSION;
  kind: 'Listener';
  metadata: Meta;
  spec: ListenerSpec;
}

export interface Connector extends KubernetesObject {
  apiVersion: typeof SKUPPER_API_VERSION;
  kind: 'Connector';
  metadata: Meta;
  spec: ConnectorSpec;
}
