// Issue 15: the daemon SIGKILLed at seeded random points while it writes
// Connector bundles (40 Connectors share one trust Secret whose CA set grows
// every round) and Certificates (new Listeners every round, renew requests on
// older ones). After every kill, with no daemon running, each Connector
// Secret must hold one of the bundles the sources ever described, complete,
// with a trust history naming exactly its CAs; every Listener has at most
// one Certificate and every Certificate at most one CertificateRequest per
// revision. After the last restart everything converges, and every renew
// request was issued exactly once. FAULTS_SEED=<seed> replays a run.
import { expect } from 'chai';
import * as k8s from '@kubernetes/client-node';
import { makeCA } from '../../cluster/certgen.js';
import { CERT_MANAGER_API_VERSION, isReady, type Certificate } from '../../src/model/certmanager.js';
import { SKUPPER_API_VERSION, type Connector, type Listener } from '../../src/model/skupper.js';
import { writesBy } from '../support/audit.js';
import { testCluster } from '../support/cluster.js';
import { DaemonProcess, startSyncedDaemon } from '../support/daemon.js';
import { bundleState, fingerprint, matchBundle } from '../support/faults-bundle.js';
import { writeHistory } from '../support/faults-history.js';
import { faultsSeed, seededRandom } from '../support/faults-seed.js';
import { annotate, apply, createNamespace } from '../support/k8s.js';
import { SA_USER, daemonKubeconfig } from '../support/serviceaccount.js';
import { eventually } from '../support/wait.js';

const KILLS = 24;
const CONNECTORS = 40;
const LISTENERS_PER_ROUND = 5;
const RENEWS_PER_ROUND = 2;
const MAX_DELAY_MS = 2_500;
const TRUST = 'skupper-cert-rotator.io/trust';
const RENEW = 'skupper-cert-rotator.io/renew';

interface Kill { round: number; delayMs: number; at: Date; inFlight: number }

async function listOf<T extends k8s.KubernetesObject>(apiVersion: string, kind: string, ns: string): Promise<T[]> {
  return (await testCluster().objects.list<T>(apiVersion, kind, ns)).items;
}

