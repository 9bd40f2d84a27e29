// The backend behind the sample Connector in `npm run local`: a small HTTPS
// server on 127.0.0.1 that answers every request with a few lines saying where
// the request came from. It serves a certificate for `localhost`, the
// Connector's host: the router sends that name and verifies it (Proton matches
// DNS names only, never IP SANs), with the CA bundle the daemon built for the
// Connector.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';

export interface TlsBackend {
  port: number;
  /** Requests answered so far. */
  requests: () => number;
  close: () => Promise<void>;
}

/** Starts the backend on 127.0.0.1:`port` (0: any free port) with a PEM certificate chain and key. */
export async function startTlsBackend(opts: { cert: string; key: string; port?: number; name: string }): Promise<TlsBackend> {
  let requests = 0;
  const server: Server = createServer({ cert: opts.cert, key: opts.key }, (req, res) => {
    requests++;
    const socket = req.socket as TLSSocket;
    const body = [
      `hello from ${opts.name}, the TLS backend behind the Skupper router`,
      `this hop: ${socket.getProtocol() ?? 'TLS'} from the router (it asked for server name "${socket.servername || '(none)'}" and verified this certificate with the Connector's CA bundle)`,
      `request ${requests}: ${req.method ?? ''} ${req.url ?? ''}`,
      '',
    ].join('\n');
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' });
    res.end(body);
  });
  // A client that gives up mid-handshake (the router refusing a certificate, a port scan) is not our error.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  return {
    port: (server.address() as AddressInfo).port,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => { resolve(); });
    }),
  };
}
