// The drill's backend: a TLS echo server on 127.0.0.1 behind the Connector. It
// serves a `localhost` certificate (the router verifies the Connector's host
// by DNS name) and sends back every byte it gets, so a client through the
// router can check both hops with its own data. A CA rotation reissues its
// certificate from the new CA: reload() swaps the served certificate for new
// handshakes (tls.Server.setSecureContext) and leaves open connections alone.
// The daemon's backend probe is pointed (--probe-address-map) at a second
// port with the same certificate, so the backend can tell the router's
// handshakes from the probe's (the drill found the probe dropping its socket
// before its TLS 1.3 Finished left: a failed handshake per probe at every
// backend; now it must cause none).
import { X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { fingerprint } from './fingerprint.js';

export type Door = 'router' | 'probe';

export class EchoBackend {
  /** Handshakes completed with the router, per served leaf (SHA-256 fingerprint). */
  readonly handshakes = new Map<string, number>();
  /** Handshakes aborted or failed here (e.g. "alert unknown ca"), with when (ms epoch) and through which port. */
  readonly tlsErrors: { at: number; message: string; door: Door }[] = [];
  private leaf: string;
  private readonly servers: Record<Door, Server>;
  private readonly sockets = new Set<TLSSocket>();

  constructor(cert: string, key: string) {
    this.leaf = fingerprint(new X509Certificate(cert));
    this.servers = { router: this.server('router', cert, key), probe: this.server('probe', cert, key) };
  }

  private server(door: Door, cert: string, key: string): Server {
    const server = createServer({ cert, key }, (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      if (door === 'router') this.handshakes.set(this.leaf, (this.handshakes.get(this.leaf) ?? 0) + 1);
      socket.on('error', () => undefined);
      socket.on('data', (d: Buffer) => { socket.write(d); });
      socket.on('end', () => { socket.end(); });
    });
    server.on('tlsClientError', (err: Error) => { this.tlsErrors.push({ at: Date.now(), message: err.message, door }); });
    return server;
  }

  /** The fingerprint of the certificate new handshakes get. */
  get served(): string {
    return this.leaf;
  }

  /** Listens on both ports; returns them. */
  async listen(): Promise<Record<Door, number>> {
    const port = async (s: Server): Promise<number> => {
      await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
      return (s.address() as AddressInfo).port;
    };
    return { router: await port(this.servers.router), probe: await port(this.servers.probe) };
  }

  reload(cert: string, key: string): void {
    for (const s of Object.values(this.servers)) s.setSecureContext({ cert, key });
    this.leaf = fingerprint(new X509Certificate(cert));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all(Object.values(this.servers).map((s) => new Promise<void>((resolve) => s.close(() => { resolve(); }))));
  }
}
