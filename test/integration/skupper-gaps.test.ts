// Issue 14, "Tell users what Skupper does not": two failure modes that leave a
// real Skupper 2.2.1 site silent (../shared/notes/real-skupper-site.md) are
// named by the daemon, which sees both sides: an Event, a log line, a metric
// and `status`. No Skupper runs here: these prove the daemon's reporting.
// - A Listener Secret without ca.crt (the router refuses the listener, Skupper
//   says "Not Matched"): ListenerCAMissing, and no false alarm while a managed
//   Certificate is still issuing into the empty Secret the daemon claimed.
// - A tlsCredentials naming a Secret that does not exist, or is not
//   kubernetes.io/tls (the kube-adaptor stalls the whole site's sync): the
//   site is reported blocked, each culprit named, the rest of the namespace
//   keeps being reconciled, and creating the Secret clears it.
import { expect } from 'chai';
import * as k8s from '@kubernetes/client-node';
import { isReady } from '../../src/model/certmanager.js';
import type { Connector, Listener } from '../../src/model/skupper.js';
import { makeCA, makeLeaf } from '../../cluster/certgen.js';
import { testCluster } from '../support/cluster.js';
import { runCli } from '../support/cli.js';
import { startSyncedDaemon, stopAndReport, type DaemonProcess } from '../support/daemon.js';
import { caIssuer } from '../support/issuers.js';
import { apply, createNamespace, getCertificate } from '../support/k8s.js';
import { daemonKubeconfig } from '../support/serviceaccount.js';
import { eventually } from '../support/wait.js';

const API = 'skupper.io/v2alpha1';

function listener(namespace: string, name: string, tlsCredentials?: string, annotations: Record<string, string> = {}): Listener {
  return { apiVersion: API, kind: 'Listener', metadata: { name, namespace, annotations }, spec: { routingKey: name, host: name, port: 8080, ...(tlsCredentials ? { tlsCredentials } : {}) } };
}

interface JsonStatus {
  items: { kind: string; name: string; state: string; caMissing?: string; problems: string[]; lastError?: string }[];
  blockedSites: { namespace: string; blockers: { kind: string; name: string; secret: string; cause: string; type?: string }[] }[];
}

