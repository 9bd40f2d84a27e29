// Issue 12 §4: the daemon never overwrites a Certificate or Secret it did not
// create, including during cache lag. Each round creates a user's Secret
// and/or Certificate with the name the daemon will use (L-listener-tls) in the
// same tick as the annotated Listener L, so the daemon's first look at L may
// come before its caches show the user's object. Whoever is first keeps the
// name: a user's object that was created must be unchanged afterwards and a
// conflict reported; a user's create refused with 409 means the daemon was
// first, which is no overwrite either. The audit log witnesses that no write
// of the daemon to a user's object ever succeeded.
import { expect } from 'chai';
import * as k8s from '@kubernetes/client-node';
import { CERT_MANAGER_API_VERSION, type Certificate } from '../../src/model/certmanager.js';
import type { Listener } from '../../src/model/skupper.js';
import { writesBy } from '../support/audit.js';
import { testCluster } from '../support/cluster.js';
import { DaemonProcess } from '../support/daemon.js';
import { createNamespace, getCertificate, isNotFound } from '../support/k8s.js';
import { SA_USER, daemonKubeconfig } from '../support/serviceaccount.js';
import { eventually } from '../support/wait.js';

const ROUNDS = 30;
type Kind = 'secret' | 'certificate' | 'both';

interface Round {
  name: string;
  kind: Kind;
  secret?: k8s.V1Secret;
  certificate?: Certificate;
  refused: string[];
}

function isAlreadyExists(err: unknown): boolean {
  const e = err as { code?: number; statusCode?: number; body?: unknown };
  return e.code === 409 || e.statusCode === 409;
}

/** What of a Certificate a writer other than cert-manager's status updates could change. */
function certificateShape(c: Certificate | undefined): unknown {
  if (!c) return undefined;
  const m = c.metadata;
  return {
    uid: m.uid, generation: m.generation, labels: m.labels, annotations: m.annotations, ownerReferences: m.ownerReferences, spec: c.spec,
    managers: [...new Set((m.managedFields ?? []).filter((f) => f.subresource !== 'status').map((f) => f.manager))].sort(),
  };
}

