// `npm run local` on the real Skupper site that `npm run cluster:up` starts in
// the samples' namespace: the sample Connector (a pod selector in
// manifests/samples/, and no kubelet runs pods here) is pointed at a local TLS
// backend instead (host localhost, its port); the backend's certificate comes
// from the samples' CA through cert-manager, the CA the Connector's trust
// annotation names. Once a request went through the router on both hops, the
// next steps are printed; then a request every second shows when the router
// starts serving a renewed certificate, and whether any request failed. The
// daemon runs with --probe through a kube-proxy stand-in for the sample
// Listener's Service (service-proxy.ts), so the watch also says when the
// daemon's served_certificate_current for it changes: both views side by side.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, relative } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { applyObjects, freePort } from '../controlplane.js';
import { waitUntil } from '../processes.js';
import type { SiteInfo } from './launch.js';
import { waitForListenerAddress, type ListenerAddress } from './listener-port.js';
import { nextSteps } from './next-steps.js';
import { requestThroughRouter, type RouterReply } from './router-client.js';
import { ServiceProxy } from './service-proxy.js';
import { startTlsBackend, type TlsBackend } from './tls-backend.js';

/** The namespace of manifests/samples/, where cluster:up starts the site. */
export const DEMO_NAMESPACE = 'east';
/** The sample Listener's and Connector's name. */
export const DEMO_OBJECT = 'backend';
/** The samples' CA ClusterIssuer: the Listener's issuer and the Connector's trust. */
const SAMPLE_ISSUER = 'sample-ca';
const BACKEND_CERTIFICATE = 'local-backend';
/** The sample Listener's spec.host and spec.port (manifests/samples/20-listener.yaml): its Service. */
const SAMPLE_SERVICE = { host: DEMO_OBJECT, port: 8080 };
/** Often enough that a renewal shows in the daemon's metric within seconds of the router serving it. */
const PROBE_INTERVAL = '5s';
const FIELD_MANAGER = 'skupper-cert-rotator-dev';

interface ConnectorLike extends k8s.KubernetesObject {
  spec?: Record<string, unknown>;
}

/** The samples as applied to a cluster with a site: the sample Connector reaches `localhost:port` instead of pods. Other documents unchanged. */
export function connectorForLocalBackend(doc: k8s.KubernetesObject, port: number): k8s.KubernetesObject {
  if (doc.kind !== 'Connector' || doc.metadata?.namespace !== DEMO_NAMESPACE || doc.metadata.name !== DEMO_OBJECT) return doc;
  const spec = { ...((doc as ConnectorLike).spec ?? {}) };
  delete spec.selector;
  return { ...doc, spec: { ...spec, host: 'localhost', port } } as ConnectorLike;
}

function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

function notFound(err: unknown): boolean {
  return err instanceof k8s.ApiException && err.code === 404;
}

export interface ScenarioOptions {
  kubeconfig: string;
  site: SiteInfo;
  /** Where the Listener's CA is written for the printed commands. */
  caFile: string;
  /** The daemon's metrics URL. */
  metricsUrl: string;
  say: (line: string) => void;
}

export class LocalScenario {
  private readonly kc = new k8s.KubeConfig();
  private backend: TlsBackend | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly started = Date.now();
  private readonly proxy: ServiceProxy;

  private constructor(private readonly opts: ScenarioOptions, readonly backendPort: number) {
    this.kc.loadFromFile(opts.kubeconfig);
    this.proxy = new ServiceProxy({ kc: this.kc, namespace: DEMO_NAMESPACE, service: SAMPLE_SERVICE.host, port: SAMPLE_SERVICE.port });
  }

  static async create(opts: ScenarioOptions): Promise<LocalScenario> {
    const s = new LocalScenario(opts, await freePort());
    await s.proxy.listen();
    return s;
  }

  /** The daemon's flags for probing the sample Listener's Service through the stand-in, as it would in a cluster. */
  get daemonArgs(): string[] {
    return ['--probe', `--probe-interval=${PROBE_INTERVAL}`, `--probe-address-map=${this.proxy.mapEntry}`];
  }

