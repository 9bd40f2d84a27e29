// Everything the drill runs against, started in order: a Skupper site as
// local processes in a namespace of its own (cluster/skupper/launch.ts), the
// Listener CA (Issuer `ca`) and the backend CA (Issuer `backend-ca`, a
// Certificate with rotationPolicy Always so each renewal is a new key), the
// echo backend with a `localhost` certificate from the backend CA, a
// kube-proxy stand-in for the Listener's Service (the probe dials through it),
// the daemon with --probe, and one Listener/Connector pair wired by it.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { applyObjects } from '../../cluster/controlplane.js';
import { LocalSkupperSite } from '../../cluster/skupper/launch.js';
import { waitForListenerAddress } from '../../cluster/skupper/listener-port.js';
import { ServiceProxy } from '../../cluster/skupper/service-proxy.js';
import type { SkupperSite } from '../../cluster/skupper/site.js';
import { oneShot, type Target } from './clients.js';
import { DrillDaemon } from './daemon.js';
import { EchoBackend } from './echo-backend.js';
import { pemOf, SecretWatch } from './kube.js';
import { poll } from './poll.js';

export const PAIR = 'drill';
export const BACKEND_CERT = 'drill-backend';
export const BACKEND_CA = 'backend-ca';
const FIELD_MANAGER = 'skupper-cert-rotator-drill';

export interface EnvOptions {
  kubeconfig: string;
  namespace: string;
  dir: string;
  binaries: SkupperSite;
  probeIntervalS: number;
  /** Extra daemon flags. */
  daemonArgs?: string[];
  log: (line: string) => void;
}

const issuerRef = (name: string): Record<string, string> => ({ name, kind: 'Issuer', group: 'cert-manager.io' });
const ecdsa = { algorithm: 'ECDSA', size: 256 };

export class DrillEnv {
  readonly kc = new k8s.KubeConfig();
  site: LocalSkupperSite | undefined;
  daemon: DrillDaemon | undefined;
  backend: EchoBackend | undefined;
  proxy: ServiceProxy | undefined;
  watch: SecretWatch;
  /** The Listener's router port, its host and the Listener CA. */
  target: Target | undefined;
  listenerSecret = '';
  connectorSecret = '';

  constructor(readonly opts: EnvOptions) {
    this.kc.loadFromFile(opts.kubeconfig);
    this.watch = new SecretWatch(this.kc, opts.namespace);
  }

  get core(): k8s.CoreV1Api {
    return this.kc.makeApiClient(k8s.CoreV1Api);
  }

  private async certificateReady(name: string): Promise<void> {
    const custom = this.kc.makeApiClient(k8s.CustomObjectsApi);
    await poll(`Certificate ${this.opts.namespace}/${name} Ready`, async () => {
      const c = await custom.getNamespacedCustomObject({ group: 'cert-manager.io', version: 'v1', namespace: this.opts.namespace, plural: 'certificates', name }) as { status?: { conditions?: { type: string; status: string }[] } };
      return (c.status?.conditions ?? []).some((x) => x.type === 'Ready' && x.status === 'True') ? true : undefined;
    }, 120_000, 100);
  }

  async secret(name: string): Promise<k8s.V1Secret> {
    return this.core.readNamespacedSecret({ namespace: this.opts.namespace, name });
  }

  async start(): Promise<void> {
    const { namespace, log } = this.opts;
    mkdirSync(this.opts.dir, { recursive: true });
    this.site = new LocalSkupperSite({ kubeconfig: this.opts.kubeconfig, namespace, dir: join(this.opts.dir, 'site'), binaries: this.opts.binaries, log: (l) => { log(`[site] ${l}`); } });
    await this.site.start();
    log(`site ready in ${(this.site.info().readyMs / 1000).toFixed(1)} s`);
    await this.watch.start();
    const cert = (name: string, spec: Record<string, unknown>): k8s.KubernetesObject => ({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name, namespace }, spec: { secretName: name, privateKey: ecdsa, ...spec } } as k8s.KubernetesObject);
    const issuer = (name: string, spec: Record<string, unknown>): k8s.KubernetesObject => ({ apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: { name, namespace }, spec } as k8s.KubernetesObject);
    await applyObjects(this.kc, [
      issuer('selfsigned', { selfSigned: {} }),
      cert('ca', { isCA: true, commonName: 'drill listener CA', issuerRef: issuerRef('selfsigned') }),
      issuer('ca', { ca: { secretName: 'ca' } }),
      // A new key on every renewal: the CA rotation is a real change of trust anchor, not a re-signed copy.
      cert(BACKEND_CA, { isCA: true, commonName: 'drill backend CA', issuerRef: issuerRef('selfsigned'), privateKey: { ...ecdsa, rotationPolicy: 'Always' } }),
      issuer(BACKEND_CA, { ca: { secretName: BACKEND_CA } }),
    ], FIELD_MANAGER);
    await this.certificateReady('ca');
    await this.certificateReady(BACKEND_CA);
    await applyObjects(this.kc, [cert(BACKEND_CERT, {
      commonName: 'localhost', dnsNames: ['localhost'], usages: ['server auth', 'digital signature', 'key encipherment'],
      issuerRef: issuerRef(BACKEND_CA), privateKey: { ...ecdsa, rotationPolicy: 'Always' },
    })], FIELD_MANAGER);
    await this.certificateReady(BACKEND_CERT);
    const b = await this.secret(BACKEND_CERT);
    this.backend = new EchoBackend(pemOf(b, 'tls.crt'), pemOf(b, 'tls.key'));
    const ports = await this.backend.listen();
    const backendPort = ports.router;

