// SPEC §4.1/§4.4 end to end: the daemon, running as the manifests'
// ServiceAccount, against the real API server and real cert-manager.
import { X509Certificate } from 'node:crypto';
import { expect } from 'chai';
import * as k8s from '@kubernetes/client-node';
import { CERT_MANAGER_API_VERSION, isReady, type Certificate } from '../../src/model/certmanager.js';
import type { Listener } from '../../src/model/skupper.js';
import { writesBy } from '../support/audit.js';
import { testCluster } from '../support/cluster.js';
import { DaemonProcess } from '../support/daemon.js';
import { apply, createNamespace, decode, getCertificate, isNotFound } from '../support/k8s.js';
import { SA_USER, daemonKubeconfig } from '../support/serviceaccount.js';
import { handshake, startTlsServer } from '../support/tls.js';
import { describeWrites, writesInSteadyState } from '../support/steady.js';
import { eventually } from '../support/wait.js';

const CA_ISSUER = 'lt-ca';

function listener(namespace: string, name: string, host: string, annotations: Record<string, string>, tlsCredentials?: string): Listener {
  return {
    apiVersion: 'skupper.io/v2alpha1', kind: 'Listener',
    metadata: { name, namespace, annotations },
    spec: { routingKey: name, host, port: 8080, ...(tlsCredentials ? { tlsCredentials } : {}) },
  };
}

async function getListener(namespace: string, name: string): Promise<Listener> {
  return testCluster().custom.getNamespacedCustomObject({ group: 'skupper.io', version: 'v2alpha1', namespace, plural: 'listeners', name }) as Promise<Listener>;
}


