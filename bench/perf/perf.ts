// npm run bench's body, on any control plane this project started (its own
// from main.ts, or the integration suite's): the issuers, the daemon's
// identity, each size in turn, then expiry tracking at scale.
import { cpus, totalmem } from 'node:os';
import * as k8s from '@kubernetes/client-node';
import { applyObjects } from '../../cluster/controlplane.js';
import { versions } from '../../cluster/versions.js';
import { Api } from '../../src/kube/api.js';
import { Resources } from '../../src/model/resources.js';
import { isReady, type Certificate } from '../../src/model/certmanager.js';
import { createLogger } from '../../src/telemetry/log.js';
import { version } from '../../src/version.js';
import { AuditLog } from './audit.js';
import { runExpiry, type ExpiryResult } from './expiry.js';
import { daemonKubeconfig } from './identity.js';
import { CA_SECRET, issuerObjects } from './objects.js';
import { runSize, type SizeResult } from './size.js';

export interface PerfOptions {
  kubeconfig: string;
  auditLog: string;
  /** Where daemon logs and CPU profiles go. */
  dir: string;
  sizes: number[];
  steadyMs: number;
  /** Tracked objects for the expiry part; 0 skips it. */
  expiryObjects: number;
  cpuProf: boolean;
  heapSnapshot: boolean;
  /** M = this fraction of N more Listeners after each steady window, for the heap per added Listener; 0 for none. */
  increment: number;
  /** Namespaces are PREFIX-floor-N, PREFIX-peer-N, PREFIX-us-N, PREFIX-expiry. */
  prefix: string;
  /** cert-manager's --cluster-resource-namespace (where the CA Secret goes). */
  clusterResourceNamespace: string;
  log: (line: string) => void;
  /** Called with the report so far after each part, so a run that fails later keeps what it measured. */
  onProgress?: (partial: PerfReport) => void;
}

export interface PerfReport {
  date: string;
  versions: { daemon: string; node: string; kubernetes: string; certManager: string };
  machine: { cpus: number; model: string; memoryBytes: number };
  settings: { sizes: number[]; steadyS: number; expiryObjects: number; concurrency: number };
  sizes: SizeResult[];
  expiry?: ExpiryResult;
}

async function waitCaReady(api: Api, ns: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      if (isReady(await api.get<Certificate>(Resources.certificate, ns, CA_SECRET))) return;
    } catch {
      // not there yet
    }
    if (Date.now() > deadline) throw new Error(`the bench CA Certificate ${ns}/${CA_SECRET} is not Ready after 120 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function runPerf(o: PerfOptions): Promise<PerfReport> {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(o.kubeconfig);
  const api = new Api(kc, 'skupper-cert-rotator-bench');
  const audit = new AuditLog(o.auditLog);
  const quiet = createLogger('error');
  try {
    await applyObjects(kc, issuerObjects(o.clusterResourceNamespace), 'skupper-cert-rotator-bench');
    await waitCaReady(api, o.clusterResourceNamespace);
    const saKubeconfig = await daemonKubeconfig(kc);
    const report: PerfReport = {
      date: new Date().toISOString(),
      versions: { daemon: version, node: process.version, kubernetes: versions.kubernetes, certManager: versions.certManager },
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? '', memoryBytes: totalmem() },
      settings: { sizes: o.sizes, steadyS: o.steadyMs / 1000, expiryObjects: o.expiryObjects, concurrency: 16 },
      sizes: [],
    };
    for (const n of o.sizes) {
      report.sizes.push(await runSize(n, { api, audit, daemonKubeconfig: saKubeconfig, dir: o.dir, prefix: o.prefix, steadyMs: o.steadyMs, cpuProf: o.cpuProf, heapSnapshot: o.heapSnapshot, increment: o.increment, log: o.log, quiet }));
      o.onProgress?.(report);
    }
    if (o.expiryObjects > 0) report.expiry = await runExpiry(o.expiryObjects, { api, daemonKubeconfig: saKubeconfig, dir: o.dir, prefix: o.prefix, log: o.log });
    return report;
  } finally {
    api.close();
  }
}
