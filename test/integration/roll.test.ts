// SPEC §4.3 rolling: --roll-strategy=restart patches the router Deployment's
// pod template exactly once per new Secret revision; reload never writes it.
import { expect } from 'chai';
import * as k8s from '@kubernetes/client-node';
import { CERT_MANAGER_API_VERSION, isReady } from '../../src/model/certmanager.js';
import type { Listener } from '../../src/model/skupper.js';
import { writesBy } from '../support/audit.js';
import { testCluster } from '../support/cluster.js';
import { DaemonProcess } from '../support/daemon.js';
import { apply, createNamespace, getCertificate } from '../support/k8s.js';
import { SA_USER, daemonKubeconfig } from '../support/serviceaccount.js';
import { eventually } from '../support/wait.js';

const RESTARTED_AT = 'skupper-cert-rotator.io/restarted-at';

function listener(namespace: string, renew: string): Listener {
  return {
    apiVersion: 'skupper.io/v2alpha1', kind: 'Listener',
    metadata: { name: 'web', namespace, annotations: { 'cert-manager.io/issuer': 'ca', 'skupper-cert-rotator.io/renew': renew } },
    spec: { routingKey: 'web', host: 'web', port: 8080 },
  };
}

async function site(namespace: string): Promise<void> {
  await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'Issuer', metadata: { name: 'selfsigned', namespace }, spec: { selfSigned: {} } });
  await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'Certificate', metadata: { name: 'ca', namespace }, spec: { isCA: true, commonName: 'roll CA', secretName: 'ca', issuerRef: { name: 'selfsigned', kind: 'Issuer', group: 'cert-manager.io' } } });
  await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'Issuer', metadata: { name: 'ca', namespace }, spec: { ca: { secretName: 'ca' } } });
  // A stand-in for Skupper's router: the local control plane runs no kubelet, so only the object matters.
  await apply<k8s.V1Deployment>({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'skupper-router', namespace },
    spec: { replicas: 1, selector: { matchLabels: { app: 'router' } }, template: { metadata: { labels: { app: 'router' } }, spec: { containers: [{ name: 'router', image: 'example.invalid/router:1' }] } } },
  });
}

async function deployment(namespace: string): Promise<k8s.V1Deployment> {
  return testCluster().kc.makeApiClient(k8s.AppsV1Api).readNamespacedDeployment({ namespace, name: 'skupper-router' });
}

async function revision(namespace: string, min: number): Promise<void> {
  await eventually(`web-listener-tls at revision ${min}`, async () => {
    const c = await getCertificate(namespace, 'web-listener-tls');
    return c && isReady(c) && (c.status?.revision ?? 0) >= min ? true : undefined;
  }, { timeoutMs: 60_000 });
}

function rollouts(metrics: string, strategy: string): number {
  const m = new RegExp(`^skupper_cert_rotator_rollouts_total\\{strategy="${strategy}",result="success"\\} (\\d+)`, 'm').exec(metrics);
  return m ? Number(m[1]) : 0;
}

async function scrape(d: DaemonProcess): Promise<string> {
  return (await fetch(`http://${await d.address('metrics')}/metrics`)).text();
}

function startDaemon(kubeconfig: string, namespace: string, strategy: string): DaemonProcess {
  return new DaemonProcess([
    'run', `--kubeconfig=${kubeconfig}`, '--metrics-bind-address=127.0.0.1:0', '--health-bind-address=127.0.0.1:0',
    `--namespaces=${namespace}`, `--roll-strategy=${strategy}`, '--resync-period=5s', '--log-level=debug',
  ]);
}

describe('Rolling (SPEC §4.3)', function () {
  this.timeout(180_000);
  let kubeconfig: string;

  before(async function () {
    kubeconfig = await daemonKubeconfig();
  });

  it('restart: the router pod template changes exactly once per new Secret revision', async function () {
    const ns = await createNamespace('roll-restart');
    await site(ns);
    const daemon = startDaemon(kubeconfig, ns, 'restart');
    try {
      await apply(listener(ns, 'r0'));
      await revision(ns, 1);
      // First sight: recorded on the Deployment's metadata, no restart.
      const recorded = await eventually('revision recorded on the Deployment', async () => {
        const d = await deployment(ns);
        return d.metadata?.annotations?.['skupper-cert-rotator.io/rolled-secrets']?.includes('web-listener-tls') ? d : undefined;
      });
      expect(recorded.spec?.template.metadata?.annotations?.[RESTARTED_AT]).to.equal(undefined);
      const generation = recorded.metadata?.generation ?? 0;

      for (const [i, renew] of ['r1', 'r2'].entries()) {
        await apply(listener(ns, renew));
        await revision(ns, i + 2);
        const restarted = await eventually(`restart ${i + 1}`, async () => {
          const d = await deployment(ns);
          return (d.metadata?.generation ?? 0) >= generation + i + 1 ? d : undefined;
        });
        expect(restarted.spec?.template.metadata?.annotations?.[RESTARTED_AT]).to.be.a('string');
        // Resyncs (every 5 s) and further events must not restart it again for the same revision.
        const since = daemon.logs.length;
        await daemon.waitForLog('two roll reconciles after the restart', () => daemon.logs.slice(since).filter((l) => l.msg === 'reconciled' && l.controller === 'roll').length >= 2, 30_000);
        expect((await deployment(ns)).metadata?.generation).to.equal(generation + i + 1);
      }
      expect(rollouts(await scrape(daemon), 'restart')).to.equal(2);
    } finally {
      expect(await daemon.stop()).to.equal(0);
    }
    expect(daemon.logs.filter((l) => l.level === 'error').map((l) => l.msg)).to.deep.equal([]);
  });

  it('reload: a new revision is counted and the Deployment is never written', async function () {
    const ns = await createNamespace('roll-reload');
    await site(ns);
    const since = new Date();
    const daemon = startDaemon(kubeconfig, ns, 'reload');
    try {
      await apply(listener(ns, 'r0'));
      await revision(ns, 1);
      await apply(listener(ns, 'r1'));
      await revision(ns, 2);
      await eventually('reload counted', async () => (rollouts(await scrape(daemon), 'reload') === 1 ? true : undefined));
      const secret = await testCluster().core.readNamespacedSecret({ namespace: ns, name: 'web-listener-tls' });
      expect(secret.metadata?.annotations?.['skupper.io/tls-prior-valid-revisions']).to.equal('1');
    } finally {
      expect(await daemon.stop()).to.equal(0);
    }
    expect(writesBy(SA_USER, since).filter((w) => w.resource === 'deployments')).to.deep.equal([]);
    expect((await deployment(ns)).metadata?.generation).to.equal(1);
  });
});
