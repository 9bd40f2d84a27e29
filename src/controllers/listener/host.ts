// What a Listener's spec.host is decides which SANs its certificate needs
// (SPEC §4.1): clients inside the cluster reach a bare name through the
// search path (h, h.N, h.N.svc, h.N.svc.<domain>), a dotted name only as
// written, and an IP address only as an IP SAN.
import { isIP } from 'node:net';
import { asciiLower, dnsNameProblem, quoted } from '../../util/dnsname.js';

export type HostKind = 'ip' | 'name' | 'fqdn';
export type HostClass = { kind: 'ip'; ip: string } | { kind: 'name'; name: string } | { kind: 'fqdn'; name: string };

const MAX_DNS_NAME = 253;

/**
 * The canonical text of an IP address, undefined if `host` is not one.
 * Canonical matters twice: the Certificate is compared with the live one by
 * value, and the Secret is later checked against this exact string.
 */
function normalizeIp(host: string): string | Error | undefined {
  const version = isIP(host);
  if (version === 4) return host; // isIP accepts only plain dotted-quad, which is already canonical
  if (version !== 6) return undefined;
  // A zone (fe80::1%eth0) is local to one machine and cannot be put in a certificate.
  if (host.includes('%')) return new Error(`host ${quoted(host)} has an IPv6 zone, which a certificate cannot carry`);
  // The WHATWG URL serializer emits the RFC 5952 form (lower case, longest zero run compressed).
  const v6 = new URL(`http://[${host}]`).hostname.slice(1, -1);
  // An IPv4-mapped address is the IPv4 address on the wire; Go's x509 (cert-manager)
  // writes it as a 4-byte SAN, so name it that way too or coverage checks disagree.
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6);
  if (mapped) {
    const hi = parseInt(mapped[1] ?? '0', 16);
    const lo = parseInt(mapped[2] ?? '0', 16);
    return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');
  }
  return v6;
}

/**
 * Classifies a Listener host, or returns an Error whose message says why it is
 * unusable. Names are lower-cased, IP addresses normalized.
 */
export function classifyHost(host: string | undefined): HostClass | Error {
  if (host === undefined) return new Error('spec.host is not set');
  if (host === '') return new Error('spec.host is empty');
  const ip = normalizeIp(host);
  if (ip instanceof Error) return ip;
  if (ip !== undefined) return { kind: 'ip', ip };
  const name = asciiLower(host);
  const problem = dnsNameProblem(name);
  if (problem !== undefined) return new Error(`host ${quoted(host)} is not a valid host name: ${problem}`);
  return name.includes('.') ? { kind: 'fqdn', name } : { kind: 'name', name };
}

/** The SANs a certificate for `host` needs in `namespace` (SPEC §4.1). */
export function sansForHost(host: HostClass, namespace: string, clusterDomain: string): { dnsNames: string[]; ipAddresses: string[] } {
  switch (host.kind) {
    case 'ip':
      return { dnsNames: [], ipAddresses: [host.ip] };
    case 'fqdn':
      return { dnsNames: [host.name], ipAddresses: [] };
    case 'name': {
      const h = host.name;
      const candidates = [h, `${h}.${namespace}`, `${h}.${namespace}.svc`];
      if (clusterDomain !== '') candidates.push(`${h}.${namespace}.svc.${clusterDomain}`);
      // A long host and namespace under a long cluster domain can push the
      // fully qualified form past 253 characters. Such a name is not a DNS name: no client can ever resolve
      // it, and an issuer may reject the whole request because of it. The
      // shorter forms still serve every client that can actually connect, so
      // drop only the overlong ones. `h` itself passed classifyHost (<= 253),
      // so the list is never empty.
      return { dnsNames: candidates.filter((n) => n.length <= MAX_DNS_NAME), ipAddresses: [] };
    }
  }
}
