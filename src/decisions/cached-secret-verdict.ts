// The §4.4 gate on a Secret as the caches hold it: a Listener's Secret was
// read when it was cached and keeps no tls.crt or tls.key text
// (model/condensed-tls.ts), any other has its texts. One place decides which,
// so the Listener controller and the expiry tracker judge a Secret alike.
import type { V1Secret } from '@kubernetes/client-node';
import { condensedTls } from '../model/condensed-tls.js';
import { secretText } from '../model/object-data.js';
import { cachedParse, type ParseCache } from '../pki/parse-cache.js';
import { verifyServingSecret, type VerificationResult } from '../pki/verify.js';

/** verifyServingSecret on `secret`, through `parser` when given (the daemon's cache, prepared before: owned/secret-certificates.ts). */
export function verifyCachedSecret(secret: V1Secret, hosts: string[], now: Date, parser?: ParseCache): VerificationResult {
  const read = condensedTls(secret);
  return verifyServingSecret({
    ...(read ? { readAtIngest: read } : { tlsCrt: secretText(secret, 'tls.crt'), tlsKey: secretText(secret, 'tls.key') }),
    caCrt: secretText(secret, 'ca.crt'),
    hosts,
    now,
    ...(parser ? { parse: cachedParse(parser, secret) } : {}),
  });
}
