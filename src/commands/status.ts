// `skupper-cert-rotator status [-n NS | -A] [-o json]` (SPEC §4.5): every
// Listener and Connector with its Secret, issuer, expiry, time left, renewal
// time, state and last error, sorted by expiry. It reads the cluster
// directly (the daemon need not run) and describes each object with the
// same pure function the daemon exports metrics from, so both agree. Below the
// table, one line per namespace whose Skupper config sync is blocked by a
// tlsCredentials naming a Secret Skupper cannot read (decisions/site-blockers.ts).
import type { V1Secret } from '@kubernetes/client-node';
import type { Config } from '../config/config.js';
import { describeConnector, describeListener, describedSecretName, type ObjectStatus } from '../decisions/expiry-status.js';
import { blockedSites, secretPresence, siteBlockers, siteLine, type BlockedSite } from '../decisions/site-blockers.js';
import { TLS_SECRET_TYPE } from '../decisions/secret-type.js';
import { unlistedSecretTypes } from './secret-types.js';
import { Api, type ResourceType } from '../kube/api.js';
import { CRD_INSTALL_HINTS, Resources, requiredResources } from '../model/resources.js';
import { kubeConfigFromFlag } from '../config/kubeconfig.js';
import { requireResources } from '../kube/crd-check.js';
import { USER_AGENT } from '../version.js';
import type { Certificate } from '../model/certmanager.js';
import type { Connector, Listener } from '../model/skupper.js';
import type { Output } from './renew.js';

export interface StatusRow extends ObjectStatus {
  /** Seconds until the earliest expiry of leaf and CA bundle (negative once expired). */
  secondsLeft?: number;
  lastError?: string;
}

interface EventLike {
  type?: string;
  reason?: string;
  note?: string;
  reportingController?: string;
  regarding?: { kind?: string; name?: string };
  eventTime?: string;
  metadata?: { namespace?: string; creationTimestamp?: string };
}

async function listAll<T>(api: Api, type: ResourceType, namespace: string | undefined, query: Record<string, string> = {}): Promise<T[]> {
  const items: T[] = [];
  let cont: string | undefined;
  do {
    const page = await api.list<T>(type, namespace, { limit: 500, ...query, ...(cont ? { continue: cont } : {}) });
    items.push(...page.items);
    cont = page.metadata.continue || undefined;
  } while (cont);
  return items;
}

/** Human units: "29d 23h", "5h 3m", "12m", "45s"; "expired 3d ago" in the past. */
export function humanDuration(seconds: number): string {
  const s = Math.abs(Math.round(seconds));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const text = d > 0 ? `${d}d${h > 0 ? ` ${h}h` : ''}` : h > 0 ? `${h}h${m > 0 ? ` ${m}m` : ''}` : m > 0 ? `${m}m` : `${s % 60}s`;
  return seconds < 0 ? `expired ${text} ago` : text;
}

/** What expires first: the leaf, or the earliest CA the router loads from ca.crt. */
export function expiryOf(r: Pick<ObjectStatus, 'notAfter' | 'bundleNotAfter'>): Date | undefined {
  const times = [r.notAfter, r.bundleNotAfter].filter((t): t is number => t !== undefined);
  return times.length === 0 ? undefined : new Date(Math.min(...times));
}

/** Soonest expiry first; objects without a certificate last, by namespace and name. */
export function sortRows(rows: StatusRow[]): StatusRow[] {
  return [...rows].sort((a, b) => {
    const ta = expiryOf(a)?.getTime() ?? Infinity;
    const tb = expiryOf(b)?.getTime() ?? Infinity;
    if (ta !== tb) return ta < tb ? -1 : 1;
    return `${a.namespace}/${a.kind}/${a.name}` < `${b.namespace}/${b.kind}/${b.name}` ? -1 : 1;
  });
}

export interface StatusReport {
  rows: StatusRow[];
  /** Namespaces whose Skupper config sync a Listener or Connector blocks, with the culprits. */
  blockedSites: BlockedSite[];
}

