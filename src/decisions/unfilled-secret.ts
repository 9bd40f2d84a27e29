// cert-manager writes a Certificate's Secret before it marks the Certificate
// Ready, but the daemon watches the two kinds on separate streams: under load
// the Ready Certificate can arrive first, while the cache still holds the
// empty Secret the daemon claimed the name with. Judged then, that Secret
// "has no ca.crt" and fails verification: 14 of 1,000 Listeners got such a
// Warning in the benchmark. A Secret without a certificate and key is never
// an issued one, so it means "not issued yet", and the Secret's own watch
// event brings the reconcile back once it is filled.
import type { V1Secret } from '@kubernetes/client-node';
import { condensedTls } from '../model/condensed-tls.js';

/** Neither tls.crt nor tls.key holds anything: the claimed name, not yet filled by cert-manager. */
export function isUnfilledSecret(secret: V1Secret | undefined): boolean {
  // Only a Secret holding both is condensed (its texts are not kept).
  if (condensedTls(secret) !== undefined) return false;
  const blank = (key: string): boolean => {
    const v = secret?.data?.[key];
    return v === undefined || v === '';
  };
  return secret !== undefined && blank('tls.crt') && blank('tls.key');
}
