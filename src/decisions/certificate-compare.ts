// Whether a live Certificate already is what we would write. Only the fields
// we own are compared: a false "different" means a write on every resync
// (SPEC: no writes in steady state), a false "equal" means a change that
// never reaches cert-manager.
import { isDeepStrictEqual } from 'node:util';
import type { V1OwnerReference } from '@kubernetes/client-node';
import { Labels, MANAGED_BY_LABEL } from '../model/annotations.js';
import type { Certificate } from '../model/certmanager.js';

const OUR_LABELS: readonly string[] = [MANAGED_BY_LABEL, Labels.listener, Labels.connector];

/** Every spec field listener-desired.ts and connector-desired.ts can emit. */
const OUR_SPEC_FIELDS = ['secretName', 'issuerRef', 'commonName', 'dnsNames', 'ipAddresses', 'usages', 'duration', 'renewBefore', 'privateKey', 'secretTemplate'] as const;

function pick(spec: Certificate['spec']): Record<string, unknown> {
  return Object.fromEntries(OUR_SPEC_FIELDS.map((k) => [k, spec[k]]));
}

/**
 * Drops undefined/null values and empty arrays/objects, recursively: the API
 * server omits empty fields on the way back, and a JSON round trip turns
 * undefined into nothing, so these are all "not set".
 */
function canonical(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    const items: unknown[] = value.map(canonical);
    return items.length === 0 ? undefined : items;
  }
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const c = canonical(v);
      if (c !== undefined) out[k] = c;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return value;
}

function sameOwner(a: V1OwnerReference, b: V1OwnerReference): boolean {
  return a.apiVersion === b.apiVersion && a.kind === b.kind && a.name === b.name && a.uid === b.uid && (a.controller ?? false) === (b.controller ?? false);
}

/**
 * True when `live` matches `desired` in everything we own: the spec fields we write,
 * our labels, and our owner reference(s). Other labels, annotations,
 * owner references, status and server-set metadata are ignored.
 */
export function certificateSpecEquals(live: Certificate, desired: Certificate): boolean {
  // Every field we ever write, not just the ones set now: a field we set
  // earlier and dropped since (say, duration) must be noticed. Fields we never
  // write are ignored: server-side apply would not remove another manager's
  // field anyway, so "fixing" it would be a no-op write on every resync.
  if (!isDeepStrictEqual(canonical(pick(live.spec)), canonical(pick(desired.spec)))) return false;
  if (OUR_LABELS.some((k) => live.metadata.labels?.[k] !== desired.metadata.labels?.[k])) return false;
  const liveOwners = live.metadata.ownerReferences ?? [];
  return (desired.metadata.ownerReferences ?? []).every((want) => liveOwners.some((have) => sameOwner(have, want)));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function nulls(live: unknown, want: unknown): Record<string, unknown> | undefined {
  if (!isObject(live)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(live)) {
    const w = isObject(want) ? want[k] : undefined;
    if (w === undefined) out[k] = null;
    else if (isObject(v) && isObject(w)) {
      const inner = nulls(v, w);
      if (inner) out[k] = inner;
    }
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

/**
 * The spec fields we own that `live` has and `desired` no longer wants, as a
 * JSON merge patch of nulls (`{ ipAddresses: null, privateKey: { size: null } }`),
 * or undefined when there are none. Server-side apply removes a field only
 * when the applier alone owns it, and the fields a Certificate was created with
 * belong to the create (an Update operation), not to our later applies: a
 * Listener whose host went from an IP address to a name kept the IP SAN, and
 * every reconcile applied again in vain.
 */
export function droppedSpecFields(live: Certificate, desired: Certificate): Record<string, unknown> | undefined {
  return nulls(canonical(pick(live.spec)), canonical(pick(desired.spec)));
}
