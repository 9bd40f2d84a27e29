// One rotation at a time, each waited out before the next:
// - Listener: a new value of skupper-cert-rotator.io/renew → cert-manager
//   writes a new leaf into the Listener Secret (the watch timestamps it) →
//   the router serves it (back-to-back echo connections time that) → the
//   daemon's probe logs served == new leaf, current=true.
// - Backend CA: renew the CA (new key) → the daemon adds it to the
//   Connector's bundle beside the old one (the overlap) → the router reloads
//   the Connector's sslProfile (its log says "Updated sslProfile") → the
//   backend's certificate is reissued from the new CA and the backend reloads
//   it → connections through the router reach it with the new certificate.
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { count, newCounts, oneShot, type Counts } from './clients.js';
import type { DrillEnv } from './env.js';
import { BACKEND_CA, BACKEND_CERT, PAIR } from './env.js';
import { annotate, leafOf, pemOf, renewCertificate, type SecretRevision } from './kube.js';
import { poll } from './poll.js';

export interface ListenerRotation {
  phase: string;
  /** When the watch saw the Secret's new leaf (ms epoch). */
  secretAt: number;
  leaf: string;
  /** Secret revision → first poller connection served the new leaf. */
  servedMs: number;
  /** Secret revision → first 100 ms client connection that got it (filled in at the end: undefined when none did before the next revision). */
  clientSawMs?: number;
  /** Secret revision → first probe line with served == new leaf and current=true. */
  probeMs?: number;
  /** probeMs ≤ probe interval + servedMs + slack (see drill.ts). */
  probeWithinInterval: boolean;
  /** Renew annotation set → Secret revision (cert-manager's issuance). */
  issueMs: number;
  /** When the probe never saw it: what its lines after the revision said (fingerprints shortened), to tell a late probe from a wrong judgement. */
  probeLinesAfter?: { afterMs: number; current: boolean; served?: string; secretLeaf?: string }[];
  /**
   * Leaves cert-manager wrote after `leaf` for this one trigger (a second
   * CertificateRequest with a new key, seen about 1 in 100 rotations a second
   * apart on cert-manager v1.21.1); the probe is then judged on the last one.
   */
  extraIssuances: number;
}

export interface CaRotation {
  /** When the watch saw the new CA in the backend-ca Secret. */
  caAt: number;
  /** CA revision → the Connector's bundle holds the new CA (and the old one). */
  bundleMs: number;
  /** Certificates in the bundle after the update (old + new during the overlap). */
  bundleSize: number;
  /** CA revision → the router logged a reload of the Connector's sslProfile. */
  routerReloadMs?: number;
  /** CA revision → the backend serves a certificate from the new CA. */
  backendSwitchedMs: number;
  /** CA revision → a connection through the router reached the backend on its new certificate. */
  throughMs: number;
}

const DEADLINE = 120_000;

/** Back-to-back connections until the router serves `leaf`; returns when it first did. */
async function pollServed(env: DrillEnv, leaf: string, counts: Counts): Promise<number> {
  const target = env.target;
  if (!target) throw new Error('the drill environment has not started');
  const deadline = Date.now() + DEADLINE;
  while (Date.now() < deadline) {
    // A whole round trip, not a bare handshake: a client that hangs up at once makes the router abort its own handshake with the backend.
    const s = await oneShot(target, 'poll\n');
    count(counts, s);
    if (s.served === leaf) return Date.now();
  }
  throw new Error(`the router did not serve the new leaf ${leaf.slice(0, 23)} within ${DEADLINE} ms`);
}

export class Rotator {
  /** The tight poller's connections (a failure counts like any other). */
  readonly poller = newCounts();
  private n = 0;

  constructor(private readonly env: DrillEnv, private readonly probeIntervalMs: number, private readonly probeSlackMs: number) {}

