// Whether a certificate is good for a host, decided as TLS clients decide it
// (RFC 6125), so the gate accepts only what the peer will: a looser match
// here would wire in a certificate that every connection then refuses.
import type { ParsedCertificate } from './certificate.js';
import { normalizeIp } from '../host/normalize.js';

/** True when the certificate's SANs (or, without a SAN extension, its CN) cover `host`, per RFC 6125. */
/** What host matching reads of a certificate. */
export type HostNames = Pick<ParsedCertificate, 'hasSubjectAltName' | 'commonName' | 'dnsNames' | 'ipAddresses'>;

export function coversHost(cert: HostNames, host: string): boolean {
  const h = host.trim();
  // Longer is neither a DNS name (253 and a trailing dot) nor an IP literal, so it
  // matches nothing; checked first because each SAN comparison copies the host,
  // and a megabyte host against tens of thousands of SANs would take minutes.
  if (h === '' || h.length > MAX_HOST) return false;
  const ip = normalizeIp(h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h);
  if (!cert.hasSubjectAltName) {
    const cn = cert.commonName;
    if (cn === undefined) return false;
    return ip === undefined ? matchesDnsName(cn, h) : normalizeIp(cn) === ip;
  }
  // An IP literal is only ever matched against IP SANs, never against DNS names.
  if (ip !== undefined) return cert.ipAddresses.includes(ip);
  return cert.dnsNames.some((pattern) => matchesDnsName(pattern, h));
}

const MAX_HOST = 254;

/** Case-insensitive DNS match; "*" may only be the whole leftmost label and matches exactly one label. */
export function matchesDnsName(pattern: string, host: string): boolean {
  const p = stripDot(pattern.toLowerCase());
  const h = stripDot(host.toLowerCase());
  if (p === '' || h === '') return false;
  if (!p.includes('*') || h.includes('*')) return p === h;
  if (!p.startsWith('*.')) return false;
  const rest = p.slice(2);
  if (rest === '' || rest.includes('*') || rest.split('.').includes('')) return false;
  const dot = h.indexOf('.');
  return dot > 0 && h.slice(dot + 1) === rest;
}

function stripDot(name: string): string {
  return name.endsWith('.') ? name.slice(0, -1) : name;
}
