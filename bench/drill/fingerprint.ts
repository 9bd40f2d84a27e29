// Certificate fingerprints in the daemon's form (its probe logs the SHA-256 of
// the DER as lowercase hex), so the drill's and the probe's can be compared.
import type { X509Certificate } from 'node:crypto';

export function fingerprint(c: X509Certificate): string {
  return c.fingerprint256.replace(/:/g, '').toLowerCase();
}
