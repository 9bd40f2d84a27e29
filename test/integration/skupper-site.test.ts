// Issue 14, "Prove": hop-by-hop TLS through a real Skupper site. The Skupper
// 2.2.1 controller, skupper-router 3.5.1 and the kube-adaptor run as local
// processes (test/support/skupper-site.ts) on the shared test cluster, in a
// namespace of their own; the daemon (as the manifests' ServiceAccount) issues
// the Listener's certificate with cert-manager and builds the Connector's CA
// bundle from the trust annotation. A client that verifies the Listener host's
// certificate talks to the router, which opens its own TLS connection to the
// backend and verifies it with that bundle: two real handshakes, one on each hop.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { makeCA, makeLeaf } from '../../cluster/certgen.js';
import { decode } from '../support/k8s.js';
import { eventually } from '../support/wait.js';
import { SkupperSiteFixture, throughRouter } from '../support/skupper-site.js';

describe('A real Skupper site: hop-by-hop TLS through skupper-router', function () {
  this.timeout(300_000);
  const f = new SkupperSiteFixture();

  before(async function () {
    this.timeout(60 * 60 * 1000);
    await f.start('skupper-site');
    await f.startDaemon();
  });

  after(async function () {
    this.timeout(120_000);
    expect(await f.stop(), 'the daemon ran cleanly').to.deep.equal([]);
  });

  it('a client verifying the Listener host\'s certificate reaches, through the router, a backend whose certificate comes from the CA the Connector trusts: TLS on both hops', async function () {
    const backendSecret = await f.issued(await f.localhostCertificate('echo-backend', 'backend-ca'));
    const port = await f.startBackend('echo', decode(backendSecret, 'tls.crt'), decode(backendSecret, 'tls.key'));
    const { address, listenerSecret, created } = await f.pair('echo', port);
    const ca = decode(listenerSecret, 'ca.crt');
    expect(ca, 'the Listener Secret has the issuing CA').to.contain('BEGIN CERTIFICATE');
    expect(address.host).to.equal('echo');
    // A router port from the site's own block (SKUPPER_LISTENER_PORT_RANGE), not upstream's 1024 that another site on this host may hold.
    const block = f.site!.info().listenerPorts;
    expect(address.port, 'the router port of the first Listener').to.equal(block.first);

    // The router serves the new profile a moment after the Listener is wired: poll until the reply comes, and see when Skupper says Ready.
    const [r, readyMs] = await Promise.all([
      eventually('a verified connection through the router to get the backend\'s reply', async () => {
        const t = await throughRouter(address.port, ca, address.host);
        return t.data !== '' ? t : undefined;
      }, { timeoutMs: 30_000, intervalMs: 100 }).then((t) => {
        f.timings.push(`echo: first reply through the router ${((Date.now() - created) / 1000).toFixed(1)} s after creation`);
        return t;
      }),
      f.listenerReady('echo', created),
    ]);
    f.timings.push(`echo: Listener Ready in Skupper ${(readyMs / 1000).toFixed(1)} s after creation`);
    // Hop 1: the client verified the certificate cert-manager issued for the Listener, and that is what the router served.
    expect(r.secure).to.equal(true);
    expect(r.served).to.equal(new X509Certificate(decode(listenerSecret, 'tls.crt')).fingerprint256);
    expect(r.protocol).to.equal('TLSv1.3');
    expect(r.data).to.equal('hello from echo\n');
    // Hop 2: the backend accepts only TLS; the router opened its own handshake, naming the Connector's host.
    const echo = f.backends[0]!;
    expect(echo.handshakes.length, 'handshakes the backend completed').to.be.at.least(1);
    expect(echo.handshakes.at(-1)).to.deep.equal({ servername: 'localhost', protocol: 'TLSv1.3' });
  });

  it('with a backend certificate from another CA the router refuses the backend: the client\'s verified connection closes without data', async function () {
    const other = makeCA({ cn: 'another CA' });
    const rogueCert = makeLeaf(other, { cn: 'localhost', dns: ['localhost'] });
    const port = await f.startBackend('rogue', rogueCert.certPem, rogueCert.keyPem);
    const rogue = f.backends.at(-1)!;
    const { address, listenerSecret, created } = await f.pair('rogue', port);
    f.timings.push(`rogue: Listener Ready in Skupper ${((await f.listenerReady('rogue', created)) / 1000).toFixed(1)} s after creation`);
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
    const routerLog = readFileSync(join(f.site!.info().dir, 'skrouterd.log'), 'utf8');
    expect(routerLog).to.match(/certificate verify failed/);
    // Several tries give the same answer: it is a refusal, not a race.
    for (let i = 0; i < 3; i++) {
      const again = await throughRouter(address.port, ca, address.host);
      expect(again.data).to.equal('');
    }
    console.error(`    rogue backend: ${rogue.clientErrors.length} aborted handshake(s), e.g. "${rogue.clientErrors[0] ?? ''}"; client: secure=${r.secure}, data=${JSON.stringify(r.data)}, ${r.error ?? 'closed by the router'}`);
  });
});
