// Issue 14: the Connector Secrets the daemon writes, as a real Skupper 2.2.1
// site uses them. Without spec.useClientCert the bundle Secret (ca.crt, empty
// tls.crt/tls.key) becomes profile `<secret>-profile` with a CA file only, and
// the router verifies the backend with it. With useClientCert the daemon also
// issues a client certificate (from the Connector's issuer annotation) into the
// same Secret; Skupper makes it profile `<secret>` with all three files, and a
// backend that requires a client certificate sees exactly that one. Everything
// is read from Skupper's side: its router config, the adaptor's files, and the
// backend's own handshakes.
import { X509Certificate } from 'node:crypto';
import { expect } from 'chai';
import type { Connector } from '../../src/model/skupper.js';
import { decode, getCertificate } from '../support/k8s.js';
import { SkupperSiteFixture, throughRouter, type Backend } from '../support/skupper-site.js';
import { ordinalOf, profileFiles, readSecret, routerSslProfiles, secretFiles } from '../support/skupper-contract.js';
import { eventually } from '../support/wait.js';

const KEYS = ['ca.crt', 'tls.crt', 'tls.key'];

describe('The daemon\'s contract with a real Skupper site: Connector bundles with and without useClientCert', function () {
  this.timeout(300_000);
  const f = new SkupperSiteFixture();
  /** The CA of Issuer `ca`, which issues the Listeners' and the client certificates. */
  let listenerCa = '';
  let backendCert = { crt: '', key: '' };

  before(async function () {
    this.timeout(60 * 60 * 1000);
    await f.start('contract-conn');
    await f.startDaemon();
    listenerCa = decode(await f.issued('ca'), 'tls.crt');
    const b = await f.issued(await f.localhostCertificate('conn-backend', 'backend-ca'));
    backendCert = { crt: decode(b, 'tls.crt'), key: decode(b, 'tls.key') };
  });

  after(async function () {
    this.timeout(120_000);
    expect(await f.stop(), 'the daemon ran cleanly').to.deep.equal([]);
  });

  const bundleSecret = async (name: string) => {
    const c = await f.get<Connector>('connectors', name);
    const s = await readSecret(f.ns, c.spec.tlsCredentials ?? '');
    if (!s) throw new Error(`Connector ${name}'s Secret is missing`);
    return s;
  };
  /** A backend requiring a client certificate from Issuer `ca`; returns its port and itself. */
  const strictBackend = async (name: string): Promise<[number, Backend]> => {
    const port = await f.startBackend(name, backendCert.crt, backendCert.key, { requestCert: { ca: listenerCa } });
    return [port, f.backends.at(-1)!];
  };
  /** Waits for the router's configured profiles and the adaptor's files; returns them. */
  const profileOnDisk = (profile: string, files: Record<string, string>) => eventually(`profile ${profile} configured and on disk with the Secret's bytes`, async () => {
    const configured = (await routerSslProfiles(f.ns)).find((p) => p.name === profile);
    return configured && JSON.stringify(profileFiles(f.site!.info().certs, profile)) === JSON.stringify(files) ? configured : undefined;
  }, { timeoutMs: 30_000, intervalMs: 100 });
  const reply = (port: number, host: string) => eventually(`a reply through ${host}`, async () => {
    const t = await throughRouter(port, listenerCa, host);
    return t.data !== '' ? t : undefined;
  }, { timeoutMs: 30_000, intervalMs: 100 });

  it('without useClientCert: profile <secret>-profile holds only the bundle, the router verifies the backend with it, and a backend that requires a client certificate refuses the router', async function () {
    const port = await f.startBackend('plain', backendCert.crt, backendCert.key);
    const { address } = await f.pair('plain', port);
    const s = await bundleSecret('plain');
    const name = s.metadata?.name ?? '';
    expect(secretFiles(s, KEYS)).to.deep.include({ 'tls.crt': '', 'tls.key': '' });
    const p = await profileOnDisk(`${name}-profile`, secretFiles(s, ['ca.crt']));
    expect(p).to.not.have.any.keys('certFile', 'privateKeyFile');
    expect((await routerSslProfiles(f.ns)).map((x) => x.name)).to.not.include(name);
    expect(profileFiles(f.site!.info().certs, name)).to.equal(undefined);
    expect((await reply(address.port, 'plain')).data).to.equal('hello from plain\n');

    // The same kind of backend, now requiring a client certificate: the router has none to give.
    const [strictPort, strict] = await strictBackend('anon');
    const anon = await f.pair('anon', strictPort);
    const anonCert = new X509Certificate(decode(anon.listenerSecret, 'tls.crt')).fingerprint256;
    const t = await eventually('the router to serve anon\'s certificate', async () => {
      const r = await throughRouter(anon.address.port, listenerCa, 'anon');
      return r.secure && r.served === anonCert ? r : undefined;
    }, { timeoutMs: 30_000, intervalMs: 100 });
    await eventually('the strict backend to refuse the router', () => Promise.resolve(strict.clientErrors.length > 0 ? true : undefined), { timeoutMs: 30_000, intervalMs: 100 });
    expect(t.data, 'nothing from the strict backend reaches the client').to.equal('');
    expect(strict.handshakes, 'handshakes the strict backend completed').to.deep.equal([]);
    console.error(`    anon: the strict backend says "${(strict.clientErrors[0] ?? '').split('\n')[0]}"`);
  });

  it('with useClientCert: the daemon\'s client certificate lands in the Connector Secret, Skupper makes it profile <secret> with all three files, and the router presents exactly it to a backend that requires one', async function () {
    const [port, strict] = await strictBackend('mtls');
    const { address } = await f.pair('mtls', port, { useClientCert: true, connectorAnnotations: { 'cert-manager.io/issuer': 'ca' } });
    const client = await getCertificate(f.ns, 'mtls-connector-client');
    expect(client?.spec.issuerRef.name, 'the client Certificate\'s issuer').to.equal('ca');
    const s = await bundleSecret('mtls');
    const name = s.metadata?.name ?? '';
    const [crt, key, bundle] = [decode(s, 'tls.crt'), decode(s, 'tls.key'), decode(s, 'ca.crt')];
    expect(bundle).to.contain('BEGIN CERTIFICATE');
    expect(key).to.contain('PRIVATE KEY');
    const leaf = new X509Certificate(crt);
    expect(leaf.verify(new X509Certificate(listenerCa).publicKey), 'the client certificate is from Issuer ca').to.equal(true);

    const p = await profileOnDisk(name, secretFiles(s, KEYS));
    const certs = f.site!.info().certs;
    expect([p.caCertFile, p.certFile, p.privateKeyFile]).to.deep.equal(KEYS.map((k) => `${certs}/${name}/${k}`));
    expect((await routerSslProfiles(f.ns)).map((x) => x.name), 'no CA-only profile for this Secret').to.not.include(`${name}-profile`);
    expect(ordinalOf(s, name), `Skupper's stamp for profile ${name}`).to.be.a('number');

    const r = await reply(address.port, 'mtls');
    expect(r.data).to.equal('hello from mtls\n');
    expect(strict.handshakes.at(-1), 'what the backend saw').to.deep.equal({ servername: 'localhost', protocol: 'TLSv1.3', clientCert: leaf.fingerprint256 });
  });
});
