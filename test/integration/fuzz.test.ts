// Issue 12 §5: seeded, reproducible fuzzing on the real control plane. Listener
// and Connector annotations and hosts, and Secret/ConfigMap contents, come
// from a seeded generator (test/support/fuzz-input.ts); objects the user made
// sit under the names the daemon would use. Whatever the input: the daemon
// does not crash, /healthz stays green, every Secret it writes is valid,
// nothing of the user's is overwritten, and ordinary objects still converge.
// A short run is part of the suite; `npm run fuzz` runs a long one.
// Replay a failure with FUZZ_SEED=<seed printed in the failure>.
import { X509Certificate, createPrivateKey, generateKeyPairSync, randomInt } from 'node:crypto';
import { expect } from 'chai';
import * as k8s from '@kubernetes/client-node';
import { CERT_MANAGER_API_VERSION, isReady, type Certificate } from '../../src/model/certmanager.js';
import type { Connector, Listener } from '../../src/model/skupper.js';
import { testCluster } from '../support/cluster.js';
import { DaemonProcess } from '../support/daemon.js';
import { fastSelfSignedCA } from '../../cluster/fastcert.js';
import { Rng, host, listenerAnnotations, pemText, trustAnnotation } from '../support/fuzz-input.js';
import { TEST_MANAGER, apply, createNamespace, decode, getCertificate } from '../support/k8s.js';
import { writesBy } from '../support/audit.js';
import { SA_USER, daemonKubeconfig } from '../support/serviceaccount.js';
import { caIssuer } from '../support/issuers.js';
import { eventually } from '../support/wait.js';

const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : randomInt(2 ** 31);
const LISTENERS = Number(process.env.FUZZ_LISTENERS ?? 24);
const CONNECTORS = Number(process.env.FUZZ_CONNECTORS ?? 16);
const SOURCES = Number(process.env.FUZZ_SOURCES ?? 8);
const ROUNDS = Number(process.env.FUZZ_ROUNDS ?? 2);
const MANAGED_BY = 'app.kubernetes.io/managed-by';

interface UserObject {
  kind: 'Secret' | 'Certificate';
  name: string;
  /** A Secret's data as created. */
  data?: string;
}

async function tryApply<T extends k8s.KubernetesObject>(obj: T, rejected: string[]): Promise<T | undefined> {
  try {
    return await apply(obj);
  } catch (err) {
    // The API server refusing an object (schema, size) is an input class too; the daemon never sees it.
    rejected.push(`${obj.kind ?? '?'}/${obj.metadata?.name ?? '?'}: ${err instanceof k8s.ApiException ? err.code : String(err).slice(0, 80)}`);
    return undefined;
  }
}

/** What is wrong with a Secret the daemon wrote, if anything. */
function secretProblem(s: k8s.V1Secret): string | undefined {
  const name = s.metadata?.name ?? '?';
  if (s.type !== 'kubernetes.io/tls') return `${name}: type ${s.type ?? '?'}`;
  const crt = decode(s, 'tls.crt');
  const key = decode(s, 'tls.key');
  if ((crt === '') !== (key === '')) return `${name}: tls.crt and tls.key not both present`;
  if (crt !== '' && !new X509Certificate(crt).checkPrivateKey(createPrivateKey(key))) return `${name}: tls.key does not match tls.crt`;
  // The name claimed for a Certificate's Secret (empty until cert-manager fills it): no bundle in it.
  if (s.metadata?.annotations?.['cert-manager.io/certificate-name'] === name) return undefined;
  const ca = decode(s, 'ca.crt');
  const blocks = ca.match(/-----BEGIN ([^-]+)-----[\s\S]*?-----END \1-----/g) ?? [];
  if (blocks.length === 0) return `${name}: empty ca.crt`;
  for (const b of blocks) {
    if (!b.startsWith('-----BEGIN CERTIFICATE-----')) return `${name}: a non-certificate block in ca.crt`;
    try {
      const c = new X509Certificate(b);
      if (Date.parse(c.validTo) < Date.now()) return `${name}: an expired certificate in ca.crt`;
    } catch {
      return `${name}: an unparsable certificate in ca.crt`;
    }
  }
  return undefined;
}