  /** The daemon's served_certificate_current for the sample Listener (undefined before its first probe or when /metrics does not answer). */
  private async servedCurrent(): Promise<string | undefined> {
    try {
      const text = await (await fetch(this.opts.metricsUrl, { signal: AbortSignal.timeout(2_000) })).text();
      const series = `skupper_cert_rotator_served_certificate_current{namespace="${DEMO_NAMESPACE}",kind="listener",name="${DEMO_OBJECT}",`;
      return text.split('\n').find((l) => l.startsWith(series))?.split(' ').pop();
    } catch {
      return undefined;
    }
  }

  readonly transform = (doc: k8s.KubernetesObject): k8s.KubernetesObject => connectorForLocalBackend(doc, this.backendPort);

  /** After the samples: a cert-manager certificate for `localhost` from the samples' CA, and the backend serving it. */
  async startBackend(): Promise<void> {
    // A request for a certificate from an issuer that is not Ready yet fails, and cert-manager retries only after its backoff.
    const custom = this.kc.makeApiClient(k8s.CustomObjectsApi);
    await waitUntil(`ClusterIssuer ${SAMPLE_ISSUER} Ready (its CA issued)`, async () => {
      const issuer = await custom.getClusterCustomObject({ group: 'cert-manager.io', version: 'v1', plural: 'clusterissuers', name: SAMPLE_ISSUER }) as { status?: { conditions?: { type: string; status: string }[] } };
      return (issuer.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
    }, { timeoutMs: 120_000, intervalMs: 250 });
    await applyObjects(this.kc, [{
      apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: BACKEND_CERTIFICATE, namespace: DEMO_NAMESPACE },
      spec: {
        secretName: BACKEND_CERTIFICATE, commonName: 'localhost', dnsNames: ['localhost'], duration: '720h',
        usages: ['server auth', 'digital signature', 'key encipherment'], privateKey: { algorithm: 'ECDSA', size: 256 },
        issuerRef: { name: SAMPLE_ISSUER, kind: 'ClusterIssuer', group: 'cert-manager.io' },
      },
    } as k8s.KubernetesObject], FIELD_MANAGER);
    const core = this.kc.makeApiClient(k8s.CoreV1Api);
    let secret: k8s.V1Secret | undefined;
    await waitUntil(`Secret ${DEMO_NAMESPACE}/${BACKEND_CERTIFICATE} from cert-manager (the backend's certificate)`, async () => {
      try {
        secret = await core.readNamespacedSecret({ namespace: DEMO_NAMESPACE, name: BACKEND_CERTIFICATE });
      } catch (err) {
        if (notFound(err)) return false;
        throw err;
      }
      return (secret.data?.['tls.crt'] ?? '') !== '' && (secret.data?.['tls.key'] ?? '') !== '';
    }, { timeoutMs: 120_000, intervalMs: 250 });
    const pem = (key: string): string => Buffer.from(secret?.data?.[key] ?? '', 'base64').toString('utf8');
    if (this.closed) return;
    this.backend = await startTlsBackend({ cert: pem('tls.crt'), key: pem('tls.key'), port: this.backendPort, name: `${DEMO_NAMESPACE}/${DEMO_OBJECT}` });
  }

  /** The Listener's Secret name and CA once the daemon has wired it. */
  private async wiredListener(): Promise<{ secret: string; ca: string; connectorSecret: string } | undefined> {
    const custom = this.kc.makeApiClient(k8s.CustomObjectsApi);
    const get = (plural: string): Promise<{ spec?: { tlsCredentials?: string } }> =>
      custom.getNamespacedCustomObject({ group: 'skupper.io', version: 'v2alpha1', namespace: DEMO_NAMESPACE, plural, name: DEMO_OBJECT }) as Promise<{ spec?: { tlsCredentials?: string } }>;
    const [l, c] = [await get('listeners'), await get('connectors')];
    const secret = l.spec?.tlsCredentials;
    const connectorSecret = c.spec?.tlsCredentials;
    if (!secret || !connectorSecret) return undefined;
    const s = await this.kc.makeApiClient(k8s.CoreV1Api).readNamespacedSecret({ namespace: DEMO_NAMESPACE, name: secret });
    const ca = Buffer.from(s.data?.['ca.crt'] ?? '', 'base64').toString('utf8');
    return ca === '' ? undefined : { secret, ca, connectorSecret };
  }

