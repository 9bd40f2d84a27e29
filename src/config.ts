// Daemon configuration (SPEC §4.5): every flag also has an environment variable
// SKUPPER_CERT_ROTATOR_<FLAG>; flags win over the environment, which wins over
// defaults. Any bad value fails at start with a message naming the flag.
import { validateCronExpression } from 'cron';
import { parseWindow } from './controllers/renewal/window.js';
import { parseDuration } from './util/duration.js';

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

type Kind = 'string' | 'bool' | 'int' | 'duration' | 'list' | 'address' | 'cron' | 'enum' | 'dns-label' | 'dns-subdomain';

interface FlagSpec {
  name: string;
  key: keyof Config;
  kind: Kind;
  default: string;
  help: string;
  choices?: readonly string[];
  min?: number;
}

export const ENV_PREFIX = 'SKUPPER_CERT_ROTATOR_';

export const flagSpecs: readonly FlagSpec[] = [
  { name: 'kubeconfig', key: 'kubeconfig', kind: 'string', default: '', help: 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then in-cluster)' },
  { name: 'namespaces', key: 'namespaces', kind: 'list', default: '', help: 'comma-separated namespaces to watch (default: all)' },
  { name: 'label-selector', key: 'labelSelector', kind: 'string', default: '', help: 'only Listeners/Connectors matching this label selector' },
  { name: 'cluster-domain', key: 'clusterDomain', kind: 'dns-subdomain', default: 'cluster.local', help: 'cluster DNS domain used in Listener SANs' },
  { name: 'default-issuer', key: 'defaultIssuer', kind: 'string', default: '', help: 'issuer for Listeners annotated only with skupper-cert-rotator.io/enabled: "true"' },
  { name: 'default-issuer-kind', key: 'defaultIssuerKind', kind: 'enum', choices: ['Issuer', 'ClusterIssuer'], default: 'ClusterIssuer', help: 'kind of --default-issuer' },
  { name: 'renewal-window', key: 'renewalWindow', kind: 'cron', default: '', help: 'cron expression for when renewal windows open, e.g. "0 2 * * 6" (default: no window)' },
  { name: 'renewal-window-duration', key: 'renewalWindowDurationMs', kind: 'duration', default: '2h', help: 'how long each renewal window stays open' },
  { name: 'renewal-window-time-zone', key: 'renewalWindowTimeZone', kind: 'string', default: 'UTC', help: 'IANA time zone for --renewal-window, e.g. Europe/Berlin' },
  { name: 'renewal-backoff', key: 'renewalBackoffMs', kind: 'duration', default: '5m', help: 'wait before retrying a renewal that failed; doubles per failure, up to 32x' },
  { name: 'allow-short-durations', key: 'allowShortDurations', kind: 'bool', default: 'false', help: "accept durations below cert-manager's webhook minimums (1h, renew-before 5m); only for clusters without the webhook" },
  { name: 'overdue-after', key: 'overdueAfterMs', kind: 'duration', default: '1h', help: 'trigger a renewal when a Certificate is this far past its renewal time' },
  { name: 'trust-overlap', key: 'trustOverlapMs', kind: 'duration', default: '720h', help: 'how long a CA that left the trust sources stays in a bundle' },
  { name: 'prior-valid-revisions', key: 'priorValidRevisions', kind: 'int', min: 0, default: '1', help: 'value of skupper.io/tls-prior-valid-revisions on issued Secrets' },
  { name: 'roll-strategy', key: 'rollStrategy', kind: 'enum', choices: ['reload', 'restart'], default: 'reload', help: 'reload (Skupper >= 2.1) or restart the router Deployment (Skupper 2.0)' },
  { name: 'router-deployment', key: 'routerDeployment', kind: 'dns-subdomain', default: 'skupper-router', help: 'name of the Skupper router Deployment in each site namespace (for --roll-strategy=restart)' },
  { name: 'probe', key: 'probe', kind: 'bool', default: 'false', help: 'TLS-probe Listener services and Connector backends' },
  { name: 'probe-interval', key: 'probeIntervalMs', kind: 'duration', default: '5m', help: 'time between probes of one object' },
  { name: 'probe-address-map', key: 'probeAddressMap', kind: 'string', default: '', help: 'testing only: rewrite probe targets, "svc.ns.svc:8080=127.0.0.1:8443,…"' },
  { name: 'resync-period', key: 'resyncPeriodMs', kind: 'duration', default: '10m', help: 'full re-reconcile of every object, as a safety net' },
  { name: 'cluster-resource-namespace', key: 'clusterResourceNamespace', kind: 'dns-label', default: 'cert-manager', help: "namespace of ClusterIssuer CA secrets (cert-manager's --cluster-resource-namespace)" },
  { name: 'cluster-issuers', key: 'clusterIssuers', kind: 'bool', default: 'true', help: 'read ClusterIssuers and their CA Secrets in --cluster-resource-namespace; false where the daemon has no cluster-scope RBAC (manifests/overlays/namespaced)' },
  { name: 'metrics-bind-address', key: 'metricsBindAddress', kind: 'address', default: ':9090', help: 'HOST:PORT for /metrics' },
  { name: 'health-bind-address', key: 'healthBindAddress', kind: 'address', default: ':8081', help: 'HOST:PORT for /healthz and /readyz' },
  { name: 'leader-elect', key: 'leaderElect', kind: 'bool', default: 'false', help: 'elect a leader through a Lease so only one replica writes' },
  { name: 'leader-election-namespace', key: 'leaderElectionNamespace', kind: 'string', default: '', help: "namespace of the leader Lease (default: the pod's namespace)" },
  { name: 'leader-election-id', key: 'leaderElectionId', kind: 'dns-subdomain', default: 'skupper-cert-rotator', help: 'name of the leader Lease' },
  { name: 'leader-election-lease-duration', key: 'leaseDurationMs', kind: 'duration', default: '15s', help: 'how long followers wait after the last renewal before taking over a Lease' },
  { name: 'leader-election-renew-deadline', key: 'renewDeadlineMs', kind: 'duration', default: '10s', help: 'how long the leader keeps trying to renew before it gives up leadership (and exits)' },
  { name: 'leader-election-retry-period', key: 'retryPeriodMs', kind: 'duration', default: '2s', help: 'time between attempts to acquire or renew the Lease' },
  { name: 'watch-stall-timeout', key: 'watchStallTimeoutMs', kind: 'duration', default: '3m', help: 'restart a watch silent for this long (the API server sends bookmarks every minute); /healthz fails at twice this' },
  { name: 'shutdown-timeout', key: 'shutdownTimeoutMs', kind: 'duration', default: '10s', help: 'on SIGTERM, how long reconciles in flight may take before the daemon exits anyway' },
  { name: 'log-level', key: 'logLevel', kind: 'enum', choices: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'], default: 'info', help: 'log level' },
  { name: 'dry-run', key: 'dryRun', kind: 'bool', default: 'false', help: 'decide and log, but write nothing to the cluster' },
];

export class ConfigError extends Error {
  constructor(readonly flag: string, message: string) {
    super(`--${flag}: ${message}`);
    this.name = 'ConfigError';
  }
}

export function envName(flag: string): string {
  return ENV_PREFIX + flag.toUpperCase().replace(/-/g, '_');
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function parseBindAddress(value: string): BindAddress | Error {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value.trim());
  if (!m) return new Error(`"${value}" is not HOST:PORT (e.g. :9090 or 127.0.0.1:9090)`);
  const port = Number(m[3]);
  if (port > 65535) return new Error(`port ${port} is out of range 0-65535`);
  return { host: m[1] ?? m[2] ?? '', port };
}

function parseBool(value: string): boolean | Error {
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no'].includes(v)) return false;
  return new Error(`"${value}" is not a boolean (use true or false)`);
}

function convert(spec: FlagSpec, raw: string): Config[keyof Config] | Error {
  switch (spec.kind) {
    case 'string':
      return raw;
    case 'bool':
      return parseBool(raw);
    case 'int': {
      if (!/^-?\d+$/.test(raw.trim())) return new Error(`"${raw}" is not an integer`);
      const n = Number(raw);
      if (spec.min !== undefined && n < spec.min) return new Error(`${n} is below the minimum ${spec.min}`);
      return n;
    }
    case 'duration': {
      const ms = parseDuration(raw);
      if (ms instanceof Error) return ms;
      if (ms <= 0) return new Error(`duration must be positive, got "${raw}"`);
      return ms;
    }
    case 'list': {
      const items = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
      const bad = items.find((s) => !DNS_LABEL.test(s));
      if (bad !== undefined) return new Error(`"${bad}" is not a valid namespace name`);
      return [...new Set(items)];
    }
    case 'address':
      return parseBindAddress(raw);
    case 'cron': {
      if (raw.trim() === '') return '';
      const r = validateCronExpression(raw);
      if (!r.valid) return new Error(`invalid cron expression "${raw}": ${r.error?.message ?? 'rejected by the cron parser'}`);
      return raw.trim();
    }
    case 'enum':
      if (!spec.choices?.includes(raw)) return new Error(`"${raw}" is not one of ${spec.choices?.join(', ') ?? ''}`);
      return raw;
    case 'dns-label':
      if (!DNS_LABEL.test(raw)) return new Error(`"${raw}" is not a valid namespace name`);
      return raw;
    case 'dns-subdomain':
      if (raw.length > 253 || !raw.split('.').every((l) => DNS_LABEL.test(l))) return new Error(`"${raw}" is not a valid DNS domain`);
      return raw;
  }
}

export interface ParsedArgs {
  config: Config;
  /** Arguments that are not flags, in order. */
  positional: string[];
}

/**
 * Parses `--flag value`, `--flag=value` and, for booleans, bare `--flag`.
 * `extra` declares command-specific flags (e.g. `-n`) that are returned raw.
 */
export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ParsedArgs {
  const byName = new Map(flagSpecs.map((s) => [s.name, s]));
  const raw = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--') || arg === '--') {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const spec = byName.get(name);
    if (!spec) throw new ConfigError(name, 'unknown flag (see --help)');
    if (eq !== -1) raw.set(name, arg.slice(eq + 1));
    else if (spec.kind === 'bool') raw.set(name, 'true');
    else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new ConfigError(name, 'needs a value');
      raw.set(name, next);
      i++;
    }
  }
  const config = {} as Record<keyof Config, Config[keyof Config]>;
  for (const spec of flagSpecs) {
    const fromFlag = raw.get(spec.name);
    const fromEnv = env[envName(spec.name)];
    const value = fromFlag ?? fromEnv ?? spec.default;
    const converted = convert(spec, value);
    if (converted instanceof Error) {
      const where = fromFlag !== undefined ? '' : fromEnv !== undefined ? ` (from ${envName(spec.name)})` : ' (default)';
      throw new ConfigError(spec.name, converted.message + where);
    }
    config[spec.key] = converted;
  }
  const c = config as unknown as Config;
  if (c.renewalWindow === '' && raw.has('renewal-window-duration')) {
    throw new ConfigError('renewal-window-duration', 'set without --renewal-window');
  }
  if (c.renewalWindow !== '') {
    const w = parseWindow(c.renewalWindow, c.renewalWindowDurationMs, c.renewalWindowTimeZone);
    if (w instanceof Error) {
      const flag = /time ?zone/i.test(w.message) ? 'renewal-window-time-zone' : /lasts/.test(w.message) ? 'renewal-window-duration' : 'renewal-window';
      throw new ConfigError(flag, w.message);
    }
  }
  checkLeaderElection(c);
  return { config: c, positional };
}