describe('Ownership under cache lag: a race of user objects and Listeners (issue 12 §4)', function () {
  this.timeout(300_000);
  let daemon: DaemonProcess;
  let ns: string;
  const since = new Date();
  const rounds: Round[] = [];

  before(async function () {
    ns = await createNamespace('race');
    daemon = new DaemonProcess([
      'run', `--kubeconfig=${await daemonKubeconfig()}`, '--metrics-bind-address=127.0.0.1:0', '--health-bind-address=127.0.0.1:0',
      `--namespaces=${ns}`, '--resync-period=10s',
    ]);
    await daemon.waitForLog('caches synced', (l) => l.msg === 'caches synced');
    await testCluster().objects.create({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'Issuer', metadata: { name: 'ca', namespace: ns }, spec: { selfSigned: {} } });
  });

  after(async function () {
    expect(await daemon.stop()).to.equal(0);
    expect(daemon.logs.filter((l) => l.level === 'error' || l.level === 'fatal').map((l) => l.msg)).to.deep.equal([]);
  });

  it(`${ROUNDS} Listeners created in the same tick as a user's Secret and/or Certificate of the daemon's name: nothing of the user's changes`, async function () {
    const kinds: Kind[] = ['secret', 'certificate', 'both'];
    const started = Date.now();
    await Promise.all(Array.from({ length: ROUNDS }, async (_, i) => {
      const name = `race-${i}`;
      const target = `${name}-listener-tls`;
      const round: Round = { name, kind: kinds[i % kinds.length] ?? 'secret', refused: [] };
      rounds.push(round);
      const userSecret = (): Promise<void> => testCluster().core.createNamespacedSecret({
        namespace: ns,
        body: { metadata: { name: target, annotations: { owner: 'a user' } }, type: 'kubernetes.io/tls', data: { 'tls.crt': Buffer.from(`user cert ${i}`).toString('base64'), 'tls.key': Buffer.from(`user key ${i}`).toString('base64') } },
      }).then((s) => { round.secret = s; }, (err: unknown) => { if (!isAlreadyExists(err)) throw err; round.refused.push('secret'); });
      const userCertificate = (): Promise<void> => testCluster().objects.create<Certificate>({
        apiVersion: CERT_MANAGER_API_VERSION, kind: 'Certificate', metadata: { name: target, namespace: ns, labels: { owner: 'a-user' } },
        // Its own Secret name: cert-manager's writes for it must not be mistaken for ours.
        spec: { secretName: `user-${name}`, commonName: `user-${name}`, dnsNames: [`user-${name}`], issuerRef: { name: 'ca', kind: 'Issuer', group: 'cert-manager.io' } },
      }).then((c) => { round.certificate = c; }, (err: unknown) => { if (!isAlreadyExists(err)) throw err; round.refused.push('certificate'); });
      const listener = testCluster().objects.create<Listener>({
        apiVersion: 'skupper.io/v2alpha1', kind: 'Listener',
        metadata: { name, namespace: ns, annotations: { 'cert-manager.io/issuer': 'ca' } },
        spec: { routingKey: name, host: name, port: 8080 },
      });
      // Even rounds: the same tick, none of the three waits for another. Odd
      // rounds: the user's objects right after the Listener exists, so the
      // daemon is often looking at the Listener while they are being created
      // (its caches behind): either side may be first.
      if (i % 2 === 1) await listener;
      await Promise.all([
        listener,
        round.kind !== 'certificate' ? userSecret() : Promise.resolve(),
        round.kind !== 'secret' ? userCertificate() : Promise.resolve(),
      ]);
    }));

    // Every round whose user object exists ends in a reported conflict.
    const conflictOf = (r: Round): string => (r.certificate ? 'CertificateConflict' : 'SecretConflict');
    const contested = rounds.filter((r) => r.secret ?? r.certificate);
    const reported = await eventually('a conflict reported for every contested Listener', async () => {
      const t = await (await fetch(`http://${await daemon.address('metrics')}/metrics`)).text();
      return contested.every((r) => t.includes(`skupper_cert_rotator_object_problem{namespace="${ns}",kind="listener",name="${r.name}",reason="${conflictOf(r)}"} 1`)) ? Date.now() : undefined;
    }, { timeoutMs: 120_000, intervalMs: 500 });
    // And stays so across a resync (10 s) of every Listener.
    const mark = daemon.logs.length;
    await eventually('a resync pass over the contested Listeners', () => Promise.resolve(
      contested.every((r) => daemon.logs.slice(mark).some((l) => l.listener === `${ns}/${r.name}` && (l.msg.includes('not managed by skupper-cert-rotator') || l.msg.includes('never overwritten')))) ? true : undefined,
    ), { timeoutMs: 60_000, intervalMs: 500 });

    for (const r of contested) {
      const target = `${r.name}-listener-tls`;
      if (r.secret) {
        const now = await testCluster().core.readNamespacedSecret({ namespace: ns, name: target });
        expect({ rv: now.metadata?.resourceVersion, data: now.data, labels: now.metadata?.labels, annotations: now.metadata?.annotations, type: now.type }, `${target} (${r.kind})`)
          .to.deep.equal({ rv: r.secret.metadata?.resourceVersion, data: r.secret.data, labels: r.secret.metadata?.labels, annotations: r.secret.metadata?.annotations, type: r.secret.type });
      }
      if (r.certificate) {
        expect(certificateShape(await getCertificate(ns, target)), `${target} (${r.kind})`).to.deep.equal(certificateShape(r.certificate));
      }
      const l = await testCluster().objects.read<Listener>({ apiVersion: 'skupper.io/v2alpha1', kind: 'Listener', metadata: { name: r.name, namespace: ns } });
      expect(l.spec.tlsCredentials, `${r.name} is not wired to a user's object`).to.equal(undefined);
    }
    // The audit log: no write of the daemon to a user's object succeeded (a refused create, 409, is asking, not writing).
    const userObjects = new Set(contested.flatMap((r) => [...(r.secret ? [`secrets/${r.name}-listener-tls`] : []), ...(r.certificate ? [`certificates/${r.name}-listener-tls`] : [])]));
    const landed = writesBy(SA_USER, since).filter((w) => w.namespace === ns && userObjects.has(`${w.resource}/${w.name ?? ''}`) && (w.code ?? 0) < 300);
    expect(landed).to.deep.equal([]);
    const refusedCreates = writesBy(SA_USER, since).filter((w) => w.namespace === ns && w.verb === 'create' && w.code === 409).length;

    const won = rounds.filter((r) => r.refused.length > 0).map((r) => `${r.name}:${r.refused.join('+')}`);
    // Measured numbers for the closing note.
    console.log(`      rounds ${ROUNDS}: user objects created in ${contested.length}, daemon first in ${won.length} (${won.join(', ') || 'none'}); `
      + `daemon creates refused with 409: ${refusedCreates}; all conflicts reported ${Math.round((reported - started) / 100) / 10} s after the creates`);
    // A round the daemon won has no user object: nothing of the user's to protect, and the user's own create told them so.
    for (const r of rounds.filter((x) => x.refused.length > 0)) {
      for (const what of r.refused) expect(['secret', 'certificate']).to.include(what);
    }
    // Nothing was deleted either.
    for (const r of contested) {
      if (r.secret) await testCluster().core.readNamespacedSecret({ namespace: ns, name: `${r.name}-listener-tls` }).catch((err: unknown) => { if (isNotFound(err)) throw new Error(`${r.name}: the user's Secret is gone`); throw err; });
    }
  });
});
