// Daemon configuration (SPEC §4.5): every flag also has an environment variable
// SKUPPER_CERT_ROTATOR_<FLAG>; flags win over the environment, which wins over
// defaults. Any bad value fails at start with a message naming the flag.
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { validateCronExpression } from 'cron';
import { parseWindow } from '../decisions/renewal-window.js';
import { cronNeverFiresProblem } from '../util/cron-fires.js';
import { asciiLower, dnsNameProblem, isDnsSubdomain, quoted } from '../util/dnsname.js';
import { parseDuration } from '../util/duration.js';
import { labelSelectorProblem } from '../util/label-selector.js';

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

type Kind =
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

export class ConfigError extends Error {
  constructor(readonly flag: string, message: string) {
    // One line, whatever the value held: the CLI prints exactly this.
    super(`--${flag}: ${message}`.replace(/[\r\n]+/g, ' '));
    this.name = 'ConfigError';
  }
}

export function envName(flag: string): string {
  return ENV_PREFIX + flag.toUpperCase().replace(/-/g, '_');
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const MAX_DNS_LABEL = 63;

/** A namespace name: a DNS label. The length is checked first so the regex only ever sees 63 characters. */
export function isDnsLabel(s: string): boolean {
  return s.length <= MAX_DNS_LABEL && DNS_LABEL.test(s);
}

/** Why `host` is neither an IP address nor a plausible host name, or undefined. */
function hostProblem(host: string): string | undefined {
  if (isIP(host) !== 0) return undefined;
  const p = dnsNameProblem(asciiLower(host));
  return p === undefined ? undefined : `host ${quoted(host)} is neither an IP address nor a host name: ${p}`;
}

function parseHostPort(value: string, minPort: number): BindAddress | Error {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value.trim());
  if (!m) return new Error(`${quoted(value)} is not HOST:PORT (e.g. :9090, 127.0.0.1:9090 or [::1]:9090)`);
  const port = Number(m[3]);
  if (port < minPort || port > 65535) return new Error(`port ${port} is out of range ${minPort}-65535`);
  const v6 = m[1];
  if (v6 !== undefined && isIP(v6) !== 6) return new Error(`${quoted(v6)} is not an IPv6 address`);
  const host = v6 ?? m[2] ?? '';
  if (v6 === undefined && host !== '') {
    const p = hostProblem(host);
    if (p !== undefined) return new Error(p);
  }
  return { host, port };
}

/** HOST:PORT to listen on; an empty HOST is every interface and port 0 any free port. */
export function parseBindAddress(value: string): BindAddress | Error {
  return parseHostPort(value, 0);
}

/** "from=to,…" of probe targets, both HOST:PORT. Rejected as a whole rather than skipping bad items, so a typo is seen at start. */
function addressMapProblem(value: string): string | undefined {
  const seen = new Set<string>();
  for (const item of value.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const parts = item.split('=');
    if (parts.length !== 2) return `${quoted(item)} is not FROM=TO (HOST:PORT=HOST:PORT)`;
    for (const side of parts) {
      const a = parseHostPort(side, 1);
      if (a instanceof Error) return `in ${quoted(item)}: ${a.message}`;
      if (a.host === '') return `in ${quoted(item)}: ${quoted(side)} has no host`;
    }
    const from = parts[0] ?? '';
    if (seen.has(from)) return `${quoted(from)} is mapped twice`;
    seen.add(from);
  }
  return undefined;
}

function parseBool(value: string): boolean | Error {
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no'].includes(v)) return false;
  return new Error(`${quoted(value)} is not a boolean (use true or false)`);
}

function fileProblem(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return `${quoted(path)} is not a file`;
    accessSync(path, fsConstants.R_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `${quoted(path)} does not exist` : code === 'EACCES' ? `${quoted(path)} is not readable` : `${quoted(path)} cannot be read (${code ?? String(err)})`;
  }
}

function timeZoneProblem(zone: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return undefined;
  } catch {
    return `${quoted(zone)} is not an IANA time zone (e.g. UTC, Europe/Berlin, America/New_York)`;
  }
}

