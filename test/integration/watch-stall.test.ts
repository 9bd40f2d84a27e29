// Issue 7: client-node-style watches can go silent without an error. Pausing
// the real API server (SIGSTOP) makes every watch and request hang; the
// daemon must notice (/healthz fails), and recover by itself after SIGCONT.
import { expect } from 'chai';
import { CERT_MANAGER_API_VERSION, isReady } from '../../src/model/certmanager.js';
import type { Listener } from '../../src/model/skupper.js';
import { testCluster } from '../support/cluster.js';
import { DaemonProcess } from '../support/daemon.js';
import { apply, createNamespace, getCertificate } from '../support/k8s.js';
import { daemonKubeconfig } from '../support/serviceaccount.js';
import { eventually } from '../support/wait.js';

const STALL_MS = 3000;

async function healthz(d: DaemonProcess): Promise<{ status: number; body: string }> {
  const r = await fetch(`http://${await d.address('health')}/healthz`);
  return { status: r.status, body: await r.text() };
}

async function watchRestarts(d: DaemonProcess): Promise<number> {
  const text = await (await fetch(`http://${await d.address('metrics')}/metrics`)).text();
  return [...text.matchAll(/^skupper_cert_rotator_watch_restarts_total\{[^}]*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}

describe('Stalled watches are detected and recovered (issue 7)', function () {
  this.timeout(180_000);
  let daemon: DaemonProcess | undefined;
  let apiserverPid = 0;
  let paused = false;

  before(function () {
    const p = testCluster().controlPlane?.processes.find((x) => x.name === 'kube-apiserver');
    if (!p) throw new Error('this test pauses the API server process, so it needs the control plane started by the test run itself (unset TEST_KUBECONFIG)');
    apiserverPid = p.pid;
  });

  after(async function () {
    if (paused) process.kill(apiserverPid, 'SIGCONT');
    await daemon?.stop();
  });

  it('SIGSTOP of the API server beyond the bound fails /healthz; after SIGCONT it is healthy again and reconciles', async function () {
    const ns = await createNamespace('stall');
    await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'Issuer', metadata: { name: 'selfsigned', namespace: ns }, spec: { selfSigned: {} } });
    daemon = new DaemonProcess([
      'run', `--kubeconfig=${await daemonKubeconfig()}`, '--metrics-bind-address=127.0.0.1:0', '--health-bind-address=127.0.0.1:0',
      `--namespaces=${ns}`, `--watch-stall-timeout=${STALL_MS}ms`,
    ]);
    const d = daemon;
    await d.waitForLog('caches synced', (l) => l.msg === 'caches synced');
    expect((await healthz(d)).status).to.equal(200);
    const restartsBefore = await watchRestarts(d);

    process.kill(apiserverPid, 'SIGSTOP');
    paused = true;
    const stoppedAt = Date.now();
    const unhealthy = await eventually('/healthz fails', async () => {
      const h = await healthz(d);
      return h.status === 503 ? h : undefined;
    }, { timeoutMs: 10 * STALL_MS, intervalMs: 100 });
    const detected = Date.now() - stoppedAt;
    expect(unhealthy.body).to.match(/\[-\]watches silent beyond 6 s: /);
    // Liveness only: the process, metrics and health servers keep answering.
    process.kill(apiserverPid, 'SIGCONT');
    paused = false;
    const resumedAt = Date.now();
    await eventually('/healthz ok again', async () => ((await healthz(d)).status === 200 ? true : undefined), { timeoutMs: 60_000, intervalMs: 100 });
    const recovered = Date.now() - resumedAt;
    console.log(`      stall detected by /healthz ${detected} ms after SIGSTOP (bound ${2 * STALL_MS} ms); healthy ${recovered} ms after SIGCONT`);
    // The silence may have begun a little before SIGSTOP (the last bookmark or
    // event), so no lower bound; but retries against the paused server must not
    // reset the silence clock, so no more than the bound plus one stall of slack.
    expect(detected).to.be.lessThan(3 * STALL_MS);
    expect(await watchRestarts(d)).to.be.greaterThan(restartsBefore);

    // The restarted watches deliver new objects.
    await apply<Listener>({ apiVersion: 'skupper.io/v2alpha1', kind: 'Listener', metadata: { name: 'after-stall', namespace: ns, annotations: { 'cert-manager.io/issuer': 'selfsigned' } }, spec: { routingKey: 'after-stall', host: 'after-stall', port: 8080 } });
    await eventually('Certificate after the stall', async () => {
      const c = await getCertificate(ns, 'after-stall-listener-tls');
      return c && isReady(c) ? c : undefined;
    }, { timeoutMs: 60_000 });
  });
});
