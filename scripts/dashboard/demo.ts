// The demo the dashboard picture is recorded from: two namespaces with CA
// Issuers, Listeners whose certificates expire from "ten minutes" to "ninety
// days" from now, Connectors with trust bundles (one with a client
// certificate), and things going wrong the way they do in real clusters: an
// issuer that does not exist, a hand-made Secret that expired, an issuer
// whose CA Secret is deleted before a renewal. A timeline of events during
// the recording (manual renewals, a partner CA rotation) gives the
// over-time panels something to show.
import * as k8s from '@kubernetes/client-node';
import { applyObjects } from '../../cluster/controlplane.js';
import { makeCA, makeLeaf } from '../../cluster/certgen.js';
import { fastSelfSignedCA } from '../../cluster/fastcert.js';
import { CERT_MANAGER_API_VERSION, isReady, type Certificate } from '../../src/model/certmanager.js';
import { SKUPPER_API_VERSION, type Connector, type Listener } from '../../src/model/skupper.js';

export const DEMO_NAMESPACES = ['east', 'west'] as const;
export const DEMO_LABEL = { 'app.kubernetes.io/part-of': 'skupper-cert-rotator-dashboard-demo' } as const;
const FIELD_MANAGER = 'dashboard-demo';
const DAY_MS = 86_400_000;

/** Any object to apply: the manifests are written out in full here, and the API server validates them. */
type Obj = k8s.KubernetesObject & { metadata: { name: string; namespace?: string }; [field: string]: unknown };

function caChain(namespace: string, name: string, cn: string): Obj[] {
  return [
    {
      apiVersion: CERT_MANAGER_API_VERSION, kind: 'Certificate', metadata: { name, namespace, labels: DEMO_LABEL },
      spec: { isCA: true, commonName: cn, secretName: name, duration: '2160h', privateKey: { algorithm: 'ECDSA', size: 256 }, issuerRef: { name: 'selfsigned', kind: 'Issuer', group: 'cert-manager.io' } },
    },
    { apiVersion: CERT_MANAGER_API_VERSION, kind: 'Issuer', metadata: { name, namespace, labels: DEMO_LABEL }, spec: { ca: { secretName: name } } },
  ];
}

function listener(namespace: string, name: string, annotations: Record<string, string>, tlsCredentials?: string): Listener {
  return {
    apiVersion: SKUPPER_API_VERSION, kind: 'Listener',
    metadata: { name, namespace, labels: { ...DEMO_LABEL }, annotations },
    spec: { routingKey: name, host: name, port: 8080, ...(tlsCredentials ? { tlsCredentials } : {}) },
  };
}

function connector(namespace: string, name: string, annotations: Record<string, string>, extra: Partial<Connector['spec']> = {}): Connector {
  return {
    apiVersion: SKUPPER_API_VERSION, kind: 'Connector',
    metadata: { name, namespace, labels: { ...DEMO_LABEL }, annotations },
    spec: { routingKey: name, host: `${name}.${namespace}.svc`, port: 8443, ...extra },
  };
}

const issuer = (name: string): Record<string, string> => ({ 'cert-manager.io/issuer': name });
const lifetime = (duration: string, renewBefore?: string): Record<string, string> => ({
  'cert-manager.io/duration': duration, ...(renewBefore ? { 'cert-manager.io/renew-before': renewBefore } : {}),
});

/** Listeners by "namespace/name", kept so a manual renewal re-applies the same object with one more annotation. */
function listeners(): Map<string, Listener> {
  const all = [
    listener('east', 'frontend', { ...issuer('demo-ca'), ...lifetime('2160h') }),
    listener('east', 'payments', { ...issuer('demo-ca'), ...lifetime('720h') }),
    listener('east', 'orders', { ...issuer('demo-ca'), ...lifetime('240h') }),
    listener('east', 'api', { ...issuer('demo-ca'), ...lifetime('30m', '27m') }),
    // Its issuer's CA Secret is deleted during the recording, before the renewal is due.
    listener('east', 'billing', { ...issuer('old-ca'), ...lifetime('10m', '8m') }),
    listener('west', 'inventory', { ...issuer('demo-ca'), ...lifetime('48h') }),
    listener('west', 'checkout', { ...issuer('demo-ca'), ...lifetime('10m', '7m') }),
    listener('west', 'search', { ...issuer('demo-ca'), ...lifetime('20m', '18m') }),
    // Names an issuer nobody created.
    listener('west', 'reports', { ...issuer('retired-ca'), ...lifetime('720h') }),
    // Not managed: a hand-made Secret that expired yesterday.
    listener('west', 'legacy', {}, 'legacy-tls'),
  ];
  return new Map(all.map((l) => [`${l.metadata.namespace}/${l.metadata.name}`, l]));
}

