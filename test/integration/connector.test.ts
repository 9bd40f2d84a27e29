// SPEC §4.2 end to end: Connector trust bundles built by the daemon (running
// as the manifests' ServiceAccount) from real cert-manager CA issuers,
// Secrets and ConfigMaps, proven with real TLS handshakes.
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { expect } from 'chai';
import * as k8s from '@kubernetes/client-node';
import { CERT_MANAGER_API_VERSION, isReady, type Certificate } from '../../src/model/certmanager.js';
import type { Connector } from '../../src/model/skupper.js';
import { writesBy } from '../support/audit.js';
import { makeCA, makeLeaf } from '../../cluster/certgen.js';
import { fastSelfSignedCA } from '../../cluster/fastcert.js';
import { testCluster } from '../support/cluster.js';
import { DaemonProcess } from '../support/daemon.js';
import { apply, createNamespace, decode, getCertificate, isNotFound } from '../support/k8s.js';
import { SA_USER, daemonKubeconfig } from '../support/serviceaccount.js';
import { handshake, startTlsServer } from '../support/tls.js';
import { describeWrites, writesInSteadyState } from '../support/steady.js';
import { eventually } from '../support/wait.js';

const SKUPPER_CONTEXT = 'internal.skupper.io/tls-profile-context';
const TRUST = 'skupper-cert-rotator.io/trust';

function connector(namespace: string, name: string, annotations: Record<string, string>, spec: Partial<Connector['spec']> = {}): Connector {
  return {
    apiVersion: 'skupper.io/v2alpha1', kind: 'Connector',
    metadata: { name, namespace, annotations },
    spec: { routingKey: name, port: 8443, host: 'backend.example', ...spec },
  };
}

async function getConnector(namespace: string, name: string): Promise<Connector> {
  return testCluster().custom.getNamespacedCustomObject({ group: 'skupper.io', version: 'v2alpha1', namespace, plural: 'connectors', name }) as Promise<Connector>;
}

async function getSecret(namespace: string, name: string): Promise<k8s.V1Secret | undefined> {
  try {
    return await testCluster().core.readNamespacedSecret({ namespace, name });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

function subjects(pem: string): string[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []).map((c) => new X509Certificate(c).subject.replace(/\n/g, ', '));
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

/** A self-signed CA made by cert-manager, and a CA Issuer `name` that signs with it. */
async function caIssuer(namespace: string, name: string, caSecret = name): Promise<void> {
  await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'Issuer', metadata: { name: 'selfsigned', namespace }, spec: { selfSigned: {} } });
  await caCertificate(namespace, caSecret);
  await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'Issuer', metadata: { name, namespace }, spec: { ca: { secretName: caSecret } } });
}

async function caCertificate(namespace: string, name: string): Promise<k8s.V1Secret> {
  await apply({
    apiVersion: CERT_MANAGER_API_VERSION, kind: 'Certificate', metadata: { name, namespace },
    spec: { isCA: true, commonName: `${name} CA`, secretName: name, privateKey: { algorithm: 'ECDSA', size: 256 }, issuerRef: { name: 'selfsigned', kind: 'Issuer', group: 'cert-manager.io' } },
  });
  return readySecret(namespace, name);
}

/** Waits for Certificate `name` to be Ready (at least `minRevision`) and returns its Secret. */
async function readySecret(namespace: string, name: string, minRevision = 1): Promise<k8s.V1Secret> {
  return eventually(`Certificate ${namespace}/${name} ready (revision >= ${minRevision})`, async () => {
    const c: Certificate | undefined = await getCertificate(namespace, name);
    if (!c || !isReady(c) || (c.status?.revision ?? 0) < minRevision) return undefined;
    return getSecret(namespace, c.spec.secretName);
  }, { timeoutMs: 60_000 });
}

