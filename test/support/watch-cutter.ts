// A TLS-terminating proxy in front of the API server that cuts watches: every
// watch it forwards is cut (the connection destroyed, as a load balancer's idle
// timeout or a dying proxy does) a random while after the API server answered,
// until it has cut `budget` of them. Everything else passes through untouched,
// so the daemon's reads and writes keep working while its watches churn.
import { Agent, createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { makeCA, makeLeaf } from '../../cluster/certgen.js';
import { seededRandom } from './faults-seed.js';

export interface WatchCutterOptions {
  /** The API server's URL and CA (PEM). */
  upstream: string;
  upstreamCaPem: string;
  /** A watch is cut between these many milliseconds after its response began. */
  cutAfterMs: [number, number];
  /** Stop cutting after this many cuts. */
  budget: number;
  seed: number;
}

function isWatch(url: string | undefined): boolean {
  const w = new URL(url ?? '/', 'https://x').searchParams.get('watch');
  return w === '1' || w === 'true';
}

/** "secrets in ns-a", from a request path, for the per-resource tally. */
function resourceOf(url: string | undefined): string {
  const path = new URL(url ?? '/', 'https://x').pathname.split('/').filter(Boolean);
  const ns = path.indexOf('namespaces');
  const plural = path[path.length - 1] ?? '?';
  return ns >= 0 && path[ns + 2] ? `${plural} in ${path[ns + 1]}` : plural;
}

export class WatchCutter {
  cuts = 0;
  /** Watches forwarded (opened through the proxy). */
  watches = 0;
  readonly cutsByResource = new Map<string, number>();
  readonly caPem: string;
  private cutting = false;
  private readonly server: Server;
  private readonly random: () => number;
  private readonly agent: Agent;

  constructor(private readonly o: WatchCutterOptions) {
    const ca = makeCA({ cn: 'watch-cutter test CA' });
    const leaf = makeLeaf(ca, { cn: 'watch-cutter', ips: ['127.0.0.1'], dns: ['localhost'] });
    this.caPem = ca.certPem;
    this.random = seededRandom(o.seed);
    this.agent = new Agent({ keepAlive: true, ca: o.upstreamCaPem });
    this.server = createServer({ key: leaf.keyPem, cert: leaf.certPem }, (req, res) => {
      const up = new URL(o.upstream);
      const headers = { ...req.headers, host: up.host };
      const out = request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers, agent: this.agent }, (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        // Node holds headers back until the first body byte; a quiet watch would then look unanswered to the client.
        res.flushHeaders();
        upRes.pipe(res);
        if (!isWatch(req.url) || (upRes.statusCode ?? 0) !== 200) return;
        this.watches++;
        const [lo, hi] = o.cutAfterMs;
        let timer: NodeJS.Timeout | undefined;
        // While held, a watch's turn comes round again: watches opened before cutting starts are cut too.
        const arm = (): void => {
          timer = setTimeout(() => {
            if (this.cuts >= o.budget) return;
            if (!this.cutting) {
              arm();
              return;
            }
            this.cuts++;
            const r = resourceOf(req.url);
            this.cutsByResource.set(r, (this.cutsByResource.get(r) ?? 0) + 1);
            res.destroy();
            upRes.destroy();
            out.destroy();
          }, lo + this.random() * (hi - lo));
        };
        arm();
        res.on('close', () => { clearTimeout(timer); upRes.destroy(); });
      });
      out.on('error', () => {
        if (!res.headersSent) res.writeHead(502).end();
        else res.destroy();
      });
      req.pipe(out);
    });
  }

  /** Listens on 127.0.0.1 and returns the URL to point a kubeconfig at. */
  async start(): Promise<string> {
    // Node's default closes an idle keep-alive connection after 5 s, just when
    // a client may reuse it ("socket hang up"): a fault of this proxy, not the
    // one under test. API servers and load balancers keep idle connections
    // for a minute or more.
    this.server.keepAliveTimeout = 120_000;
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Cutting starts (or resumes); watches opened before are cut too. */
  cut(): void {
    this.cutting = true;
  }

  hold(): void {
    this.cutting = false;
  }

  async close(): Promise<void> {
    this.cutting = false;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => { this.server.close(() => { resolve(); }); });
    this.agent.destroy();
  }
}

interface KubeconfigFile {
  clusters: { name: string; cluster: Record<string, string> }[];
}

/** A copy of `kubeconfig` whose cluster is reached through `server`, trusting `caPem`. */
export function kubeconfigVia(kubeconfig: string, server: string, caPem: string): string {
  const kc = parse(readFileSync(kubeconfig, 'utf8')) as KubeconfigFile;
  for (const c of kc.clusters) {
    c.cluster = { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') };
  }
  const file = join(mkdtempSync(join(tmpdir(), 'scr-via-')), 'kubeconfig');
  writeFileSync(file, stringify(kc), { mode: 0o600 });
  return file;
}