describe('What Skupper does not say (issue 14): a Listener Secret without ca.crt, a site blocked by tlsCredentials', function () {
  this.timeout(300_000);
  let daemon: DaemonProcess;
  let ns: string;
  const handCa = makeCA({ cn: 'gaps hand-made CA', days: 60 });
  const leaf = makeLeaf(handCa, { cn: 'noca', dns: ['noca', 'blank', 'ghost'], days: 30 });

  const secret = (name: string, type: string, data: Record<string, string>): Promise<k8s.V1Secret> =>
    apply<k8s.V1Secret>({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, type, stringData: data });
  const scrape = async (): Promise<string> => (await fetch(`http://${await daemon.address('metrics')}/metrics`)).text();
  const events = async (reason: string): Promise<k8s.EventsV1Event[]> =>
    (await testCluster().kc.makeApiClient(k8s.EventsV1Api).listNamespacedEvent({ namespace: ns })).items.filter((e) => e.reason === reason);
  const status = async (json: boolean): Promise<string> => {
    const r = await runCli(['status', '-n', ns, ...(json ? ['-o', 'json'] : []), `--kubeconfig=${testCluster().kubeconfig}`]);
    expect(r.code, r.stderr).to.equal(0);
    return r.stdout;
  };

  before(async function () {
    ns = await createNamespace('gaps');
    await caIssuer(ns, 'gaps CA');
    // Hand-made Secrets whose ca.crt is absent, or only whitespace.
    await secret('noca-tls', 'kubernetes.io/tls', { 'tls.crt': leaf.certPem, 'tls.key': leaf.keyPem });
    await secret('blank-tls', 'kubernetes.io/tls', { 'tls.crt': leaf.certPem, 'tls.key': leaf.keyPem, 'ca.crt': ' \n\t\n' });
    // A CA-only Connector Secret of a type the caches do not hold (read directly): Skupper ignores it.
    await secret('db-custom', 'example.com/custom', { 'ca.crt': handCa.certPem });
    await apply(listener(ns, 'noca', 'noca-tls'));
    await apply(listener(ns, 'blank', 'blank-tls'));
    // Managed, with an issuer that does not exist: its claimed Secret stays empty, the Certificate never Ready.
    await apply(listener(ns, 'pending', undefined, { 'cert-manager.io/issuer': 'nowhere' }));
    await apply(listener(ns, 'ghost', 'ghost-tls'));
    await apply<Connector>({ apiVersion: API, kind: 'Connector', metadata: { name: 'db', namespace: ns }, spec: { routingKey: 'db', host: 'db.example', port: 5432, tlsCredentials: 'db-custom' } });
    daemon = await startSyncedDaemon(await daemonKubeconfig(), [ns], ['--resync-period=10s']);
  });

  after(async function () {
    expect(await stopAndReport(daemon)).to.deep.equal([]);
  });

  it('a Listener Secret without ca.crt: a ListenerCAMissing Event and log line saying what Skupper does and what to do, object_problem, status', async function () {
    for (const name of ['noca', 'blank']) {
      const note = await eventually(`ListenerCAMissing Event on ${name}`, async () => (await events('ListenerCAMissing')).find((e) => e.regarding?.name === name)?.note, { timeoutMs: 90_000 });
      expect(note).to.contain(`Secret ${ns}/${name}-tls has no ca.crt (missing or empty)`);
      expect(note).to.contain('the Skupper router refuses this listener ("Failed to configure TLS caCertFile")');
      expect(note).to.contain('says only "Not Matched"');
      expect(note).to.contain(`To fix: add the CA certificate that issued tls.crt to ca.crt of Secret ${ns}/${name}-tls`);
      const line = await daemon.waitForLog(`ListenerCAMissing log line for ${name}`, (l) => l.level === 'warn' && l.reason === 'ListenerCAMissing' && l.listener === `${ns}/${name}`);
      expect(line.secret).to.equal(`${name}-tls`);
    }
    const text = await eventually('object_problem ListenerCAMissing', async () => {
      const t = await scrape();
      return ['noca', 'blank'].every((n) => t.includes(`skupper_cert_rotator_object_problem{namespace="${ns}",kind="listener",name="${n}",reason="ListenerCAMissing"} 1`)) ? t : undefined;
    });
    // The CA is their only problem: named by its own reason, not as a generic SecretInvalid.
    expect(text).to.not.match(new RegExp(`object_problem\\{namespace="${ns}",kind="listener",name="(noca|blank)",reason="SecretInvalid"\\}`));
    expect(text).to.contain(`skupper_cert_rotator_certificate_ready{namespace="${ns}",kind="listener",name="noca",secret="noca-tls"} 0`);

    const doc = JSON.parse(await status(true)) as JsonStatus;
    for (const name of ['noca', 'blank']) {
      const row = doc.items.find((i) => i.kind === 'listener' && i.name === name);
      expect(row?.state, name).to.equal('Invalid');
      expect(row?.caMissing, name).to.contain('has no ca.crt (missing or empty)');
      expect(row?.problems, name).to.deep.equal([row?.caMissing]);
    }
    const table = await status(false);
    expect(table.split('\n').find((l) => l.split(/\s+/)[2] === 'noca')).to.match(/\sInvalid\s+ListenerCAMissing: Secret /);
  });

  it('no false alarm for a managed Listener whose Certificate is still issuing into the empty Secret the daemon claimed', async function () {
    await eventually('the claimed Secret and a Certificate that is not Ready', async () => {
      const s = await testCluster().core.readNamespacedSecret({ namespace: ns, name: 'pending-listener-tls' }).catch(() => undefined);
      const c = await getCertificate(ns, 'pending-listener-tls');
      // kubernetes.io/tls needs both keys: claimed with them empty.
      return s && c && !isReady(c) && Object.values(s.data ?? {}).every((v) => v === '') ? true : undefined;
    });
    // Two more expiry reconciles of an Issuing object (only `pending` is one here): the second
    // comes from a resync, after the cache has held the claimed Secret for a whole period.
    const issuing = async (): Promise<number> => Number(/^skupper_cert_rotator_reconcile_total\{controller="expiry",result="Issuing"\} (\d+)$/m.exec(await scrape())?.[1] ?? 0);
    const mark = await issuing();
    await eventually('two more expiry reconciles of the issuing Listener', async () => ((await issuing()) >= mark + 2 ? true : undefined), { timeoutMs: 60_000 });
    expect((await events('ListenerCAMissing')).filter((e) => e.regarding?.name === 'pending')).to.deep.equal([]);
    expect(await scrape()).to.not.contain(`name="pending",reason="ListenerCAMissing"`);
    expect((JSON.parse(await status(true)) as JsonStatus).items.find((i) => i.name === 'pending')).to.not.have.property('caMissing');
  });

  it('a tlsCredentials naming a missing Secret, or one of another type: the site is blocked and each culprit named (Event, log, metrics, status)', async function () {
    const text = await eventually('site_config_blocked and a series per culprit', async () => {
      const t = await scrape();
      return t.includes(`skupper_cert_rotator_site_config_blocked{namespace="${ns}"} 1`)
        && t.includes(`skupper_cert_rotator_site_config_blocker{namespace="${ns}",kind="listener",name="ghost",secret="ghost-tls"} 1`)
        && t.includes(`skupper_cert_rotator_site_config_blocker{namespace="${ns}",kind="connector",name="db",secret="db-custom"} 1`) ? t : undefined;
    }, { timeoutMs: 90_000 });
    // Only the culprits: the Listeners whose Secrets exist (without ca.crt) do not block the site.
    expect(text.match(new RegExp(`site_config_blocker\\{namespace="${ns}"`, 'g'))).to.have.length(2);

    const ghost = await eventually('SiteConfigBlocked Event on ghost', async () => (await events('SiteConfigBlocked')).find((e) => e.regarding?.name === 'ghost' && e.regarding.kind === 'Listener')?.note);
    expect(ghost).to.contain(`spec.tlsCredentials names Secret ${ns}/ghost-tls, which does not exist.`);
    expect(ghost).to.contain(`no renewed or new certificate of any Listener or Connector in namespace ${ns} is served meanwhile`);
    const db = await eventually('SiteConfigBlocked Event on db', async () => (await events('SiteConfigBlocked')).find((e) => e.regarding?.name === 'db' && e.regarding.kind === 'Connector')?.note);
    expect(db).to.contain(`names Secret ${ns}/db-custom, which is of type example.com/custom, not kubernetes.io/tls, so Skupper ignores it`);
    await daemon.waitForLog('SiteConfigBlocked log line for ghost', (l) => l.level === 'warn' && l.reason === 'SiteConfigBlocked' && l.listener === `${ns}/ghost` && l.secret === 'ghost-tls');

    const table = await status(false);
    expect(table).to.contain(`\n\nSITE CONFIG BLOCKED in namespace ${ns}: connector/db names Secret db-custom (type example.com/custom), listener/ghost names Secret ghost-tls (missing); `
      + `Skupper serves no certificate change in ${ns} until they exist as kubernetes.io/tls\n`);
    const doc = JSON.parse(await status(true)) as JsonStatus;
    expect(doc.blockedSites).to.deep.equal([{ namespace: ns, blockers: [
      { namespace: ns, kind: 'connector', name: 'db', secret: 'db-custom', cause: 'wrong-type', type: 'example.com/custom' },
      { namespace: ns, kind: 'listener', name: 'ghost', secret: 'ghost-tls', cause: 'missing' },
    ] }]);
  });

  it('the rest of the namespace is still reconciled: a managed Listener next to the culprits is issued and wired', async function () {
    await apply(listener(ns, 'web', undefined, { 'cert-manager.io/issuer': 'ca' }));
    await eventually('web issued, verified and wired', async () => {
      const l = await testCluster().custom.getNamespacedCustomObject({ group: 'skupper.io', version: 'v2alpha1', namespace: ns, plural: 'listeners', name: 'web' }) as Listener;
      const c = await getCertificate(ns, 'web-listener-tls');
      return l.spec.tlsCredentials === 'web-listener-tls' && c && isReady(c) ? true : undefined;
    }, { timeoutMs: 120_000 });
    const text = await eventually('web Ready in /metrics', async () => {
      const t = await scrape();
      return t.includes(`skupper_cert_rotator_certificate_ready{namespace="${ns}",kind="listener",name="web",secret="web-listener-tls"} 1`) ? t : undefined;
    });
    // Still blocked, and web is not a culprit: its Secret exists.
    expect(text).to.contain(`skupper_cert_rotator_site_config_blocked{namespace="${ns}"} 1`);
    expect(text).to.not.contain(`site_config_blocker{namespace="${ns}",kind="listener",name="web"`);
  });

  it('creating the missing Secret, and recreating the other as kubernetes.io/tls, clears it: gauge 0, culprit series removed, no status line', async function () {
    await secret('ghost-tls', 'kubernetes.io/tls', { 'tls.crt': leaf.certPem, 'tls.key': leaf.keyPem, 'ca.crt': handCa.certPem });
    await eventually('ghost no longer a culprit, db still one', async () => {
      const t = await scrape();
      return !t.includes(`site_config_blocker{namespace="${ns}",kind="listener",name="ghost"`)
        && t.includes(`skupper_cert_rotator_site_config_blocked{namespace="${ns}"} 1`) && t.includes(`kind="connector",name="db",secret="db-custom"} 1`) ? true : undefined;
    });
    await testCluster().core.deleteNamespacedSecret({ namespace: ns, name: 'db-custom' });
    await secret('db-custom', 'kubernetes.io/tls', { 'ca.crt': handCa.certPem, 'tls.crt': '', 'tls.key': '' });
    const text = await eventually('site no longer blocked', async () => {
      const t = await scrape();
      return t.includes(`skupper_cert_rotator_site_config_blocked{namespace="${ns}"} 0`) ? t : undefined;
    });
    expect(text).to.not.contain(`site_config_blocker{namespace="${ns}"`);
    await daemon.waitForLog('the all-clear log line', (l) => l.level === 'info' && l.namespace === ns && l.msg.includes('no longer blocked'));
    expect(await status(false)).to.not.contain('SITE CONFIG BLOCKED');
    expect((JSON.parse(await status(true)) as JsonStatus).blockedSites).to.deep.equal([]);
  });
});