describe('Faults: the daemon SIGKILLed during bundle and Certificate writes (issue 15)', function () {
  this.timeout(300_000);
  const seed = faultsSeed();
  const random = seededRandom(seed);
  let ns: string;
  let kubeconfig: string;
  let daemon: DaemonProcess | undefined;
  // CA sets the trust Secret has held, in order: bundle i holds CAs 0..i (only growing, so no overlap retention muddies "old or new").
  const cas = Array.from({ length: KILLS + 1 }, (_, i) => makeCA({ cn: `kill-ca-${i}` }).certPem);
  const expectedBundles = cas.map((_, i) => cas.slice(0, i + 1).map(fingerprint).sort());
  const listeners: string[] = [];
  const renewed = new Set<string>();

  const start = async (): Promise<DaemonProcess> => startSyncedDaemon(kubeconfig, [ns], ['--resync-period=10s', '--renewal-backoff=2s']);

  async function putTrust(count: number): Promise<void> {
    await apply<k8s.V1Secret>({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'trust', namespace: ns }, stringData: { 'ca.crt': cas.slice(0, count).join('') } });
  }

  async function createListener(name: string): Promise<void> {
    await testCluster().objects.create<Listener>({
      apiVersion: SKUPPER_API_VERSION, kind: 'Listener',
      metadata: { name, namespace: ns, annotations: { 'cert-manager.io/issuer': 'ca' } },
      spec: { routingKey: name, host: name, port: 8080 },
    });
    listeners.push(name);
  }

  /** With no daemon running: every bundle complete and self-consistent, nothing duplicated. Returns the bundle index of each Secret. */
  async function checkAtRest(maxBundle: number): Promise<number[]> {
    const problems: string[] = [];
    const secrets = (await testCluster().core.listNamespacedSecret({ namespace: ns })).items.filter((s) => s.metadata?.name?.endsWith('-connector-tls'));
    const indexes: number[] = [];
    for (const s of secrets) {
      const m = matchBundle(bundleState(s), expectedBundles.slice(0, maxBundle + 1));
      if ('problem' in m) problems.push(`${s.metadata?.name ?? ''}: ${m.problem}`);
      else indexes.push(m.index);
    }
    const certs = await listOf<Certificate>(CERT_MANAGER_API_VERSION, 'Certificate', ns);
    const perListener = new Map<string, string[]>();
    for (const c of certs) {
      for (const ref of c.metadata.ownerReferences ?? []) {
        if (ref.kind === 'Listener') perListener.set(ref.uid, [...(perListener.get(ref.uid) ?? []), c.metadata.name]);
      }
    }
    for (const [uid, names] of perListener) if (names.length > 1) problems.push(`Listener ${uid} owns ${names.length} Certificates: ${names.join(', ')}`);
    const requests = await listOf<k8s.KubernetesObject>(CERT_MANAGER_API_VERSION, 'CertificateRequest', ns);
    const perRevision = new Map<string, number>();
    for (const r of requests) {
      const owner = r.metadata?.ownerReferences?.find((o) => o.kind === 'Certificate')?.name ?? '?';
      const key = `${owner}@${r.metadata?.annotations?.['cert-manager.io/certificate-revision'] ?? '?'}`;
      perRevision.set(key, (perRevision.get(key) ?? 0) + 1);
    }
    for (const [key, n] of perRevision) if (n > 1) problems.push(`${n} CertificateRequests for ${key}`);
    expect(problems, `at rest after a kill (seed ${seed})`).to.deep.equal([]);
    return indexes;
  }

  before(async function () {
    console.log(`      FAULTS_SEED=${seed}`);
    kubeconfig = await daemonKubeconfig();
    ns = await createNamespace('kill');
    await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'Issuer', metadata: { name: 'ca', namespace: ns }, spec: { selfSigned: {} } });
    await putTrust(1);
    for (let i = 0; i < CONNECTORS; i++) {
      await testCluster().objects.create<Connector>({
        apiVersion: SKUPPER_API_VERSION, kind: 'Connector',
        metadata: { name: `c${i}`, namespace: ns, annotations: { [TRUST]: 'secret/trust' } },
        spec: { routingKey: `c${i}`, port: 8443, host: 'backend.example' },
      });
    }
    daemon = await start();
    await eventually(`${CONNECTORS} Connector Secrets with the first bundle`, async () => {
      const idx = await checkAtRestSoft();
      return idx.length === CONNECTORS && idx.every((i) => i === 0) ? true : undefined;
    }, { timeoutMs: 120_000, intervalMs: 500 });
  });

  /** Bundle indexes without the at-rest assertions (the daemon is running). */
  async function checkAtRestSoft(): Promise<number[]> {
    const secrets = (await testCluster().core.listNamespacedSecret({ namespace: ns })).items.filter((s) => s.metadata?.name?.endsWith('-connector-tls'));
    return secrets.map((s) => matchBundle(bundleState(s), expectedBundles)).map((m) => ('index' in m ? m.index : -1));
  }

  after(async function () {
    if (daemon) await daemon.stop();
  });

  it(`${KILLS} seeded SIGKILLs: every bundle old or new and complete, history agrees, nothing duplicated, then convergence`, async function () {
    const kills: Kill[] = [];
    const started = Date.now();
    for (let round = 0; round < KILLS; round++) {
      const d = daemon ?? await start();
      daemon = d;
      // The triggers, all at once: the trust source gains CA round+1, new Listeners, renew requests on older Ready ones.
      const ready = (await listOf<Certificate>(CERT_MANAGER_API_VERSION, 'Certificate', ns))
        .filter((c) => isReady(c) && c.status?.revision === 1).map((c) => c.metadata.name.replace(/-listener-tls$/, ''))
        .filter((l) => listeners.includes(l) && !renewed.has(l));
      const toRenew = ready.slice(0, RENEWS_PER_ROUND);
      for (const l of toRenew) renewed.add(l);
      await Promise.all([
        putTrust(round + 2),
        ...Array.from({ length: LISTENERS_PER_ROUND }, (_, i) => createListener(`l${round}-${i}`)),
        ...toRenew.map((l) => annotate('Listener', ns, l, { [RENEW]: `kill-${round}` })),
      ]);
      // The fault itself: a seeded instant after the triggers, not a wait for anything.
      const delayMs = Math.floor(random() * MAX_DELAY_MS);
      await new Promise((r) => setTimeout(r, delayMs));
      const at = new Date();
      d.kill('SIGKILL');
      await d.exited;
      daemon = undefined;
      await checkAtRest(round + 1);
      kills.push({ round, delayMs, at, inFlight: 0 });
    }
    const killsDone = Date.now();

    // The last restart: everything converges.
    daemon = await start();
    await eventually('every Connector Secret holds the last bundle', async () => {
      const idx = await checkAtRestSoft();
      return idx.length === CONNECTORS && idx.every((i) => i === KILLS) ? true : undefined;
    }, { timeoutMs: 120_000, intervalMs: 500 });
    const finalCerts = await eventually(`all ${listeners.length} Listeners wired to a Ready Certificate, every renew issued`, async () => {
      const certs = await listOf<Certificate>(CERT_MANAGER_API_VERSION, 'Certificate', ns);
      const byName = new Map(certs.map((c) => [c.metadata.name, c]));
      const ls = await listOf<Listener>(SKUPPER_API_VERSION, 'Listener', ns);
      const done = ls.every((l) => {
        const c = byName.get(`${l.metadata.name}-listener-tls`);
        return l.spec.tlsCredentials === `${l.metadata.name}-listener-tls` && c && isReady(c) && (c.status?.revision ?? 0) >= (renewed.has(l.metadata.name) ? 2 : 1);
      });
      return done && ls.length === listeners.length ? certs : undefined;
    }, { timeoutMs: 150_000, intervalMs: 1_000 });
    const converged = Date.now();
    // At rest again (stopped cleanly), the same checks, plus: each renew request issued exactly once, no Listener reissued unasked.
    await daemon.stop();
    daemon = undefined;
    await checkAtRest(KILLS);
    // Issuance is judged by what the daemon did (audit log): one create per Certificate whatever the kills, an
    // Issuing trigger only where a renew was asked. cert-manager itself sometimes issues a new Certificate twice
    // under load with no write of ours in between (seen: 1 of 120 in 3 of 4 loaded runs); counted, not failed.
    const daemonCertWrites = writesBy(SA_USER, new Date(started - 60_000)).filter((w) => w.namespace === ns && w.resource === 'certificates');
    const daemonWrites = daemonCertWrites.filter((w) => (w.code ?? 0) < 300);
    // A create whose daemon was killed while it was in flight can take effect and still be audited with a
    // server error: the API server answers 5xx once the client is gone, while the storage write it started
    // completes (CI, seed 286901579: a Certificate that exists, whose one create was audited as failed). Such a
    // create counts when no successful one is recorded; a 409 (the object was there) never does.
    const unknownOutcome = (name: string): number => daemonCertWrites.filter((w) => w.name === name && w.verb === 'create' && (w.code ?? 0) >= 500).length;
    let createdByKilledRequest = 0;
    const problems: string[] = [];
    let retriggered = 0;
    let extraByCertManager = 0;
    let servedByCertManager = 0;
    for (const c of finalCerts) {
      const listener = c.metadata.name.replace(/-listener-tls$/, '');
      const mine = daemonWrites.filter((w) => w.name === c.metadata.name);
      const succeeded = mine.filter((w) => w.verb === 'create').length;
      const creates = succeeded > 0 ? succeeded : Math.min(1, unknownOutcome(c.metadata.name));
      if (succeeded === 0 && creates === 1) createdByKilledRequest += 1;
      const triggers = mine.filter((w) => w.subresource === 'status').length;
      const others = mine.filter((w) => w.verb !== 'create' && w.subresource !== 'status');
      const revision = c.status?.revision ?? 0;
      if (creates !== 1) problems.push(`${c.metadata.name}: created ${creates} times`);
      if (renewed.has(listener)) {
        // Recorded by a daemon killed before its trigger, then served by an issuance cert-manager made on its own (its
        // double issuance): the request got a new certificate, so the next daemon rightly does not trigger again.
        if (triggers < 1 && others.length > 0 && revision >= 2) servedByCertManager += 1;
        else if (triggers < 1) problems.push(`${c.metadata.name}: renew asked, never triggered`);
        if (triggers > 1) retriggered += 1;
        if (revision > 1 + triggers) extraByCertManager += 1;
      } else {
        if (triggers > 0 || others.length > 0) problems.push(`${c.metadata.name}: never renewed, yet the daemon wrote it: ${mine.map((w) => `${w.verb}${w.subresource ? `/${w.subresource}` : ''}`).join(',')}`);
        if (revision !== 1) {
          extraByCertManager += 1;
          console.log(`      ${c.metadata.name}: revision ${revision} with no write of the daemon after its create:\n        ${writeHistory(ns, [c.metadata.name]).join('\n        ')}`);
        }
      }
    }
    expect(problems, `the daemon's writes to Certificates (seed ${seed})`).to.deep.equal([]);
    expect(finalCerts.length).to.equal(listeners.length);

    // Which kills landed while the daemon's writes were in flight: a write of it completed within ±50 ms of the kill.
    const writes = writesBy(SA_USER, new Date(started - 1_000)).filter((w) => w.namespace === ns);
    for (const k of kills) k.inFlight = writes.filter((w) => Math.abs(new Date(w.time).getTime() - k.at.getTime()) <= 50).length;
    const landed = kills.filter((k) => k.inFlight > 0);
    const byResource = (r: string): number => writes.filter((w) => w.resource === r && new Date(w.time).getTime() <= killsDone).length;
    console.log(`      seed ${seed}: ${KILLS} kills (delays ${kills.map((k) => k.delayMs).join(',')} ms) in ${((killsDone - started) / 1000).toFixed(1)} s; Certificates created by a request whose daemon was killed (audited as a server error): ${createdByKilledRequest}; `
      + `${landed.length} landed within ±50 ms of a daemon write (${landed.map((k) => `#${k.round}:${k.inFlight}`).join(' ')}); `
      + `daemon writes meanwhile: ${byResource('secrets')} Secret, ${byResource('certificates')} Certificate, ${byResource('listeners')} Listener; `
      + `converged ${((converged - killsDone) / 1000).toFixed(1)} s after the last kill: ${CONNECTORS} bundles of ${KILLS + 1} CAs, ${listeners.length} Listeners (each Certificate created once), ${renewed.size} renewed `
      + `(${retriggered} triggered again after a kill); Certificates cert-manager issued more often than asked, with no daemon write behind it: ${extraByCertManager}; renew requests served by such an issuance after a kill between record and trigger: ${servedByCertManager}`);
    expect(landed.length, 'kills that landed mid-write (else the test proves little)').to.be.greaterThan(0);
  });
});
