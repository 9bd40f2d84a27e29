// The drill's Kubernetes side: a watch that timestamps every revision of the
// Secrets it cares about (the start of each latency measurement), a renewal of
// a cert-manager Certificate the `cmctl renew` way, and annotation patches.
import { createHash, X509Certificate } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { fingerprint } from './fingerprint.js';

export interface SecretRevision {
  /** When the watch event arrived (ms epoch). */
  at: number;
  resourceVersion: string;
  /** SHA-256 fingerprint of the first certificate in tls.crt ('' when empty). */
  leaf: string;
  /** SHA-256 of ca.crt as a whole (a bundle changes without a leaf). */
  caHash: string;
  /** Fingerprints of every certificate in ca.crt. */
  bundle: string[];
  annotations: Record<string, string>;
}

export function leafOf(pem: string): string {
  return pem.includes('BEGIN CERTIFICATE') ? fingerprint(new X509Certificate(pem)) : '';
}

/** Fingerprints of every certificate in a PEM bundle. */
export function bundleFingerprints(pem: string): string[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []).map((c) => fingerprint(new X509Certificate(c)));
}

export function pemOf(s: k8s.V1Secret | undefined, key: string): string {
  return Buffer.from(s?.data?.[key] ?? '', 'base64').toString('utf8');
}

/** Watches every Secret of a namespace; keeps, per name, each revision whose tls.crt leaf or ca.crt changed. */
export class SecretWatch {
  readonly revisions = new Map<string, SecretRevision[]>();
  readonly latest = new Map<string, k8s.V1Secret>();
  private req: { abort: () => void } | undefined;
  private stopped = false;

  constructor(private readonly kc: k8s.KubeConfig, private readonly namespace: string) {}

  async start(): Promise<void> {
    const path = `/api/v1/namespaces/${this.namespace}/secrets`;
    const again = (): void => { if (!this.stopped) void this.start(); };
    this.req = await new k8s.Watch(this.kc).watch(path, {}, (_type: string, s: k8s.V1Secret) => { this.seen(s); }, again);
  }

  private seen(s: k8s.V1Secret): void {
    const name = s.metadata?.name ?? '';
    this.latest.set(name, s);
    const rev: SecretRevision = {
      at: Date.now(), resourceVersion: s.metadata?.resourceVersion ?? '',
      leaf: leafOf(pemOf(s, 'tls.crt')), caHash: createHash('sha256').update(pemOf(s, 'ca.crt')).digest('hex'),
      bundle: bundleFingerprints(pemOf(s, 'ca.crt')),
      annotations: s.metadata?.annotations ?? {},
    };
    const list = this.revisions.get(name) ?? [];
    const last = list.at(-1);
    if (!last || last.leaf !== rev.leaf || last.caHash !== rev.caHash) list.push(rev);
    this.revisions.set(name, list);
  }

  /** The first revision of `name` after `since` (ms epoch) that `pred` accepts. */
  find(name: string, since: number, pred: (r: SecretRevision) => boolean): SecretRevision | undefined {
    return (this.revisions.get(name) ?? []).find((r) => r.at >= since && pred(r));
  }

  stop(): void {
    this.stopped = true;
    this.req?.abort();
  }
}

interface CertificateLike {
  metadata: { name: string; namespace: string; generation?: number };
  status?: { conditions?: { type: string; status: string }[] };
}

/** Renews cert-manager Certificate `name` like `cmctl renew`: Issuing=True on /status (a full PUT; retried on a conflict). */
export async function renewCertificate(kc: k8s.KubeConfig, namespace: string, name: string): Promise<void> {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const ref = { group: 'cert-manager.io', version: 'v1', namespace, plural: 'certificates', name };
  for (let attempt = 0; ; attempt++) {
    const cert = await custom.getNamespacedCustomObject(ref) as CertificateLike;
    const conditions = [...(cert.status?.conditions ?? []).filter((c) => c.type !== 'Issuing'), {
      type: 'Issuing', status: 'True', reason: 'ManuallyTriggered', message: 'Certificate re-issuance triggered by the rotation drill',
      lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      ...(cert.metadata.generation !== undefined ? { observedGeneration: cert.metadata.generation } : {}),
    }];
    try {
      await custom.replaceNamespacedCustomObjectStatus({ ...ref, body: { ...cert, status: { ...cert.status, conditions } } });
      return;
    } catch (err) {
      if (!(err instanceof k8s.ApiException && err.code === 409) || attempt >= 5) throw err;
    }
  }
}

/** Sets annotations on a skupper.io object (merge patch; null removes). */
export async function annotate(kc: k8s.KubeConfig, namespace: string, plural: string, name: string, annotations: Record<string, string | null>): Promise<void> {
  await kc.makeApiClient(k8s.CustomObjectsApi).patchNamespacedCustomObject(
    { group: 'skupper.io', version: 'v2alpha1', namespace, plural, name, body: { metadata: { annotations } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
}
