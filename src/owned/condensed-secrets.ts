// Which cached Secrets keep no tls.crt or tls.key text, and what is kept
// instead (model/condensed-tls.ts): run as the Secret informers' transform,
// before the object is cached. What is made here is what the readers made
// from the texts before (the gate's parse of tls.crt and its key check, the
// roll digest), with the same functions, so a condensed Secret is judged and
// rolled exactly as one with its texts.
//
// Condensed: a kubernetes.io/tls Secret cert-manager wrote for one of our
// Listener Certificates (our label, cert-manager's certificate-name and the
// Listener secretTemplate's Skupper annotation, no Connector label or trust
// history), holding both texts, each of at most MAX_CONDENSED_CHARS. Not a
// Connector's client Secret (copied whole into its bundle Secret), not a
// bundle Secret (compared key by key when written), not a Secret we do not
// manage (a trust source may read any of its keys), and not a big tls.crt: a
// tenant can edit one to hold thousands of certificates, which its readers
// parse in slices, never here on the informer's path.
import type { KubernetesObject, V1Secret } from '@kubernetes/client-node';
import { CERT_MANAGER_CERTIFICATE_NAME, Labels, SKUPPER_PRIOR_VALID_REVISIONS } from '../model/annotations.js';
import { CONDENSED_KEYS, keepCondensed } from '../model/condensed-tls.js';
import { secretText } from '../model/object-data.js';
import { objectDataId, type ParseCache } from '../pki/parse-cache.js';
import { checkKey } from '../pki/verify.js';
import type { VerificationFailure } from '../pki/verification-failure.js';
import { isManagedByUs } from '../decisions/ownership.js';
import { secretDigest } from '../decisions/roll-plan.js';
import { TLS_SECRET_TYPE, secretType } from '../decisions/secret-type.js';
import { TRUST_HISTORY_ANNOTATION } from '../decisions/trust-history.js';
import { withoutKeys } from '../util/without-keys.js';

/** Base64 characters of tls.crt or tls.key: 16 KiB is a leaf, its chain and an RSA 4096 key many times over. */
export const MAX_CONDENSED_CHARS = 16 * 1024;

const NO_FAILURES: readonly VerificationFailure[] = Object.freeze([]);

/** Whether `secret` is a Listener's Secret written by cert-manager for our Certificate, holding both texts. */
export function isCondensable(secret: V1Secret): boolean {
  const annotations = secret.metadata?.annotations ?? {};
  const labels = secret.metadata?.labels ?? {};
  const filled = (key: string): boolean => {
    const v = secret.data?.[key];
    return v !== undefined && v !== '' && v.length <= MAX_CONDENSED_CHARS;
  };
  return secretType(secret) === TLS_SECRET_TYPE && isManagedByUs(secret)
    && annotations[CERT_MANAGER_CERTIFICATE_NAME] !== undefined && annotations[SKUPPER_PRIOR_VALID_REVISIONS] !== undefined
    && labels[Labels.connector] === undefined && annotations[TRUST_HISTORY_ANNOTATION] === undefined
    && objectDataId(secret, 'tls.crt') !== undefined && filled('tls.crt') && filled('tls.key');
}

/**
 * `secret` without its tls.crt and tls.key texts, and what they were read as
 * kept beside it, when it is condensable; else `secret` as it is. Changes
 * `secret` in place (the informer's own parsed object).
 */
export function condenseSecret(secret: V1Secret, parser: ParseCache): V1Secret {
  if (!isCondensable(secret) || secret.data === undefined) return secret;
  try {
    return condensed(secret, secret.data, parser);
  } catch {
    // Nothing here is known to throw on any input; if something does, the
    // Secret is cached with its texts and its readers judge them (and say
    // what is wrong) as they do for every other Secret.
    return secret;
  }
}

function condensed(secret: V1Secret, data: Record<string, string>, parser: ParseCache): V1Secret {
  const tlsKey = secretText(secret, 'tls.key');
  const tlsCrt = secretText(secret, 'tls.crt') ?? '';
  // Decoded texts that are blank fail the gate as missing: left for it to say so.
  if (tlsCrt.trim() === '' || tlsKey === undefined || tlsKey.trim() === '') return secret;
  // Through the parse cache: a relist brings the same revision back, and finds it parsed.
  const chain = parser.parse(objectDataId(secret, 'tls.crt'), tlsCrt);
  const keyFailures = checkKey(tlsKey, chain.certificates[0]);
  const digest = secretDigest(secret);
  secret.data = withoutKeys(data, (k) => CONDENSED_KEYS.includes(k));
  keepCondensed(secret, { chain, keyFailures: keyFailures.length === 0 ? NO_FAILURES : keyFailures, digest });
  return secret;
}

/** The Secret informers' transform: `cached` (what is kept of any Secret), then condensed when it is a Listener's. */
export function condensingTransform(parser: ParseCache, cached: (obj: KubernetesObject) => KubernetesObject): (obj: KubernetesObject) => KubernetesObject {
  return (obj) => condenseSecret(cached(obj), parser);
}