  /**
   * Waits until a request verified against the Listener's CA went through the
   * router to the backend; returns the next steps to print, and starts the watch.
   */
  async whenServing(timeoutMs = 180_000): Promise<string> {
    const address: ListenerAddress = await waitForListenerAddress(this.kc, DEMO_NAMESPACE, DEMO_OBJECT, timeoutMs);
    let wired: Awaited<ReturnType<LocalScenario['wiredListener']>>;
    let reply: RouterReply | undefined;
    await waitUntil(`a request through the router to the backend, verified with the certificate of Listener ${DEMO_NAMESPACE}/${DEMO_OBJECT}`, async () => {
      if (this.closed) throw new Error('stopped');
      wired = await this.wiredListener();
      if (!wired) return false;
      reply = await requestThroughRouter(address.port, address.host, wired.ca);
      return true;
    }, { timeoutMs, intervalMs: 500 });
    if (!wired || !reply) throw new Error('unreachable');
    mkdirSync(dirname(this.opts.caFile), { recursive: true });
    writeFileSync(this.opts.caFile, wired.ca);
    this.watch(address, wired.ca, reply);
    const { site } = this.opts;
    return nextSteps({
      namespace: DEMO_NAMESPACE, listener: DEMO_OBJECT, connector: DEMO_OBJECT, host: address.host,
      servicePort: address.servicePort, routerPort: address.port, serviceProxy: this.proxy.address, backendPort: this.backendPort,
      listenerSecret: wired.secret, connectorSecret: wired.connectorSecret,
      caFile: shown(this.opts.caFile), kubeconfig: this.opts.kubeconfig,
      metricsUrl: this.opts.metricsUrl, routerMetricsUrl: `http://127.0.0.1:${site.routerPorts.metrics}/metrics`,
      afterMs: Date.now() - this.started, served: reply.served, protocol: reply.protocol, answer: reply.response.split('\r\n\r\n')[1]?.split('\n')[0] ?? '',
    });
  }

  /** A request through the router every second; says when the served certificate changes, and when requests fail or recover. */
  private watch(address: ListenerAddress, ca: string, first: RouterReply): void {
    let serial = first.served.serial;
    let ok = 1;
    let failed = 0;
    let failing: string | undefined;
    let daemonSays: string | undefined;
    const tick = async (): Promise<void> => {
      const current = await this.servedCurrent();
      if (current !== undefined && current !== daemonSays) {
        daemonSays = current;
        this.opts.say(current === '1'
          ? `the daemon's probe of Service ${SAMPLE_SERVICE.host}.${DEMO_NAMESPACE}.svc:${SAMPLE_SERVICE.port} (through ${this.proxy.address}) says it serves the certificate in the Listener's Secret: served_certificate_current 1`
          : `the daemon's probe of Service ${SAMPLE_SERVICE.host}.${DEMO_NAMESPACE}.svc:${SAMPLE_SERVICE.port} says it does not serve the certificate in the Listener's Secret: served_certificate_current ${current}`);
      }
      try {
        const r = await requestThroughRouter(address.port, address.host, ca);
        ok++;
        if (failing !== undefined) this.opts.say(`requests through the router work again (${failed} failed of ${ok + failed})`);
        failing = undefined;
        if (r.served.serial !== serial) {
          serial = r.served.serial;
          this.opts.say(`the router now serves a new certificate for Listener ${DEMO_NAMESPACE}/${DEMO_OBJECT}: serial ${serial}, not after ${r.served.notAfter} (${ok + failed} requests through the router so far, ${failed} failed); the daemon's served_certificate_current: ${current ?? 'not probed yet'} (it probes every ${PROBE_INTERVAL})`);
        }
      } catch (err) {
        failed++;
        const why = err instanceof Error ? err.message : String(err);
        if (failing === undefined) this.opts.say(`a request through the router failed: ${why}`);
        failing = why;
      }
      if (!this.closed) this.timer = setTimeout(() => { void tick(); }, 1_000);
    };
    this.timer = setTimeout(() => { void tick(); }, 1_000);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.backend?.close();
    await this.proxy.close();
  }
}
