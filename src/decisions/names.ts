// Names we derive for objects we create: label values and Secret names, and
// the Secret names that must never be ours (SPEC §2).
import { createHash } from 'node:crypto';
import { isDnsSubdomain, quoted } from '../util/dnsname.js';

// Secret names Skupper itself creates (SPEC §2): reusing one would hand our
// certificate to Skupper's own router configuration, or ours to Skupper.
const SKUPPER_SECRETS: readonly string[] = [
  'skupper-site-ca', 'skupper-site-server', 'skupper-service-ca', 'skupper-local-ca',
  'skupper-local-server', 'skupper-local-client', 'skupper-router-ca',
];
const SKUPPER_PREFIXES: readonly string[] = ['skupper-local-', 'skupper-site-'];

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const MAX_LABEL_VALUE = 63;

/**
 * An object name as a label value. Names may be up to 253 characters but
 * label values only 63: a longer name is cut and suffixed with a hash of the
 * full name, so the value stays valid and distinct. Labels are for humans and
 * selectors; ownership is decided by ownerReferences, which hold the full name.
 */
export function labelValue(name: string): string {
  if (name.length <= MAX_LABEL_VALUE && LABEL_VALUE.test(name)) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 10);
  // Keep only label-value characters, and make the value start alphanumerically.
  const prefix = name.slice(0, MAX_LABEL_VALUE - hash.length - 1).replace(/[^A-Za-z0-9_.-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return prefix === '' ? hash : `${prefix}-${hash}`;
}

/** Why `name` cannot be a Secret of ours, or undefined when it can; `hint` is appended to the message. */
export function secretNameProblem(name: string, hint = ''): string | undefined {
  if (!isDnsSubdomain(name)) return `Secret name ${quoted(name)} is not a valid Kubernetes name (lower-case letters, digits, '-' and '.', at most 253 characters)${hint}`;
  if (name.endsWith('-profile')) return `Secret name ${quoted(name)} ends in "-profile", which Skupper reserves for its own TLS profiles${hint}`;
  if (SKUPPER_SECRETS.includes(name) || SKUPPER_PREFIXES.some((p) => name.startsWith(p))) {
    return `Secret name ${quoted(name)} is one of Skupper's own Secret names (skupper-site-*, skupper-local-*, skupper-service-ca, skupper-router-ca)${hint}`;
  }
  return undefined;
}
