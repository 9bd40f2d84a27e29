// One TLS probe: connect, finish the handshake, report what was served.
// Never throws; every outcome is a result, with a timeout on everything.
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { hostText } from '../../host/normalize.js';
import { checkServerIdentity, connect, type ConnectionOptions, type PeerCertificate, type TLSSocket } from 'node:tls';

export interface ProbeTarget {
  host: string;
  port: number;
  /** SNI and, when verifying, the name the certificate must cover. */
  servername: string;
}

export interface ProbeResult {
  connected: boolean;
  /** SHA-256 (hex, lower case, no colons) of the served leaf. */
  leafFingerprint?: string;
  /** With `ca`: whether the served chain verified against it (and the name, unless disabled). */
  authorized?: boolean;
  error?: string;
  ms: number;
}

export function probeTls(target: ProbeTarget, opts: { ca?: string; verifyHostname?: boolean; timeoutMs: number }): Promise<ProbeResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    let done = false;
    // SNI carries names only (RFC 6066); an IP is still checked against the certificate's IP SANs.
    const ipName = isIP(target.servername) !== 0;
    const options: ConnectionOptions = {
      host: target.host,
      port: target.port,
      ...(ipName ? {} : { servername: target.servername }),
      // We judge the result ourselves: a failed verification is a finding, not a dropped connection.
      rejectUnauthorized: false,
      ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
      checkServerIdentity: opts.verifyHostname === false ? () => undefined : (_host, cert) => checkServerIdentity(target.servername, cert),
    };
    let socket: TLSSocket | undefined;
    const finish = (r: Omit<ProbeResult, 'ms'>): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (r.connected && socket) hangUp(socket);
      else socket?.destroy();
      resolve({ ...r, ms: Math.round(performance.now() - started) });
    };
    const timer = setTimeout(() => { finish({ connected: false, error: `timed out after ${opts.timeoutMs} ms` }); }, opts.timeoutMs);
    try {
      socket = connect(options);
    } catch (err) {
      // A bad port or address throws synchronously.
      finish({ connected: false, error: err instanceof Error ? err.message : String(err) });
      return;
    }
    socket.once('secureConnect', () => {
      const peer: PeerCertificate | undefined = socket.getPeerCertificate();
      const raw = peer.raw as Buffer | undefined;
      finish({
        connected: true,
        ...(raw ? { leafFingerprint: createHash('sha256').update(raw).digest('hex') } : {}),
        ...(opts.ca !== undefined ? { authorized: socket.authorized } : {}),
        ...(opts.ca !== undefined && !socket.authorized ? { error: String(socket.authorizationError) } : {}),
      });
    });
    socket.once('error', (err: Error) => { finish({ connected: false, error: err.message }); });
  });
}

/** How long a finished probe's socket may take to close politely before it is dropped. */
const HANG_UP_MS = 1_000;

/**
 * Closes a connection whose handshake is done. With TLS 1.3 the client's side
 * completes before its Finished message is on the wire: destroy() would drop
 * it, and every probed server (a user's backend, the router) would log a
 * failed handshake per probe. end() sends it, then a close_notify and FIN.
 */
function hangUp(socket: TLSSocket): void {
  socket.end();
  const drop = setTimeout(() => { socket.destroy(); }, HANG_UP_MS);
  drop.unref();
  socket.once('close', () => { clearTimeout(drop); });
}

const HOST_PORT = /^\[?([^\]=]+?)\]?:(\d{1,5})$/;

/** The map key of an address: the host in its one spelling (src/host/normalize.ts), so Web.East.svc or ::ffff:10.0.0.1 find their entry. */
export function addressKey(host: string, port: number): string {
  return `${hostText(host)}:${port}`;
}

/** "from=to,…" with HOST:PORT on both sides ([v6]:port allowed); malformed items are ignored. */
export function parseAddressMap(text: string): Map<string, { host: string; port: number }> {
  const map = new Map<string, { host: string; port: number }>();
  for (const item of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const parts = item.split('=');
    if (parts.length !== 2) continue;
    const [from = '', to = ''] = parts;
    const m = HOST_PORT.exec(to);
    const port = Number(m?.[2]);
    const f = HOST_PORT.exec(from);
    if (!f?.[1] || !m?.[1] || !(port > 0 && port < 65536)) continue;
    map.set(addressKey(f[1], Number(f[2])), { host: m[1], port });
  }
  return map;
}
