// A real Skupper site as local processes on the local control plane, standing
// in for the router Pod that no kubelet runs here, in the order verified by
// hand (/work/shared/notes/real-skupper-site.md): ConfigMap `skupper` naming
// the controller; the Skupper controller watching the namespace; a Site; once
// the controller has written ConfigMap `skupper-router`, `kube-adaptor -init`
// (the router config and certificate files); skrouterd on that config, with the
// fixed ports moved (router-config.ts); then the kube-adaptor in run mode
// (config sync and collector). The site is ready when the adaptor has written
// ConfigMap `skupper-network-status`: from then on Listeners and Connectors
// become Ready. Certificate files go to `<dir>/certs` (the patched controller's
// $SKUPPER_SSL_PROFILE_PATH), never /etc; Listeners get router ports from a free
// block of the site's own (listener-ports.ts), so sites on one host do not clash.
// Every process is started like the control plane's (cluster/processes.ts):
// parent-death signal, log in a file.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { applyObjects, freePort } from '../controlplane.js';
import { startProcess, stopProcess, waitUntil, type ManagedProcess } from '../processes.js';
import { freePortBlock, rangeText, type PortBlock } from './listener-ports.js';
import { localRouterConfig, type RouterPorts } from './router-config.js';
import type { SkupperSite } from './site.js';

export interface SiteOptions {
  kubeconfig: string;
  /** The namespace the controller watches and the site lives in (created if missing). */
  namespace: string;
  /** State directory: certificate files, router config, one log per process. */
  dir: string;
  /** From ensureSkupperSite(). */
  binaries: SkupperSite;
  /** The Site's name; default: the namespace's. */
  siteName?: string;
  log?: (line: string) => void;
}

export interface SiteInfo {
  namespace: string;
  site: string;
  /** The Site's uid: the router's SKUPPER_SITE_ID. */
  siteId: string;
  dir: string;
  /** Where the adaptor writes the files of every sslProfile (`<certs>/<profile>/{ca.crt,tls.crt,tls.key}`). */
  certs: string;
  /** The router's own listeners, moved to free ports on 127.0.0.1. */
  routerPorts: { amqp: number; amqps: number; metrics: number };
  /** The block the controller allocates Listeners' router ports from (listener-ports.ts). */
  listenerPorts: PortBlock;
  pids: Record<string, number>;
  /** Milliseconds from start() to the site being ready. */
  readyMs: number;
}

const FIELD_MANAGER = 'skupper-cert-rotator-dev';
export const CONTROLLER_NAME = 'skupper-controller';
/** The controller's process name in info().pids and its log file `<dir>/skupper-controller.log`. */
export const CONTROLLER_PROCESS = 'skupper-controller';
/** Stands in for the Pod name in the router id (`<site>-${HOSTNAME}`). */
const ROUTER_HOSTNAME = 'local';

export class LocalSkupperSite {
  readonly processes: ManagedProcess[] = [];
  readonly siteName: string;
  private readonly kc = new k8s.KubeConfig();
  private readonly log: (line: string) => void;
  private siteId = '';
  private ports: RouterPorts | undefined;
  private listenerPorts: PortBlock | undefined;
  private readyMs = 0;
  /** The controller's environment from start(), so a restart runs it exactly as before. */
  private controllerEnv: Record<string, string> | undefined;

  constructor(private readonly opts: SiteOptions) {
    this.kc.loadFromFile(opts.kubeconfig);
    this.siteName = opts.siteName ?? opts.namespace;
    this.log = opts.log ?? ((l) => { console.error(l); });
  }

  get certs(): string {
    return join(this.opts.dir, 'certs');
  }

  private get configDir(): string {
    return join(this.opts.dir, 'config');
  }

  info(): SiteInfo {
    const p = this.ports;
    const listenerPorts = this.listenerPorts;
    if (!p || !listenerPorts) throw new Error('the Skupper site has not started');
    return {
      namespace: this.opts.namespace, site: this.siteName, siteId: this.siteId, dir: this.opts.dir, certs: this.certs,
      routerPorts: { amqp: p.amqp, amqps: p.amqps, metrics: p['@9090'] }, listenerPorts,
      pids: Object.fromEntries(this.processes.filter((x) => x.child.exitCode === null).map((x) => [x.name, x.pid])),
      readyMs: this.readyMs,
    };
  }

  /** Starts the site and waits until it is ready; on failure stops what it started and throws with the log tail. */
  async start(): Promise<void> {
    const started = Date.now();
    const { namespace, binaries } = this.opts;
    mkdirSync(this.certs, { recursive: true });
    // kube-adaptor -init does not create it (in the Pod it is a volume).
    mkdirSync(this.configDir, { recursive: true });
    const core = this.kc.makeApiClient(k8s.CoreV1Api);
    try {
      await applyObjects(this.kc, [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'skupper', namespace }, data: { controller: `${namespace}/${CONTROLLER_NAME}` } } as k8s.V1ConfigMap,
      ], FIELD_MANAGER);

