// What a Connector Secret holds, read the way the daemon writes it: the CA
// fingerprints of ca.crt and the fingerprints its trust-history annotation
// describes. A complete bundle is one whose two sets are equal.
import { X509Certificate, createHash } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import { TRUST_HISTORY_ANNOTATION } from '../../src/decisions/trust-history.js';
import { decode } from './k8s.js';

/** SHA-256 of the DER, lower-case hex: the key the daemon's history uses. */
export function fingerprint(pem: string): string {
  return createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
}

/** Sorted fingerprints of every certificate in a PEM bundle. */
export function bundleFingerprints(pem: string): string[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []).map(fingerprint).sort();
}

export interface BundleState {
  caFingerprints: string[];
  historyFingerprints: string[];
  /** Text of a history annotation that is not the daemon's JSON, if any. */
  historyError?: string;
}

export function bundleState(secret: k8s.V1Secret): BundleState {
  const caFingerprints = bundleFingerprints(decode(secret, 'ca.crt'));
  const raw = secret.metadata?.annotations?.[TRUST_HISTORY_ANNOTATION];
  try {
    const parsed = JSON.parse(raw ?? '') as { certificates?: Record<string, unknown> };
    return { caFingerprints, historyFingerprints: Object.keys(parsed.certificates ?? {}).sort() };
  } catch {
    return { caFingerprints, historyFingerprints: [], historyError: raw ?? '(none)' };
  }
}

/** The index in `expected` (sorted fingerprint sets) that the state equals in both data and history, or a reason it equals none. */
export function matchBundle(state: BundleState, expected: string[][]): { index: number } | { problem: string } {
  if (state.historyError !== undefined) return { problem: `history annotation unreadable: ${state.historyError.slice(0, 80)}` };
  const key = state.caFingerprints.join(',');
  if (state.historyFingerprints.join(',') !== key) {
    return { problem: `history names ${state.historyFingerprints.length} CAs, ca.crt holds ${state.caFingerprints.length}, and they differ` };
  }
  const index = expected.findIndex((e) => e.join(',') === key);
  return index >= 0 ? { index } : { problem: `ca.crt holds ${state.caFingerprints.length} CAs, a set that is none of the ${expected.length} expected bundles` };
}
