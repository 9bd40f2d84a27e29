// Rolling under --roll-strategy=restart (SPEC §4.3), as pure functions:
// which Secret revisions the router has been restarted for, and whether the
// current ones need another restart. Skupper 2.0 only reads a new Connector
// CA at router start; a pod-template annotation change restarts it,
// Reloader-style.
import { createHash } from 'node:crypto';
import type { V1Secret } from '@kubernetes/client-node';
import { PREFIX } from '../model/annotations.js';
import { condensedTls } from '../model/condensed-tls.js';

/** On the Deployment's metadata (not its pod template, which would restart it): secret → digest last rolled for. */
export const ROLLED_SECRETS_ANNOTATION = `${PREFIX}rolled-secrets`;
/** On the pod template: changing it is the restart. */
export const RESTARTED_AT_ANNOTATION = `${PREFIX}restarted-at`;

const ROLLED_KEYS = ['tls.crt', 'tls.key', 'ca.crt'];

/**
 * A short digest of what the router loads from a Secret; annotations and
 * other keys do not count. The first 8 bytes of SHA-256 in hex, made as a
 * string of its own: a slice of the full hex would keep all 64 characters
 * alive for as long as the roll controller keeps the digest.
 */
export function secretDigest(secret: V1Secret): string {
  // A condensed Secret's texts are gone; its digest was made of them before they went.
  const condensed = condensedTls(secret);
  if (condensed) return condensed.digest;
  const h = createHash('sha256');
  for (const k of ROLLED_KEYS) h.update(`${k}\0${secret.data?.[k] ?? ''}\0`);
  return h.digest().toString('hex', 0, 8);
}

export function decodeRecord(text: string | undefined): Record<string, string> {
  if (!text) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {};
  }
}

export function encodeRecord(record: Record<string, string>): string {
  return JSON.stringify(Object.fromEntries(Object.keys(record).sort().map((k) => [k, record[k]])));
}

export interface RollPlan {
  /** Secrets whose content changed since the router was last (re)started for them. */
  changed: string[];
  /** The record to store; equal to the input record when nothing changed. */
  record: Record<string, string>;
  recordChanged: boolean;
}

/**
 * `current` holds the verified Secrets in use now, `referenced` every Secret
 * a Listener/Connector names. A Secret seen for the first time is recorded
 * without a restart (the router loaded it when it started); one that fails
 * verification for a while keeps its record, so its next good revision still
 * rolls; one no longer referenced is forgotten.
 */
export function planRoll(recorded: Record<string, string>, current: Record<string, string>, referenced: ReadonlySet<string>): RollPlan {
  const changed = Object.keys(current).filter((s) => recorded[s] !== undefined && recorded[s] !== current[s]).sort();
  const kept = Object.entries(recorded).filter(([s]) => referenced.has(s) && current[s] === undefined);
  const record = { ...Object.fromEntries(kept), ...current };
  return { changed, record, recordChanged: encodeRecord(record) !== encodeRecord(recorded) };
}
