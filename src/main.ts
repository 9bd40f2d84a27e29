// The `run` command: wire config, logger, API connection, metrics and health
// servers, and shut all of it down cleanly on SIGTERM/SIGINT.
import type { Server } from 'node:http';
import type * as k8s from '@kubernetes/client-node';
import type { Config } from './config.js';
import { HealthChecks, closeServer, serveHealth, serveMetrics } from './health.js';
import { loadKubeConfig, serverVersion } from './kube/client.js';
import type { Logger } from './log.js';
import { Metrics } from './metrics.js';
import { version } from './version.js';

export class Daemon {
  readonly metrics = new Metrics();
  readonly health = new HealthChecks();
  private servers: Server[] = [];
  private connected = false;
  private stopping: Promise<void> | undefined;

  constructor(
    readonly config: Config,
    readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const kc: k8s.KubeConfig = loadKubeConfig(this.config.kubeconfig);
    this.log.info({ version, server: kc.getCurrentCluster()?.server, dryRun: this.config.dryRun }, 'starting skupper-cert-rotator');
    this.health.addLiveness('process', () => ({ ok: true, detail: 'running' }));
    this.health.addReadiness('apiserver', () => ({ ok: this.connected, detail: this.connected ? 'connected' : 'not connected yet' }));

    const metrics = await serveMetrics(this.metrics.registry, this.config.metricsBindAddress);
    this.servers.push(metrics.server);
    this.log.info({ address: metrics.address }, 'metrics server listening');
    const health = await serveHealth(this.health, this.config.healthBindAddress);
    this.servers.push(health.server);
    this.log.info({ address: health.address }, 'health server listening');

    const apiVersion = await serverVersion(kc);
    this.connected = true;
    this.log.info({ apiVersion }, 'connected to the Kubernetes API');
  }

  /** Idempotent; resolves when every server is closed. */
  stop(reason: string): Promise<void> {
    this.stopping ??= (async () => {
      this.log.info({ reason }, 'shutting down');
      this.connected = false;
      await Promise.all(this.servers.map(closeServer));
      this.servers = [];
      this.log.info('shutdown complete');
    })();
    return this.stopping;
  }
}
