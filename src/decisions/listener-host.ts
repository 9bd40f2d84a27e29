// What a Listener's spec.host is decides which SANs its certificate needs
// (SPEC §4.1): clients inside the cluster reach a bare name through the
// search path (h, h.N, h.N.svc, h.N.svc.<domain>), a dotted name only as
// written, and an IP address only as an IP SAN.
import { normalizeHost } from '../host/normalize.js';
import { dnsNameProblem, quoted } from '../util/dnsname.js';

export type HostKind = 'ip' | 'name' | 'fqdn';
export type HostClass = { kind: 'ip'; ip: string } | { kind: 'name'; name: string } | { kind: 'fqdn'; name: string };

const MAX_DNS_NAME = 253;

/**
 * Classifies a Listener host, or returns an Error whose message says why it is
 * unusable. Spelled as src/host/normalize.ts spells it (lower case, no
 * trailing dot, IPv4-mapped IPv6 as IPv4, RFC 5952), so the certificate, the
 * verification, `status`, the metrics and the probes all name it alike.
 */
export function classifyHost(host: string | undefined): HostClass | Error {
  if (host === undefined) return new Error('spec.host is not set');
  if (host === '') return new Error('spec.host is empty');
  // A zone (fe80::1%eth0) is local to one machine and cannot be put in a certificate.
  if (host.includes(':') && host.includes('%')) return new Error(`host ${quoted(host)} has an IPv6 zone, which a certificate cannot carry`);
  const n = normalizeHost(host);
  if (n.kind === 'ip') return { kind: 'ip', ip: n.text };
  const problem = dnsNameProblem(n.text);
  if (problem !== undefined) return new Error(`host ${quoted(host)} is not a valid host name: ${problem}`);
  // A trailing dot makes even a single label absolute: no search path, so no namespace forms.
  return n.text.includes('.') || n.absolute ? { kind: 'fqdn', name: n.text } : { kind: 'name', name: n.text };
}

/** The host a Listener's certificate must cover, in its one spelling; the raw text when it is unusable (then nothing covers it). */
export function hostToCover(host: string | undefined): string | undefined {
  if (host === undefined || host === '') return undefined;
  const c = classifyHost(host);
  if (c instanceof Error) return host;
  return c.kind === 'ip' ? c.ip : c.name;
}

/**
 * The address a client inside the cluster dials for a Listener host: Skupper
 * exposes a Listener as a Service named after its host in the same
 * namespace, so a bare name gets the namespace's service domain.
 */
export function listenerAddress(host: string, namespace: string): string {
  const c = classifyHost(host);
  if (c instanceof Error) return host;
  if (c.kind === 'ip') return c.ip;
  return c.kind === 'fqdn' ? c.name : `${c.name}.${namespace}.svc`;
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
