// Issue 14: the daemon's contract with Skupper, proven against the real Skupper
// 2.2.1 controller, kube-adaptor and skupper-router (test/support/skupper-site.ts).
// Everything is read from Skupper's side (test/support/skupper-contract.ts):
// the stamp its controller puts on a Secret, the profile files its adaptor
// writes, the router config, and what the router serves.
// - The Secrets the daemon makes are taken as they are; an Opaque one is not.
// - Skupper's internal.skupper.io/tls-profile-context survives every write of
//   ours: a renewal, a bundle change, a restart (which writes nothing), a
//   prior-valid-revisions change; the ordinal moves exactly when data does.
// The Listener's wiring order (never a Secret Skupper cannot use) is in
// skupper-contract-wiring.test.ts, Connector client certificates in
// skupper-contract-connector.test.ts.
import { X509Certificate } from 'node:crypto';
import { expect } from 'chai';
import { makeCA, makeLeaf } from '../../cluster/certgen.js';
import { waitForListenerAddress } from '../../cluster/skupper/listener-port.js';
import { SKUPPER_PRIOR_VALID_REVISIONS } from '../../src/model/annotations.js';
import { SKUPPER_API_VERSION, type Connector, type Listener } from '../../src/model/skupper.js';
import { writesBy } from '../support/audit.js';
import { testCluster } from '../support/cluster.js';
import { stopAndReport } from '../support/daemon.js';
import { annotate, apply, decode, eventsAbout } from '../support/k8s.js';
import { SA_USER } from '../support/serviceaccount.js';
import { SkupperSiteFixture, TRUST, throughRouter } from '../support/skupper-site.js';
import { managers, missingSecretLines, ordinalOf, profileFiles, readSecret, routerSslProfiles, secretFiles, stampOf } from '../support/skupper-contract.js';
import { eventually } from '../support/wait.js';

const fingerprint = (pem: string): string => new X509Certificate(pem).fingerprint256;
const LISTENER_KEYS = ['ca.crt', 'tls.crt', 'tls.key'];