  async listener(phase: string): Promise<ListenerRotation> {
    const { env } = this;
    const { namespace } = env.opts;
    const before = leafOf(pemOf(await env.secret(env.listenerSecret), 'tls.crt'));
    const asked = Date.now();
    await annotate(env.kc, namespace, 'listeners', PAIR, { 'skupper-cert-rotator.io/renew': `drill-${++this.n}-${asked}` });
    const rev = await poll(`a new leaf in Secret ${env.listenerSecret}`, () => env.watch.find(env.listenerSecret, asked, (r) => r.leaf !== '' && r.leaf !== before), DEADLINE, 5);
    const servedAt = await pollServed(env, rev.leaf, this.poller);
    const daemon = env.daemon;
    if (!daemon) throw new Error('no daemon');
    // The probe's deadline is generous (a loaded machine); whether it was within one interval is judged below, not here.
    // A leaf cert-manager replaced on its own before the probe came round cannot be seen: the probe must see what the Secret holds now.
    const leaves = (): SecretRevision[] => (env.watch.revisions.get(env.listenerSecret) ?? []).filter((r) => r.at >= rev.at && r.leaf !== '');
    const probe = await poll('the probe to see the new leaf served', () => {
      const latest = leaves().at(-1)?.leaf ?? rev.leaf;
      return daemon.probes.find((p) => p.at >= rev.at && p.current && p.served === latest);
    }, Math.max(60_000, this.probeIntervalMs * 10), 20).catch(() => undefined);
    const extraIssuances = Math.max(0, new Set(leaves().map((r) => r.leaf)).size - 1);
    const servedMs = servedAt - rev.at;
    // From the revision the probe saw: the trigger's own, or cert-manager's extra one after it.
    const probeMs = probe ? probe.at - (leaves().find((r) => r.leaf === probe.served)?.at ?? rev.at) : undefined;
    const short = (fp: string | undefined): string | undefined => fp?.slice(0, 12);
    const seen = probe ? [] : daemon.probes.filter((p) => p.at >= rev.at).slice(0, 20)
      .map((p) => ({ afterMs: p.at - rev.at, current: p.current, served: short(p.served), secretLeaf: short(p.secretLeaf) }));
    return {
      phase, secretAt: rev.at, leaf: rev.leaf, servedMs, issueMs: rev.at - asked, extraIssuances,
      ...(probeMs !== undefined ? { probeMs } : { probeLinesAfter: seen }),
      probeWithinInterval: probeMs !== undefined && probeMs <= this.probeIntervalMs + servedMs + this.probeSlackMs,
    };
  }

  private routerReloads(profile: string): number {
    try {
      return readFileSync(this.env.routerLog, 'utf8').split('\n').filter((l) => l.includes(`Updated sslProfile ${profile}`)).length;
    } catch {
      return 0;
    }
  }

  async backendCa(): Promise<CaRotation> {
    const { env } = this;
    const { namespace } = env.opts;
    const backend = env.backend;
    if (!backend) throw new Error('no backend');
    const oldCa = leafOf(pemOf(await env.secret(BACKEND_CA), 'tls.crt'));
    const profile = `${env.connectorSecret}-profile`;
    const reloadsBefore = this.routerReloads(profile);
    const asked = Date.now();
    await renewCertificate(env.kc, namespace, BACKEND_CA);
    const ca = await poll('a new backend CA', () => env.watch.find(BACKEND_CA, asked, (r) => r.leaf !== '' && r.leaf !== oldCa), DEADLINE, 5);
    const bundle = await poll('the Connector bundle to hold the new CA beside the old one',
      () => env.watch.find(env.connectorSecret, ca.at, (r) => r.bundle.includes(ca.leaf) && r.bundle.includes(oldCa)), DEADLINE, 5);
    // The router reloads the Connector profile once the Skupper controller has stamped the new ordinal; its log line is the evidence.
    const reloadAt = await poll(`the router to reload sslProfile ${profile}`, () => (this.routerReloads(profile) > reloadsBefore ? Date.now() : undefined), 30_000, 20).catch(() => undefined);
    const oldLeaf = leafOf(pemOf(await env.secret(BACKEND_CERT), 'tls.crt'));
    const leafAsked = Date.now();
    await renewCertificate(env.kc, namespace, BACKEND_CERT);
    await poll('a new backend certificate', () => env.watch.find(BACKEND_CERT, leafAsked, (r) => r.leaf !== '' && r.leaf !== oldLeaf), DEADLINE, 5);
    const s = env.watch.latest.get(BACKEND_CERT);
    const certPem = pemOf(s, 'tls.crt');
    const newCa = new X509Certificate(pemOf(env.watch.latest.get(BACKEND_CA), 'tls.crt'));
    if (!new X509Certificate(certPem).checkIssued(newCa)) throw new Error('the reissued backend certificate is not from the new CA');
    backend.reload(certPem, pemOf(s, 'tls.key'));
    const switchedAt = Date.now();
    // Through the router on the new certificate: the periodic client's next connections do it; wait for the backend to count some.
    const throughAt = await poll('connections through the router to the backend\'s new certificate', () => ((backend.handshakes.get(backend.served) ?? 0) >= 3 ? Date.now() : undefined), DEADLINE, 10);
    return {
      caAt: ca.at, bundleMs: bundle.at - ca.at, bundleSize: bundle.bundle.length,
      ...(reloadAt !== undefined ? { routerReloadMs: reloadAt - ca.at } : {}),
      backendSwitchedMs: switchedAt - ca.at, throughMs: throughAt - ca.at,
    };
  }
}