export async function collectStatus(api: Api, config: Config, namespace: string | undefined, now: Date): Promise<StatusReport> {
  const [listeners, connectors, certificates, secrets, events] = await Promise.all([
    listAll<Listener>(api, Resources.listener, namespace),
    listAll<Connector>(api, Resources.connector, namespace),
    listAll<Certificate>(api, Resources.certificate, namespace),
    // Only the types the daemon reads; other Secrets are never used by Skupper.
    Promise.all([listAll<V1Secret>(api, Resources.secret, namespace, { fieldSelector: 'type=kubernetes.io/tls' }), listAll<V1Secret>(api, Resources.secret, namespace, { fieldSelector: 'type=Opaque' })]).then((a) => a.flat()),
    listAll<EventLike>(api, Resources.event, namespace).catch(() => [] as EventLike[]),
  ]);
  const byKey = <T extends { metadata?: { namespace?: string; name?: string } }>(items: T[]): Map<string, T> => new Map(items.map((i) => [`${i.metadata?.namespace ?? ''}/${i.metadata?.name ?? ''}`, i]));
  const secretMap = byKey(secrets);
  const certMap = byKey(certificates);
  const refs = [
    ...listeners.map((l) => ({ namespace: l.metadata.namespace, name: describedSecretName('listener', l, config) })),
    ...connectors.map((c) => ({ namespace: c.metadata.namespace, name: describedSecretName('connector', c, config) })),
    ...[...listeners, ...connectors].map((o) => ({ namespace: o.metadata.namespace, name: o.spec.tlsCredentials })),
  ];
  const read = await unlistedSecretTypes(api, refs, (ns, n) => secretMap.has(`${ns}/${n}`));
  const otherSecretType = (ns: string, n: string): string | undefined => {
    const type = read.get(`${ns}/${n}`);
    // A listed type the lists do not show is a Secret created between the calls, not a wrong type.
    return type === null || type === undefined || type === TLS_SECRET_TYPE || type === 'Opaque' ? undefined : type;
  };
  const lookup = { secret: (ns: string, n: string) => secretMap.get(`${ns}/${n}`), certificate: (ns: string, n: string) => certMap.get(`${ns}/${n}`), otherSecretType };
  const blockers = siteBlockers(listeners, connectors, (ns, n) => secretPresence(secretMap.get(`${ns}/${n}`), read.get(`${ns}/${n}`)));
  // The last error is the newest Warning, unless a Normal event (issued,
  // updated, wired) came after it: then the problem was resolved.
  const lastWarning = new Map<string, { at: number; text: string }>();
  const lastNormal = new Map<string, number>();
  for (const e of events) {
    if (e.reportingController !== 'skupper-cert-rotator') continue;
    const key = `${(e.regarding?.kind ?? '').toLowerCase()}/${e.metadata?.namespace ?? ''}/${e.regarding?.name ?? ''}`;
    const at = Date.parse(e.eventTime ?? e.metadata?.creationTimestamp ?? '') || 0;
    if (e.type === 'Warning') {
      const prev = lastWarning.get(key);
      if (!prev || at >= prev.at) lastWarning.set(key, { at, text: `${e.reason ?? ''}: ${e.note ?? ''}` });
    } else {
      lastNormal.set(key, Math.max(at, lastNormal.get(key) ?? 0));
    }
  }
  const currentError = (key: string): string | undefined => {
    const w = lastWarning.get(key);
    return w && w.at >= (lastNormal.get(key) ?? 0) ? w.text : undefined;
  };
  const rows: StatusRow[] = [
    ...listeners.map((l) => describeListener(l, lookup, config, now)),
    ...connectors.map((c) => describeConnector(c, lookup, config, now)),
  ].map((s) => {
    const err = currentError(`${s.kind}/${s.namespace}/${s.name}`) ?? s.problems[0];
    return {
      ...s,
      ...(expiryOf(s) ? { secondsLeft: Math.round(((expiryOf(s)?.getTime() ?? 0) - now.getTime()) / 1000) } : {}),
      ...(err !== undefined ? { lastError: err } : {}),
    };
  });
  return { rows: sortRows(rows), blockedSites: blockedSites(blockers) };
}