function pemBundle(...certs: string[]): string {
  return certs.map((c) => c.trim()).join('\n') + '\n';
}

export interface DemoEvent {
  /** Seconds after the recording started. */
  at: number;
  what: string;
  run: () => Promise<void>;
}

export class Demo {
  private readonly kc: k8s.KubeConfig;
  private readonly core: k8s.CoreV1Api;
  private readonly custom: k8s.CustomObjectsApi;
  private readonly listeners = listeners();
  private readonly partnerCAs: string[];
  private renewCount = 0;

  constructor(kubeconfig: string) {
    this.kc = new k8s.KubeConfig();
    this.kc.loadFromFile(kubeconfig);
    this.core = this.kc.makeApiClient(k8s.CoreV1Api);
    this.custom = this.kc.makeApiClient(k8s.CustomObjectsApi);
    const now = Date.now();
    // Partner CAs of the warehouse backend: two now, a third arrives mid-recording (a CA rotation starting).
    this.partnerCAs = [
      fastSelfSignedCA({ cn: 'partner root 2019', notAfter: new Date(now + 200 * DAY_MS) }).certPem,
      fastSelfSignedCA({ cn: 'partner root 2024', notAfter: new Date(now + 400 * DAY_MS) }).certPem,
      fastSelfSignedCA({ cn: 'partner root 2026', notAfter: new Date(now + 1200 * DAY_MS) }).certPem,
    ];
  }

  private apply(objects: k8s.KubernetesObject[]): Promise<void> {
    return applyObjects(this.kc, objects, FIELD_MANAGER);
  }

