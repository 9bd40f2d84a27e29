// argv and the environment → a checked Config: flags win over the
// environment, which wins over defaults; values are checked one by one
// (values.ts), then against each other.
import { parseWindow } from '../decisions/renewal-window.js';
import { ConfigError, type Config } from './config.js';
import { envName, flagSpecs } from './flags.js';
import { convert } from './values.js';

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
    c.renewalWindowSchedule = w;
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