describe('The daemon\'s contract with a real Skupper site: the Secrets it accepts and the stamp on them', function () {
  this.timeout(300_000);
  const f = new SkupperSiteFixture();
  const problems: string[] = [];

  before(async function () {
    this.timeout(60 * 60 * 1000);
    await f.start('contract');
    await f.startDaemon();
  });

  after(async function () {
    this.timeout(120_000);
    expect([...problems, ...await f.stop()], 'the daemons ran cleanly').to.deep.equal([]);
  });

  const secret = async (name: string) => {
    const s = await readSecret(f.ns, name);
    if (!s) throw new Error(`Secret ${f.ns}/${name} is missing`);
    return s;
  };
  const connectorSecretName = async (name: string): Promise<string> => (await f.get<Connector>('connectors', name)).spec.tlsCredentials ?? '';
  /** Waits until the files of `profile` on disk are exactly `files`. */
  const onDisk = (profile: string, files: Record<string, string>) => eventually(`profile ${profile} on disk to hold the Secret's bytes`,
    () => Promise.resolve(JSON.stringify(profileFiles(f.site!.info().certs, profile)) === JSON.stringify(files) ? true : undefined), { timeoutMs: 30_000, intervalMs: 100 });
  /** Waits until the router serves `cert` on `port`; returns what came through. */
  const served = (port: number, ca: string, host: string, cert: string, withData: boolean) => eventually(`the router to serve ${host}'s certificate ${fingerprint(cert).slice(0, 11)}`, async () => {
    const t = await throughRouter(port, ca, host);
    return t.secure && t.served === fingerprint(cert) && (!withData || t.data !== '') ? t : undefined;
  }, { timeoutMs: 30_000, intervalMs: 100 });

  it('Skupper takes the daemon\'s Secrets byte for byte (Listener: tls.crt, tls.key, ca.crt; Connector: ca.crt with empty tls.crt/tls.key); an Opaque Secret with the same keys it ignores, and the daemon says so', async function () {
    const backend = await f.issued(await f.localhostCertificate('accept-backend', 'backend-ca'));
    const port = await f.startBackend('accept', decode(backend, 'tls.crt'), decode(backend, 'tls.key'));
    const { address, listenerSecret } = await f.pair('accept', port);
    const ls = listenerSecret.metadata?.name ?? '';
    const cs = await connectorSecretName('accept');
    expect([ls, cs]).to.deep.equal(['accept-listener-tls', 'accept-connector-tls']);
    const bundle = await secret(cs);
    expect(listenerSecret.type).to.equal('kubernetes.io/tls');
    expect(Object.keys(listenerSecret.data ?? {}).sort()).to.deep.equal(LISTENER_KEYS);
    expect(bundle.type).to.equal('kubernetes.io/tls');
    expect(secretFiles(bundle, LISTENER_KEYS)).to.deep.include({ 'tls.crt': '', 'tls.key': '' });

    // The router config Skupper generated: the Listener's profile is named after its Secret; the CA-only Connector's is <secret>-profile, with a CA file only.
    const profiles = await eventually('the router config to name both profiles', async () => {
      const p = await routerSslProfiles(f.ns);
      return p.some((x) => x.name === ls) && p.some((x) => x.name === `${cs}-profile`) ? p : undefined;
    }, { timeoutMs: 30_000, intervalMs: 100 });
    const lp = profiles.find((x) => x.name === ls);
    const certs = f.site!.info().certs;
    expect([lp?.caCertFile, lp?.certFile, lp?.privateKeyFile]).to.deep.equal(LISTENER_KEYS.map((k) => `${certs}/${ls}/${k}`));
    const cp = profiles.find((x) => x.name === `${cs}-profile`);
    expect(cp).to.include({ caCertFile: `${certs}/${cs}-profile/ca.crt` });
    expect(cp).to.not.have.any.keys('certFile', 'privateKeyFile');
    expect(profiles.map((x) => x.name), 'no profile under the bare Connector Secret name').to.not.include(cs);

    // The kube-adaptor wrote the Secrets' exact bytes: all three files for the Listener, only ca.crt for the Connector.
    await onDisk(ls, secretFiles(listenerSecret, LISTENER_KEYS));
    await onDisk(`${cs}-profile`, secretFiles(bundle, ['ca.crt']));
    expect(profileFiles(f.site!.info().certs, cs)).to.equal(undefined);
    // And the router uses them: the client verifies the Listener certificate, the router verifies the backend with the bundle.
    const ca = decode(listenerSecret, 'ca.crt');
    const t = await served(address.port, ca, address.host, decode(listenerSecret, 'tls.crt'), true);
    expect(t.data).to.equal('hello from accept\n');

    // A hand-made Opaque Secret with the same three keys, named by a Listener the daemon does not manage.
    const hand = makeCA({ cn: 'contract hand-made CA' });
    const leaf = makeLeaf(hand, { cn: 'opaque', dns: ['opaque'] });
    await apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'opaque-tls', namespace: f.ns }, type: 'Opaque', stringData: { 'tls.crt': leaf.certPem, 'tls.key': leaf.keyPem, 'ca.crt': hand.certPem } });
    const missingBefore = missingSecretLines(f.site!.info().dir).length;
    await apply<Listener>({ apiVersion: SKUPPER_API_VERSION, kind: 'Listener', metadata: { name: 'opaque', namespace: f.ns }, spec: { routingKey: 'accept', host: 'opaque', port: 8443, tlsCredentials: 'opaque-tls' } });
    // Skupper: the adaptor finds no Secret for the profile (it reads kubernetes.io/tls only), the controller never stamps it, no files are written.
    const missing = await eventually('the kube-adaptor to find no Secret for profile opaque-tls', () => {
      const lines = missingSecretLines(f.site!.info().dir).slice(missingBefore);
      return Promise.resolve(lines.find((l) => l.includes('missing secret for profile \\"opaque-tls\\"') || l.includes('missing secret for profile "opaque-tls"')));
    }, { timeoutMs: 30_000, intervalMs: 100 });
    expect(stampOf(await secret('opaque-tls')), 'Skupper\'s stamp on the Opaque Secret').to.equal(undefined);
    expect(profileFiles(f.site!.info().certs, 'opaque-tls')).to.equal(undefined);
    const opaque = await waitForListenerAddress(testCluster().kc, f.ns, 'opaque');
    const tried = await throughRouter(opaque.port, hand.certPem, 'opaque');
    expect(tried.secure, `a verified handshake on the opaque Listener's router port ${opaque.port}`).to.equal(false);
    // The daemon: the site is blocked, and it names the culprit and the type.
    const note = await eventually('SiteConfigBlocked on Listener opaque', async () => (await eventsAbout(f.ns, 'SiteConfigBlocked', 'opaque'))[0]?.note, { timeoutMs: 60_000 });
    expect(note).to.contain(`names Secret ${f.ns}/opaque-tls, which is of type Opaque, not kubernetes.io/tls, so Skupper ignores it`);
    console.error(`    opaque: adaptor says ${missing.slice(0, 200)}; router port ${opaque.port}: ${tried.error ?? 'closed'}`);

    // While blocked, a renewal of accept reaches the router's disk but is not served: the adaptor's sync stops at the missing profile.
    await annotate('Listener', f.ns, 'accept', { 'skupper-cert-rotator.io/renew': 'while-blocked' });
    const renewed = await eventually('accept reissued and stamped', async () => {
      const s = await secret(ls);
      return decode(s, 'tls.crt') !== decode(listenerSecret, 'tls.crt') && (ordinalOf(s, ls) ?? 0) > (ordinalOf(listenerSecret, ls) ?? 0) ? s : undefined;
    }, { timeoutMs: 60_000 });
    await onDisk(ls, secretFiles(renewed, LISTENER_KEYS));
    expect((await throughRouter(address.port, ca, address.host)).served, 'served while the site is blocked').to.equal(fingerprint(decode(listenerSecret, 'tls.crt')));
    // Deleting the culprit releases the site. Skupper 2.2.1 does not send the renewal made meanwhile to the router (the regenerated
    // router config carries no ordinals, so its sslProfile looks unchanged); the next change of the Secret is served.
    await testCluster().custom.deleteNamespacedCustomObject({ group: 'skupper.io', version: 'v2alpha1', namespace: f.ns, plural: 'listeners', name: 'opaque' });
    await eventually('opaque-tls gone from the router config', async () => !(await routerSslProfiles(f.ns)).some((p) => p.name === 'opaque-tls'), { timeoutMs: 30_000, intervalMs: 100 });
    const released = Date.now();
    const afterRelease = (await throughRouter(address.port, ca, address.host)).served;
    await annotate('Listener', f.ns, 'accept', { 'skupper-cert-rotator.io/renew': 'after-release' });
    const again = await eventually('accept reissued again', async () => {
      const s = await secret(ls);
      return decode(s, 'tls.crt') !== decode(renewed, 'tls.crt') ? s : undefined;
    }, { timeoutMs: 60_000 });
    await served(address.port, ca, address.host, decode(again, 'tls.crt'), true);
    f.timings.push(`accept: just after the release the router served ${afterRelease === fingerprint(decode(renewed, 'tls.crt')) ? 'the renewal made while blocked' : 'the certificate from before the block'}; the next one served ${((Date.now() - released) / 1000).toFixed(1)} s after the release`);
  });

  it('Skupper\'s tls-profile-context survives every write of ours: a renewal, a bundle change, a daemon restart (no write at all), a prior-valid-revisions change; its ordinal rises exactly when data changes, and the router serves the new data', async function () {
    // A backend from a CA the Connector does not trust yet: the bundle change below is what lets the router reach it.
    const second = makeCA({ cn: 'contract second backend CA' });
    const leaf = makeLeaf(second, { cn: 'localhost', dns: ['localhost'] });
    const port = await f.startBackend('second', leaf.certPem, leaf.keyPem);
    const { address, listenerSecret } = await f.pair('stamp', port);
    const ls = listenerSecret.metadata?.name ?? '';
    const cs = await connectorSecretName('stamp');
    const cp = `${cs}-profile`;
    const ca = decode(listenerSecret, 'ca.crt');
    const stamped = (name: string, profile: string, ok: (ordinal: number) => boolean) => eventually(`Skupper's stamp on ${name} for ${profile}`, async () => {
      const s = await secret(name);
      const o = ordinalOf(s, profile);
      return o !== undefined && ok(o) ? { s, o } : undefined;
    }, { timeoutMs: 30_000, intervalMs: 100 });
    const l0 = await stamped(ls, ls, () => true);
    const c0 = await stamped(cs, cp, () => true);
    expect(stampOf(l0.s)).to.deep.equal([{ profileName: ls, ordinal: l0.o }]);
    expect(stampOf(c0.s)).to.deep.equal([{ profileName: cp, ordinal: c0.o }]);
    const before = await served(address.port, ca, address.host, decode(listenerSecret, 'tls.crt'), false);
    expect(before.data, 'the router refuses a backend from a CA not in the bundle').to.equal('');
    const record: string[] = [`initial: listener ordinal ${l0.o}, connector ${c0.o}`];

    // 1. A Listener renewal: cert-manager reissues into the Secret, the daemon re-verifies it.
    await annotate('Listener', f.ns, 'stamp', { 'skupper-cert-rotator.io/renew': 'contract-1' });
    await eventually('Reissued on Listener stamp', async () => (await eventsAbout(f.ns, 'Reissued', 'stamp')).length > 0, { timeoutMs: 60_000 });
    const l1 = await stamped(ls, ls, (o) => o > l0.o);
    expect(decode(l1.s, 'tls.crt')).to.not.equal(decode(listenerSecret, 'tls.crt'));
    await onDisk(ls, secretFiles(l1.s, LISTENER_KEYS));
    await served(address.port, ca, address.host, decode(l1.s, 'tls.crt'), false);
    record.push(`renewal: listener ordinal ${l1.o} (${managers(l1.s).join(', ')})`);

    // 2. A bundle change: a second trust source; the router now reaches the second backend.
    await apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'second-ca', namespace: f.ns }, data: { 'ca.crt': second.certPem } });
    await annotate('Connector', f.ns, 'stamp', { [TRUST]: 'issuer/backend-ca, configmap/second-ca' });
    const c1 = await stamped(cs, cp, (o) => o > c0.o);
    expect(decode(c1.s, 'ca.crt').match(/BEGIN CERTIFICATE/g), 'certificates in the bundle').to.have.length(2);
    await onDisk(cp, secretFiles(c1.s, ['ca.crt']));
    const through = await served(address.port, ca, address.host, decode(l1.s, 'tls.crt'), true);
    expect(through.data).to.equal('hello from second\n');
    record.push(`bundle change: connector ordinal ${c1.o} (${managers(c1.s).join(', ')})`);

    // 3. A restart: the second daemon finds everything as it should be and writes nothing.
    problems.push(...await stopAndReport(f.daemon!));
    // Skupper keeps writing the Listener's and Connector's status: their generation (spec) is what we could change.
    const versions = async () => [...[await secret(ls), await secret(cs)].map((o) => o.metadata?.resourceVersion),
      ...[await f.get<Listener>('listeners', 'stamp'), await f.get<Connector>('connectors', 'stamp')].map((o) => o.metadata.generation)];
    const rvBefore = await versions();
    const since = new Date();
    const d2 = await f.startDaemon(['--resync-period=10s', '--log-level=debug']);
    // Two reconciles of each: the start, then a resync 10 s later, all without a write.
    for (const [controller, key] of [['listener', `${f.ns}/stamp`], ['connector', `${f.ns}/stamp`]]) {
      await eventually(`two ${controller} reconciles of ${key}`, () => Promise.resolve(d2.logs.filter((l) => l.msg === 'reconciled' && l.controller === controller && l.key === key).length >= 2 ? true : undefined), { timeoutMs: 60_000, intervalMs: 200 });
    }
    const writes = writesBy(SA_USER, since).filter((w) => w.namespace === f.ns);
    expect(writes.map((w) => `${w.verb} ${w.resource} ${w.name ?? ''}`), 'the restarted daemon\'s writes in the namespace').to.deep.equal([]);
    expect(await versions(), 'resourceVersions of both Secrets, generations of the Listener and the Connector').to.deep.equal(rvBefore);
    expect(ordinalOf(await secret(ls), ls)).to.equal(l1.o);
    expect(ordinalOf(await secret(cs), cp)).to.equal(c1.o);
    record.push(`restart: ${writes.length} writes, ordinals ${l1.o}/${c1.o}`);

    // 4. prior-valid-revisions 0 on both: only an annotation changes (cert-manager's secretTemplate; our merge patch), so the ordinal stays and Skupper's oldestValidOrdinal rises to it.
    await annotate('Listener', f.ns, 'stamp', { 'skupper-cert-rotator.io/prior-valid-revisions': '0' });
    await annotate('Connector', f.ns, 'stamp', { 'skupper-cert-rotator.io/prior-valid-revisions': '0' });
    for (const name of [ls, cs]) {
      await eventually(`${SKUPPER_PRIOR_VALID_REVISIONS}: "0" on ${name}`, async () => (await secret(name)).metadata?.annotations?.[SKUPPER_PRIOR_VALID_REVISIONS] === '0', { timeoutMs: 60_000 });
    }
    const [l2, c2] = [await secret(ls), await secret(cs)];
    expect(stampOf(l2)).to.deep.equal([{ profileName: ls, ordinal: l1.o }]);
    expect(stampOf(c2)).to.deep.equal([{ profileName: cp, ordinal: c1.o }]);
    expect(secretFiles(l2, LISTENER_KEYS)).to.deep.equal(secretFiles(l1.s, LISTENER_KEYS));
    expect(secretFiles(c2, ['ca.crt'])).to.deep.equal(secretFiles(c1.s, ['ca.crt']));
    const routed = await eventually('oldestValidOrdinal = ordinal in the router config', async () => {
      const p = await routerSslProfiles(f.ns);
      const [lr, cr] = [p.find((x) => x.name === ls), p.find((x) => x.name === cp)];
      return lr?.oldestValidOrdinal === l1.o && cr?.oldestValidOrdinal === c1.o ? [lr, cr] : undefined;
    }, { timeoutMs: 30_000, intervalMs: 100 });
    expect((await served(address.port, ca, address.host, decode(l2, 'tls.crt'), true)).data).to.equal('hello from second\n');
    record.push(`prior-valid-revisions 0: ordinals ${l1.o}/${c1.o}, router ${JSON.stringify(routed)}; listener Secret managers ${managers(l2).join(', ')}`);
    console.error(`    stamp: ${record.join('; ')}`);
  });
});