  /**
   * The namespaces, first and alone, so the daemon can start watching them.
   * A namespace of the same name that is not the demo's is refused: the demo
   * writes and deletes in these namespaces.
   */
  async createNamespaces(): Promise<void> {
    for (const name of DEMO_NAMESPACES) {
      const existing = await this.core.readNamespace({ name }).catch(() => undefined);
      if (existing && existing.metadata?.labels?.['app.kubernetes.io/part-of'] !== DEMO_LABEL['app.kubernetes.io/part-of']) {
        throw new Error(`namespace ${name} already exists and is not the dashboard demo's; use a cluster without it (or the default: a fresh local control plane)`);
      }
    }
    await this.apply(DEMO_NAMESPACES.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: DEMO_LABEL } })));
  }

  /** Everything at once, as someone would `kubectl apply -f` a directory. */
  async applyAll(): Promise<void> {
    const objects: (Obj | Listener | Connector)[] = [];
    for (const ns of DEMO_NAMESPACES) {
      objects.push({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'Issuer', metadata: { name: 'selfsigned', namespace: ns, labels: DEMO_LABEL }, spec: { selfSigned: {} } });
      objects.push(...caChain(ns, 'demo-ca', `${ns} demo CA`));
    }
    objects.push(...caChain('east', 'old-ca', 'east old CA'));

    const legacyCA = makeCA({ cn: 'legacy CA' });
    const legacy = makeLeaf(legacyCA, { cn: 'legacy', dns: ['legacy', 'legacy.west', 'legacy.west.svc', 'legacy.west.svc.cluster.local'], expired: true });
    objects.push({
      apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name: 'legacy-tls', namespace: 'west', labels: DEMO_LABEL },
      stringData: { 'tls.crt': legacy.certPem, 'tls.key': legacy.keyPem, 'ca.crt': legacyCA.certPem },
    });
    // The ledger backend's CA expires in five days: the CA expiry table shows it in orange.
    const ledgerCA = fastSelfSignedCA({ cn: 'ledger backend CA', notAfter: new Date(Date.now() + 5 * DAY_MS) });
    objects.push({
      apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: 'ledger-backend-ca', namespace: 'east', labels: DEMO_LABEL },
      stringData: { 'ca.crt': ledgerCA.certPem },
    });
    objects.push(this.partnerConfigMap(2));

    objects.push(...this.listeners.values());
    objects.push(
      connector('east', 'backend', { 'skupper-cert-rotator.io/trust': 'issuer/demo-ca' }),
      connector('east', 'ledger', { ...issuer('demo-ca'), ...lifetime('720h'), 'skupper-cert-rotator.io/trust': 'secret/ledger-backend-ca, issuer/demo-ca' }, { useClientCert: true }),
      connector('west', 'warehouse', { 'skupper-cert-rotator.io/trust': 'issuer/demo-ca, configmap/partner-cas#bundle.pem' }),
    );
    await this.apply(objects);
  }

  private partnerConfigMap(count: number): Obj {
    return {
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'partner-cas', namespace: 'west', labels: DEMO_LABEL },
      data: { 'bundle.pem': pemBundle(...this.partnerCAs.slice(0, count)) },
    };
  }

  /** What `skupper-cert-rotator renew` does: a new value of the renew annotation. */
  async renew(key: string): Promise<void> {
    const l = this.listeners.get(key);
    if (!l) throw new Error(`no demo Listener ${key}`);
    const [namespace, name] = key.split('/');
    await this.waitReady(namespace ?? '', `${name ?? ''}-listener-tls`);
    const updated = structuredClone(l);
    updated.metadata.annotations = { ...updated.metadata.annotations, 'skupper-cert-rotator.io/renew': `demo-${++this.renewCount}` };
    this.listeners.set(key, updated);
    await this.apply([updated]);
  }

  /** A manual renewal asked for before the first issuance would be taken as the initial value; wait for it. */
  private async waitReady(namespace: string, name: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const c = (await this.custom.getNamespacedCustomObject({ group: 'cert-manager.io', version: 'v1', namespace, plural: 'certificates', name }).catch(() => undefined)) as Certificate | undefined;
      if (c && isReady(c)) return;
      if (Date.now() > deadline) throw new Error(`Certificate ${namespace}/${name} not Ready after ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /**
   * Events at fixed offsets into the recording. The broken issuer needs about
   * 2.5 minutes to show (renewal due 2 minutes after issuance, then the
   * daemon's --overdue-after), so the recording must be at least 3 minutes.
   */
  timeline(recordingSeconds: number): DemoEvent[] {
    const at = (fraction: number): number => Math.round(recordingSeconds * fraction);
    return [
      { at: 40, what: 'delete Secret east/old-ca: the issuer of east/billing loses its CA before the renewal is due', run: async () => {
        await this.waitReady('east', 'billing-listener-tls');
        // The CA's Certificate first: while it exists, cert-manager would issue the Secret again.
        await this.custom.deleteNamespacedCustomObject({ group: 'cert-manager.io', version: 'v1', namespace: 'east', plural: 'certificates', name: 'old-ca' });
        await this.core.deleteNamespacedSecret({ name: 'old-ca', namespace: 'east' });
      } },
      { at: at(0.2), what: 'manual renewal of east/payments', run: () => this.renew('east/payments') },
      { at: at(0.35), what: 'partner CA rotation: a third CA in west/partner-cas', run: () => this.apply([this.partnerConfigMap(3)]) },
      { at: at(0.45), what: 'manual renewal of west/inventory', run: () => this.renew('west/inventory') },
      { at: at(0.6), what: 'manual renewal of east/frontend', run: () => this.renew('east/frontend') },
      { at: at(0.75), what: 'manual renewal of east/payments', run: () => this.renew('east/payments') },
      { at: at(0.85), what: 'manual renewal of east/orders', run: () => this.renew('east/orders') },
    ].sort((a, b) => a.at - b.at);
  }

  /** On a cluster that outlives the run (--kubeconfig), the demo goes away with its namespaces. */
  async deleteNamespaces(): Promise<void> {
    for (const name of DEMO_NAMESPACES) await this.core.deleteNamespace({ name }).catch(() => undefined);
  }
}
