// A namespace full of work for the fault tests: N Listeners annotated with
// the namespace's CA Issuer and M Connectors trusting it, and the check that
// the daemon's end state for them is complete and correct, read from the API
// server (not from the daemon): every Listener wired to a Ready Certificate
// covering its host, every Connector's bundle holding exactly the CA, and
// exactly one Certificate and one Secret per object (no duplicates).
import { X509Certificate } from 'node:crypto';
import { isReady, type Certificate } from '../../src/model/certmanager.js';
import type { Connector, Listener } from '../../src/model/skupper.js';
import { testCluster } from './cluster.js';
import { caIssuer } from './issuers.js';
import { apply, decode, getCertificate } from './k8s.js';
import { GiveUp, eventually } from './wait.js';

export interface Population {
  ns: string;
  listeners: number;
  connectors: number;
  /** The CA certificate (PEM) every Listener leaf chains to and every Connector bundle must hold. */
  caPem: string;
}

const listenerName = (i: number): string => `l-${i}`;
const connectorName = (i: number): string => `c-${i}`;

/** Issuers `selfsigned` and `ca` in `ns`, and the CA's certificate once cert-manager made it. */
export async function readyCA(ns: string): Promise<string> {
  await caIssuer(ns, `${ns} CA`);
  return eventually(`CA of ${ns}`, async () => {
    const c = await getCertificate(ns, 'ca');
    if (!c || !isReady(c)) return undefined;
    return decode(await testCluster().core.readNamespacedSecret({ namespace: ns, name: 'ca' }), 'tls.crt') || undefined;
  }, { timeoutMs: 60_000 });
}

/** Applies `items` with at most `width` requests in flight. */
async function inParallel<T>(items: T[], width: number, each: (t: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await each(items[next++] as T);
  }));
}

/** Creates the Listeners and Connectors of `p` (its CA must exist: readyCA). */
export async function createPopulation(p: Population, listenerAnnotations: Record<string, string> = {}): Promise<void> {
  await createRange(p, { listeners: 0, connectors: 0 }, listenerAnnotations);
}

/** Adds `listeners` Listeners and `connectors` Connectors to a population that already exists. */
export async function extendPopulation(p: Population, listeners: number, connectors: number): Promise<void> {
  const from = { listeners: p.listeners, connectors: p.connectors };
  p.listeners += listeners;
  p.connectors += connectors;
  await createRange(p, from);
}

async function createRange(p: Population, from: { listeners: number; connectors: number }, listenerAnnotations: Record<string, string> = {}): Promise<void> {
  const indexes = (start: number, end: number): number[] => Array.from({ length: end - start }, (_, i) => start + i);
  await inParallel(indexes(from.listeners, p.listeners), 16, (i) => apply<Listener>({
    apiVersion: 'skupper.io/v2alpha1', kind: 'Listener',
    metadata: { name: listenerName(i), namespace: p.ns, annotations: { 'cert-manager.io/issuer': 'ca', ...listenerAnnotations } },
    spec: { routingKey: listenerName(i), host: listenerName(i), port: 8080 },
  }));
  await inParallel(indexes(from.connectors, p.connectors), 16, (i) => apply<Connector>({
    apiVersion: 'skupper.io/v2alpha1', kind: 'Connector',
    metadata: { name: connectorName(i), namespace: p.ns, annotations: { 'skupper-cert-rotator.io/trust': 'issuer/ca' } },
    spec: { routingKey: connectorName(i), host: `backend-${i}.example`, port: 8443 },
  }));
}

async function listAll<T>(plural: string, ns: string, group = 'skupper.io', version = 'v2alpha1'): Promise<T[]> {
  const list = await testCluster().custom.listNamespacedCustomObject({ group, version, namespace: ns, plural }) as { items: T[] };
  return list.items;
}

export interface Progress {
  /** Listeners wired to a Ready Certificate covering their host. */
  listenersDone: number;
  connectorsDone: number;
  /** What is still wrong, first few; a duplicate is always named. */
  problems: string[];
  duplicates: string[];
}

function pemBlocks(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
}

