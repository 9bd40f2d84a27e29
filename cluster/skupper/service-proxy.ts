// A stand-in for kube-proxy, for one Service port of a site run as local
// processes. In a cluster a client (and the daemon's --probe) dials the
// Listener's Service, `host.namespace.svc:port`, and kube-proxy forwards to the
// router's current port (the Service's targetPort). The Skupper controller
// moves those router ports when it restarts, so a fixed --probe-address-map to
// a router port would go stale where kube-proxy follows: this proxy listens on
// one fixed local port and forwards each new connection to the targetPort the
// Service names at that moment (looked up at most every `refreshMs`, and again
// when the cached port refuses). Bytes are piped untouched: TLS is end to end
// between the client and the router.
import { createServer, connect, type Server, type Socket, type AddressInfo } from 'node:net';
import * as k8s from '@kubernetes/client-node';

export interface ServiceProxyOptions {
  kc: k8s.KubeConfig;
  namespace: string;
  /** The Service's name (a Listener's `spec.host`). */
  service: string;
  /** The Service port (a Listener's `spec.port`). */
  port: number;
  /** How stale a looked-up targetPort may be; kube-proxy follows a change within about a second. */
  refreshMs?: number;
}

export class ServiceProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private cached: { port: number; at: number } | undefined;
  /** Connections forwarded, and those that found no router port. */
  readonly counts = { forwarded: 0, refused: 0 };

  constructor(private readonly opts: ServiceProxyOptions) {}

  /** The local port clients connect to (on 127.0.0.1). */
  get port(): number {
    const a = this.server?.address() as AddressInfo | null | undefined;
    if (!a) throw new Error('the service proxy is not listening');
    return a.port;
  }

  /** The address to hand to clients and to --probe-address-map. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** `host.namespace.svc:port=127.0.0.1:N`: one entry of the daemon's --probe-address-map. */
  get mapEntry(): string {
    return `${this.opts.service}.${this.opts.namespace}.svc:${this.opts.port}=${this.address}`;
  }

  async listen(port = 0): Promise<void> {
    const server = createServer((client) => { void this.forward(client); });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => { server.off('error', reject); resolve(); });
    });
    this.server = server;
  }

  /** The Service's targetPort for our port, or undefined while there is none. */
  private async targetPort(fresh: boolean): Promise<number | undefined> {
    const refreshMs = this.opts.refreshMs ?? 1_000;
    if (!fresh && this.cached && Date.now() - this.cached.at < refreshMs) return this.cached.port;
    try {
      const svc = await this.opts.kc.makeApiClient(k8s.CoreV1Api).readNamespacedService({ namespace: this.opts.namespace, name: this.opts.service });
      const target = svc.spec?.ports?.find((p) => p.port === this.opts.port)?.targetPort;
      if (typeof target !== 'number' || target === 0) return undefined;
      this.cached = { port: target, at: Date.now() };
      return target;
    } catch {
      // No Service yet (or the API is away): like kube-proxy without endpoints, the connection is refused.
      return undefined;
    }
  }

  private async forward(client: Socket): Promise<void> {
    this.track(client);
    client.on('error', () => undefined);
    // The client's first bytes wait in its socket's buffer while we look up where to send them.
    client.pause();
    for (const fresh of [false, true]) {
      const port = await this.targetPort(fresh);
      if (port === undefined) break;
      const upstream = await dial(port);
      if (upstream === undefined) continue;
      this.track(upstream);
      this.counts.forwarded++;
      upstream.on('error', () => { client.destroy(); });
      client.on('error', () => { upstream.destroy(); });
      // Half-closes pass through, so a client's end reaches the router and the backend's answer still comes back.
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
      return;
    }
    this.counts.refused++;
    client.destroy();
  }

  private track(s: Socket): void {
    this.sockets.add(s);
    s.once('close', () => this.sockets.delete(s));
  }

  /** Stops listening and drops every forwarded connection. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => { resolve(); }));
  }
}

function dial(port: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.removeAllListeners('error'); resolve(s); });
    s.once('error', () => { s.destroy(); resolve(undefined); });
  });
}
