// Small helpers over the admin client used by the integration tests.
import * as k8s from '@kubernetes/client-node';
import type { Certificate } from '../../src/model/certmanager.js';
import { SKUPPER_API_VERSION } from '../../src/model/skupper.js';
import { testCluster } from './cluster.js';

let counter = 0;

/** A fresh namespace per test keeps tests independent without cleanup ordering. */
export async function createNamespace(prefix: string): Promise<string> {
  const name = `${prefix}-${process.pid % 10000}-${++counter}`;
  await testCluster().core.createNamespace({ body: { metadata: { name } } });
  return name;
}

/** The field manager of the tests' own applies and patches. */
export const TEST_MANAGER = 'skupper-cert-rotator-tests';

export async function apply<T extends k8s.KubernetesObject>(obj: T): Promise<T> {
  return testCluster().objects.patch(obj, undefined, undefined, TEST_MANAGER, true, k8s.PatchStrategy.ServerSideApply);
}

export function decode(secret: k8s.V1Secret, key: string): string {
  const v = secret.data?.[key];
  return v === undefined ? '' : Buffer.from(v, 'base64').toString('utf8');
}

export function isNotFound(err: unknown): boolean {
  return err instanceof k8s.ApiException && err.code === 404;
}

/** The Certificate, or undefined when it does not exist. */
export async function getCertificate(namespace: string, name: string): Promise<Certificate | undefined> {
  try {
    return await (testCluster().custom.getNamespacedCustomObject({ group: 'cert-manager.io', version: 'v1', namespace, plural: 'certificates', name }) as Promise<Certificate>);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Merges `annotations` into Listener or Connector `name` (a JSON merge patch, as a user's kubectl annotate would). */
export async function annotate(kind: 'Listener' | 'Connector', namespace: string, name: string, annotations: Record<string, string>): Promise<void> {
  await testCluster().objects.patch(
    { apiVersion: SKUPPER_API_VERSION, kind, metadata: { name, namespace, annotations } },
    undefined, undefined, TEST_MANAGER, undefined, k8s.PatchStrategy.MergePatch,
  );
}

/** Events of `reason` in `namespace` about object `name`. */
export async function eventsAbout(namespace: string, reason: string, name: string): Promise<k8s.EventsV1Event[]> {
  const list = await testCluster().kc.makeApiClient(k8s.EventsV1Api).listNamespacedEvent({ namespace });
  return list.items.filter((e) => e.reason === reason && e.regarding?.name === name);
}
