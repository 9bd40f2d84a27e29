// The certificates of a Secret's tls.crt and ca.crt, parsed once per
// resourceVersion through the shared ParseCache, without blocking the event
// loop: prepare them (async, sliced) before the synchronous §4.4 gate runs,
// then hand the gate a parse that reads the cache (cachedParse in
// pki/parse-cache.ts; issue 12: a tenant's Secret of thousands of
// certificates must not stall the daemon).
import type { V1Secret } from '@kubernetes/client-node';
import { condensedTls } from '../model/condensed-tls.js';
import { secretText } from '../model/object-data.js';
import { objectDataId, type ParseCache } from '../pki/parse-cache.js';
import type { CertificateField } from '../pki/verification-failure.js';
import type { ParsedCertificate } from '../pki/certificate.js';

const FIELDS: readonly CertificateField[] = ['tls.crt', 'ca.crt'];

/** Parses tls.crt and ca.crt of `secret` into the cache (a no-op for those already there). */
export async function prepareSecretCertificates(parser: ParseCache, secret: V1Secret | undefined): Promise<void> {
  if (!secret) return;
  // A condensed Secret's tls.crt was parsed when it was cached (model/condensed-tls.ts).
  const fields = condensedTls(secret) ? ['ca.crt'] : FIELDS;
  for (const field of fields) {
    const id = objectDataId(secret, field);
    // Checked before decoding: a resync must not decode a megabyte to find a hit.
    if (id === undefined || parser.has(id)) continue;
    const text = secretText(secret, field);
    if (text !== undefined && text.trim() !== '') await parser.prepare(id, text);
  }
}

/** The leaf of `secret`'s tls.crt (its first certificate), parsed once per resourceVersion; undefined when there is none. */
export async function servingLeaf(parser: ParseCache, secret: V1Secret): Promise<ParsedCertificate | undefined> {
  const condensed = condensedTls(secret);
  if (condensed) return condensed.chain.certificates[0];
  const text = secretText(secret, 'tls.crt');
  if (text === undefined) return undefined;
  // The Secret can be edited to hold thousands of certificates: parsed in slices.
  return (await parser.prepare(objectDataId(secret, 'tls.crt'), text)).certificates[0];
}