/** The spec's bounds in its unit (ms for durations); a malformed bound is a bug the unit tests catch. */
export function boundsOf(spec: FlagSpec): { min?: number; max?: number } {
  const one = (v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = spec.kind === 'duration' ? parseDuration(v) : Number(v);
    if (n instanceof Error || !Number.isFinite(n)) throw new Error(`flag --${spec.name}: bad bound "${v}"`);
    return n;
  };
  const min = one(spec.min);
  const max = one(spec.max);
  return { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
}

function rangeProblem(spec: FlagSpec, n: number, shown: string): string | undefined {
  const { min, max } = boundsOf(spec);
  if (min !== undefined && n < min) return `${shown} is below the minimum ${spec.min ?? ''}`;
  if (max !== undefined && n > max) {
    const timer = spec.timer && n > MAX_TIMER_MS ? '; a Node.js timer holds at most 2^31-1 ms (24.8 days)' : '';
    return `${shown} is above the maximum ${spec.max ?? ''}${timer}`;
  }
  return undefined;
}

function convert(spec: FlagSpec, raw: string): Config[keyof Config] | Error {
  if (spec.optional && raw.trim() === '' && spec.kind !== 'namespaces') return '';
  const problem = (p: string | undefined, value: Config[keyof Config]): Config[keyof Config] | Error => (p === undefined ? value : new Error(p));
  switch (spec.kind) {
    case 'file':
      return problem(fileProblem(raw), raw);
    case 'bool':
      return parseBool(raw);
    case 'int': {
      if (!/^-?\d+$/.test(raw.trim())) return new Error(`${quoted(raw)} is not an integer`);
      const n = Number(raw);
      return problem(rangeProblem(spec, n, raw.trim().length > 24 ? quoted(raw.trim()) : raw.trim()), n);
    }
    case 'duration': {
      const ms = parseDuration(raw);
      if (ms instanceof Error) return ms;
      if (ms <= 0) return new Error(`duration must be positive, got ${quoted(raw)} (at least ${spec.min ?? '1ns'})`);
      return problem(rangeProblem(spec, ms, quoted(raw.trim())), ms);
    }
    case 'namespaces': {
      const items = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
      const bad = items.find((s) => !isDnsLabel(s));
      if (bad !== undefined) return new Error(`${quoted(bad)} is not a valid namespace name (a DNS label: lower-case letters, digits and '-', at most 63 characters)`);
      return [...new Set(items)];
    }
    case 'address':
      return parseBindAddress(raw);
    case 'address-map':
      return problem(addressMapProblem(raw), raw.trim());
    case 'cron': {
      const r = validateCronExpression(raw);
      if (!r.valid) return new Error(`invalid cron expression ${quoted(raw)}: ${r.error?.message ?? 'rejected by the cron parser'}`);
      const never = cronNeverFiresProblem(raw);
      if (never !== undefined) return new Error(`cron expression ${quoted(raw)}: ${never}`);
      return raw.trim();
    }
    case 'enum':
      if (!spec.choices?.includes(raw)) return new Error(`${quoted(raw)} is not one of ${spec.choices?.join(', ') ?? ''}`);
      return raw;
    case 'namespace':
      return problem(isDnsLabel(raw) ? undefined : `${quoted(raw)} is not a valid namespace name (a DNS label: lower-case letters, digits and '-', at most 63 characters)`, raw);
    case 'object-name':
      return problem(isDnsSubdomain(raw) ? undefined : `${quoted(raw)} is not a valid Kubernetes object name (lower-case letters, digits, '-' and '.', at most 253 characters)`, raw);
    case 'dns-domain': {
      const p = dnsNameProblem(raw);
      return problem(p === undefined ? undefined : `${quoted(raw)} is not a valid DNS domain: ${p}`, raw);
    }
    case 'label-selector': {
      const p = labelSelectorProblem(raw);
      return problem(p === undefined ? undefined : `${quoted(raw)} is not a valid label selector: ${p}`, raw.trim());
    }
    case 'time-zone':
      return problem(timeZoneProblem(raw), raw);
  }
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
    if (!spec) throw new ConfigError(name.length > 64 ? `${name.slice(0, 60)}…` : name, 'unknown flag (see --help)');
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
  checkBindAddresses(c);
  return { config: c, positional };
}

const WILDCARD_HOSTS = new Set(['', '0.0.0.0', '::']);

/** Both servers on one port would fail at start with EADDRINUSE; say which flags collide instead. */
function checkBindAddresses(c: Config): void {
  const m = c.metricsBindAddress;
  const h = c.healthBindAddress;
  if (m.port === 0 || m.port !== h.port) return;
  if (m.host === h.host || WILDCARD_HOSTS.has(m.host) || WILDCARD_HOSTS.has(h.host)) {
    throw new ConfigError('health-bind-address', `port ${h.port} is also used by --metrics-bind-address; each server needs its own port`);
  }
}

/** client-go's constraints: a leader must give up before a follower may take over. */
function checkLeaderElection(c: Config): void {
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
      const pad = ' '.repeat(width + 2);
      return `  --${s.name.padEnd(width)}${s.help}${def}\n  ${pad}${acceptedValues(s)}\n  ${pad}env ${envName(s.name)}`;
    })
    .join('\n');
}
