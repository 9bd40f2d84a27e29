// Daemon configuration (SPEC §4.5): the typed result of the flags. Every flag
// also has an environment variable SKUPPER_CERT_ROTATOR_<FLAG>; flags win over
// the environment, which wins over defaults (flags.ts, parse.ts). Any bad value
// fails at start with a ConfigError naming the flag.
import type { RenewalWindow } from '../decisions/renewal-window.js';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
export type RollStrategy = 'reload' | 'restart';
export type IssuerKind = 'Issuer' | 'ClusterIssuer';

export interface BindAddress {
  /** '' = every interface. */
  host: string;
  port: number;
}

export interface Config {
  kubeconfig: string;
  /** Empty = every namespace. */
  namespaces: string[];
  labelSelector: string;
  clusterDomain: string;
  defaultIssuer: string;
  defaultIssuerKind: IssuerKind;
  /** Cron expression; '' = no renewal window. */
  renewalWindow: string;
  renewalWindowDurationMs: number;
  /** IANA time zone the window expression is read in. */
  renewalWindowTimeZone: string;
  /** The three renewal-window flags, parsed once at start (parse.ts); undefined = no window. Not a flag itself. */
  renewalWindowSchedule?: RenewalWindow;
  /** First retry delay after a failed renewal trigger; doubles per failure up to 32x. */
  renewalBackoffMs: number;
  /** Accept cert-manager.io/duration < 1h and renew-before < 5m (clusters without cert-manager's webhook, e.g. tests). */
  allowShortDurations: boolean;
  overdueAfterMs: number;
  trustOverlapMs: number;
  priorValidRevisions: number;
  rollStrategy: RollStrategy;
  /** The Skupper router Deployment restarted under --roll-strategy=restart. */
  routerDeployment: string;
  probe: boolean;
  probeIntervalMs: number;
  /** Testing: probe targets rewritten as "host:port=host:port,…". */
  probeAddressMap: string;
  resyncPeriodMs: number;
  clusterResourceNamespace: string;
  /** Read ClusterIssuers (cluster scope) and their CA Secrets; false for namespace-scoped installations. */
  clusterIssuers: boolean;
  metricsBindAddress: BindAddress;
  healthBindAddress: BindAddress;
  leaderElect: boolean;
  /** '' = the pod's namespace (read from the mounted ServiceAccount). */
  leaderElectionNamespace: string;
  leaderElectionId: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  /** A watch with no byte for this long is restarted; twice this fails /healthz. */
  watchStallTimeoutMs: number;
  /** How long SIGTERM waits for reconciles in flight before giving up on them. */
  shutdownTimeoutMs: number;
  logLevel: LogLevel;
  dryRun: boolean;
}

export class ConfigError extends Error {
  constructor(readonly flag: string, message: string) {
    // One line, whatever the value held: the CLI prints exactly this.
    super(`--${flag}: ${message}`.replace(/[\r\n]+/g, ' '));
    this.name = 'ConfigError';
  }
}
