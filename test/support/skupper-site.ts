// The real Skupper site as the integration tests use it: a namespace of its
// own on the shared test cluster, the Skupper 2.2.1 controller, skupper-router
// and kube-adaptor as local processes (cluster/skupper/launch.ts), the two
// cert-manager CAs (Issuer `ca` for Listeners, Issuer `backend-ca` for
// backends), TLS backends, and a Listener/Connector pair on one routing key.
// The daemon is started separately (startDaemon) so a test can first make the
// Service proxies its --probe must dial (cluster/skupper/service-proxy.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type Server, type TLSSocket } from 'node:tls';
import type { AddressInfo, Socket } from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { LocalSkupperSite } from '../../cluster/skupper/launch.js';
import { waitForListenerAddress, type ListenerAddress } from '../../cluster/skupper/listener-port.js';
import { ServiceProxy } from '../../cluster/skupper/service-proxy.js';
import { ensureSkupperSite } from '../../cluster/skupper/site.js';
import { CERT_MANAGER_API_VERSION, isReady, type Certificate } from '../../src/model/certmanager.js';
import { SKUPPER_API_VERSION, SKUPPER_GROUP, SKUPPER_VERSION, type Connector, type Listener } from '../../src/model/skupper.js';
import { testCluster } from './cluster.js';
import { startSyncedDaemon, stopAndReport, type DaemonProcess } from './daemon.js';
import { caIssuer } from './issuers.js';
import { annotate, apply, createNamespace, getCertificate } from './k8s.js';
import { daemonKubeconfig } from './serviceaccount.js';
import { requireBuilt } from './third-party.js';
import { eventually } from './wait.js';

export const TRUST = 'skupper-cert-rotator.io/trust';

