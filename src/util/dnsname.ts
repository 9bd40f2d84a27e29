// Name syntax checks. Two different rules apply: a DNS name that goes into a
// certificate (RFC 1123 host name: labels of at most 63) and a Kubernetes
// object name (DNS-1123 subdomain: the API server checks only the total
// length, not the label length). Mixing them up either rejects valid Secret
// names or lets unresolvable SANs through.

const MAX_NAME = 253;
const MAX_LABEL = 63;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Kubernetes object-name rule (metadata.name of Secrets, Certificates, issuers; also API groups). */
export function isDnsSubdomain(name: string): boolean {
  return name.length <= MAX_NAME && SUBDOMAIN.test(name);
}

/** Quotes a user-supplied value for a message, shortened so a 300-character typo does not flood Events. */
export function quoted(value: string): string {
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 60)}…` : value);
}

/**
 * Why `name` is not a valid lower-case DNS name for a certificate SAN, or
 * undefined if it is. With `wildcard`, a leftmost label of exactly `*` is allowed.
 */
export function dnsNameProblem(name: string, opts: { wildcard?: boolean } = {}): string | undefined {
  if (name === '') return 'it is empty';
  if (name.length > MAX_NAME) return `it is ${name.length} characters long; a DNS name has at most ${MAX_NAME}`;
  const bad = /[^a-z0-9.*-]/.exec(name);
  if (bad) return `character ${JSON.stringify(bad[0])} is not allowed (only a-z, 0-9, '-' and '.')`;
  if (name.startsWith('.') || name.endsWith('.')) return "it must not start or end with '.'";
  const labels = name.split('.');
  for (const [i, label] of labels.entries()) {
    if (label === '') return "it contains an empty label ('..')";
    if (label.includes('*')) {
      if (!opts.wildcard) return 'wildcards are not allowed here';
      if (label !== '*' || i !== 0) return "'*' is only allowed as the whole leftmost label, as in *.example.com";
      if (labels.length < 2) return "a wildcard needs a domain after it, as in *.example.com";
      continue;
    }
    if (label.length > MAX_LABEL) return `label ${quoted(label)} is ${label.length} characters long; a DNS label has at most ${MAX_LABEL}`;
    if (label.startsWith('-') || label.endsWith('-')) return `label ${quoted(label)} must not start or end with '-'`;
  }
  // No top-level domain is numeric; a dotted all-digit ending is a mistyped IP
  // address (e.g. 10.0.0.256), which must not silently become a DNS SAN.
  const last = labels[labels.length - 1] ?? '';
  if (labels.length > 1 && /^[0-9]+$/.test(last)) return 'it ends in an all-digit label, so it is neither a DNS name nor a valid IP address';
  return undefined;
}

/** Lower-cases ASCII only: String#toLowerCase maps some non-ASCII letters (e.g. the Kelvin sign) onto ASCII ones, which would turn an invalid name into a different valid one. */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}
