// One HTTPS request through the router's port for a Listener, as a client in
// the cluster would make it to the Listener's Service: TLS to the router,
// verifying the certificate it serves for the Listener's host against a CA, then
// whatever the backend answers through the router's second TLS hop.
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';

export interface RouterReply {
  /** The certificate the router served for the Listener (verified). */
  served: { fingerprint: string; serial: string; notAfter: string; subject: string };
  protocol: string | null;
  /** The backend's HTTP response, status line first. */
  response: string;
}

/** GET / through 127.0.0.1:`port` with server name `host`, verified against `ca`; rejects on any TLS or connection error, or a reply without an HTTP status line. */
export function requestThroughRouter(port: number, host: string, ca: string, timeoutMs = 5_000): Promise<RouterReply> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: host, ca, rejectUnauthorized: true, timeout: timeoutMs });
    let response = '';
    let served: RouterReply['served'] | undefined;
    let protocol: string | null = null;
    const fail = (err: Error): void => {
      socket.destroy();
      reject(err);
    };
    socket.once('secureConnect', () => {
      const c = socket.getPeerX509Certificate() ?? new X509Certificate(socket.getPeerCertificate().raw);
      served = { fingerprint: c.fingerprint256, serial: c.serialNumber.toLowerCase(), notAfter: new Date(c.validTo).toISOString(), subject: c.subject.replace(/\n/g, ', ') };
      protocol = socket.getProtocol();
      socket.write(`GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    });
    socket.setEncoding('utf8').on('data', (c: string) => { response += c; });
    socket.once('timeout', () => { fail(new Error(`no answer through the router in ${timeoutMs} ms`)); });
    socket.once('error', fail);
    socket.once('end', () => {
      socket.destroy();
      if (!served) reject(new Error('the router closed the connection before the TLS handshake completed'));
      else if (!/^HTTP\/1\.[01] \d{3}/.test(response)) reject(new Error(response === '' ? 'the router closed the connection without an answer from the backend' : `not an HTTP answer: ${response.slice(0, 80)}`));
      else resolve({ served, protocol, response });
    });
  });
}
