// /healthz (liveness) and /readyz (readiness) plus /metrics, each on its own
// listener as SPEC §4.5 asks. Checks are plain functions so the daemon can
// register new ones (cache sync, watch staleness) as it grows.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetricsSource } from '../telemetry/metrics.js';
import { ConfigError, type BindAddress } from '../config/config.js';

export type Check = () => { ok: boolean; detail: string };

export class HealthChecks {
  private readonly live = new Map<string, Check>();
  private readonly ready = new Map<string, Check>();

  addLiveness(name: string, check: Check): void {
    this.live.set(name, check);
  }

  addReadiness(name: string, check: Check): void {
    this.ready.set(name, check);
  }

  evaluate(which: 'live' | 'ready'): { ok: boolean; body: string } {
    const checks = which === 'live' ? this.live : this.ready;
    let ok = true;
    const lines: string[] = [];
    for (const [name, check] of checks) {
      const r = check();
      ok &&= r.ok;
      lines.push(`[${r.ok ? '+' : '-'}]${name} ${r.detail}`);
    }
    return { ok, body: `${lines.join('\n')}\n${ok ? 'ok' : 'failed'}\n` };
  }
}

/** Listens on `addr`; a port in use or a host that is not ours is the flag's fault, said in one line (exit 2). */
async function listen(server: Server, addr: BindAddress, flag: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const where = addr.host.includes(':') ? `[${addr.host}]:${addr.port}` : `${addr.host}:${addr.port}`;
      reject(new ConfigError(flag, `cannot listen on ${where}: ${err.code ?? err.message}${err.code === 'EADDRINUSE' ? ' (the port is in use)' : err.code === 'EADDRNOTAVAIL' ? ' (no interface of this host has that address)' : ''}`));
    });
    if (addr.host === '') server.listen(addr.port, resolve);
    else server.listen(addr.port, addr.host, resolve);
  });
  const a = server.address() as AddressInfo;
  return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

export async function serveHealth(checks: HealthChecks, addr: BindAddress): Promise<{ server: Server; address: string }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const which = path === '/healthz' || path === '/livez' ? 'live' : path === '/readyz' ? 'ready' : undefined;
    if (!which) {
      res.writeHead(404).end('not found\n');
      return;
    }
    const r = checks.evaluate(which);
    res.writeHead(r.ok ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8' }).end(r.body);
  });
  return { server, address: await listen(server, addr, 'health-bind-address') };
}

export async function serveMetrics(source: MetricsSource, addr: BindAddress): Promise<{ server: Server; address: string }> {
  const server = createServer((req, res) => {
    if ((req.url ?? '/').split('?')[0] !== '/metrics') {
      res.writeHead(404).end('not found\n');
      return;
    }
    source.scrape(acceptsGzip(req.headers['accept-encoding'])).then(
      ({ encoding, parts }) => {
        const length = parts.reduce((n, part) => n + part.length, 0);
        res.writeHead(200, { 'content-type': source.contentType, 'content-length': length, vary: 'Accept-Encoding', ...(encoding ? { 'content-encoding': encoding } : {}) });
        for (const part of parts) res.write(part);
        res.end();
      },
      (err: unknown) => res.writeHead(500).end(`${String(err)}\n`),
    );
  });
  return { server, address: await listen(server, addr, 'metrics-bind-address') };
}

/** Whether an Accept-Encoding header takes gzip (RFC 9110: a q of 0 refuses it; `*` stands for any coding not named). */
export function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  let star: boolean | undefined;
  for (const item of header.split(',')) {
    const [coding = '', ...params] = item.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    const accepted = q === undefined || Number(q.slice(2)) > 0;
    if (coding === 'gzip' || coding === 'x-gzip') return accepted;
    if (coding === '*') star = accepted;
  }
  return star ?? false;
}

export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => { resolve(); }));
}
