// Event texts about what buildBundle left out (pki/bundle.ts), kept pure so
// their wording and bounds are unit-tested without a cluster.
import type { DroppedCertificate } from '../pki/bundle.js';

/** Weak CAs named in one Event: three are enough to find them, and a hostile source may hold thousands. */
export const MAX_WEAK_LISTED = 3;

/** The TrustSourceWeakCertificate message for the weak CAs dropped from a bundle. */
export function weakCertificatesMessage(dropped: DroppedCertificate[]): string {
  const weak = dropped.filter((d) => d.reason === 'weak');
  const shown = weak.slice(0, MAX_WEAK_LISTED).map((d) => `"${d.subject}" (${d.detail ?? 'weak'})`).join(', ');
  const more = weak.length > MAX_WEAK_LISTED ? ` and ${weak.length - MAX_WEAK_LISTED} more` : '';
  return `the trust sources hold ${weak.length} CA certificate(s) that TLS stacks refuse, left out of the bundle: ${shown}${more}; `
    + 'replace them with a CA of RSA 2048+ or ECDSA P-256/P-384 signed with SHA-256 or stronger';
}

/** Why nothing is left, for the TrustBundleEmpty message: e.g. " (2 expired, 1 weak)", or '' when nothing was dropped. */
export function droppedSummary(dropped: DroppedCertificate[]): string {
  const expired = dropped.filter((d) => d.reason === 'expired').length;
  const weak = dropped.filter((d) => d.reason === 'weak').length;
  const parts = [expired > 0 ? `${expired} expired` : '', weak > 0 ? `${weak} weak` : ''].filter((p) => p !== '');
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}
