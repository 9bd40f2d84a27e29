// The drill's backend: a TLS echo server on 127.0.0.1 behind the Connector. It
// serves a `localhost` certificate (the router verifies the Connector's host
// by DNS name) and sends back every byte it gets, so a client through the
// router can check both hops with its own data. A CA rotation reissues its
// certificate from the new CA: reload() swaps the served certificate for new
// handshakes (tls.Server.setSecureContext) and leaves open connections alone.
import { X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { fingerprint } from './fingerprint.js';

export class EchoBackend {
  /** Handshakes completed with the router, per served leaf (SHA-256 fingerprint). */
  readonly handshakes = new Map<string, number>();
  /** Handshakes aborted or failed here (e.g. "alert unknown ca"), with when (ms epoch). */
  readonly tlsErrors: { at: number; message: string }[] = [];
  private leaf: string;
  private readonly server: Server;
  private readonly sockets = new Set<TLSSocket>();

  constructor(cert: string, key: string) {
    this.leaf = fingerprint(new X509Certificate(cert));
    this.server = createServer({ cert, key }, (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      this.handshakes.set(this.leaf, (this.handshakes.get(this.leaf) ?? 0) + 1);
      socket.on('error', () => undefined);
      socket.on('data', (d: Buffer) => { socket.write(d); });
      socket.on('end', () => { socket.end(); });
    });
    this.server.on('tlsClientError', (err: Error) => { this.tlsErrors.push({ at: Date.now(), message: err.message }); });
  }

  /** The fingerprint of the certificate new handshakes get. */
  get served(): string {
    return this.leaf;
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  reload(cert: string, key: string): void {
    this.server.setSecureContext({ cert, key });
    this.leaf = fingerprint(new X509Certificate(cert));
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => { resolve(); }));
  }
}
