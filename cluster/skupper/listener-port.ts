// Where a client reaches a Listener on a site run as local processes. The
// Skupper controller gives each Listener a router port (allocated from 1024 up)
// and a Service named after `spec.host` whose port named after the Listener
// has `spec.port` and, as `targetPort`, that router port. There is no
// kube-proxy here, so a client connects to the router's own port on 127.0.0.1
// and sends `spec.host` as the TLS server name.
import * as k8s from '@kubernetes/client-node';
import { waitUntil } from '../processes.js';

export interface ListenerAddress {
  /** The router's own port: connect to 127.0.0.1 on it. */
  port: number;
  /** The Listener's `spec.host`: the server name to send and verify. */
  host: string;
  /** The Service port clients in a real cluster would use (`spec.port`). */
  servicePort: number;
}

interface ListenerLike {
  spec?: { host?: string; port?: number };
}

function notFound(err: unknown): boolean {
  return err instanceof k8s.ApiException && err.code === 404;
}

/** The Listener's address on the router, or undefined while Skupper has not exposed it yet. */
export async function listenerAddress(kc: k8s.KubeConfig, namespace: string, name: string): Promise<ListenerAddress | undefined> {
  let listener: ListenerLike;
  let service: k8s.V1Service;
  try {
    listener = await (kc.makeApiClient(k8s.CustomObjectsApi).getNamespacedCustomObject({ group: 'skupper.io', version: 'v2alpha1', namespace, plural: 'listeners', name }) as Promise<ListenerLike>);
    const host = listener.spec?.host;
    if (host === undefined || host === '') return undefined;
    service = await kc.makeApiClient(k8s.CoreV1Api).readNamespacedService({ namespace, name: host });
  } catch (err) {
    if (notFound(err)) return undefined;
    throw err;
  }
  const port = service.spec?.ports?.find((p) => p.name === name);
  const target = port?.targetPort;
  if (typeof target !== 'number' || target === 0) return undefined;
  return { port: target, host: listener.spec?.host ?? '', servicePort: port?.port ?? 0 };
}

/** Waits until Skupper has exposed the Listener (its Service has the router port). */
export async function waitForListenerAddress(kc: k8s.KubeConfig, namespace: string, name: string, timeoutMs = 60_000): Promise<ListenerAddress> {
  let found: ListenerAddress | undefined;
  await waitUntil(`the router port of Listener ${namespace}/${name} (its Service's targetPort)`, async () => {
    found = await listenerAddress(kc, namespace, name);
    return found !== undefined;
  }, { timeoutMs, intervalMs: 100 });
  if (!found) throw new Error('unreachable');
  return found;
}