describe(`Fuzzing tenant input on the real control plane (seed ${SEED})`, function () {
  this.timeout(600_000 + 60_000 * ROUNDS);
  let daemon: DaemonProcess | undefined;

  after(async function () {
    if (daemon) await daemon.stop();
  });

  it(`${LISTENERS} Listeners, ${CONNECTORS} Connectors, ${SOURCES} sources, ${ROUNDS} round(s): no crash, health green, valid Secrets only, user objects untouched, ordinary objects converge`, async function () {
    const seedNote = `(replay with FUZZ_SEED=${SEED})`;
    console.log(`      fuzz seed ${SEED}: ${LISTENERS} Listeners, ${CONNECTORS} Connectors, ${SOURCES} Secrets and ConfigMaps, ${ROUNDS} round(s)`);
    const r = new Rng(SEED);
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const ns = await createNamespace('fuzz');
    await caIssuer(ns, 'fuzz CA');
    // The CA a Listener may name in tlsCredentials: cert-manager's, not the daemon's to touch.
    const caCert = await eventually('the fuzz CA', async () => {
      const c = await getCertificate(ns, 'ca');
      return c && isReady(c) ? c : undefined;
    });
    const issuers = ['ca', 'selfsigned', 'missing-issuer'];
    const sourceRefs = ['issuer/ca', 'issuer/selfsigned'];
    const rejected: string[] = [];

    daemon = new DaemonProcess([
      'run', `--kubeconfig=${await daemonKubeconfig()}`, '--metrics-bind-address=127.0.0.1:0', '--health-bind-address=127.0.0.1:0',
      `--namespaces=${ns}`, '--resync-period=15s', '--log-level=debug',
    ]);
    const d = daemon;
    await d.waitForLog('caches synced', (l) => l.msg === 'caches synced', 60_000);
    const health = await d.address('health');
    const probes: boolean[] = [];
    const state = { running: true };
    const poller = (async () => {
      while (state.running) {
        try {
          probes.push((await fetch(`http://${health}/healthz`, { signal: AbortSignal.timeout(5_000) })).status === 200);
        } catch {
          probes.push(false); // not answering at all
        }
        await new Promise((res) => setTimeout(res, 100));
      }
    })();

    // The user's own objects under the names the daemon would pick.
    const users: UserObject[] = [{ kind: 'Certificate', name: caCert.metadata.name }, { kind: 'Secret', name: 'ca' }];
    const since = new Date();
    // An earlier Listener may name this one's Secret in tlsCredentials (the fuzz picks such names), so the
    // daemon may have made it first: the apply then updates the daemon's object, which is not the user's.
    const onlyOurs = (o: k8s.KubernetesObject): boolean => (o.metadata?.managedFields ?? []).every((m) => m.manager === TEST_MANAGER);
    const userSecret = async (secretName: string, type: string): Promise<void> => {
      const ca = fastSelfSignedCA({ cn: `user-${secretName}`, key });
      const made = await tryApply<k8s.V1Secret>({ apiVersion: 'v1', kind: 'Secret', metadata: { name: secretName, namespace: ns }, type, stringData: { 'tls.crt': ca.certPem, 'tls.key': ca.keyPem, 'ca.crt': ca.certPem } }, rejected);
      if (made && onlyOurs(made)) users.push({ kind: 'Secret', name: secretName, data: JSON.stringify(made.data) });
    };
    const userCertificate = async (certName: string): Promise<void> => {
      const made = await tryApply<Certificate & k8s.KubernetesObject>({
        apiVersion: CERT_MANAGER_API_VERSION, kind: 'Certificate', metadata: { name: certName, namespace: ns },
        spec: { secretName: `${certName}-users-own`, dnsNames: ['users-own.example'], issuerRef: { name: 'ca', kind: 'Issuer', group: 'cert-manager.io' } },
      }, rejected);
      if (made && onlyOurs(made)) users.push({ kind: 'Certificate', name: certName });
    };

    try {
      for (let round = 0; round < ROUNDS; round++) {
        for (let i = 0; i < SOURCES; i++) {
          if (round > 0 && r.chance(0.5)) continue;
          const text = pemText(r, key);
          await tryApply<k8s.V1Secret>({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `src-${i}`, namespace: ns }, type: r.pick(['Opaque', 'kubernetes.io/tls']), stringData: { 'ca.crt': text, ...(r.chance(0.2) ? { 'tls.crt': text, 'tls.key': '' } : {}) } }, rejected);
          await tryApply<k8s.V1ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: ns }, data: { 'ca.crt': pemText(r, key), other: pemText(r, key) } }, rejected);
          if (round === 0) sourceRefs.push(`secret/src-${i}`, `configmap/cm-${i}`, `configmap/cm-${i}#other`);
        }
        for (let i = 0; i < LISTENERS; i++) {
          if (round > 0 && r.chance(0.5)) continue;
          const name = `l-${i}`;
          if (round === 0 && r.chance(0.15)) await userSecret(`${name}-listener-tls`, r.pick(['kubernetes.io/tls', 'Opaque']));
          if (round === 0 && r.chance(0.1)) await userCertificate(`${name}-listener-tls`);
          const creds = r.chance(0.15) ? r.pick([`${name}-preset`, `l-${r.int(0, LISTENERS)}-listener-tls`, 'ca']) : undefined;
          await tryApply<Listener>({
            apiVersion: 'skupper.io/v2alpha1', kind: 'Listener',
            metadata: { name, namespace: ns, annotations: listenerAnnotations(r, issuers) },
            spec: { routingKey: name, host: host(r), port: r.int(1, 65535), ...(creds ? { tlsCredentials: creds } : {}) },
          }, rejected);
        }
        for (let i = 0; i < CONNECTORS; i++) {
          if (round > 0 && r.chance(0.5)) continue;
          const name = `c-${i}`;
          if (round === 0 && r.chance(0.15)) await userSecret(`${name}-connector-tls`, r.pick(['kubernetes.io/tls', 'Opaque']));
          if (round === 0 && r.chance(0.1)) await userCertificate(`${name}-connector-client`);
          const annotations: Record<string, string> = { 'skupper-cert-rotator.io/trust': trustAnnotation(r, sourceRefs) };
          if (r.chance(0.3)) annotations['skupper-cert-rotator.io/trust-overlap'] = r.pick(['1h', '0s', '-1h', 'forever', '720h']);
          const client = r.chance(0.3);
          if (client) annotations['cert-manager.io/issuer'] = r.pick(issuers);
          await tryApply<Connector>({
            apiVersion: 'skupper.io/v2alpha1', kind: 'Connector',
            metadata: { name, namespace: ns, annotations },
            spec: { routingKey: name, port: r.int(1, 65535), host: host(r), ...(client ? { useClientCert: true } : {}), ...(r.chance(0.1) ? { tlsCredentials: r.pick(['ca', `l-0-listener-tls`, `${name}-mine`]) } : {}) },
          }, rejected);
        }
        // Some objects go away mid-flight.
        if (round > 0) {
          for (let i = 0; i < 3; i++) {
            await testCluster().custom.deleteNamespacedCustomObject({ group: 'skupper.io', version: 'v2alpha1', namespace: ns, plural: r.pick(['listeners', 'connectors']), name: r.chance(0.5) ? `l-${r.int(0, LISTENERS - 1)}` : `c-${r.int(0, CONNECTORS - 1)}` }).catch(() => undefined);
          }
        }
        // Let the daemon chew on the round before the next one changes it.
        await d.waitForLog(`round ${round} reconciled`, () => d.logs.filter((l) => l.msg === 'reconciled').length > (round + 1) * (LISTENERS + CONNECTORS) / 2, 120_000);
      }

      // Ordinary objects next to all of that still converge.
      await apply<Listener>({ apiVersion: 'skupper.io/v2alpha1', kind: 'Listener', metadata: { name: 'control', namespace: ns, annotations: { 'cert-manager.io/issuer': 'ca' } }, spec: { routingKey: 'control', host: 'control', port: 8080 } });
      await apply<Connector>({ apiVersion: 'skupper.io/v2alpha1', kind: 'Connector', metadata: { name: 'control', namespace: ns, annotations: { 'skupper-cert-rotator.io/trust': 'issuer/ca' } }, spec: { routingKey: 'control', port: 8443, host: 'backend.example' } });
      await eventually(`the control Listener wired ${seedNote}`, async () => {
        const l = await testCluster().custom.getNamespacedCustomObject({ group: 'skupper.io', version: 'v2alpha1', namespace: ns, plural: 'listeners', name: 'control' }) as Listener;
        const c = await getCertificate(ns, 'control-listener-tls');
        return l.spec.tlsCredentials === 'control-listener-tls' && c && isReady(c) ? true : undefined;
      }, { timeoutMs: 180_000 });
      await eventually(`the control Connector wired ${seedNote}`, async () => {
        const c = await testCluster().custom.getNamespacedCustomObject({ group: 'skupper.io', version: 'v2alpha1', namespace: ns, plural: 'connectors', name: 'control' }) as Connector;
        return c.spec.tlsCredentials === 'control-connector-tls' ? true : undefined;
      }, { timeoutMs: 180_000 });
    } finally {
      state.running = false;
      await poller;
    }

    const problems = d.logs.filter((l) => l.level === 'warn').length;
    console.log(`      ${probes.length} /healthz probes (${probes.filter((p) => !p).length} failed), ${d.logs.length} log lines (${problems} warnings), ${rejected.length} objects refused by the API server, ${users.length} user objects under daemon names`);
    expect(d.logs.filter((l) => l.level === 'error' || l.level === 'fatal' || l.level === 'unparsed').map((l) => `${l.level} ${l.msg}`), `error logs ${seedNote}`).to.deep.equal([]);
    expect(probes.filter((p) => !p).length, `failed /healthz probes ${seedNote}`).to.equal(0);
    expect(probes.length, 'health was polled').to.be.greaterThan(10);

    // Nothing of the user's was written by the daemon (the audit log is the
    // ground truth; cert-manager may legitimately touch a user's Certificate),
    // and the data of the user's Secrets is as created.
    const userNames = new Set(users.map((u) => `${u.kind === 'Secret' ? 'secrets' : 'certificates'}/${u.name}`));
    // A create the API server refused (409: the name was taken) is not a write.
    const touched = writesBy(SA_USER, since).filter((w) => w.namespace === ns && (w.code ?? 0) < 300 && userNames.has(`${w.resource}/${w.name ?? ''}`));
    expect(touched.map((w) => `${w.verb} ${w.resource}/${w.name ?? ''}`), `daemon writes to user objects ${seedNote}`).to.deep.equal([]);
    for (const u of users.filter((x) => x.data !== undefined)) {
      const now = await testCluster().core.readNamespacedSecret({ namespace: ns, name: u.name });
      expect(JSON.stringify(now.data), `user Secret ${u.name} ${seedNote}`).to.equal(u.data);
    }
    // Every Secret the daemon wrote (the audit log says which) is one a router can load.
    const written = new Set(writesBy(SA_USER, since).filter((w) => w.namespace === ns && w.resource === 'secrets' && (w.code ?? 0) < 300 && w.verb !== 'delete').map((w) => w.name ?? ''));
    const ours = (await testCluster().core.listNamespacedSecret({ namespace: ns })).items.filter((s) => written.has(s.metadata?.name ?? ''));
    expect(ours.length, 'the daemon wrote bundle Secrets').to.be.greaterThan(0);
    expect(ours.every((s) => s.metadata?.labels?.[MANAGED_BY] === 'skupper-cert-rotator'), 'each carries the managed-by label').to.equal(true);
    const invalid = ours.flatMap((s) => {
      const p = secretProblem(s);
      if (p === undefined) return [];
      const how = writesBy(SA_USER, since).filter((w) => w.resource === 'secrets' && w.name === s.metadata?.name).map((w) => `${w.verb}${w.subresource ? `/${w.subresource}` : ''} ${String(w.code)}`);
      return [`${p} (keys ${Object.keys(s.data ?? {}).join(',')}; labels ${JSON.stringify(s.metadata?.labels)}; daemon writes: ${how.join(', ')})`];
    });
    expect(invalid, `invalid Secrets ${seedNote}`).to.deep.equal([]);
    expect(d.stderr.join(''), `stderr ${seedNote}`).to.equal('');
  });
});