      this.listenerPorts = await freePortBlock();
      this.controllerEnv = {
        NAMESPACE: namespace, WATCH_NAMESPACE: namespace, CONTROLLER_NAME,
        SKUPPER_SSL_PROFILE_PATH: this.certs, SKUPPER_LISTENER_PORT_RANGE: rangeText(this.listenerPorts),
      };
      const controller = this.spawn(CONTROLLER_PROCESS, binaries.controller, [], this.controllerEnv);
      const site = await k8s.KubernetesObjectApi.makeApiClient(this.kc).patch<k8s.KubernetesObject>(
        { apiVersion: 'skupper.io/v2alpha1', kind: 'Site', metadata: { name: this.siteName, namespace }, spec: {} } as k8s.KubernetesObject,
        undefined, undefined, FIELD_MANAGER, true, k8s.PatchStrategy.ServerSideApply,
      );
      this.siteId = site.metadata?.uid ?? '';
      await waitUntil(`ConfigMap ${namespace}/skupper-router from the Skupper controller`, async () => {
        const cm = await core.readNamespacedConfigMap({ namespace, name: 'skupper-router' });
        return cm.data?.['skrouterd.json'] !== undefined;
      }, { timeoutMs: 60_000, intervalMs: 100, process: controller });

      const init = this.spawn('kube-adaptor-init', binaries.kubeAdaptor, ['-init'], { NAMESPACE: namespace, SKUPPER_CONFIG_DIR: this.configDir });
      // It waits up to 60 s for the Secrets of every sslProfile, then exits 1.
      const code = await Promise.race([init.exited, new Promise<'timeout'>((r) => setTimeout(() => { r('timeout'); }, 90_000).unref())]);
      if (code !== 0) {
        await stopProcess(init, 1_000);
        throw new Error(`kube-adaptor -init ${code === 'timeout' ? 'did not finish in 90 s' : `exited with ${String(code)}`}; see ${init.logFile}`);
      }
      // Done as it should be: from here on, a process of the site that exits is a failure.
      this.processes.splice(this.processes.indexOf(init), 1);

      this.ports = { amqp: await freePort(), amqps: await freePort(), '@9090': await freePort() };
      const config = join(this.configDir, 'skrouterd.local.json');
      writeFileSync(config, localRouterConfig(readFileSync(join(this.configDir, 'skrouterd.json'), 'utf8'), { hostname: ROUTER_HOSTNAME, ports: this.ports }));
      const router = this.spawn('skrouterd', binaries.router, ['-c', config], { SKUPPER_SITE_ID: this.siteId });
      await waitUntil('skrouterd /healthz', async () => (await fetch(`http://127.0.0.1:${this.ports?.['@9090'] ?? 0}/healthz`, { signal: AbortSignal.timeout(2_000) })).status === 200,
        { timeoutMs: 30_000, intervalMs: 100, process: router });

      const adaptor = this.spawn('kube-adaptor', binaries.kubeAdaptor, [], {
        NAMESPACE: namespace, SKUPPER_CONFIG_DIR: this.configDir,
        SKUPPER_ROUTER_AMQP_ADDRESS: `amqp://127.0.0.1:${this.ports.amqp}`,
        SKUPPER_ROUTER_CONFIG: 'skupper-router', SKUPPER_ROUTER_DEPLOYMENT: 'skupper-router',
      });
      await waitUntil(`ConfigMap ${namespace}/skupper-network-status from the kube-adaptor`, async () => {
        const cm = await core.readNamespacedConfigMap({ namespace, name: 'skupper-network-status' });
        return (cm.data?.NetworkStatus ?? '').includes(this.siteId);
      }, { timeoutMs: 60_000, intervalMs: 100, process: adaptor });
      for (const p of [controller, router, adaptor]) this.throwIfExited(p);
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.readyMs = Date.now() - started;
    this.log(`Skupper site ${namespace}/${this.siteName} ready in ${(this.readyMs / 1000).toFixed(1)} s (controller, skrouterd, kube-adaptor; Listener ports from ${this.listenerPorts.first}; logs and certificates in ${this.opts.dir})`);
  }

  private throwIfExited(p: ManagedProcess): void {
    if (p.child.exitCode !== null || p.child.signalCode !== null) throw new Error(`${p.name} exited (${String(p.child.exitCode ?? p.child.signalCode)}); see ${p.logFile}`);
  }

  /** A process of the site, with the environment a Pod would give it and nothing of ours (no HOSTNAME, no proxies). */
  private spawn(name: string, binary: string, args: string[], env: Record<string, string>): ManagedProcess {
    const p = startProcess(name, binary, args, join(this.opts.dir, `${name}.log`), {
      PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: this.opts.dir,
      KUBECONFIG: this.opts.kubeconfig, SKUPPER_METRICS_DISABLE: 'true', ...env,
    });
    this.processes.push(p);
    return p;
  }

  /**
   * Stops the Skupper controller alone, as when its Pod is gone: the router and
   * the kube-adaptor keep running, ConfigMap `skupper` and the site's objects stay.
   */
  async stopController(): Promise<void> {
    const p = this.processes.find((x) => x.name === CONTROLLER_PROCESS);
    if (!p) throw new Error('the Skupper controller is not running');
    await stopProcess(p);
    this.processes.splice(this.processes.indexOf(p), 1);
  }

  /**
   * Starts the Skupper controller again with the environment of start() (the
   * same Listener port block; its log is appended to). It re-reads the site from
   * the cluster, as a new controller Pod would; returns its pid.
   */
  startController(): number {
    if (!this.controllerEnv) throw new Error('the Skupper site has not started');
    if (this.processes.some((x) => x.name === CONTROLLER_PROCESS)) throw new Error('the Skupper controller is already running');
    return this.spawn(CONTROLLER_PROCESS, this.opts.binaries.controller, [], this.controllerEnv).pid;
  }

  /** Stops the processes in reverse start order (the adaptor before the router); safe to call twice. Objects in the cluster stay. */
  async stop(): Promise<void> {
    for (const p of [...this.processes].reverse()) await stopProcess(p);
    this.processes.length = 0;
  }
}
