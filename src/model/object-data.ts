// Small readers shared by the controllers: Secret data as text, API
// timestamps as dates (work-queue keys are in kube/keys.ts).
import type { V1Secret } from '@kubernetes/client-node';

/** `data[key]` of a Secret, base64-decoded; undefined when the Secret or the key is absent. */
export function secretText(secret: V1Secret | undefined, key: string): string | undefined {
  const v = secret?.data?.[key];
  return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
}

/** An RFC 3339 timestamp from an object's status, or undefined when absent or unreadable. */
export function apiDate(s: string | undefined): Date | undefined {
  if (s === undefined) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : new Date(t);
}
