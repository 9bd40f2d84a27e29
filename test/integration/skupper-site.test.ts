// Issue 14, "Prove": hop-by-hop TLS through a real Skupper site. The Skupper
// 2.2.1 controller, skupper-router 3.5.1 and the kube-adaptor run as local
// processes (cluster/skupper/launch.ts) on the shared test cluster, in a
// namespace of their own; the daemon (as the manifests' ServiceAccount) issues
// the Listener's certificate with cert-manager and builds the Connector's CA
// bundle from the trust annotation. A client that verifies the Listener host's
// certificate talks to the router, which opens its own TLS connection to the
// backend and verifies it with that bundle: two real handshakes, one on each hop.
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type Server, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import type * as k8s from '@kubernetes/client-node';
import { makeCA, makeLeaf } from '../../cluster/certgen.js';
import { LocalSkupperSite } from '../../cluster/skupper/launch.js';
import { waitForListenerAddress, type ListenerAddress } from '../../cluster/skupper/listener-port.js';
import { ensureSkupperSite } from '../../cluster/skupper/site.js';
import { CERT_MANAGER_API_VERSION, isReady, type Certificate } from '../../src/model/certmanager.js';
import { SKUPPER_API_VERSION, SKUPPER_GROUP, SKUPPER_VERSION, type Connector, type Listener } from '../../src/model/skupper.js';
import { testCluster } from '../support/cluster.js';
import { startSyncedDaemon, stopAndReport, type DaemonProcess } from '../support/daemon.js';
import { caIssuer } from '../support/issuers.js';
import { apply, createNamespace, decode, getCertificate } from '../support/k8s.js';
import { daemonKubeconfig } from '../support/serviceaccount.js';
import { eventually } from '../support/wait.js';
import { requireBuilt } from '../support/third-party.js';

const TRUST = 'skupper-cert-rotator.io/trust';

/** A TLS backend on 127.0.0.1 that answers every connection with one line, and remembers what each handshake was. */
class Backend {
  readonly handshakes: { servername: string | false | null; protocol: string | null }[] = [];
  readonly clientErrors: string[] = [];
  private readonly server: Server;

  constructor(readonly name: string, cert: string, key: string) {
    this.server = createServer({ cert, key }, (socket: TLSSocket) => {
      this.handshakes.push({ servername: socket.servername, protocol: socket.getProtocol() });
      socket.end(`hello from ${name}\n`);
    });
    this.server.on('tlsClientError', (err: Error) => { this.clientErrors.push(err.message); });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => { resolve(); }));
  }
}

interface Through {
  /** The client's handshake with the router completed and verified the Listener's certificate. */
  secure: boolean;
  /** SHA-256 fingerprint of the certificate the router served. */
  served?: string;
  protocol?: string | null;
  /** Everything the backend sent, through the router. */
  data: string;
  error?: string;
}