/** The population's state as the API server has it. */
export async function progress(p: Population): Promise<Progress> {
  const [listeners, connectors, certificates, secretList] = await Promise.all([
    listAll<Listener>('listeners', p.ns), listAll<Connector>('connectors', p.ns),
    listAll<Certificate>('certificates', p.ns, 'cert-manager.io', 'v1'),
    testCluster().core.listNamespacedSecret({ namespace: p.ns }),
  ]);
  const secrets = new Map(secretList.items.map((s) => [s.metadata?.name ?? '', s]));
  const problems: string[] = [];
  const duplicates: string[] = [];
  // Every Certificate the daemon made for a Listener, by the owning Listener's uid.
  const byOwner = new Map<string, Certificate[]>();
  for (const c of certificates) {
    for (const o of c.metadata.ownerReferences ?? []) {
      if (o.kind === 'Listener') byOwner.set(o.uid, [...(byOwner.get(o.uid) ?? []), c]);
    }
  }
  const ca = new X509Certificate(p.caPem);
  let listenersDone = 0;
  for (const l of listeners) {
    const name = l.metadata.name;
    const owned = byOwner.get(l.metadata.uid ?? '') ?? [];
    if (owned.length > 1) duplicates.push(`Listener ${name} owns ${owned.length} Certificates: ${owned.map((c) => c.metadata.name).join(', ')}`);
    const c = owned[0];
    const s = c ? secrets.get(c.spec.secretName) : undefined;
    const leaf = s ? decode(s, 'tls.crt') : '';
    if (!c || !isReady(c)) problems.push(`Listener ${name}: Certificate ${c ? 'not Ready' : 'missing'}`);
    else if (l.spec.tlsCredentials !== c.spec.secretName) problems.push(`Listener ${name}: tlsCredentials ${String(l.spec.tlsCredentials)}, Certificate Secret ${c.spec.secretName}`);
    else if (!c.spec.dnsNames?.includes(l.spec.host ?? '')) problems.push(`Listener ${name}: Certificate dnsNames ${JSON.stringify(c.spec.dnsNames)} miss ${l.spec.host}`);
    else if (leaf === '') problems.push(`Listener ${name}: Secret ${c.spec.secretName} has no tls.crt`);
    else {
      const x = new X509Certificate(leaf);
      if (!(x.subjectAltName ?? '').split(', ').includes(`DNS:${l.spec.host}`) || !x.checkIssued(ca)) problems.push(`Listener ${name}: leaf does not cover ${l.spec.host} or is not issued by the CA`);
      else listenersDone++;
    }
  }
  if (listeners.length !== p.listeners) problems.push(`${listeners.length} Listeners, want ${p.listeners}`);
  const listenerCerts = certificates.filter((c) => (c.metadata.ownerReferences ?? []).some((o) => o.kind === 'Listener'));
  if (listenerCerts.length > p.listeners) duplicates.push(`${listenerCerts.length} Listener Certificates for ${p.listeners} Listeners`);
  let connectorsDone = 0;
  for (const c of connectors) {
    const s = secrets.get(`${c.metadata.name}-connector-tls`);
    const blocks = s ? pemBlocks(decode(s, 'ca.crt')) : [];
    if (c.spec.tlsCredentials !== `${c.metadata.name}-connector-tls`) problems.push(`Connector ${c.metadata.name}: not wired`);
    else if (blocks.length !== 1 || new X509Certificate(blocks[0] ?? '').fingerprint256 !== ca.fingerprint256) problems.push(`Connector ${c.metadata.name}: bundle of ${blocks.length} certificate(s), want exactly the CA`);
    else connectorsDone++;
  }
  // The daemon's Secrets carry its label; one per object, never more.
  const managed = secretList.items.filter((s) => s.metadata?.labels?.['app.kubernetes.io/managed-by'] === 'skupper-cert-rotator');
  if (managed.length > p.listeners + p.connectors) duplicates.push(`${managed.length} managed Secrets for ${p.listeners + p.connectors} objects`);
  return { listenersDone, connectorsDone, problems, duplicates };
}

/** Waits until the population is complete and correct; fails at once on a duplicate. Returns the last progress. */
export async function converged(p: Population, timeoutMs: number): Promise<Progress> {
  let last: Progress | undefined;
  try {
    return await eventually(`${p.ns}: ${p.listeners} Listeners and ${p.connectors} Connectors converged`, async () => {
      last = await progress(p);
      if (last.duplicates.length > 0) throw new GiveUp(`duplicates: ${last.duplicates.join('; ')}`);
      return last.problems.length === 0 ? last : undefined;
    }, { timeoutMs, intervalMs: 500 });
  } catch (err) {
    const where = last ? ` (${last.listenersDone}/${p.listeners} Listeners, ${last.connectorsDone}/${p.connectors} Connectors done; first problems: ${last.problems.slice(0, 5).join('; ')})` : '';
    throw new Error(`${err instanceof Error ? err.message : String(err)}${where}`);
  }
}

export interface Timeline {
  /** When the daemon created its last Listener Certificate. */
  lastCertificateCreated: number;
  /** When cert-manager made the last of them Ready. */
  lastReady: number;
  /** When the daemon last wrote a Listener (wired it), from the Listener's managedFields. */
  lastWired: number;
}

/** Who finished when (second resolution: API timestamps), to tell the daemon's part of a recovery from cert-manager's. */
export async function timeline(p: Population): Promise<Timeline> {
  const [listeners, certificates] = await Promise.all([
    listAll<Listener>('listeners', p.ns), listAll<Certificate>('certificates', p.ns, 'cert-manager.io', 'v1'),
  ]);
  const owned = certificates.filter((c) => (c.metadata.ownerReferences ?? []).some((o) => o.kind === 'Listener'));
  // Typed as Date by the client, but a custom-object list hands back the JSON string.
  const max = (times: (Date | string | undefined)[]): number => Math.max(0, ...times.map((t) => (t instanceof Date ? t.getTime() : t ? Date.parse(t) : 0)));
  return {
    lastCertificateCreated: max(owned.map((c) => c.metadata.creationTimestamp)),
    lastReady: max(owned.map((c) => c.status?.conditions?.find((x) => x.type === 'Ready')?.lastTransitionTime)),
    lastWired: max(listeners.flatMap((l) => (l.metadata.managedFields ?? []).filter((f) => f.manager === 'skupper-cert-rotator').map((f) => f.time))),
  };
}