const COLOURS = { red: '\x1b[31m', yellow: '\x1b[33m', green: '\x1b[32m', reset: '\x1b[0m' };
const WARN_SECONDS = 7 * 86400;

export function renderTable(rows: StatusRow[], now: Date, colour: boolean): string {
  const iso = (d: Date | undefined): string => (d ? d.toISOString().replace('.000Z', 'Z') : '-');
  const header = ['NAMESPACE', 'KIND', 'NAME', 'SECRET', 'ISSUER', 'NOT-AFTER', 'TIME-LEFT', 'RENEWAL', 'STATE', 'LAST-ERROR'];
  const cells = rows.map((r) => {
    const expiry = expiryOf(r);
    const left = expiry ? humanDuration((expiry.getTime() - now.getTime()) / 1000) : '-';
    const err = r.lastError === undefined ? '-' : r.lastError.length > 80 ? `${r.lastError.slice(0, 77)}...` : r.lastError;
    return [r.namespace, r.kind, r.name, r.secret ?? '-', r.issuer ?? '-', iso(expiry), left, iso(r.renewalTime === undefined ? undefined : new Date(r.renewalTime)), r.state, err];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]): string => c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  const out = [line(header)];
  rows.forEach((r, i) => {
    const text = line(cells[i] ?? []);
    if (!colour) {
      out.push(text);
      return;
    }
    const expiry = expiryOf(r)?.getTime();
    const c = r.state === 'Expired' || r.state === 'Invalid' || r.state === 'SecretMissing' ? COLOURS.red
      : expiry !== undefined && expiry - now.getTime() < WARN_SECONDS * 1000 ? COLOURS.yellow
        : r.state === 'Ready' ? COLOURS.green : '';
    out.push(c ? `${c}${text}${COLOURS.reset}` : text);
  });
  return `${out.join('\n')}\n`;
}

/** The lines below the table: one per blocked site, naming its culprits (empty when none). */
export function renderBlockedSites(sites: readonly BlockedSite[], colour: boolean): string {
  if (sites.length === 0) return '';
  const lines = sites.map((s) => (colour ? `${COLOURS.red}${siteLine(s)}${COLOURS.reset}` : siteLine(s)));
  return `\n${lines.join('\n')}\n`;
}

/** The keys of a description that hold instants (epoch milliseconds), printed as RFC 3339 in JSON as the Dates they were. */
const INSTANT_KEYS: ReadonlySet<string> = new Set(['notBefore', 'notAfter', 'renewalTime', 'bundleNotAfter']);

function instantsAsText(key: string, value: unknown): unknown {
  return INSTANT_KEYS.has(key) && typeof value === 'number' ? new Date(value).toISOString() : value;
}

export async function statusCommand(config: Config, opts: { namespace?: string; allNamespaces: boolean; output: 'table' | 'json'; tty: boolean }, io: Output): Promise<number> {
  const kc = kubeConfigFromFlag(config.kubeconfig);
  // Like kubectl: -A for every namespace, else -n, else the context's namespace.
  const namespace = opts.allNamespaces ? undefined : opts.namespace ?? (kc.getContextObject(kc.getCurrentContext())?.namespace || 'default');
  const api = new Api(kc, USER_AGENT);
  try {
    // A clear "install these CRDs" rather than a 404 on the first list.
    await requireResources(api, requiredResources({ clusterIssuers: false, issuers: false }), CRD_INSTALL_HINTS);
    const now = new Date();
    // Describe, don't judge: the daemon (with its own flags) reports bad annotations as Events, shown as LAST-ERROR.
    const { rows, blockedSites: sites } = await collectStatus(api, { ...config, allowShortDurations: true }, namespace, now);
    if (opts.output === 'json') {
      io.out(`${JSON.stringify({ generatedAt: now.toISOString(), namespace: namespace ?? null, items: rows, blockedSites: sites }, instantsAsText, 2)}\n`);
    } else if (rows.length === 0) {
      io.err(`no Listeners or Connectors found${namespace ? ` in namespace ${namespace}` : ''}\n`);
    } else {
      io.out(renderTable(rows, now, opts.tty) + renderBlockedSites(sites, opts.tty));
    }
    return 0;
  } finally {
    api.close();
  }
}
