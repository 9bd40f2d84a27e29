// The trust history lives on the Connector Secret as an annotation, so a
// restart (or a failover to another replica) continues the overlap where it
// was instead of restarting or forgetting it. JSON, one entry per
// certificate in the bundle, keyed by SHA-256 fingerprint, ISO times: it is
// read by operators as much as by the daemon.
import type { HistoryEntry } from '../pki/bundle.js';
import { PREFIX } from '../model/annotations.js';

export const TRUST_HISTORY_ANNOTATION = `${PREFIX}trust-history`;
const VERSION = 1;

interface Encoded {
  version: number;
  certificates: Record<string, { firstSeen: string; notAfter: string; leftSourcesAt?: string }>;
}

const FINGERPRINT = /^[0-9a-f]{64}$/;

/** Canonical text: same history, same bytes, so an unchanged history never causes a write. */
export function encodeHistory(history: ReadonlyMap<string, HistoryEntry>): string {
  const certificates: Encoded['certificates'] = {};
  for (const fp of [...history.keys()].sort()) {
    const e = history.get(fp);
    if (!e) continue;
    certificates[fp] = {
      firstSeen: iso(e.firstSeen),
      notAfter: iso(e.notAfter),
      ...(e.leftSourcesAt ? { leftSourcesAt: iso(e.leftSourcesAt) } : {}),
    };
  }
  return JSON.stringify({ version: VERSION, certificates } satisfies Encoded);
}

/** Seconds precision: the history is about hours and days, and shorter text is smaller Secrets. */
function iso(d: Date): string {
  return new Date(Math.floor(d.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

// Only what encodeHistory writes (UTC, 'Z'): Date.parse would read "202" as the year 202 and end an overlap at once.
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

function date(v: unknown): Date | undefined {
  if (typeof v !== 'string' || !ISO_UTC.test(v)) return undefined;
  const t = Date.parse(v);
  // Round trip: Date.parse rolls "02-30" over into March instead of refusing it.
  if (Number.isNaN(t) || new Date(t).toISOString().slice(0, 19) !== v.slice(0, 19)) return undefined;
  return new Date(t);
}

/**
 * The history from the annotation. A damaged annotation (edited by hand,
 * truncated) is not fatal: unreadable entries are skipped and reported, and
 * the certificates they described start a fresh overlap, which errs on the
 * side of keeping trust longer.
 */
export function decodeHistory(text: string | undefined): { history: Map<string, HistoryEntry>; problem?: string } {
  const history = new Map<string, HistoryEntry>();
  if (text === undefined || text.trim() === '') return { history };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { history, problem: `${TRUST_HISTORY_ANNOTATION} is not valid JSON; starting a fresh history` };
  }
  if (typeof parsed !== 'object' || parsed === null || (parsed as { version?: unknown }).version !== VERSION) {
    return { history, problem: `${TRUST_HISTORY_ANNOTATION} is not a version ${VERSION} history; starting a fresh history` };
  }
  const certs = (parsed as { certificates?: unknown }).certificates;
  if (typeof certs !== 'object' || certs === null) return { history, problem: `${TRUST_HISTORY_ANNOTATION} has no certificates map; starting a fresh history` };
  let skipped = 0;
  for (const [fp, raw] of Object.entries(certs as Record<string, unknown>)) {
    const e = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const firstSeen = date(e.firstSeen);
    const notAfter = date(e.notAfter);
    const left = e.leftSourcesAt === undefined ? undefined : date(e.leftSourcesAt);
    if (!FINGERPRINT.test(fp) || !firstSeen || !notAfter || (e.leftSourcesAt !== undefined && !left)) {
      skipped += 1;
      continue;
    }
    history.set(fp, { firstSeen, notAfter, ...(left ? { leftSourcesAt: left } : {}) });
  }
  return skipped === 0 ? { history } : { history, problem: `${TRUST_HISTORY_ANNOTATION}: ${skipped} unreadable entr${skipped === 1 ? 'y' : 'ies'} skipped` };
}
