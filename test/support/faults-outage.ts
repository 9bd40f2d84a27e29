// One control-plane component SIGKILLed while a namespace of Listeners and
// Connectors converges, kept down for a while, and started again with its
// original arguments: the end state must be complete and correct, with no
// duplicate object and the same daemon process; recovery is timed from the
// component being back (ready) to full convergence.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import type { ComponentName } from '../../cluster/components.js';
import { testCluster } from './cluster.js';
import { startSyncedDaemon, type DaemonProcess } from './daemon.js';
import { survived } from './faults-daemon.js';
import { converged, createPopulation, progress, readyCA, timeline, type Population } from './faults-population.js';
import { createNamespace } from './k8s.js';
import { daemonKubeconfig } from './serviceaccount.js';
import { eventually } from './wait.js';

export interface OutageOptions {
  component: ComponentName;
  listeners: number;
  connectors: number;
  /** How long the component stays dead: the fault itself, not a wait for a condition. */
  downMs: number;
}

export interface OutageResult {
  killedAt: { listenersDone: number; connectorsDone: number };
  restartMs: number;
  recoveryMs: number;
}

export function controlPlane(): NonNullable<ReturnType<typeof testCluster>['controlPlane']> {
  const cp = testCluster().controlPlane;
  if (!cp) throw new Error('fault tests kill and restart control-plane processes: they need the run to start its own cluster (unset TEST_KUBECONFIG)');
  return cp;
}

export async function outageDuringConvergence(o: OutageOptions, register: (d: DaemonProcess) => void): Promise<OutageResult> {
  const cp = controlPlane();
  const ns = await createNamespace(`fault-${o.component.split('-').pop() ?? 'x'}`);
  const p: Population = { ns, listeners: o.listeners, connectors: o.connectors, caPem: await readyCA(ns) };
  const daemon = await startSyncedDaemon(await daemonKubeconfig(), [ns]);
  register(daemon);
  const pid = daemon.pid;
  await createPopulation(p);
  // Mid-convergence: some done, most not.
  const created = Date.now();
  const at = await eventually('a tenth of the Listeners done', async () => {
    const now = await progress(p);
    return now.listenersDone >= Math.ceil(o.listeners / 10) ? now : undefined;
  }, { timeoutMs: 120_000, intervalMs: 200 });

  const killedAfterMs = Date.now() - created;
  await cp.components.kill(o.component);
  await new Promise((r) => setTimeout(r, o.downMs));
  const restartStarted = Date.now();
  await cp.components.restart(o.component);
  const back = Date.now();
  const done = await converged(p, 300_000);
  const recoveryMs = Date.now() - back;
  // Whose part took how long: the daemon creates Certificates, cert-manager makes them Ready, the daemon wires Listeners.
  const t = await timeline(p);
  // Kept with the cluster's state (KEEP_CLUSTER_STATE=1) for a look at what the daemon did meanwhile.
  writeFileSync(join(cp.info().dir, `daemon-during-${o.component}.log`), daemon.logs.map((l) => JSON.stringify(l)).join('\n'));
  const after = (ms: number): string => `${((ms - back) / 1000).toFixed(0)} s`;
  expect(done.listenersDone).to.equal(o.listeners);
  expect(done.connectorsDone).to.equal(o.connectors);
  const s = await survived(daemon, pid);
  console.log(`      ${o.component} SIGKILLed with ${at.listenersDone}/${o.listeners} Listeners and ${at.connectorsDone}/${o.connectors} Connectors done (${killedAfterMs} ms after they were created), down ${o.downMs} ms, ready again ${back - restartStarted} ms after restart; converged ${recoveryMs} ms after it was back (API timestamps, s after back: last Certificate created ${after(t.lastCertificateCreated)}, last Ready ${after(t.lastReady)}, last Listener wired ${after(t.lastWired)})`);
  console.log(`      daemon pid ${pid} unchanged; watch restarts ${s.watchRestarts}; heap used ${s.heapUsedMB} MB; ${s.errorLines} error-level lines${s.errorSample.length ? `: ${s.errorSample.join(' | ')}` : ''}`);
  return { killedAt: { listenersDone: at.listenersDone, connectorsDone: at.connectorsDone }, restartMs: back - restartStarted, recoveryMs };
}
