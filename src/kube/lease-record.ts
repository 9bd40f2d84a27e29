// The leader-election decision as a pure function (client-go's
// tryAcquireOrRenew): given the Lease as last read, when its record was last
// seen to change (by our clock, never the writer's: clocks across nodes
// disagree), who we are and the time, say whether to take it, renew it or
// wait. The I/O lives in leader-election.ts.

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
  spec?: LeaseSpec;
}

export type LeaseDecision =
  | { action: 'create'; spec: LeaseSpec }
  | { action: 'update'; spec: LeaseSpec; acquired: boolean }
  | { action: 'wait'; holder: string; expiresAt: number };

/** Lease times are MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** A fingerprint of the record: a change of it, observed at our time, restarts the expiry clock. */
export function recordKey(lease: Lease | undefined): string {
  const s = lease?.spec ?? {};
  return JSON.stringify([s.holderIdentity ?? '', s.renewTime ?? '', s.acquireTime ?? '', s.leaseDurationSeconds ?? 0, s.leaseTransitions ?? 0]);
}

export function decideLease(lease: Lease | undefined, observedAt: number, identity: string, leaseDurationMs: number, now: number): LeaseDecision {
  const seconds = Math.max(1, Math.ceil(leaseDurationMs / 1000));
  if (!lease) {
    return { action: 'create', spec: { holderIdentity: identity, leaseDurationSeconds: seconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 } };
  }
  const spec = lease.spec ?? {};
  const holder = spec.holderIdentity ?? '';
  if (holder !== '' && holder !== identity) {
    // The holder's own duration counts (a released Lease says 1 s).
    const expiresAt = observedAt + (spec.leaseDurationSeconds ?? seconds) * 1000;
    if (expiresAt > now) return { action: 'wait', holder, expiresAt };
  }
  const mine = holder === identity;
  return {
    action: 'update',
    acquired: !mine,
    spec: {
      holderIdentity: identity,
      leaseDurationSeconds: seconds,
      acquireTime: mine ? (spec.acquireTime ?? microTime(now)) : microTime(now),
      renewTime: microTime(now),
      leaseTransitions: (spec.leaseTransitions ?? 0) + (mine ? 0 : 1),
    },
  };
}

/** What a leader writes on a clean shutdown so a follower can take over at once (client-go ReleaseOnCancel). */
export function releasedSpec(spec: LeaseSpec, now: number): LeaseSpec {
  return { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: spec.leaseTransitions ?? 0 };
}