    this.proxy = new ServiceProxy({ kc: this.kc, namespace, service: PAIR, port: 8443 });
    await this.proxy.listen();
    this.daemon = new DrillDaemon([
      `--kubeconfig=${this.opts.kubeconfig}`, `--namespaces=${namespace}`, '--metrics-bind-address=127.0.0.1:0', '--health-bind-address=127.0.0.1:0',
      '--probe', `--probe-interval=${this.opts.probeIntervalS}s`, `--probe-address-map=${this.proxy.mapEntry},localhost:${backendPort}=127.0.0.1:${ports.probe}`, '--log-level=debug',
      ...(this.opts.daemonArgs ?? []),
    ], join(this.opts.dir, 'daemon.log'));
    await this.daemon.waitSynced();

    const started = Date.now();
    await applyObjects(this.kc, [
      { apiVersion: 'skupper.io/v2alpha1', kind: 'Connector', metadata: { name: PAIR, namespace, annotations: { 'skupper-cert-rotator.io/trust': `issuer/${BACKEND_CA}` } }, spec: { routingKey: PAIR, host: 'localhost', port: backendPort } } as k8s.KubernetesObject,
      { apiVersion: 'skupper.io/v2alpha1', kind: 'Listener', metadata: { name: PAIR, namespace, annotations: { 'cert-manager.io/issuer': 'ca' } }, spec: { routingKey: PAIR, host: PAIR, port: 8443 } } as k8s.KubernetesObject,
    ], FIELD_MANAGER);
    const custom = this.kc.makeApiClient(k8s.CustomObjectsApi);
    const creds = async (plural: string): Promise<string | undefined> =>
      ((await custom.getNamespacedCustomObject({ group: 'skupper.io', version: 'v2alpha1', namespace, plural, name: PAIR })) as { spec?: { tlsCredentials?: string } }).spec?.tlsCredentials;
    [this.listenerSecret, this.connectorSecret] = await poll('the daemon to wire the Listener and the Connector', async () => {
      const [l, c] = [await creds('listeners'), await creds('connectors')];
      return l && c ? [l, c] : undefined;
    }, 120_000, 100);
    const address = await waitForListenerAddress(this.kc, namespace, PAIR);
    const ca = await poll('the Listener Secret\'s ca.crt', async () => pemOf(await this.secret(this.listenerSecret), 'ca.crt') || undefined, 60_000, 100);
    this.target = { port: address.port, ca, servername: address.host };
    const target = this.target;
    await poll('a first echo through the router (both hops)', async () => ((await oneShot(target, 'hello\n')).ok ? true : undefined), 60_000, 100);
    log(`Listener/Connector ${namespace}/${PAIR} wired and echoing through the router ${((Date.now() - started) / 1000).toFixed(1)} s after creation (router port ${address.port}, probe via ${this.proxy.address})`);
  }

  /** The router log (for "Updated sslProfile" lines). */
  get routerLog(): string {
    return join(this.opts.dir, 'site', 'skrouterd.log');
  }

  async stop(): Promise<string[]> {
    const problems: string[] = [];
    this.watch.stop();
    await this.proxy?.close();
    if (this.daemon) {
      const code = await this.daemon.stop();
      if (code !== 0) problems.push(`the daemon exited with ${String(code)}`);
      problems.push(...this.daemon.problems.map((m) => `daemon error log: ${m}`));
    }
    await this.backend?.close();
    await this.site?.stop();
    return problems;
  }
}