async function getSecret(namespace: string, name: string): Promise<k8s.V1Secret | undefined> {
  try {
    return await testCluster().core.readNamespacedSecret({ namespace, name });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function events(namespace: string, name: string): Promise<{ reason: string; note: string; type: string }[]> {
  const list = await testCluster().kc.makeApiClient(k8s.EventsV1Api).listNamespacedEvent({ namespace });
  return list.items
    .filter((e) => e.regarding?.name === name && e.reportingController === 'skupper-cert-rotator')
    .map((e) => ({ reason: e.reason ?? '', note: e.note ?? '', type: e.type ?? '' }));
}

async function eventWithReason(namespace: string, name: string, reason: string): Promise<{ note: string; type: string }> {
  return eventually(`Event ${reason} on ${namespace}/${name}`, async () => (await events(namespace, name)).find((e) => e.reason === reason));
}

/** Waits until the Listener is wired to a verified, Ready Certificate and returns both. */
async function wired(namespace: string, name: string, secret: string, minRevision = 1): Promise<{ listener: Listener; cert: Certificate; secret: k8s.V1Secret }> {
  return eventually(`Listener ${namespace}/${name} wired to ${secret} (revision >= ${minRevision})`, async () => {
    const l = await getListener(namespace, name);
    const c = await getCertificate(namespace, secret);
    const s = await getSecret(namespace, secret);
    if (l.spec.tlsCredentials !== secret || !c || !isReady(c) || (c.status?.revision ?? 0) < minRevision || !s) return undefined;
    return { listener: l, cert: c, secret: s };
  }, { timeoutMs: 90_000 });
}

function sans(secret: k8s.V1Secret): string {
  return new X509Certificate(decode(secret, 'tls.crt')).subjectAltName ?? '';
}

async function scrape(d: DaemonProcess): Promise<string> {
  return (await fetch(`http://${await d.address('metrics')}/metrics`)).text();
}

describe('Listener certificates (SPEC §4.1)', function () {
  this.timeout(180_000);
  let daemon: DaemonProcess;
  let kubeconfig: string;

  function startDaemon(): DaemonProcess {
    return new DaemonProcess([
      'run', `--kubeconfig=${kubeconfig}`, '--metrics-bind-address=127.0.0.1:0', '--health-bind-address=127.0.0.1:0',
      `--default-issuer=${CA_ISSUER}`, '--default-issuer-kind=ClusterIssuer', '--resync-period=10s', '--log-level=debug',
    ]);
  }

  before(async function () {
    await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'ClusterIssuer', metadata: { name: 'lt-selfsigned' }, spec: { selfSigned: {} } });
    await apply({
      apiVersion: CERT_MANAGER_API_VERSION, kind: 'Certificate', metadata: { name: CA_ISSUER, namespace: 'cert-manager' },
      spec: { isCA: true, commonName: 'listener tests CA', secretName: CA_ISSUER, privateKey: { algorithm: 'ECDSA', size: 256 }, issuerRef: { name: 'lt-selfsigned', kind: 'ClusterIssuer', group: 'cert-manager.io' } },
    });
    await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'ClusterIssuer', metadata: { name: CA_ISSUER }, spec: { ca: { secretName: CA_ISSUER } } });
    kubeconfig = await daemonKubeconfig();
    daemon = startDaemon();
    await daemon.waitForLog('caches synced', (l) => l.msg === 'caches synced');
  });

  after(async function () {
    const code = await daemon.stop();
    expect(code, 'daemon exit code').to.equal(0);
    // Nothing in the whole run was bad enough to crash or log at error level.
    expect(daemon.logs.filter((l) => l.level === 'error' || l.level === 'fatal').map((l) => l.msg)).to.deep.equal([]);
  });

  it('issues a server certificate for backend.east and wires it; real TLS proves the SANs', async function () {
    await testCluster().core.createNamespace({ body: { metadata: { name: 'east' } } }).catch(() => undefined);
    await apply(listener('east', 'backend', 'backend', { 'cert-manager.io/cluster-issuer': CA_ISSUER }));
    const { cert, secret } = await wired('east', 'backend', 'backend-listener-tls');

    expect(cert.spec.dnsNames).to.deep.equal(['backend', 'backend.east', 'backend.east.svc', 'backend.east.svc.cluster.local']);
    expect(cert.spec.issuerRef).to.deep.equal({ name: CA_ISSUER, kind: 'ClusterIssuer', group: 'cert-manager.io' });
    expect(cert.metadata.ownerReferences?.map((r) => `${r.kind}/${r.name}`)).to.deep.equal(['Listener/backend']);
    expect(secret.type).to.equal('kubernetes.io/tls');
    expect(secret.metadata?.annotations?.['skupper.io/tls-prior-valid-revisions']).to.equal('1');

    const server = await startTlsServer({ cert: decode(secret, 'tls.crt'), key: decode(secret, 'tls.key') });
    try {
      const ok = await handshake(server.port, { ca: decode(secret, 'ca.crt'), servername: 'backend.east.svc.cluster.local' });
      expect(ok, ok.error).to.include({ ok: true });
      const other = await handshake(server.port, { ca: decode(secret, 'ca.crt'), servername: 'other.east.svc' });
      expect(other.ok).to.equal(false);
    } finally {
      await server.close();
    }
    // The Wired Event is recorded just after the patch the test saw: wait for it. A new
    // Listener's history is that one Event, naming the verified revision (each Event is a write).
    const wiredEvent = await eventWithReason('east', 'backend', 'Wired');
    expect(wiredEvent.note).to.match(/^spec\.tlsCredentials set to backend-listener-tls; Secret backend-listener-tls revision 1 verified: valid until \d{4}-\d\d-\d\dT[\d:.]+Z, covers backend$/);
    expect((await events('east', 'backend')).filter((e) => e.type === 'Normal').map((e) => e.reason)).to.deep.equal(['Wired']);
  });

  it('uses the Secret name already in spec.tlsCredentials', async function () {
    const ns = await createNamespace('lt-preset');
    await apply(listener(ns, 'db', 'db', { 'cert-manager.io/cluster-issuer': CA_ISSUER }, 'my-db-tls'));
    const { cert } = await wired(ns, 'db', 'my-db-tls');
    expect(cert.spec.secretName).to.equal('my-db-tls');
    expect(await getCertificate(ns, 'db-listener-tls')).to.equal(undefined);
  });

  it('follows a host change: the Certificate is updated and the new Secret covers the new host', async function () {
    const ns = await createNamespace('lt-host');
    await apply(listener(ns, 'web', 'web', { 'cert-manager.io/cluster-issuer': CA_ISSUER }));
    const first = await wired(ns, 'web', 'web-listener-tls');
    expect(sans(first.secret)).to.contain(`DNS:web.${ns}.svc`);

    await apply(listener(ns, 'web', 'web2.example.com', { 'cert-manager.io/cluster-issuer': CA_ISSUER }));
    const second = await wired(ns, 'web', 'web-listener-tls', (first.cert.status?.revision ?? 1) + 1);
    const covered = await eventually('the Secret to cover web2.example.com', async () => {
      const s = await getSecret(ns, 'web-listener-tls');
      return s && new X509Certificate(decode(s, 'tls.crt')).checkHost('web2.example.com') ? s : undefined;
    });
    expect(second.cert.spec.dnsNames).to.deep.equal(['web2.example.com']);
    expect(sans(covered)).to.equal('DNS:web2.example.com');
    await eventWithReason(ns, 'web', 'Reissued');
  });

  it('drops what the Listener no longer asks for (an IP host renamed, a duration annotation removed), then writes nothing', async function () {
    // The Certificate's create owns the fields it was made with, and server-side apply
    // does not remove those: the IP SAN stayed, and every resync applied again (a fuzz seed found it).
    const ns = await createNamespace('lt-drop');
    await apply(listener(ns, 'db', '10.1.2.3', { 'cert-manager.io/cluster-issuer': CA_ISSUER, 'cert-manager.io/duration': '720h' }));
    const first = await wired(ns, 'db', 'db-listener-tls');
    expect(first.cert.spec.ipAddresses).to.deep.equal(['10.1.2.3']);
    expect(first.cert.spec.duration).to.match(/^720h/);

    await apply(listener(ns, 'db', 'db', { 'cert-manager.io/cluster-issuer': CA_ISSUER }));
    const second = await wired(ns, 'db', 'db-listener-tls', (first.cert.status?.revision ?? 1) + 1);
    const cert = await eventually('the Certificate without the IP address and the duration', async () => {
      const c = await getCertificate(ns, 'db-listener-tls');
      return c && c.spec.ipAddresses === undefined && c.spec.duration === undefined && c.spec.dnsNames?.[0] === 'db' ? c : undefined;
    });
    expect(cert.spec.dnsNames).to.deep.equal(['db', `db.${ns}`, `db.${ns}.svc`, `db.${ns}.svc.cluster.local`]);
    const covered = await eventually('a Secret without the IP SAN', async () => {
      const s = await getSecret(ns, 'db-listener-tls');
      return s && !sans(s).includes('IP Address') && sans(s).includes('DNS:db') ? s : undefined;
    });
    expect(sans(covered)).to.not.contain('10.1.2.3');
    expect(second.listener.spec.tlsCredentials).to.equal('db-listener-tls');
    // A resync (every 10 s here) finds nothing left to write for it.
    const writes = (await writesInSteadyState({ user: SA_USER, windowMs: 12_000 })).filter((w) => w.namespace === ns);
    expect(describeWrites(writes)).to.deep.equal([]);
  });

  it('works with an Issuer, a ClusterIssuer and the --default-issuer for `enabled`', async function () {
    const ns = await createNamespace('lt-kinds');
    await apply({
      apiVersion: CERT_MANAGER_API_VERSION, kind: 'Certificate', metadata: { name: 'local-ca', namespace: ns },
      spec: { isCA: true, commonName: 'namespace CA', secretName: 'local-ca', privateKey: { algorithm: 'ECDSA', size: 256 }, issuerRef: { name: 'lt-selfsigned', kind: 'ClusterIssuer', group: 'cert-manager.io' } },
    });
    await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'Issuer', metadata: { name: 'local-ca', namespace: ns }, spec: { ca: { secretName: 'local-ca' } } });
    await apply(listener(ns, 'via-issuer', 'a', { 'cert-manager.io/issuer': 'local-ca' }));
    await apply(listener(ns, 'via-cluster-issuer', 'b', { 'cert-manager.io/cluster-issuer': CA_ISSUER }));
    await apply(listener(ns, 'via-default', 'c', { 'skupper-cert-rotator.io/enabled': 'true' }));

    const a = await wired(ns, 'via-issuer', 'via-issuer-listener-tls');
    const b = await wired(ns, 'via-cluster-issuer', 'via-cluster-issuer-listener-tls');
    const c = await wired(ns, 'via-default', 'via-default-listener-tls');
    expect(a.cert.spec.issuerRef).to.deep.equal({ name: 'local-ca', kind: 'Issuer', group: 'cert-manager.io' });
    expect(c.cert.spec.issuerRef).to.deep.equal({ name: CA_ISSUER, kind: 'ClusterIssuer', group: 'cert-manager.io' });
    // Each chains to the CA it was issued from.
    const localCa = await getSecret(ns, 'local-ca');
    expect(decode(a.secret, 'ca.crt')).to.equal(decode(localCa!, 'tls.crt'));
    expect(decode(b.secret, 'ca.crt')).to.equal(decode(c.secret, 'ca.crt'));
    expect(decode(a.secret, 'ca.crt')).to.not.equal(decode(b.secret, 'ca.crt'));
  });

  it('deletes its Certificate when the annotation is removed or the Listener deleted, and keeps the referenced Secret', async function () {
    const ns = await createNamespace('lt-remove');
    await apply(listener(ns, 'gone', 'gone', { 'cert-manager.io/cluster-issuer': CA_ISSUER }));
    await apply(listener(ns, 'unannotated', 'unannotated', { 'cert-manager.io/cluster-issuer': CA_ISSUER }));
    await wired(ns, 'gone', 'gone-listener-tls');
    await wired(ns, 'unannotated', 'unannotated-listener-tls');

    // Remove the annotation with a JSON merge patch (server-side apply by the test's field manager would keep it).
    await testCluster().custom.patchNamespacedCustomObject({
      group: 'skupper.io', version: 'v2alpha1', namespace: ns, plural: 'listeners', name: 'unannotated',
      body: { metadata: { annotations: { 'cert-manager.io/cluster-issuer': null } } },
    }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    await eventually('the Certificate of the unannotated Listener to be deleted', async () => (await getCertificate(ns, 'unannotated-listener-tls')) === undefined);
    const kept = await getSecret(ns, 'unannotated-listener-tls');
    expect(kept, 'the Secret still referenced by tlsCredentials').to.not.equal(undefined);
    expect((await getListener(ns, 'unannotated')).spec.tlsCredentials).to.equal('unannotated-listener-tls');

    await testCluster().custom.deleteNamespacedCustomObject({ group: 'skupper.io', version: 'v2alpha1', namespace: ns, plural: 'listeners', name: 'gone' });
    await eventually('the Certificate of the deleted Listener to be deleted', async () => (await getCertificate(ns, 'gone-listener-tls')) === undefined);
  });

  it('leaves a foreign Secret with the target name untouched and reports SecretConflict', async function () {
    const ns = await createNamespace('lt-foreign');
    const foreign = await testCluster().core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'api-listener-tls', annotations: { owner: 'someone-else' } }, type: 'kubernetes.io/tls', data: { 'tls.crt': Buffer.from('hand-made').toString('base64'), 'tls.key': Buffer.from('hand-made-key').toString('base64') } },
    });
    await apply(listener(ns, 'api', 'api', { 'cert-manager.io/cluster-issuer': CA_ISSUER }));
    const ev = await eventWithReason(ns, 'api', 'SecretConflict');
    expect(ev.type).to.equal('Warning');
    expect(await getCertificate(ns, 'api-listener-tls')).to.equal(undefined);
    const after = await getSecret(ns, 'api-listener-tls');
    expect(after?.metadata?.resourceVersion).to.equal(foreign.metadata?.resourceVersion);
    expect((await getListener(ns, 'api')).spec.tlsCredentials).to.equal(undefined);
    expect(await scrape(daemon)).to.contain(`skupper_cert_rotator_object_problem{namespace="${ns}",kind="listener",name="api",reason="SecretConflict"} 1`);
  });

  it('reports bad inputs with an Event, a log line and a metric, while a healthy Listener next to them converges', async function () {
    const ns = await createNamespace('lt-bad');
    const cases: { name: string; host: string; annotations: Record<string, string>; reason: string }[] = [
      { name: 'unknown-issuer', host: 'x', annotations: { 'cert-manager.io/cluster-issuer': 'no-such-issuer' }, reason: 'IssuerNotFound' },
      { name: 'underscore', host: 'my_service', annotations: { 'cert-manager.io/cluster-issuer': CA_ISSUER }, reason: 'InvalidHost' },
      { name: 'too-long', host: 'a'.repeat(300), annotations: { 'cert-manager.io/cluster-issuer': CA_ISSUER }, reason: 'InvalidHost' },
      { name: 'empty-host', host: '', annotations: { 'cert-manager.io/cluster-issuer': CA_ISSUER }, reason: 'InvalidHost' },
      { name: 'bad-duration', host: 'y', annotations: { 'cert-manager.io/cluster-issuer': CA_ISSUER, 'cert-manager.io/duration': 'forever' }, reason: 'InvalidAnnotation' },
      { name: 'bad-kind', host: 'z', annotations: { 'cert-manager.io/issuer': CA_ISSUER, 'cert-manager.io/issuer-kind': 'Wizard' }, reason: 'UnknownIssuerKind' },
    ];
    for (const c of cases) await apply(listener(ns, c.name, c.host, c.annotations));
    await apply(listener(ns, 'ip-host', '10.0.0.7', { 'cert-manager.io/cluster-issuer': CA_ISSUER }));
    await apply(listener(ns, 'healthy', 'healthy', { 'cert-manager.io/cluster-issuer': CA_ISSUER }));

    await wired(ns, 'healthy', 'healthy-listener-tls');
    const ip = await wired(ns, 'ip-host', 'ip-host-listener-tls');
    expect(ip.cert.spec.ipAddresses).to.deep.equal(['10.0.0.7']);
    expect(ip.cert.spec.dnsNames ?? []).to.deep.equal([]);
    expect(new X509Certificate(decode(ip.secret, 'tls.crt')).checkIP('10.0.0.7')).to.equal('10.0.0.7');

    for (const c of cases) {
      const ev = await eventWithReason(ns, c.name, c.reason);
      expect(ev.type, c.name).to.equal('Warning');
      expect(daemon.logs.some((l) => l.level === 'warn' && l.listener === `${ns}/${c.name}`), `warn log for ${c.name}`).to.equal(true);
    }
    const metrics = await scrape(daemon);
    for (const c of cases) {
      expect(metrics, c.name).to.contain(`skupper_cert_rotator_object_problem{namespace="${ns}",kind="listener",name="${c.name}",reason="${c.reason}"} 1`);
    }
    // The unknown issuer still gets its Certificate (it issues once the issuer exists); the invalid ones do not.
    expect(await getCertificate(ns, 'unknown-issuer-listener-tls')).to.not.equal(undefined);
    for (const name of ['underscore', 'too-long', 'empty-host', 'bad-duration', 'bad-kind']) {
      expect(await getCertificate(ns, `${name}-listener-tls`), name).to.equal(undefined);
    }
  });

  it('survives a restart mid-way without duplicates and reaches the same end state', async function () {
    const started = new Date();
    const ns = await createNamespace('lt-restart');
    await apply(listener(ns, 'r1', 'r1', { 'cert-manager.io/cluster-issuer': CA_ISSUER }));
    await apply(listener(ns, 'r2', 'r2', { 'cert-manager.io/cluster-issuer': CA_ISSUER }));
    // Stop as soon as the first Certificate exists, before anything is wired.
    await eventually('a first Certificate', async () => (await getCertificate(ns, 'r1-listener-tls')) ?? (await getCertificate(ns, 'r2-listener-tls')), { intervalMs: 20 });
    expect(await daemon.stop()).to.equal(0);
    daemon = startDaemon();
    await wired(ns, 'r1', 'r1-listener-tls');
    await wired(ns, 'r2', 'r2-listener-tls');
    const certs = (await testCluster().custom.listNamespacedCustomObject({ group: 'cert-manager.io', version: 'v1', namespace: ns, plural: 'certificates' })) as { items: Certificate[] };
    expect(certs.items.map((c) => c.metadata.name).sort()).to.deep.equal(['r1-listener-tls', 'r2-listener-tls']);
    for (const c of certs.items) {
      if (c.status?.revision === 1) continue;
      // Issued more than once: say why, in cert-manager's words, and what the daemon wrote to it meanwhile.
      const all = await testCluster().kc.makeApiClient(k8s.EventsV1Api).listNamespacedEvent({ namespace: ns });
      const why = all.items.filter((e) => e.regarding?.name === c.metadata.name || e.regarding?.kind === 'CertificateRequest')
        .map((e) => `${JSON.stringify(e.eventTime)} ${e.regarding?.kind ?? ''}/${e.regarding?.name ?? ''} ${e.reason ?? ''}: ${e.note ?? ''}`);
      const writes = writesBy(SA_USER, started).filter((w) => w.namespace === ns).map((w) => `${w.received} ${w.verb} ${w.resource}${w.subresource ? `/${w.subresource}` : ''} ${w.name ?? ''} ${w.code ?? ''}`);
      expect.fail(`${c.metadata.name}: revision ${c.status?.revision ?? '?'}, expected 1 (issued once)\nEvents:\n${why.join('\n')}\nthe daemon's writes:\n${writes.join('\n')}`);
    }
  });

  it('--dry-run decides and logs but writes nothing', async function () {
    expect(await daemon.stop()).to.equal(0);
    const ns = await createNamespace('lt-dry');
    const start = new Date();
    daemon = new DaemonProcess([
      'run', `--kubeconfig=${kubeconfig}`, '--metrics-bind-address=127.0.0.1:0', '--health-bind-address=127.0.0.1:0',
      `--namespaces=${ns}`, '--dry-run',
    ]);
    await apply(listener(ns, 'dry', 'dry', { 'cert-manager.io/cluster-issuer': CA_ISSUER }));
    await apply(listener(ns, 'dry-bad', 'bad_host', { 'cert-manager.io/cluster-issuer': CA_ISSUER }));
    const line = await daemon.waitForLog('the dry-run decision', (l) => l.msg === 'dry-run: would create Certificate' && l.listener === `${ns}/dry`);
    expect(line.dnsNames).to.deep.equal(['dry', `dry.${ns}`, `dry.${ns}.svc`, `dry.${ns}.svc.cluster.local`]);
    await daemon.waitForLog('the dry-run event', (l) => l.msg === 'dry-run: would record event' && JSON.stringify(l).includes('InvalidHost'));
    expect(await getCertificate(ns, 'dry-listener-tls')).to.equal(undefined);
    expect(writesBy(SA_USER, start)).to.deep.equal([]);
    expect(await daemon.stop()).to.equal(0);
    daemon = startDaemon();
    await daemon.waitForLog('caches synced', (l) => l.msg === 'caches synced');
  });

  it('makes zero write requests in 30 s of steady state (resync every 10 s included)', async function () {
    // Its own objects, so it holds when run alone: every kind of host, a
    // preset Secret name, and one that stays invalid (problems must not
    // become writes either). Objects of the tests above may still be there.
    const ns = await createNamespace('lt-steady');
    const since = new Date();
    const ok = [
      { name: 'bare', host: 'bare' },
      { name: 'dotted', host: 'api.example.com' },
      { name: 'ip', host: '10.1.2.3' },
      { name: 'named', host: 'named', secret: 'custom-tls' },
    ];
    for (const l of ok) await apply(listener(ns, l.name, l.host, { 'cert-manager.io/cluster-issuer': CA_ISSUER }, l.secret));
    await apply(listener(ns, 'broken', 'bad_host', { 'cert-manager.io/cluster-issuer': CA_ISSUER }));
    for (const l of ok) await wired(ns, l.name, l.secret ?? `${l.name}-listener-tls`);
    await eventWithReason(ns, 'broken', 'InvalidHost');
    const setup = writesBy(SA_USER, since);
    // The filter below is not vacuous: the setup's writes were the daemon's.
    expect(setup.some((w) => w.resource === 'certificates' && w.verb === 'create' && w.namespace === ns), describeWrites(setup).join('; ')).to.equal(true);

    const reconcilesBefore = Number(/skupper_cert_rotator_reconcile_total\{controller="listener",result="ok"\} (\d+)/.exec(await scrape(daemon))?.[1] ?? 0);
    const writes = await writesInSteadyState({ user: SA_USER, windowMs: 30_000 });
    expect(describeWrites(writes)).to.deep.equal([]);
    // The window really contained reconciles (resync), so "no writes" is not "no work".
    const reconcilesAfter = Number(/skupper_cert_rotator_reconcile_total\{controller="listener",result="ok"\} (\d+)/.exec(await scrape(daemon))?.[1] ?? 0);
    expect(reconcilesAfter - reconcilesBefore, 'listener reconciles in the window').to.be.at.least(ok.length);
  });
});
