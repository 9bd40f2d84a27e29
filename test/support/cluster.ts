// The control plane every integration test talks to. One per test run: the
// root hook starts it in a temp dir and stops it at the end (also on Ctrl-C:
// the servers die with this process through pdeathsig).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { LocalControlPlane } from '../../cluster/controlplane.js';

export interface TestCluster {
  kubeconfig: string;
  /** The API server's audit log of write requests. */
  auditLog: string;
  kc: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  objects: k8s.KubernetesObjectApi;
  custom: k8s.CustomObjectsApi;
  /** The running processes, when this run started the cluster itself. */
  controlPlane?: LocalControlPlane;
}

let current: TestCluster | undefined;

export function testCluster(): TestCluster {
  if (!current) throw new Error('the test cluster is not running: integration tests must run with --require test/integration/hooks.ts (npm run test:integration)');
  return current;
}

function clients(kubeconfig: string, auditLog: string, controlPlane?: LocalControlPlane): TestCluster {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  return {
    kubeconfig,
    auditLog,
    kc,
    core: kc.makeApiClient(k8s.CoreV1Api),
    objects: k8s.KubernetesObjectApi.makeApiClient(kc),
    custom: kc.makeApiClient(k8s.CustomObjectsApi),
    controlPlane,
  };
}

export async function startTestCluster(): Promise<TestCluster> {
  // Reuse a running cluster for quick iteration: TEST_KUBECONFIG=.local/kubeconfig npm run test:integration
  const reuse = process.env.TEST_KUBECONFIG;
  if (reuse) {
    // `npm run cluster:up` keeps its state next to the kubeconfig it writes.
    current = clients(reuse, join(dirname(reuse), 'cluster', 'audit.log'));
    return current;
  }
  const dir = mkdtempSync(join(tmpdir(), 'scr-cluster-'));
  const cp = new LocalControlPlane({
    dir,
    log: (l) => { console.error(`    [cluster] ${l}`); },
    // Seconds, not cert-manager's 1h default, so failure-and-retry tests finish.
    certManagerArgs: ['--certificate-request-minimum-backoff-duration=5s', '--certificate-request-maximum-backoff-duration=30s'],
  });
  await cp.start();
  current = clients(cp.kubeconfig, cp.info().auditLog, cp);
  return current;
}

export async function stopTestCluster(): Promise<void> {
  const cp = current?.controlPlane;
  current = undefined;
  if (!cp) return;
  const dir = cp.info().dir;
  await cp.stop();
  if (!process.env.KEEP_CLUSTER_STATE) rmSync(dir, { recursive: true, force: true });
}
