// tls.key: read as the router's OpenSSL would load it, and matched against
// the leaf of tls.crt by public key. Messages tell keys apart by type and a
// hash of the public key only; nothing of the private key is ever shown.
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { ParsedCertificate } from './certificate.js';
import { errorText, joinProblems, quote } from './failure-text.js';
import { describeLabel, scanPem } from './pem.js';
import type { VerificationReason } from './verification-failure.js';

// Labels Node can load without a passphrase, mapped to the DER structure they hold.
const KEY_LABELS = new Map<string, 'pkcs8' | 'pkcs1' | 'sec1'>([
  ['PRIVATE KEY', 'pkcs8'],
  ['RSA PRIVATE KEY', 'pkcs1'],
  ['EC PRIVATE KEY', 'sec1'],
]);

export function readPrivateKey(pem: string | undefined, fail: (reason: VerificationReason, message: string) => void): KeyObject | undefined {
  if (pem === undefined || pem.trim() === '') {
    fail('MissingKey', 'tls.key is missing or empty');
    return undefined;
  }
  const { blocks, problems } = scanPem(pem);
  const block = blocks.find((b) => KEY_LABELS.has(b.type));
  if (!block) {
    const found = blocks.map((b) => `block ${b.index} (${describeLabel(b.type)}): ${b.type.endsWith('PRIVATE KEY') ? 'unsupported' : 'not a private key'}`);
    const why = [...problems.map((p) => p.message), ...found];
    const encrypted = blocks.some((b) => b.type === 'ENCRYPTED PRIVATE KEY');
    const hint = encrypted ? ' (the key is encrypted; the Secret needs it unencrypted)' : '';
    fail('InvalidKey', `tls.key contains no PKCS#1, PKCS#8 or SEC1 private key${hint}${why.length > 0 ? `: ${joinProblems(why)}` : ''}`);
    return undefined;
  }
  try {
    return createPrivateKey({ key: block.der, format: 'der', type: KEY_LABELS.get(block.type) ?? 'pkcs8' });
  } catch (err) {
    fail('InvalidKey', `tls.key block ${block.index} (${describeLabel(block.type)}) is not a valid private key (${errorText(err)})`);
    return undefined;
  }
}

export function checkKeyMatch(leaf: ParsedCertificate, key: KeyObject, fail: (reason: VerificationReason, message: string) => void): void {
  let keySpki: Buffer;
  let certSpki: Buffer;
  try {
    keySpki = createPublicKey(key).export({ type: 'spki', format: 'der' });
    certSpki = leaf.x509.publicKey.export({ type: 'spki', format: 'der' });
  } catch (err) {
    fail('KeyMismatch', `cannot compare tls.key with certificate ${quote(leaf.subject)} (${errorText(err)})`);
    return;
  }
  if (!keySpki.equals(certSpki)) {
    fail(
      'KeyMismatch',
      `tls.key (${describeKey(key, keySpki)}) does not belong to certificate ${quote(leaf.subject)} (${describeKey(leaf.x509.publicKey, certSpki)})`,
    );
  }
}

function describeKey(key: KeyObject, spki: Buffer): string {
  const details = key.asymmetricKeyDetails;
  const size = details?.namedCurve ?? (details?.modulusLength === undefined ? '' : `${details.modulusLength}-bit`);
  const type = [key.asymmetricKeyType ?? 'unknown', size].filter((s) => s !== '').join(' ');
  // A public-key hash lets the operator tell keys apart without revealing anything secret.
  return `${type}, public key sha256 ${createHash('sha256').update(spki).digest('hex').slice(0, 16)}`;
}
