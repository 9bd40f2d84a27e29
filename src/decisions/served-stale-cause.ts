// Why a Listener serves an older certificate than its Secret holds, from what
// the daemon can see of Skupper. Skupper's controller stamps every Secret it
// uses with `internal.skupper.io/tls-profile-context` ([{profileName, ordinal}])
// and raises the ordinal when the Secret's data changes; only then does the
// kube-adaptor tell the router to reload. On a real 2.2.1 site, with the
// controller stopped, a renewed Secret kept the ordinal of the revision before
// it and the router kept serving that one: so "the data changed and the ordinal
// did not" names the Skupper controller. Pure: values in, a cause out.

export type StaleCause =
  /** Skupper never stamped the Secret: its controller is not processing the namespace (or the Secret). */
  | { kind: 'not-stamped'; profile: string }
  /** The Secret's data changed but its ordinal is still the one seen with the served certificate. */
  | { kind: 'ordinal-unchanged'; profile: string; ordinal: number }
  /** Skupper stamped a new ordinal and the router still serves the old certificate. */
  | { kind: 'not-reloaded'; profile: string; ordinal: number }
  /** Nothing seen to tell (the served certificate was never the Secret's while the daemon watched). */
  | { kind: 'unknown'; profile: string };

/** The ordinal Skupper stamped for `profile` in a tls-profile-context annotation value; undefined when absent or unreadable. */
export function profileOrdinal(annotation: string | undefined, profile: string): number | undefined {
  if (annotation === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(annotation);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  for (const entry of parsed as unknown[]) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { profileName, ordinal } = entry as { profileName?: unknown; ordinal?: unknown };
    // An entry without a usable ordinal counts as 0, where Skupper starts.
    if (profileName === profile) return typeof ordinal === 'number' && Number.isInteger(ordinal) && ordinal >= 0 ? ordinal : 0;
  }
  return undefined;
}

export interface StaleInput {
  /** The sslProfile Skupper names after the Secret (for a Listener: the Secret's name). */
  profile: string;
  /** The Secret's ordinal now (profileOrdinal of its annotation). */
  secretOrdinal: number | undefined;
  /** The fingerprint of the certificate served. */
  servedLeaf: string | undefined;
  /** The last ordinal seen on the Secret while it held each leaf (fingerprint → ordinal). */
  ordinalByLeaf: ReadonlyMap<string, number>;
}

export function staleCause(i: StaleInput): StaleCause {
  if (i.secretOrdinal === undefined) return { kind: 'not-stamped', profile: i.profile };
  const servedOrdinal = i.servedLeaf === undefined ? undefined : i.ordinalByLeaf.get(i.servedLeaf);
  if (servedOrdinal === undefined) return { kind: 'unknown', profile: i.profile };
  if (servedOrdinal === i.secretOrdinal) return { kind: 'ordinal-unchanged', profile: i.profile, ordinal: i.secretOrdinal };
  return { kind: 'not-reloaded', profile: i.profile, ordinal: i.secretOrdinal };
}

/** The sentence the ServedCertificateStale Event and log line end with. */
export function staleCauseText(c: StaleCause, namespace: string, secret: string): string {
  switch (c.kind) {
    case 'not-stamped':
      return `Skupper has never stamped Secret ${secret} (no internal.skupper.io/tls-profile-context for sslProfile ${c.profile}): the Skupper controller is down or not processing namespace ${namespace}`;
    case 'ordinal-unchanged':
      return `Skupper's controller has not picked up this revision of Secret ${secret}: its tls-profile-context ordinal for sslProfile ${c.profile} is still ${c.ordinal}, as for the certificate served. The Skupper controller is down or not processing namespace ${namespace}`;
    case 'not-reloaded':
      return `Skupper stamped ordinal ${c.ordinal} for sslProfile ${c.profile}, but the router has not reloaded it: check the kube-adaptor (config-sync container) and router logs`;
    case 'unknown':
      return 'the cause is not known from here: see the Skupper controller, kube-adaptor and router logs';
  }
}
