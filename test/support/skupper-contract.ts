// What a real Skupper site made of the Secrets the daemon writes, read from
// Skupper's side only: the stamp its controller puts on a Secret, the profile
// files its kube-adaptor writes for the router, the router config it
// generates, and the adaptor's log. The contract tests compare these with the
// Secrets, never with the daemon's own view.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { SKUPPER_TLS_PROFILE_CONTEXT } from '../../src/model/annotations.js';
import { testCluster } from './cluster.js';
import { isNotFound } from './k8s.js';

export interface ProfileStamp {
  profileName: string;
  ordinal: number;
}

/** Skupper's internal.skupper.io/tls-profile-context on `secret`; undefined without it. Throws when it is not the JSON array Skupper writes. */
export function stampOf(secret: k8s.V1Secret | undefined): ProfileStamp[] | undefined {
  const raw = secret?.metadata?.annotations?.[SKUPPER_TLS_PROFILE_CONTEXT];
  if (raw === undefined) return undefined;
  const parsed: unknown = JSON.parse(raw);
  if (!Array.isArray(parsed)) throw new Error(`${SKUPPER_TLS_PROFILE_CONTEXT} is not a JSON array: ${raw}`);
  return parsed.map((e: unknown) => {
    const o = e as Partial<ProfileStamp>;
    if (typeof o.profileName !== 'string' || typeof o.ordinal !== 'number') throw new Error(`${SKUPPER_TLS_PROFILE_CONTEXT} entry without profileName/ordinal: ${raw}`);
    return { profileName: o.profileName, ordinal: o.ordinal };
  });
}

/** The ordinal Skupper stamped for `profile`, or undefined. */
export function ordinalOf(secret: k8s.V1Secret | undefined, profile: string): number | undefined {
  return stampOf(secret)?.find((s) => s.profileName === profile)?.ordinal;
}

export async function readSecret(namespace: string, name: string): Promise<k8s.V1Secret | undefined> {
  try {
    return await testCluster().core.readNamespacedSecret({ namespace, name });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** The files the kube-adaptor wrote for sslProfile `profile` (name → bytes as text); undefined when it wrote none. */
export function profileFiles(certs: string, profile: string): Record<string, string> | undefined {
  const dir = join(certs, profile);
  if (!existsSync(dir)) return undefined;
  return Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

/** The Secret's data as the router would need it on disk (every key, decoded). */
export function secretFiles(secret: k8s.V1Secret, keys: string[]): Record<string, string> {
  return Object.fromEntries(keys.map((k) => [k, Buffer.from(secret.data?.[k] ?? '', 'base64').toString('utf8')]));
}

export function adaptorLog(siteDir: string): string {
  return readFileSync(join(siteDir, 'kube-adaptor.log'), 'utf8');
}

/** Lines of the kube-adaptor's log saying a profile's Secret is missing (its sync of the whole site stops on them). */
export function missingSecretLines(siteDir: string): string[] {
  return adaptorLog(siteDir).split('\n').filter((l) => l.includes('missing secret for profile'));
}

export interface RouterSslProfile {
  name: string;
  caCertFile?: string;
  certFile?: string;
  privateKeyFile?: string;
  ordinal?: number;
  oldestValidOrdinal?: number;
}

/** The sslProfiles of the router config the Skupper controller generated (ConfigMap skupper-router, skrouterd.json: [type, attributes] entries). */
export async function routerSslProfiles(namespace: string): Promise<RouterSslProfile[]> {
  const cm = await testCluster().core.readNamespacedConfigMap({ namespace, name: 'skupper-router' });
  const entries = JSON.parse(cm.data?.['skrouterd.json'] ?? '[]') as [string, Record<string, unknown>][];
  return entries.filter(([type]) => type === 'sslProfile').map(([, a]) => a as unknown as RouterSslProfile);
}

/** Who has written fields of `obj` (managedFields: manager and operation), for the record. */
export function managers(obj: k8s.KubernetesObject): string[] {
  return (obj.metadata?.managedFields ?? []).map((m) => `${m.manager ?? '?'}/${m.operation ?? '?'}`);
}
