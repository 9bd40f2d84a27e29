// The skupper.io/tls-prior-valid-revisions comparison. For each value (given
// to the daemon per Listener through its annotation, which it copies to the
// Secret), one long-lived connection is opened before each of a few Listener
// rotations, so at the end connections exist on every recent ordinal; then
// each is checked (still open, still echoing). Also recorded: what the router
// was told, the sslProfile's ordinal and oldestValidOrdinal as the Skupper
// controller wrote them into ConfigMap skupper-router (the kube-adaptor sends
// that to the router as an sslProfile UPDATE). The Skupper controller never
// lowers oldestValidOrdinal, so values are run from the largest down.
import * as k8s from '@kubernetes/client-node';
import { profileOrdinal } from '../../src/decisions/served-stale-cause.js';
import { SKUPPER_PRIOR_VALID_REVISIONS, SKUPPER_TLS_PROFILE_CONTEXT } from '../../src/model/annotations.js';
import { LongLived } from './clients.js';
import type { DrillEnv } from './env.js';
import { PAIR } from './env.js';
import { annotate } from './kube.js';
import { poll } from './poll.js';
import type { ListenerRotation, Rotator } from './rotations.js';


export interface RouterTold {
  ordinal?: number;
  oldestValidOrdinal?: number;
}

export interface PriorValidPhase {
  value: number;
  rotations: ListenerRotation[];
  /** What the router was told after the phase's last rotation. */
  told: RouterTold;
  /** The ordinal the Skupper controller stamped on the Secret. */
  secretOrdinal?: number;
  /** Long-lived connections opened in the phase (one before each rotation). */
  connections: number;
  survived: number;
  breaks: string[];
  /** Handshakes that failed during the phase (100 ms client and poller). */
  failedHandshakes: number;
}

type Entity = [string, Record<string, unknown>];

/** The sslProfile `name` in ConfigMap skupper-router (skrouterd.json is a list of [type, attributes]). */
export async function routerTold(kc: k8s.KubeConfig, namespace: string, name: string): Promise<RouterTold> {
  const cm = await kc.makeApiClient(k8s.CoreV1Api).readNamespacedConfigMap({ namespace, name: 'skupper-router' });
  const entities = JSON.parse(cm.data?.['skrouterd.json'] ?? '[]') as Entity[];
  const profile = entities.find(([type, a]) => type === 'sslProfile' && a.name === name)?.[1];
  const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
  // Skupper leaves zero values out of the JSON (omitempty).
  return { ordinal: num(profile?.ordinal) ?? 0, oldestValidOrdinal: num(profile?.oldestValidOrdinal) ?? 0 };
}

/** The ordinal Skupper's controller stamped on `s` for `profile`, read as the daemon reads it. */
function secretOrdinal(s: k8s.V1Secret | undefined, profile: string): number | undefined {
  return profileOrdinal(s?.metadata?.annotations?.[SKUPPER_TLS_PROFILE_CONTEXT], profile);
}

export async function priorValidPhase(env: DrillEnv, rotator: Rotator, value: number, rotations: number, failedSoFar: () => number): Promise<PriorValidPhase> {
  const { namespace } = env.opts;
  const target = env.target;
  if (!target) throw new Error('the drill environment has not started');
  await annotate(env.kc, namespace, 'listeners', PAIR, { 'skupper-cert-rotator.io/prior-valid-revisions': String(value) });
  await poll(`${SKUPPER_PRIOR_VALID_REVISIONS}=${value} on Secret ${env.listenerSecret}`, () => (env.watch.latest.get(env.listenerSecret)?.metadata?.annotations?.[SKUPPER_PRIOR_VALID_REVISIONS] === String(value) ? true : undefined), 60_000, 20);
  const failedBefore = failedSoFar();
  const conns: LongLived[] = [];
  const done: ListenerRotation[] = [];
  for (let i = 0; i < rotations; i++) {
    const c = new LongLived(target);
    await c.open();
    conns.push(c);
    done.push(await rotator.listener(`prior-valid-revisions=${value}`));
  }
  // The controller stamps the Secret and writes the ConfigMap right after the data change; wait for the last ordinal to land there.
  const stamped = await poll('the Skupper controller to stamp the last ordinal', () => secretOrdinal(env.watch.latest.get(env.listenerSecret), env.listenerSecret), 30_000, 20).catch(() => undefined);
  const told = await poll('ConfigMap skupper-router to carry that ordinal', async () => {
    const t = await routerTold(env.kc, namespace, env.listenerSecret);
    return stamped === undefined || t.ordinal === stamped ? t : undefined;
  }, 30_000, 50).catch(() => routerTold(env.kc, namespace, env.listenerSecret));
  const results = [];
  for (const c of conns) {
    await c.healthy();
    results.push(await c.close());
  }
  const breaks = results.flatMap((r) => (r.broken !== undefined ? [r.broken] : []));
  return {
    value, rotations: done, told, ...(stamped !== undefined ? { secretOrdinal: stamped } : {}),
    connections: conns.length, survived: conns.length - breaks.length, breaks, failedHandshakes: failedSoFar() - failedBefore,
  };
}
