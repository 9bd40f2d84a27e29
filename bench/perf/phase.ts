// One side of the comparison in one namespace: N objects created 16 at a time
// by one client, and a watch that stamps, per object, when its Certificate
// appeared, when cert-manager made it Ready, and (for Listeners) when
// spec.tlsCredentials was set. Times are this process's clock, the same for
// both sides.
import type { KubernetesObject } from '@kubernetes/client-node';
import { Api, type ResourceType } from '../../src/kube/api.js';
import { Informer } from '../../src/kube/informer.js';
import { Resources } from '../../src/model/resources.js';
import { isReady, type Certificate } from '../../src/model/certmanager.js';
import type { Listener } from '../../src/model/skupper.js';
import type { Logger } from '../../src/telemetry/log.js';

export const CONCURRENCY = 16;

export const Ingresses: ResourceType = { group: 'networking.k8s.io', version: 'v1', plural: 'ingresses', kind: 'Ingress', namespaced: true };

export interface CreateTimes {
  firstAt: number;
  doneAt: number;
}

/** Creates `objects` with `concurrency` requests in flight; throws on the first refusal. */
export async function createAll(api: Api, type: ResourceType, objects: readonly KubernetesObject[], concurrency = CONCURRENCY): Promise<CreateTimes> {
  let next = 0;
  const firstAt = Date.now();
  const worker = async (): Promise<void> => {
    for (let obj = objects[next++]; obj !== undefined; obj = objects[next++]) await api.create(type, obj.metadata?.namespace, obj);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, objects.length) }, worker));
  return { firstAt, doneAt: Date.now() };
}

/** Stamps per object name in one namespace. */
export class Stamps {
  readonly certificateAt = new Map<string, number>();
  readonly readyAt = new Map<string, number>();
  readonly wiredAt = new Map<string, number>();
  private readonly informers: Informer<KubernetesObject>[] = [];

  constructor(api: Api, namespace: string, log: Logger, listeners: boolean) {
    const certs = new Informer<Certificate>(api, Resources.certificate, { namespaces: [namespace] }, log);
    certs.on((event, c) => {
      if (event === 'delete') return;
      // Stamped under the owner's name: a Listener's Certificate is named after its Secret (NAME-listener-tls).
      const name = c.metadata.ownerReferences?.find((r) => r.kind === 'Listener')?.name ?? c.metadata.name;
      const now = Date.now();
      if (!this.certificateAt.has(name)) this.certificateAt.set(name, now);
      if (!this.readyAt.has(name) && isReady(c)) this.readyAt.set(name, now);
    });
    this.informers.push(certs as unknown as Informer<KubernetesObject>);
    if (listeners) {
      const ls = new Informer<Listener>(api, Resources.listener, { namespaces: [namespace] }, log);
      ls.on((event, l) => {
        if (event !== 'delete' && l.spec.tlsCredentials && !this.wiredAt.has(l.metadata.name)) this.wiredAt.set(l.metadata.name, Date.now());
      });
      this.informers.push(ls as unknown as Informer<KubernetesObject>);
    }
  }

  async start(): Promise<void> {
    for (const i of this.informers) i.start();
    while (!this.informers.every((i) => i.hasSynced())) await new Promise((r) => setTimeout(r, 20));
  }

  async stop(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.stop()));
  }

  /** Resolves with the time the n-th entry of `which` was stamped; rejects after `timeoutMs` with how far it got. */
  async all(which: 'certificateAt' | 'readyAt' | 'wiredAt', n: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    const map = this[which];
    while (map.size < n) {
      if (Date.now() > deadline) throw new Error(`${which}: ${map.size} of ${n} after ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return Math.max(...map.values());
  }
}

/** The p-th percentile (0-100) by nearest rank; undefined for no values. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