/** A TLS backend on 127.0.0.1 that answers every connection with one line (or streams, see `stream`), and remembers each handshake. */
export class Backend {
  readonly handshakes: { servername: string | false | null; protocol: string | null; clientCert?: string }[] = [];
  readonly clientErrors: string[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(readonly name: string, cert: string, key: string, opts: { requestCert?: { ca: string } } = {}) {
    this.server = createServer({ cert, key, ...(opts.requestCert ? { requestCert: true, rejectUnauthorized: true, ca: opts.requestCert.ca } : {}) }, (socket: TLSSocket) => {
      const peer = socket.getPeerX509Certificate();
      this.handshakes.push({ servername: socket.servername, protocol: socket.getProtocol(), ...(peer ? { clientCert: peer.fingerprint256 } : {}) });
      socket.end(`hello from ${name}\n`);
    });
    this.server.on('tlsClientError', (err: Error) => { this.clientErrors.push(err.message); });
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  /** Stops listening and drops open connections: the router may keep one to the backend, and close() alone would wait for it. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => { resolve(); });
      for (const s of this.sockets) s.destroy();
    });
  }
}

export interface Through {
  /** The client's handshake with the router completed and verified the Listener's certificate. */
  secure: boolean;
  /** SHA-256 fingerprint (X509Certificate form) of the certificate the router served. */
  served?: string;
  protocol?: string | null;
  /** Everything the backend sent, through the router. */
  data: string;
  error?: string;
}

/** One connection to 127.0.0.1:`port` (the router's port for a Listener, or a Service proxy), verifying `ca` for `servername`; reads until the far end closes. */
export function throughRouter(port: number, ca: string, servername: string, timeoutMs = 10_000): Promise<Through> {
  return new Promise((resolve) => {
    const r: Through = { secure: false, data: '' };
    const socket = connect({ host: '127.0.0.1', port, ca, servername, rejectUnauthorized: true, timeout: timeoutMs });
    let done = false;
    const finish = (error?: string): void => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve(error === undefined ? r : { ...r, error });
    };
    socket.once('secureConnect', () => {
      r.secure = true;
      r.served = socket.getPeerX509Certificate()?.fingerprint256;
      r.protocol = socket.getProtocol();
    });
    socket.setEncoding('utf8').on('data', (c: string) => { r.data += c; });
    socket.once('error', (err: Error) => { finish(err.message); });
    socket.once('timeout', () => { finish('timeout'); });
    socket.once('close', () => { finish(); });
  });
}

type WithConditions<T> = T & { status?: { conditions?: { type: string; status: string }[] } };

export function conditionTrue(obj: { status?: { conditions?: { type: string; status: string }[] } }, type: string): boolean {
  return (obj.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

export interface Pair {
  address: ListenerAddress;
  listenerSecret: k8s.V1Secret;
  /** When the Listener and Connector were applied. */
  created: number;
}

export interface PairOptions {
  /** Extra annotations of the Listener (the issuer annotation is always set). */
  listenerAnnotations?: Record<string, string>;
  /** Extra annotations of the Connector (the trust annotation is always set). */
  connectorAnnotations?: Record<string, string>;
  useClientCert?: boolean;
  /** The Listener's spec.port; default 8443. */
  port?: number;
}

export class SkupperSiteFixture {
  site: LocalSkupperSite | undefined;
  daemon: DaemonProcess | undefined;
  ns = '';
  private dir: string | undefined;
  readonly backends: Backend[] = [];
  readonly proxies: ServiceProxy[] = [];
  readonly timings: string[] = [];

  /** Builds what is missing (or fails with the fix), starts the site in a new namespace `prefix-…` and issues both CAs. */
  async start(prefix: string): Promise<void> {
    // npm run cluster:build builds the binaries first (.ci/run); a cold machine with the archives builds them here.
    const binaries = requireBuilt(await ensureSkupperSite((l) => { console.error(`    [skupper] ${l}`); }));
    this.ns = await createNamespace(prefix);
    this.dir = mkdtempSync(join(tmpdir(), `scr-${prefix}-`));
    this.site = new LocalSkupperSite({ kubeconfig: testCluster().kubeconfig, namespace: this.ns, dir: this.dir, binaries, log: (l) => { console.error(`    [site] ${l}`); } });
    await this.site.start();
    this.timings.push(`site ready after ${(this.site.info().readyMs / 1000).toFixed(1)} s`);
    // The Listener's CA (Issuer `ca`) and the backend's (Issuer `backend-ca`): two cert-manager CAs, issued before any Listener's clock starts.
    await caIssuer(this.ns, 'listener CA');
    await apply({
      apiVersion: CERT_MANAGER_API_VERSION, kind: 'Certificate', metadata: { name: 'backend-ca', namespace: this.ns },
      spec: { isCA: true, commonName: 'backend CA', secretName: 'backend-ca', privateKey: { algorithm: 'ECDSA', size: 256 }, issuerRef: { name: 'selfsigned', kind: 'Issuer', group: 'cert-manager.io' } },
    });
    await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'Issuer', metadata: { name: 'backend-ca', namespace: this.ns }, spec: { ca: { secretName: 'backend-ca' } } });
    await this.issued('ca');
    await this.issued('backend-ca');
  }

  /** The daemon as the manifests' ServiceAccount, watching the site's namespace. */
  async startDaemon(extra: string[] = ['--resync-period=10s']): Promise<DaemonProcess> {
    this.daemon = await startSyncedDaemon(await daemonKubeconfig(), [this.ns], extra);
    return this.daemon;
  }

  /** Stops everything it started; returns why the daemon's run was not clean ([] when it was). */
  async stop(): Promise<string[]> {
    for (const p of this.proxies) await p.close();
    for (const b of this.backends) await b.close();
    const problems = this.daemon ? await stopAndReport(this.daemon) : [];
    await this.site?.stop();
    if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
    if (this.timings.length > 0) console.error(`    timings: ${this.timings.join('; ')}`);
    return problems;
  }

  /** The Secret of cert-manager Certificate `name`, once Ready. */
  async issued(name: string): Promise<k8s.V1Secret> {
    return eventually(`Certificate ${this.ns}/${name} Ready`, async () => {
      const c: Certificate | undefined = await getCertificate(this.ns, name);
      if (!c || !isReady(c)) return undefined;
      return testCluster().core.readNamespacedSecret({ namespace: this.ns, name: c.spec.secretName });
    }, { timeoutMs: 60_000 });
  }

  /** A cert-manager Certificate for `localhost` from Issuer `issuer` (server and client usages); returns its name. */
  async localhostCertificate(name: string, issuer: string): Promise<string> {
    await apply({
      apiVersion: CERT_MANAGER_API_VERSION, kind: 'Certificate', metadata: { name, namespace: this.ns },
      spec: { commonName: 'localhost', dnsNames: ['localhost'], secretName: name, usages: ['server auth', 'client auth', 'digital signature', 'key encipherment'], privateKey: { algorithm: 'ECDSA', size: 256 }, issuerRef: { name: issuer, kind: 'Issuer', group: 'cert-manager.io' } },
    });
    return name;
  }

  /** A backend serving a `localhost` certificate (the router verifies the Connector's host, and Proton never matches IP SANs); returns its port. */
  async startBackend(name: string, cert: string, key: string, opts: { requestCert?: { ca: string } } = {}): Promise<number> {
    const b = new Backend(name, cert, key, opts);
    this.backends.push(b);
    return b.listen();
  }

  /** A kube-proxy stand-in for Service `host`:`port` (the Listener's), listening now; pass `mapEntry` to --probe-address-map. */
  async serviceProxy(host: string, port = 8443): Promise<ServiceProxy> {
    const p = new ServiceProxy({ kc: testCluster().kc, namespace: this.ns, service: host, port });
    await p.listen();
    this.proxies.push(p);
    return p;
  }

  /** A manual renewal (SPEC §4.1 `manual`): a new value of skupper-cert-rotator.io/renew on Listener or Connector `name`, merged in. */
  async renew(kind: 'Listener' | 'Connector', name: string, value: string): Promise<void> {
    await annotate(kind, this.ns, name, { 'skupper-cert-rotator.io/renew': value });
  }

  get<T>(plural: string, name: string): Promise<T> {
    return testCluster().custom.getNamespacedCustomObject({ group: SKUPPER_GROUP, version: SKUPPER_VERSION, namespace: this.ns, plural, name }) as Promise<T>;
  }

  /** Waits for Skupper's Ready on Listener `name` (Matched: the network status names a Connector for its routing key); returns ms since `created`. */
  async listenerReady(name: string, created: number): Promise<number> {
    await eventually(`Listener ${this.ns}/${name} Ready in Skupper`, async () => conditionTrue(await this.get<WithConditions<Listener>>('listeners', name), 'Ready'),
      { timeoutMs: 60_000, intervalMs: 100 });
    return Date.now() - created;
  }

  /** Listener and Connector `name` on one routing key, annotated for the daemon; returns when the daemon has wired both. */
  async pair(name: string, backendPort: number, opts: PairOptions = {}): Promise<Pair> {
    const created = Date.now();
    const listener: Listener = {
      apiVersion: SKUPPER_API_VERSION, kind: 'Listener',
      metadata: { name, namespace: this.ns, annotations: { 'cert-manager.io/issuer': 'ca', ...opts.listenerAnnotations } },
      spec: { routingKey: name, host: name, port: opts.port ?? 8443 },
    };
    const connector: Connector = {
      apiVersion: SKUPPER_API_VERSION, kind: 'Connector',
      metadata: { name, namespace: this.ns, annotations: { [TRUST]: 'issuer/backend-ca', ...opts.connectorAnnotations } },
      spec: { routingKey: name, host: 'localhost', port: backendPort, ...(opts.useClientCert ? { useClientCert: true } : {}) },
    };
    await apply(connector);
    await apply(listener);
    const secretName = await eventually(`Listener and Connector ${this.ns}/${name} wired by the daemon`, async () => {
      const [l, c] = [await this.get<Listener>('listeners', name), await this.get<Connector>('connectors', name)];
      return l.spec.tlsCredentials && c.spec.tlsCredentials ? l.spec.tlsCredentials : undefined;
    }, { timeoutMs: 120_000, intervalMs: 100 });
    this.timings.push(`${name}: both wired ${((Date.now() - created) / 1000).toFixed(1)} s after they were created`);
    const address = await waitForListenerAddress(testCluster().kc, this.ns, name);
    const listenerSecret = await testCluster().core.readNamespacedSecret({ namespace: this.ns, name: secretName });
    return { address, listenerSecret, created };
  }
}
