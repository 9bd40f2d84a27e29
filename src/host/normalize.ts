// The one spelling of a host name or IP address that every part of the
// daemon compares: the Listener controller (SANs), verification (coverage),
// `status`, the metrics, rolling and probes. Two spellings of one address
// must never get two verdicts, so anything that compares or derives hosts
// goes through here. Pure: no DNS, no I/O.
import { asciiLower } from '../util/dnsname.js';
//
// What counts as "the same":
// - IP addresses by value: RFC 5952 text for IPv6 (lower case, no leading
//   zeros, longest zero run compressed), dotted quad for IPv4, and an
//   IPv4-mapped IPv6 address (::ffff:10.0.0.1, ::ffff:a00:1) is the IPv4
//   address, because Go's x509 (cert-manager) writes it as a 4-byte SAN and
//   Go's verifier matches the two as equal.
// - DNS names by ASCII lower case, without one trailing dot (example.com. is
//   the absolute spelling of example.com).

export type NormalizedHost =
  | { kind: 'ip'; text: string }
  /** `absolute` when written with a trailing dot: no resolver search path applies. */
  | { kind: 'dns'; text: string; absolute: boolean };

/** Dotted-quad IPv4 or RFC 5952 IPv6 text (IPv4-mapped folded to IPv4), or undefined when `text` is not an IP literal. */
export function normalizeIp(text: string): string | undefined {
  const v4 = parseIpv4(text);
  if (v4) return v4.join('.');
  const v6 = parseIpv6(text);
  if (!v6) return undefined;
  if (isIpv4Mapped(v6)) {
    const hi = v6[6] ?? 0;
    const lo = v6[7] ?? 0;
    return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');
  }
  return formatIpv6(v6);
}

/**
 * The comparable form of a host: an IP literal by value, anything else as a
 * lower-cased name without a trailing dot. No validation beyond that: callers
 * that need a valid DNS name check the result (listener/host.ts).
 */
export function normalizeHost(text: string): NormalizedHost {
  const ip = normalizeIp(text);
  if (ip !== undefined) return { kind: 'ip', text: ip };
  const absolute = text.endsWith('.') && text.length > 1;
  return { kind: 'dns', text: asciiLower(absolute ? text.slice(0, -1) : text), absolute };
}

/** The comparable text of a host (see normalizeHost). */
export function hostText(text: string): string {
  return normalizeHost(text).text;
}

/** True when two spellings name the same host. */
export function sameHost(a: string, b: string): boolean {
  const x = normalizeHost(a);
  const y = normalizeHost(b);
  return x.kind === y.kind && x.text === y.text;
}

function isIpv4Mapped(groups: number[]): boolean {
  return groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
}

function parseIpv4(text: string): number[] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  // Leading zeros are refused: some parsers read them as octal, so 010.0.0.1 has no one meaning.
  const parts = m.slice(1).map((s) => (s.length > 1 && s.startsWith('0') ? NaN : Number(s)));
  return parts.every((n) => n <= 255) ? parts : undefined;
}

function parseIpv6(text: string): number[] | undefined {
  // A zone (fe80::1%eth0) is local to one machine: not an address a certificate can name.
  if (!text.includes(':') || !/^[0-9A-Fa-f:.]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  // An embedded IPv4 address (::ffff:1.2.3.4) may only be the last 32 bits.
  const groups = (s: string, v4Allowed: boolean): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    const parts = s.split(':');
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] ?? '';
      if (v4Allowed && i === parts.length - 1 && part.includes('.')) {
        const v4 = parseIpv4(part);
        if (!v4) return undefined;
        out.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      } else {
        if (!/^[0-9A-Fa-f]{1,4}$/.test(part)) return undefined;
        out.push(parseInt(part, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0] ?? '', halves.length === 1);
  const tail = halves.length === 2 ? groups(halves[1] ?? '', true) : [];
  if (!head || !tail) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const missing = 8 - head.length - tail.length;
  if (missing < 1) return undefined;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

// RFC 5952 §4: lowercase, no leading zeros, the longest run (first on a tie) of
// two or more zero groups becomes "::".
function formatIpv6(groups: number[]): string {
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}