/** client-go's constraints: a leader must give up before a follower may take over. */
function checkLeaderElection(c: Config): void {
  if (c.leaderElectionNamespace !== '' && !DNS_LABEL.test(c.leaderElectionNamespace)) {
    throw new ConfigError('leader-election-namespace', `"${c.leaderElectionNamespace}" is not a valid namespace name`);
  }
  if (c.renewDeadlineMs >= c.leaseDurationMs) {
    throw new ConfigError('leader-election-renew-deadline', `${c.renewDeadlineMs} ms must be shorter than --leader-election-lease-duration (${c.leaseDurationMs} ms)`);
  }
  if (c.retryPeriodMs * 1.2 >= c.renewDeadlineMs) {
    throw new ConfigError('leader-election-retry-period', `${c.retryPeriodMs} ms (x1.2 jitter) must be shorter than --leader-election-renew-deadline (${c.renewDeadlineMs} ms)`);
  }
}

export function flagsHelp(): string {
  const width = Math.max(...flagSpecs.map((s) => s.name.length)) + 4;
  return flagSpecs
    .map((s) => {
      const def = s.default === '' ? '' : ` (default ${s.default})`;
      return `  --${s.name.padEnd(width)}${s.help}${def}\n  ${' '.repeat(width + 2)}env ${envName(s.name)}`;
    })
    .join('\n');
}
