// The flag table: each flag's syntax, default, bounds and meaning, from which
// --help and docs/configuration.md (npm run docs:config) are written.
import type { Config } from './config.js';

export type Kind =
  | 'file' | 'bool' | 'int' | 'duration' | 'namespaces' | 'address' | 'address-map' | 'cron' | 'enum'
  | 'namespace' | 'object-name' | 'dns-domain' | 'label-selector' | 'time-zone';

/** One flag: its syntax, default, bounds and meaning. docs/configuration.md is generated from these (npm run docs:config). */
export interface FlagSpec {
  name: string;
  key: keyof Config;
  kind: Kind;
  default: string;
  help: string;
  choices?: readonly string[];
  /** Inclusive bounds in the flag's own syntax ('1s', '24h', '0'). */
  min?: string;
  max?: string;
  /** '' is accepted and means "not set". */
  optional?: boolean;
  /** The value arms a Node.js timer, so it must stay within MAX_TIMER_MS (a test checks max). */
  timer?: boolean;
}

export const ENV_PREFIX = 'SKUPPER_CERT_ROTATOR_';

/** setTimeout/setInterval fire at once for longer delays (Node.js stores them as a signed 32-bit count of ms). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export const flagSpecs: readonly FlagSpec[] = [
  { name: 'kubeconfig', key: 'kubeconfig', kind: 'file', optional: true, default: '', help: 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then in-cluster)' },
  { name: 'namespaces', key: 'namespaces', kind: 'namespaces', optional: true, default: '', help: 'comma-separated namespaces to watch (default: all)' },
  { name: 'label-selector', key: 'labelSelector', kind: 'label-selector', optional: true, default: '', help: 'only Listeners/Connectors matching this label selector' },
  { name: 'cluster-domain', key: 'clusterDomain', kind: 'dns-domain', default: 'cluster.local', help: 'cluster DNS domain used in Listener SANs' },
  { name: 'default-issuer', key: 'defaultIssuer', kind: 'object-name', optional: true, default: '', help: 'issuer for Listeners annotated only with skupper-cert-rotator.io/enabled: "true"' },
  { name: 'default-issuer-kind', key: 'defaultIssuerKind', kind: 'enum', choices: ['Issuer', 'ClusterIssuer'], default: 'ClusterIssuer', help: 'kind of --default-issuer' },
  { name: 'renewal-window', key: 'renewalWindow', kind: 'cron', optional: true, default: '', help: 'cron expression for when renewal windows open, e.g. "0 2 * * 6" (default: no window)' },
  // Date arithmetic only (window ends, wake-ups that the work queue clamps); a window must close before the next opens, which parseWindow checks.
  { name: 'renewal-window-duration', key: 'renewalWindowDurationMs', kind: 'duration', min: '1s', max: '2160h', default: '2h', help: 'how long each renewal window stays open' },
  { name: 'renewal-window-time-zone', key: 'renewalWindowTimeZone', kind: 'time-zone', default: 'UTC', help: 'IANA time zone for --renewal-window, e.g. Europe/Berlin' },
  // 32x this is a date offset; beyond a day per step a failing issuer would be looked at less than monthly.
  { name: 'renewal-backoff', key: 'renewalBackoffMs', kind: 'duration', min: '1s', max: '24h', default: '5m', help: 'wait before retrying a renewal that failed; doubles per failure, up to 32x' },
  { name: 'allow-short-durations', key: 'allowShortDurations', kind: 'bool', default: 'false', help: "accept durations below cert-manager's webhook minimums (1h, renew-before 5m); only for clusters without the webhook" },
  // Added to a renewal time (date arithmetic); a Certificate a year past its renewal time is long expired.
  { name: 'overdue-after', key: 'overdueAfterMs', kind: 'duration', min: '1s', max: '8760h', default: '1h', help: 'trigger a renewal when a Certificate is this far past its renewal time' },
  // Added to the time a CA left the sources and stored in an annotation (date arithmetic); CAs live up to about 10 years.
  { name: 'trust-overlap', key: 'trustOverlapMs', kind: 'duration', min: '1s', max: '87600h', default: '720h', help: 'how long a CA that left the trust sources stays in a bundle' },
  // Skupper reads the annotation as a uint64 (strconv.ParseUint); JavaScript numbers are exact up to 2^53-1.
  { name: 'prior-valid-revisions', key: 'priorValidRevisions', kind: 'int', min: '0', max: String(Number.MAX_SAFE_INTEGER), default: '1', help: 'value of skupper.io/tls-prior-valid-revisions on issued Secrets' },
  { name: 'roll-strategy', key: 'rollStrategy', kind: 'enum', choices: ['reload', 'restart'], default: 'reload', help: 'reload (Skupper >= 2.1) or restart the router Deployment (Skupper 2.0)' },
  { name: 'router-deployment', key: 'routerDeployment', kind: 'object-name', default: 'skupper-router', help: 'name of the Skupper router Deployment in each site namespace (for --roll-strategy=restart)' },
  { name: 'probe', key: 'probe', kind: 'bool', default: 'false', help: 'TLS-probe Listener services and Connector backends' },
  { name: 'probe-interval', key: 'probeIntervalMs', kind: 'duration', min: '1s', max: '24h', timer: true, default: '5m', help: 'time between probes of one object' },
  { name: 'probe-address-map', key: 'probeAddressMap', kind: 'address-map', optional: true, default: '', help: 'testing only: rewrite probe targets, "svc.ns.svc:8080=127.0.0.1:8443,…"' },
  { name: 'resync-period', key: 'resyncPeriodMs', kind: 'duration', min: '1s', max: '24h', timer: true, default: '10m', help: 'full re-reconcile of every object, as a safety net' },
  { name: 'cluster-resource-namespace', key: 'clusterResourceNamespace', kind: 'namespace', default: 'cert-manager', help: "namespace of ClusterIssuer CA secrets (cert-manager's --cluster-resource-namespace)" },
  { name: 'cluster-issuers', key: 'clusterIssuers', kind: 'bool', default: 'true', help: 'read ClusterIssuers and their CA Secrets in --cluster-resource-namespace; false where the daemon has no cluster-scope RBAC (manifests/overlays/namespaced)' },
  { name: 'metrics-bind-address', key: 'metricsBindAddress', kind: 'address', default: ':9090', help: 'HOST:PORT for /metrics' },
  { name: 'health-bind-address', key: 'healthBindAddress', kind: 'address', default: ':8081', help: 'HOST:PORT for /healthz and /readyz' },
  { name: 'leader-elect', key: 'leaderElect', kind: 'bool', default: 'false', help: 'elect a leader through a Lease so only one replica writes' },
  { name: 'leader-election-namespace', key: 'leaderElectionNamespace', kind: 'namespace', optional: true, default: '', help: "namespace of the leader Lease (default: the pod's namespace)" },
  { name: 'leader-election-id', key: 'leaderElectionId', kind: 'object-name', default: 'skupper-cert-rotator', help: 'name of the leader Lease' },
  { name: 'leader-election-lease-duration', key: 'leaseDurationMs', kind: 'duration', min: '1s', max: '1h', timer: true, default: '15s', help: 'how long followers wait after the last renewal before taking over a Lease' },
  { name: 'leader-election-renew-deadline', key: 'renewDeadlineMs', kind: 'duration', min: '500ms', max: '55m', timer: true, default: '10s', help: 'how long the leader keeps trying to renew before it gives up leadership (and exits)' },
  { name: 'leader-election-retry-period', key: 'retryPeriodMs', kind: 'duration', min: '100ms', max: '45m', timer: true, default: '2s', help: 'time between attempts to acquire or renew the Lease' },
  // The API server ends watches after 30-60 min (--min-request-timeout) and sends bookmarks every minute: an hour of silence is a stall.
  { name: 'watch-stall-timeout', key: 'watchStallTimeoutMs', kind: 'duration', min: '1s', max: '1h', timer: true, default: '3m', help: 'restart a watch silent for this long (the API server sends bookmarks every minute); /healthz fails at twice this' },
  { name: 'shutdown-timeout', key: 'shutdownTimeoutMs', kind: 'duration', min: '100ms', max: '1h', timer: true, default: '10s', help: 'on SIGTERM, how long reconciles in flight may take before the daemon exits anyway' },
  { name: 'log-level', key: 'logLevel', kind: 'enum', choices: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'], default: 'info', help: 'log level' },
  { name: 'dry-run', key: 'dryRun', kind: 'bool', default: 'false', help: 'decide and log, but write nothing to the cluster' },
];

export function envName(flag: string): string {
  return ENV_PREFIX + flag.toUpperCase().replace(/-/g, '_');
}

/** What a flag accepts, in words: the "accepted values" column of docs/configuration.md and of --help. */
export function acceptedValues(spec: FlagSpec): string {
  const range = spec.min !== undefined && spec.max !== undefined ? ` from ${spec.min} to ${spec.max}` : '';
  const empty = spec.optional ? '; empty: not set' : '';
  switch (spec.kind) {
    case 'file': return `path of a readable file${empty}`;
    case 'bool': return 'true or false (also 1/0, yes/no); a bare --flag means true';
    case 'int': return `integer${range}`;
    case 'duration': return `Go duration (e.g. 90s, 15m, 1h30m)${range}${spec.timer ? ' (a timer)' : ''}`;
    case 'namespaces': return 'comma-separated namespace names (DNS labels); empty: all namespaces';
    case 'address': return 'HOST:PORT; HOST empty (every interface), an IP address ([::1] for IPv6) or a host name; PORT 0-65535 (0: any free port)';
    case 'address-map': return `comma-separated FROM=TO, each HOST:PORT with PORT 1-65535, each FROM once${empty}`;
    case 'cron': return `cron expression (5 fields, or 6 with seconds first) that fires at least once${empty}`;
    case 'enum': return `one of ${(spec.choices ?? []).join(', ')}`;
    case 'namespace': return `namespace name (DNS label, at most 63 characters)${empty}`;
    case 'object-name': return `Kubernetes object name (DNS subdomain, at most 253 characters)${empty}`;
    case 'dns-domain': return 'DNS domain (lower-case labels of at most 63 characters, no trailing dot)';
    case 'label-selector': return `Kubernetes label selector: k=v, k==v, k!=v, k in (a,b), k notin (a), k, !k, k>1, k<1, joined by commas${empty}`;
    case 'time-zone': return 'IANA time zone name (e.g. UTC, Europe/Berlin)';
  }
}

export function flagsHelp(): string {
  const width = Math.max(...flagSpecs.map((s) => s.name.length)) + 4;
  return flagSpecs
    .map((s) => {
      const def = s.default === '' ? '' : ` (default ${s.default})`;
      const pad = ' '.repeat(width + 2);
      return `  --${s.name.padEnd(width)}${s.help}${def}\n  ${pad}${acceptedValues(s)}\n  ${pad}env ${envName(s.name)}`;
    })
    .join('\n');
}