async function serverCertificate(namespace: string, name: string, issuer: string, dnsName: string): Promise<k8s.V1Secret> {
  await apply({
    apiVersion: CERT_MANAGER_API_VERSION, kind: 'Certificate', metadata: { name, namespace },
    spec: { commonName: dnsName, dnsNames: [dnsName], secretName: name, usages: ['server auth', 'digital signature', 'key encipherment'], privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' }, issuerRef: { name: issuer, kind: 'Issuer', group: 'cert-manager.io' } },
  });
  return readySecret(namespace, name);
}

async function putSecret(namespace: string, name: string, data: Record<string, string>, type = 'Opaque'): Promise<void> {
  await apply<k8s.V1Secret>({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, type, stringData: data });
}

async function putConfigMap(namespace: string, name: string, data: Record<string, string>): Promise<void> {
  await apply<k8s.V1ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data });
}

describe('Connector trust bundles (SPEC §4.2)', function () {
  this.timeout(240_000);
  let daemon: DaemonProcess;

  /** Applies the Connector and waits until the daemon has reconciled that exact version. */
  async function applyConnector(c: Connector): Promise<void> {
    const applied = await apply(c);
    const rv = Number(applied.metadata.resourceVersion);
    await daemon.waitForLog(`reconcile of ${c.metadata.namespace}/${c.metadata.name} at resourceVersion ${rv}`,
      (l) => l.msg === 'reconciled' && l.key === `${c.metadata.namespace}/${c.metadata.name}` && Number(l.observedVersion) >= rv, 60_000);
  }

  async function bundleSecret(namespace: string, name: string, pred: (s: k8s.V1Secret) => boolean = () => true, what = 'present'): Promise<k8s.V1Secret> {
    return eventually(`Secret ${namespace}/${name} ${what}`, async () => {
      const s = await getSecret(namespace, name);
      return s && pred(s) ? s : undefined;
    }, { timeoutMs: 60_000 });
  }

  before(async function () {
    const kubeconfig = await daemonKubeconfig();
    daemon = new DaemonProcess([
      'run', `--kubeconfig=${kubeconfig}`, '--metrics-bind-address=127.0.0.1:0', '--health-bind-address=127.0.0.1:0',
      '--resync-period=10s', '--log-level=debug',
    ]);
    await daemon.waitForLog('caches synced', (l) => l.msg === 'caches synced');
  });

  after(async function () {
    const code = await daemon.stop();
    expect(code, 'daemon exit code').to.equal(0);
    expect(daemon.logs.filter((l) => l.level === 'error' || l.level === 'fatal').map((l) => `${l.msg} ${String(l.key)}: ${JSON.stringify(l.err)}`)).to.deep.equal([]);
  });

  it('bundles the CA of issuer/backend-ca; a client trusting only that ca.crt verifies the backend', async function () {
    const ns = await createNamespace('ct-basic');
    await caIssuer(ns, 'backend-ca');
    const backend = await serverCertificate(ns, 'backend', 'backend-ca', 'backend.example');
    await applyConnector(connector(ns, 'db', { [TRUST]: 'issuer/backend-ca' }));

    const secret = await bundleSecret(ns, 'db-connector-tls');
    expect(secret.type).to.equal('kubernetes.io/tls');
    expect(subjects(decode(secret, 'ca.crt'))).to.deep.equal(['CN=backend-ca CA']);
    expect(decode(secret, 'tls.crt')).to.equal('');
    expect(secret.metadata?.labels?.['app.kubernetes.io/managed-by']).to.equal('skupper-cert-rotator');
    const wired = await eventually('Connector wired', async () => ((await getConnector(ns, 'db')).spec.tlsCredentials === 'db-connector-tls' ? true : undefined));
    expect(wired).to.equal(true);

    const server = await startTlsServer({ cert: decode(backend, 'tls.crt'), key: decode(backend, 'tls.key') });
    try {
      const ok = await handshake(server.port, { ca: decode(secret, 'ca.crt'), servername: 'backend.example' });
      expect(ok, ok.error).to.include({ ok: true });
      // The bundle is what makes it work: an unrelated CA does not.
      const other = await handshake(server.port, { ca: makeCA({ cn: 'unrelated' }).certPem, servername: 'backend.example' });
      expect(other.ok).to.equal(false);
    } finally {
      await server.close();
    }
    for (const reason of ['TrustBundleUpdated', 'Wired']) await eventWithReason(ns, 'db', reason);

    // The per-object metrics describe the bundle that was written.
    const caNotAfter = Math.floor(Date.parse(new X509Certificate(decode(secret, 'ca.crt')).validTo) / 1000);
    const labels = `namespace="${ns}",kind="connector",name="db",secret="db-connector-tls"`;
    const metrics = await eventually('connector metrics', async () => {
      const text = await (await fetch(`http://${await daemon.address('metrics')}/metrics`)).text();
      return text.includes(`skupper_cert_rotator_ca_bundle_certificates{${labels}} 1`) ? text : undefined;
    });
    expect(metrics).to.contain(`skupper_cert_rotator_ca_bundle_not_after_timestamp_seconds{${labels}} ${caNotAfter}`);
    expect(metrics).to.contain(`skupper_cert_rotator_certificate_ready{${labels}} 1`);
  });

  it('merges secret + configmap + issuer + clusterissuer sources into one deduplicated bundle; dropping a duplicate source writes nothing', async function () {
    const ns = await createNamespace('ct-multi');
    await caIssuer(ns, 'issuer-ca');
    // A ClusterIssuer's CA Secret lives in the cluster resource namespace (cert-manager).
    await caIssuer('cert-manager', 'ct-cluster-ca');
    await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'ClusterIssuer', metadata: { name: 'ct-cluster-ca' }, spec: { ca: { secretName: 'ct-cluster-ca' } } });
    const a = makeCA({ cn: 'ca-a' });
    const b = makeCA({ cn: 'ca-b' });
    await putSecret(ns, 'ca-a', { 'ca.crt': a.certPem });
    await putConfigMap(ns, 'cas', { 'bundle.pem': a.certPem + b.certPem });
    await applyConnector(connector(ns, 'multi', { [TRUST]: 'secret/ca-a, configmap/cas#bundle.pem, issuer/issuer-ca, clusterissuer/ct-cluster-ca' }));
    const first = await bundleSecret(ns, 'multi-connector-tls');
    expect(subjects(decode(first, 'ca.crt'))).to.deep.equal(['CN=ca-a', 'CN=ca-b', 'CN=ct-cluster-ca CA', 'CN=issuer-ca CA']);

    // Skupper writes its own annotation on the Secret; it must survive every update.
    await testCluster().core.patchNamespacedSecret({ namespace: ns, name: 'multi-connector-tls', body: { metadata: { annotations: { [SKUPPER_CONTEXT]: 'ordinal=1' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    const afterSkupper = await bundleSecret(ns, 'multi-connector-tls', (s) => s.metadata?.annotations?.[SKUPPER_CONTEXT] === 'ordinal=1');

    const since = new Date();
    await applyConnector(connector(ns, 'multi', { [TRUST]: 'configmap/cas#bundle.pem,issuer/issuer-ca,clusterissuer/ct-cluster-ca' }));
    const same = await getSecret(ns, 'multi-connector-tls');
    expect(same?.metadata?.resourceVersion, 'no write for a duplicate source').to.equal(afterSkupper.metadata?.resourceVersion);
    expect(writesBy(SA_USER, since).filter((w) => w.resource === 'secrets')).to.deep.equal([]);

    // A real change: ca-b leaves, and the bundle is rewritten with Skupper's annotation intact.
    await putConfigMap(ns, 'cas', { 'bundle.pem': a.certPem });
    const updated = await bundleSecret(ns, 'multi-connector-tls', (s) => s.metadata?.resourceVersion !== afterSkupper.metadata?.resourceVersion, 'updated');
    expect(updated.metadata?.annotations?.[SKUPPER_CONTEXT]).to.equal('ordinal=1');
    // ca-b left the sources but stays for the default overlap (720h).
    expect(subjects(decode(updated, 'ca.crt'))).to.deep.equal(['CN=ca-a', 'CN=ca-b', 'CN=ct-cluster-ca CA', 'CN=issuer-ca CA']);
    const history = JSON.parse(updated.metadata?.annotations?.['skupper-cert-rotator.io/trust-history'] ?? '{}') as { certificates: Record<string, { leftSourcesAt?: string }> };
    expect(Object.values(history.certificates).filter((e) => e.leftSourcesAt !== undefined)).to.have.length(1);
  });

  it('rotates the backend CA with zero failed handshakes; the old CA leaves after the overlap; an expired CA is dropped', async function () {
    const ns = await createNamespace('ct-rotate');
    await caIssuer(ns, 'backend-ca', 'ca-one');
    let backend = await serverCertificate(ns, 'backend', 'backend-ca', 'backend.example');
    // A second source whose CA expires during the test.
    // It must still be valid when the first bundle is built (a loaded machine
    // may take many seconds to get there) and expire before the overlap of
    // step 3 ends, which itself takes 30 s after step 1.
    const shortLived = makeCA({ cn: 'short-lived', notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 45_000) });
    await putSecret(ns, 'short', { 'ca.crt': shortLived.certPem });
    await applyConnector(connector(ns, 'rot', { [TRUST]: 'issuer/backend-ca,secret/short', 'skupper-cert-rotator.io/trust-overlap': '30s' }));
    const initial = await bundleSecret(ns, 'rot-connector-tls');
    expect(subjects(decode(initial, 'ca.crt'))).to.deep.equal(['CN=ca-one CA', 'CN=short-lived']);

    const server = await startTlsServer({ cert: decode(backend, 'tls.crt'), key: decode(backend, 'tls.key') });
    const results: { at: number; ok: boolean; error?: string; cas: number }[] = [];
    const state = { running: true };
    // The client: every ~100 ms, the Connector Secret's current ca.crt, a new connection.
    const client = (async () => {
      while (state.running) {
        const s = await getSecret(ns, 'rot-connector-tls');
        const ca = s ? decode(s, 'ca.crt') : '';
        const r = await handshake(server.port, { ca, servername: 'backend.example' });
        results.push({ at: Date.now(), ok: r.ok, cas: subjects(ca).length, ...(r.error ? { error: r.error } : {}) });
        await new Promise((res) => setTimeout(res, 100));
      }
    })();
    // The backend: serves whatever its Secret holds, reloading within ~200 ms.
    const reloader = (async () => {
      while (state.running) {
        const s = await getSecret(ns, 'backend');
        if (s && decode(s, 'tls.crt') !== decode(backend, 'tls.crt')) {
          backend = s;
          server.server.setSecureContext({ cert: decode(s, 'tls.crt'), key: decode(s, 'tls.key') });
        }
        await new Promise((res) => setTimeout(res, 200));
      }
    })();
    try {
      // Step 1: a new CA for the issuer. The bundle gains it and keeps the old one.
      await caCertificate(ns, 'ca-two');
      await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'Issuer', metadata: { name: 'backend-ca', namespace: ns }, spec: { ca: { secretName: 'ca-two' } } });
      await bundleSecret(ns, 'rot-connector-tls', (s) => subjects(decode(s, 'ca.crt')).includes('CN=ca-two CA'), 'with ca-two');
      // Step 2: the backend certificate is reissued from the new CA (cmctl renew would do the same).
      await testCluster().core.deleteNamespacedSecret({ namespace: ns, name: 'backend' });
      await eventually('backend serving a leaf from ca-two', () => Promise.resolve(new X509Certificate(decode(backend, 'tls.crt')).issuer.includes('ca-two') ? true : undefined), { timeoutMs: 60_000 });
      const served = results.length;
      await eventually('handshakes against the new leaf', () => Promise.resolve(results.length >= served + 5 ? true : undefined));
      // Step 3: after the 30 s overlap ca-one leaves; short-lived has expired and is gone too.
      const final = await bundleSecret(ns, 'rot-connector-tls', (s) => subjects(decode(s, 'ca.crt')).join('|') === 'CN=ca-two CA', 'down to ca-two only');
      expect(final.metadata?.labels?.['app.kubernetes.io/managed-by']).to.equal('skupper-cert-rotator');
      const seen = results.length;
      await eventually('handshakes after the overlap', () => Promise.resolve(results.length >= seen + 5 ? true : undefined));
    } finally {
      state.running = false;
      await Promise.all([client, reloader]);
      await server.close();
    }
    const failed = results.filter((r) => !r.ok);
    console.log(`      CA rotation: ${results.length} handshakes over ${((results.at(-1)?.at ?? 0) - (results[0]?.at ?? 0)) / 1000} s, ${failed.length} failed`);
    expect(failed, `failed handshakes out of ${results.length}`).to.deep.equal([]);
    expect(results.length).to.be.greaterThan(100);
    expect(new Set(results.map((r) => r.cas))).to.include.members([1, 2]);
    const notes = (await events(ns, 'rot')).filter((e) => e.reason === 'TrustBundleUpdated').map((e) => e.note);
    expect(notes.length).to.be.greaterThanOrEqual(3);
  });

  it('useClientCert: the Secret carries a client certificate the backend accepts; without it the handshake fails', async function () {
    const ns = await createNamespace('ct-mtls');
    await caIssuer(ns, 'backend-ca');
    await caIssuer(ns, 'client-ca');
    const backend = await serverCertificate(ns, 'backend', 'backend-ca', 'backend.example');
    const clientCa = await readySecret(ns, 'client-ca');
    await applyConnector(connector(ns, 'mtls', { [TRUST]: 'issuer/backend-ca', 'cert-manager.io/issuer': 'client-ca' }, { useClientCert: true }));

    const secret = await bundleSecret(ns, 'mtls-connector-tls', (s) => decode(s, 'tls.crt') !== '', 'with a client certificate');
    const clientCert = await getCertificate(ns, 'mtls-connector-client');
    expect(clientCert?.spec.usages).to.include('client auth');
    expect(clientCert?.metadata.ownerReferences?.map((r) => `${r.kind}/${r.name}`)).to.deep.equal(['Connector/mtls']);
    await eventually('Connector wired', async () => ((await getConnector(ns, 'mtls')).spec.tlsCredentials === 'mtls-connector-tls' ? true : undefined));

    const server = await startTlsServer({ cert: decode(backend, 'tls.crt'), key: decode(backend, 'tls.key'), clientCa: decode(clientCa, 'tls.crt') });
    try {
      const withCert = await handshake(server.port, { ca: decode(secret, 'ca.crt'), servername: 'backend.example', cert: decode(secret, 'tls.crt'), key: decode(secret, 'tls.key') });
      expect(withCert, withCert.error).to.include({ ok: true });
      const without = await handshake(server.port, { ca: decode(secret, 'ca.crt'), servername: 'backend.example' });
      expect(without.ok).to.equal(false);
    } finally {
      await server.close();
    }
    await eventWithReason(ns, 'mtls', 'ClientCertificateIssued');

    // The client certificate renews: the Connector Secret follows in one update.
    const before = decode(secret, 'tls.crt');
    await testCluster().core.deleteNamespacedSecret({ namespace: ns, name: 'mtls-connector-client' });
    const rolled = await bundleSecret(ns, 'mtls-connector-tls', (s) => decode(s, 'tls.crt') !== before, 'with the renewed client certificate');
    expect(subjects(decode(rolled, 'ca.crt'))).to.deep.equal(['CN=backend-ca CA']);
  });

  describe('bad input is reported and never touches the existing Secret', function () {
    let ns: string;
    const good = makeCA({ cn: 'good-ca' });

    before(async function () {
      ns = await createNamespace('ct-bad');
      await putSecret(ns, 'good', { 'ca.crt': good.certPem });
    });

    /** A Connector with a working bundle; returns the Secret's resourceVersion. */
    async function working(name: string, extra: Record<string, string> = {}): Promise<string> {
      await applyConnector(connector(ns, name, { [TRUST]: 'secret/good', ...extra }));
      const s = await bundleSecret(ns, `${name}-connector-tls`);
      expect(subjects(decode(s, 'ca.crt'))).to.deep.equal(['CN=good-ca']);
      return s.metadata?.resourceVersion ?? '';
    }

    async function expectUntouched(name: string, rv: string): Promise<void> {
      const s = await getSecret(ns, `${name}-connector-tls`);
      expect(s?.metadata?.resourceVersion, `${name}-connector-tls untouched`).to.equal(rv);
      expect(subjects(decode(s ?? {}, 'ca.crt'))).to.deep.equal(['CN=good-ca']);
    }

    it('a missing source', async function () {
      const rv = await working('missing');
      await applyConnector(connector(ns, 'missing', { [TRUST]: 'secret/good,secret/nope' }));
      const e = await eventWithReason(ns, 'missing', 'TrustSourceMissing');
      expect(e.type).to.equal('Warning');
      expect(e.note).to.contain('nope');
      await expectUntouched('missing', rv);
    });

    it('a source with garbage instead of PEM', async function () {
      const rv = await working('garbage');
      await putConfigMap(ns, 'garbage', { 'ca.crt': '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\nhello' });
      await applyConnector(connector(ns, 'garbage', { [TRUST]: 'secret/good,configmap/garbage' }));
      const e = await eventWithReason(ns, 'garbage', 'TrustSourceInvalid');
      expect(e.note).to.contain('no usable certificate');
      await expectUntouched('garbage', rv);
    });

    it('a cross-namespace reference', async function () {
      const rv = await working('cross');
      await applyConnector(connector(ns, 'cross', { [TRUST]: 'secret/good,secret/kube-system/some-ca' }));
      const e = await eventWithReason(ns, 'cross', 'CrossNamespaceRefused');
      expect(e.note).to.contain('kube-system');
      await expectUntouched('cross', rv);
    });

    it('an empty bundle (only an expired CA left, no overlap): the last good ca.crt is kept', async function () {
      const expired = makeCA({ cn: 'expired-ca', notBefore: new Date(Date.now() - 10 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
      await putSecret(ns, 'soon-bad', { 'ca.crt': good.certPem });
      await applyConnector(connector(ns, 'empty', { [TRUST]: 'secret/soon-bad', 'skupper-cert-rotator.io/trust-overlap': '0s' }));
      const s = await bundleSecret(ns, 'empty-connector-tls');
      await putSecret(ns, 'soon-bad', { 'ca.crt': expired.certPem });
      const e = await eventWithReason(ns, 'empty', 'TrustBundleEmpty');
      expect(e.note).to.contain('1 expired');
      await expectUntouched('empty', s.metadata?.resourceVersion ?? '');
    });

    it('a leaf (non-CA) certificate is kept, with a warning', async function () {
      const leaf = makeLeaf(good, { cn: 'pinned-backend', dns: ['backend.example'] });
      await putSecret(ns, 'leaf', { 'ca.crt': leaf.certPem });
      await applyConnector(connector(ns, 'leaf', { [TRUST]: 'secret/good,secret/leaf' }));
      const s = await bundleSecret(ns, 'leaf-connector-tls');
      expect(subjects(decode(s, 'ca.crt'))).to.deep.equal(['CN=good-ca', 'CN=pinned-backend']);
      const e = await eventWithReason(ns, 'leaf', 'TrustSourceLeafCertificate');
      expect(e.note).to.contain('pinned-backend');
    });

    it('a weak CA in a source is reported and left out; the good CA is used', async function () {
      // RSA-1024: the router's OpenSSL (security level 2) refuses any chain through it.
      const weakKey = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
      const weak = makeCA({ cn: 'weak-ca', keyType: 'rsa', keyPem: weakKey });
      await putSecret(ns, 'weak', { 'ca.crt': `${weak.certPem}${good.certPem}` });
      await applyConnector(connector(ns, 'weak', { [TRUST]: 'secret/weak' }));
      const s = await bundleSecret(ns, 'weak-connector-tls');
      expect(subjects(decode(s, 'ca.crt'))).to.deep.equal(['CN=good-ca']);
      const e = await eventWithReason(ns, 'weak', 'TrustSourceWeakCertificate');
      expect(e.note).to.contain('"CN=weak-ca"');
      expect(e.note).to.contain('RSA key of 1024 bits');
    });

    it('a Secret of the same name that is not ours is never overwritten', async function () {
      await putSecret(ns, 'mine-connector-tls', { 'tls.crt': '', 'tls.key': '', 'ca.crt': 'hand-made' }, 'kubernetes.io/tls');
      await applyConnector(connector(ns, 'mine', { [TRUST]: 'secret/good' }));
      await eventWithReason(ns, 'mine', 'SecretConflict');
      const s = await getSecret(ns, 'mine-connector-tls');
      expect(decode(s ?? {}, 'ca.crt')).to.equal('hand-made');
      expect((await getConnector(ns, 'mine')).spec.tlsCredentials).to.equal(undefined);
    });

    it('a 1,000-certificate source works', async function () {
      const pems: string[] = [];
      const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      for (let i = 0; i < 1000; i++) pems.push(fastSelfSignedCA({ cn: `bulk-${String(i).padStart(4, '0')}`, key }).certPem);
      await putConfigMap(ns, 'bulk', { 'ca.crt': pems.join('') });
      const started = Date.now();
      await applyConnector(connector(ns, 'bulk', { [TRUST]: 'configmap/bulk' }));
      const s = await bundleSecret(ns, 'bulk-connector-tls');
      const ms = Date.now() - started;
      expect(subjects(decode(s, 'ca.crt'))).to.have.length(1000);
      const line = daemon.logs.find((l) => l.msg === 'reconciled' && l.key === `${ns}/bulk` && l.result === 'ok');
      console.log(`      1,000-certificate bundle: Secret written ${ms} ms after the Connector was applied; first full reconcile ${String(line?.ms)} ms; ca.crt ${decode(s, 'ca.crt').length} bytes`);
    });
  });

  describe('steady state', function () {
    it('makes zero write requests in 25 s once its Connectors have converged (resync every 10 s)', async function () {
      // Its own Connectors, so it holds when run alone: healthy, held on a
      // missing source, a client certificate, a ConfigMap source. Connectors of
      // the tests above (conflicting, big, rotated) may still be there too.
      const ns = await createNamespace('ct-steady');
      const since = new Date();
      await caIssuer(ns, 'backend-ca');
      await caIssuer(ns, 'client-ca', 'client-ca-secret');
      await putConfigMap(ns, 'cas', { 'ca.crt': makeCA({ cn: 'steady-cm' }).certPem });
      await applyConnector(connector(ns, 'healthy', { [TRUST]: 'issuer/backend-ca' }));
      await applyConnector(connector(ns, 'held', { [TRUST]: 'secret/does-not-exist' }));
      await applyConnector(connector(ns, 'mtls', { [TRUST]: 'issuer/backend-ca', 'cert-manager.io/issuer': 'client-ca' }, { useClientCert: true }));
      await applyConnector(connector(ns, 'cm', { [TRUST]: 'configmap/cas,issuer/backend-ca' }));
      await bundleSecret(ns, 'healthy-connector-tls');
      await bundleSecret(ns, 'cm-connector-tls', (s) => subjects(decode(s, 'ca.crt')).length === 2, 'with both CAs');
      await bundleSecret(ns, 'mtls-connector-tls', (s) => decode(s, 'tls.crt') !== '', 'with the client certificate');
      await eventually('held Connector reported', async () => (await events(ns, 'held')).find((e) => e.type === 'Warning'));
      const setup = writesBy(SA_USER, since);
      expect(setup.some((w) => w.resource === 'secrets' && w.namespace === ns), describeWrites(setup).join('; ')).to.equal(true);

      const reconciledBefore = daemon.logs.filter((l) => l.msg === 'reconciled' && l.controller === 'connector').length;
      const writes = await writesInSteadyState({ user: SA_USER, windowMs: 25_000 });
      const reconciled = daemon.logs.filter((l) => l.msg === 'reconciled' && l.controller === 'connector').length - reconciledBefore;
      expect(reconciled, 'reconciles in the window (resyncs happened)').to.be.at.least(4);
      expect(describeWrites(writes)).to.deep.equal([]);
    });
  });
});
