// One flag value, checked and converted to its typed form: every check a
// value gets at start, so a bad value is refused with a reason, never used.
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { validateCronExpression } from 'cron';
import { cronNeverFiresProblem } from '../util/cron-fires.js';
import { asciiLower, dnsNameProblem, isDnsSubdomain, quoted } from '../util/dnsname.js';
import { parseDuration } from '../util/duration.js';
import { labelSelectorProblem } from '../util/label-selector.js';
import type { BindAddress, Config } from './config.js';
import { MAX_TIMER_MS, type FlagSpec } from './flags.js';

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

export function convert(spec: FlagSpec, raw: string): Config[keyof Config] | Error {
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
