// Real TLS handshakes with Node's tls module, using PEM material taken from
// the Secrets the system produced.
import { connect, createServer, type Server, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';

export interface ServerMaterial {
  cert: string;
  key: string;
  /** CA that client certificates must chain to; enables mTLS. */
  clientCa?: string;
}

export async function startTlsServer(m: ServerMaterial): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
  const server = createServer(
    { cert: m.cert, key: m.key, ...(m.clientCa ? { ca: m.clientCa, requestCert: true, rejectUnauthorized: true } : {}) },
    (socket) => { socket.end('hello\n'); },
  );
  // Failed handshakes are expected in negative tests; don't let them crash the run.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => { resolve(); })),
  };
}

export interface HandshakeResult {
  ok: boolean;
  error?: string;
  peerSubject?: string;
}

/** Connects to 127.0.0.1:port, verifying the server against `ca` for `servername`. */
export function handshake(port: number, opts: { ca: string; servername: string; cert?: string; key?: string }): Promise<HandshakeResult> {
  return new Promise((resolve) => {
    const socket: TLSSocket = connect({
      host: '127.0.0.1',
      port,
      ca: opts.ca,
      servername: opts.servername,
      cert: opts.cert,
      key: opts.key,
      rejectUnauthorized: true,
      timeout: 5000,
    });
    let done = false;
    const finish = (r: HandshakeResult): void => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve(r);
    };
    socket.once('secureConnect', () => {
      // TLS 1.3 servers report a rejected client certificate after the
      // handshake, so wait for the first application byte before deciding.
      socket.once('data', () => { finish({ ok: true, peerSubject: socket.getPeerX509Certificate()?.subject }); });
    });
    socket.once('error', (err: Error) => { finish({ ok: false, error: err.message }); });
    socket.once('timeout', () => { finish({ ok: false, error: 'timeout' }); });
    socket.once('close', () => { finish({ ok: false, error: 'closed before data' }); });
  });
}