/** One connection to the router's port for the Listener, verifying `ca` for `servername`; reads until the far end closes. */
function throughRouter(port: number, ca: string, servername: string): Promise<Through> {
  return new Promise((resolve) => {
    const r: Through = { secure: false, data: '' };
    const socket = connect({ host: '127.0.0.1', port, ca, servername, rejectUnauthorized: true, timeout: 10_000 });
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

function conditionTrue(obj: { status?: { conditions?: { type: string; status: string }[] } }, type: string): boolean {
  return (obj.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

describe('A real Skupper site: hop-by-hop TLS through skupper-router', function () {
  this.timeout(300_000);
  let site: LocalSkupperSite | undefined;
  let daemon: DaemonProcess | undefined;
  let dir: string | undefined;
  let ns: string;
  const backends: Backend[] = [];
  const timings: string[] = [];

  before(async function () {
    // npm run cluster:build builds the binaries first (.ci/run); a cold machine with the archives builds them here.
    this.timeout(60 * 60 * 1000);
    const binaries = requireBuilt(await ensureSkupperSite((l) => { console.error(`    [skupper] ${l}`); }));
    ns = await createNamespace('skupper-site');
    dir = mkdtempSync(join(tmpdir(), 'scr-skupper-site-'));
    site = new LocalSkupperSite({ kubeconfig: testCluster().kubeconfig, namespace: ns, dir, binaries, log: (l) => { console.error(`    [site] ${l}`); } });
    await site.start();
    timings.push(`site ready after ${(site.info().readyMs / 1000).toFixed(1)} s`);
    daemon = await startSyncedDaemon(await daemonKubeconfig(), [ns], ['--resync-period=10s']);
    // The Listener's CA (Issuer `ca`) and the backend's (Issuer `backend-ca`): two cert-manager CAs.
    await caIssuer(ns, 'listener CA');
    await backendCa();
    // Both CAs issued before the clock of any Listener starts.
    await issued('ca');
    await issued('backend-ca');
  });

  after(async function () {
    this.timeout(120_000);
    for (const b of backends) await b.close();
    const problems = daemon ? await stopAndReport(daemon) : [];
    await site?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    if (timings.length > 0) console.error(`    timings: ${timings.join('; ')}`);
    expect(problems, 'the daemon ran cleanly').to.deep.equal([]);
  });

  async function backendCa(): Promise<void> {
    await apply({
      apiVersion: CERT_MANAGER_API_VERSION, kind: 'Certificate', metadata: { name: 'backend-ca', namespace: ns },
      spec: { isCA: true, commonName: 'backend CA', secretName: 'backend-ca', privateKey: { algorithm: 'ECDSA', size: 256 }, issuerRef: { name: 'selfsigned', kind: 'Issuer', group: 'cert-manager.io' } },
    });
    await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'Issuer', metadata: { name: 'backend-ca', namespace: ns }, spec: { ca: { secretName: 'backend-ca' } } });
  }

  /** The Secret of cert-manager Certificate `name`, once Ready. */
  async function issued(name: string): Promise<k8s.V1Secret> {
    return eventually(`Certificate ${ns}/${name} Ready`, async () => {
      const c: Certificate | undefined = await getCertificate(ns, name);
      if (!c || !isReady(c)) return undefined;
      return testCluster().core.readNamespacedSecret({ namespace: ns, name: c.spec.secretName });
    }, { timeoutMs: 60_000 });
  }

  /** A backend serving a `localhost` certificate (the router verifies the Connector's host, and Proton never matches IP SANs). */
  async function startBackend(name: string, cert: string, key: string): Promise<number> {
    const b = new Backend(name, cert, key);
    backends.push(b);
    return b.listen();
  }

  interface Pair {
    address: ListenerAddress;
    listenerSecret: k8s.V1Secret;
    /** When the Listener and Connector were applied. */
    created: number;
  }

  const get = async <T>(plural: string, name: string): Promise<T> => testCluster().custom.getNamespacedCustomObject({ group: SKUPPER_GROUP, version: SKUPPER_VERSION, namespace: ns, plural, name }) as Promise<T>;

  /** Waits for Skupper's Ready on Listener `name` (Matched: the network status names a Connector for its routing key); returns ms since `created`. */
  async function listenerReady(name: string, created: number): Promise<number> {
    await eventually(`Listener ${ns}/${name} Ready in Skupper`, async () => conditionTrue(await get<Listener & { status?: { conditions?: { type: string; status: string }[] } }>('listeners', name), 'Ready'),
      { timeoutMs: 60_000, intervalMs: 100 });
    return Date.now() - created;
  }

  /** Listener and Connector `name` on one routing key, annotated for the daemon; returns when the daemon has wired both. */
  async function pair(name: string, backendPort: number): Promise<Pair> {
    const created = Date.now();
    const listener: Listener = {
      apiVersion: SKUPPER_API_VERSION, kind: 'Listener',
      metadata: { name, namespace: ns, annotations: { 'cert-manager.io/issuer': 'ca' } },
      spec: { routingKey: name, host: name, port: 8443 },
    };
    const connector: Connector = {
      apiVersion: SKUPPER_API_VERSION, kind: 'Connector',
      metadata: { name, namespace: ns, annotations: { [TRUST]: 'issuer/backend-ca' } },
      spec: { routingKey: name, host: 'localhost', port: backendPort },
    };
    await apply(connector);
    await apply(listener);
    const secretName = await eventually(`Listener and Connector ${ns}/${name} wired by the daemon`, async () => {
      const [l, c] = [await get<Listener>('listeners', name), await get<Connector>('connectors', name)];
      return l.spec.tlsCredentials && c.spec.tlsCredentials ? l.spec.tlsCredentials : undefined;
    }, { timeoutMs: 120_000, intervalMs: 100 });
    timings.push(`${name}: both wired ${((Date.now() - created) / 1000).toFixed(1)} s after they were created`);
    const address = await waitForListenerAddress(testCluster().kc, ns, name);
    const listenerSecret = await testCluster().core.readNamespacedSecret({ namespace: ns, name: secretName });
    return { address, listenerSecret, created };
  }

  it('a client verifying the Listener host\'s certificate reaches, through the router, a backend whose certificate comes from the CA the Connector trusts: TLS on both hops', async function () {
    const backendSecret = await issued(await serverCertificate('echo-backend', 'backend-ca'));
    const port = await startBackend('echo', decode(backendSecret, 'tls.crt'), decode(backendSecret, 'tls.key'));
    const { address, listenerSecret, created } = await pair('echo', port);
    const ca = decode(listenerSecret, 'ca.crt');
    expect(ca, 'the Listener Secret has the issuing CA').to.contain('BEGIN CERTIFICATE');
    expect(address.host).to.equal('echo');
    // A router port from the site's own block (SKUPPER_LISTENER_PORT_RANGE), not upstream's 1024 that another site on this host may hold.
    const block = site!.info().listenerPorts;
    expect(address.port, 'the router port of the first Listener').to.equal(block.first);

    // The router serves the new profile a moment after the Listener is wired: poll until the reply comes, and see when Skupper says Ready.
    const [r, readyMs] = await Promise.all([
      eventually('a verified connection through the router to get the backend\'s reply', async () => {
        const t = await throughRouter(address.port, ca, address.host);
        return t.data !== '' ? t : undefined;
      }, { timeoutMs: 30_000, intervalMs: 100 }).then((t) => {
        timings.push(`echo: first reply through the router ${((Date.now() - created) / 1000).toFixed(1)} s after creation`);
        return t;
      }),
      listenerReady('echo', created),
    ]);
    timings.push(`echo: Listener Ready in Skupper ${(readyMs / 1000).toFixed(1)} s after creation`);
    // Hop 1: the client verified the certificate cert-manager issued for the Listener, and that is what the router served.
    expect(r.secure).to.equal(true);
    expect(r.served).to.equal(new X509Certificate(decode(listenerSecret, 'tls.crt')).fingerprint256);
    expect(r.protocol).to.equal('TLSv1.3');
    expect(r.data).to.equal('hello from echo\n');
    // Hop 2: the backend accepts only TLS; the router opened its own handshake, naming the Connector's host.
    const echo = backends[0]!;
    expect(echo.handshakes.length, 'handshakes the backend completed').to.be.at.least(1);
    expect(echo.handshakes.at(-1)).to.deep.equal({ servername: 'localhost', protocol: 'TLSv1.3' });
  });

  it('with a backend certificate from another CA the router refuses the backend: the client\'s verified connection closes without data', async function () {
    const other = makeCA({ cn: 'another CA' });
    const rogueCert = makeLeaf(other, { cn: 'localhost', dns: ['localhost'] });
    const port = await startBackend('rogue', rogueCert.certPem, rogueCert.keyPem);
    const rogue = backends.at(-1)!;
    const { address, listenerSecret, created } = await pair('rogue', port);
    timings.push(`rogue: Listener Ready in Skupper ${((await listenerReady('rogue', created)) / 1000).toFixed(1)} s after creation`);
    const ca = decode(listenerSecret, 'ca.crt');
    // Wait for the router to serve the Listener's certificate (hop 1 works), then look at what comes back.
    const r = await eventually('the router to serve the rogue Listener\'s certificate', async () => {
      const t = await throughRouter(address.port, ca, address.host);
      return t.secure && t.served === new X509Certificate(decode(listenerSecret, 'tls.crt')).fingerprint256 ? t : undefined;
    }, { timeoutMs: 30_000, intervalMs: 200 });
    expect(r.data, 'nothing from the backend reaches the client').to.equal('');
    // The router tried: its handshake with the backend was refused by the router itself (bad certificate), and the backend completed none.
    await eventually('the backend to see the router abort its handshake', () => Promise.resolve(rogue.clientErrors.length > 0 ? true : undefined), { timeoutMs: 10_000 });
    // The router's alert says why: it does not know the CA of the backend's certificate.
    expect(rogue.clientErrors.every((e) => /alert unknown ca/.test(e)), rogue.clientErrors.join('\n')).to.equal(true);
    expect(rogue.handshakes, 'handshakes the rogue backend completed').to.deep.equal([]);
    const routerLog = readFileSync(join(dir!, 'skrouterd.log'), 'utf8');
    expect(routerLog).to.match(/certificate verify failed/);
    // Several tries give the same answer: it is a refusal, not a race.
    for (let i = 0; i < 3; i++) {
      const again = await throughRouter(address.port, ca, address.host);
      expect(again.data).to.equal('');
    }
    console.error(`    rogue backend: ${rogue.clientErrors.length} aborted handshake(s), e.g. "${rogue.clientErrors[0] ?? ''}"; client: secure=${r.secure}, data=${JSON.stringify(r.data)}, ${r.error ?? 'closed by the router'}`);
  });

  /** A cert-manager server Certificate for `localhost` from Issuer `issuer`; returns its name. */
  async function serverCertificate(name: string, issuer: string): Promise<string> {
    await apply({
      apiVersion: CERT_MANAGER_API_VERSION, kind: 'Certificate', metadata: { name, namespace: ns },
      spec: { commonName: 'localhost', dnsNames: ['localhost'], secretName: name, usages: ['server auth', 'digital signature', 'key encipherment'], privateKey: { algorithm: 'ECDSA', size: 256 }, issuerRef: { name: issuer, kind: 'Issuer', group: 'cert-manager.io' } },
    });
    return name;
  }
});
