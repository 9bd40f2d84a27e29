// X.509 certificates as the rest of the controller needs them: parsed once,
// with the fields that decisions (expiry, trust, host coverage) are made on.
// Node's X509Certificate does the ASN.1; this file only interprets its output.
import { createHash, X509Certificate } from 'node:crypto';
import { describeLabel, scanPem, toPem } from './pem.js';
import { ProblemList } from './problems.js';
import { normalizeIp } from '../host/normalize.js';

export interface ParsedCertificate {
  /** Normalized PEM of this certificate. */
  pem: string;
  /** SHA-256 of the DER, lowercase hex, no colons. */
  fingerprint: string;
  /** Distinguished names as one line, in certificate order, e.g. "O=acme, CN=backend". */
  subject: string;
  issuer: string;
  /** Uppercase hex, as OpenSSL prints it. */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  isCA: boolean;
  /** From subjectAltName, as written in the certificate. */
  dnsNames: string[];
  /** From subjectAltName, normalized (dotted quad, or RFC 5952 IPv6). */
  ipAddresses: string[];
  /** The last CN of the subject, the most specific one. */
  commonName?: string;
  x509: X509Certificate;
}

export type CertificateProblemKind = 'stray-text' | 'bad-block' | 'not-certificate' | 'unparsable' | 'too-many';

export interface CertificateProblem {
  /** stray-text is skipped by TLS stacks too; every other kind means a block was not usable (too-many: not read at all). */
  kind: CertificateProblemKind;
  message: string;
}

/** Every CERTIFICATE block of `pem`, parsed; anything else is reported in problems and skipped. */
export function parseCertificates(pem: string): { certificates: ParsedCertificate[]; problems: string[] } {
  const { certificates, problems } = scanCertificates(pem);
  return { certificates, problems: problems.map((p) => p.message) };
}

/**
 * At most this many CERTIFICATE blocks of one text are parsed. Node's X.509
 * parser costs about 0.15–0.25 ms per certificate on a 2-core machine and the
 * whole parse runs on the event loop, so one 1.5 MiB object (the API server's
 * limit) of 2,800 small certificates would block every controller, health
 * and leader election for most of a second; 200 keeps one object under about
 * 50 ms. The largest bundle in real use, the Mozilla roots that Debian ships
 * as ca-certificates.crt, holds 144.
 */
export const MAX_CERTIFICATES = 200;

/** parseCertificates with each problem classified, so callers can tolerate stray text only. */
export function scanCertificates(pem: string): { certificates: ParsedCertificate[]; problems: CertificateProblem[] } {
  const { blocks, problems: pemProblems } = scanPem(pem);
  const own = new ProblemList<CertificateProblemKind>('stray-text');
  const certificates: ParsedCertificate[] = [];
  let attempted = 0;
  const unread = { count: 0, first: 0, last: 0 };
  for (const block of blocks) {
    if (block.type !== 'CERTIFICATE') {
      own.push('not-certificate', () => `block ${block.index} (${describeLabel(block.type)}): not a certificate`);
      continue;
    }
    if (attempted >= MAX_CERTIFICATES) {
      if (unread.count === 0) unread.first = block.index;
      unread.last = block.index;
      unread.count += 1;
      continue;
    }
    attempted += 1;
    try {
      certificates.push(parseCertificateDer(block.der));
    } catch (err) {
      own.push('unparsable', () => `block ${block.index} (CERTIFICATE): not a valid X.509 certificate (${errorText(err)})`);
    }
  }
  const problems: CertificateProblem[] = [...pemProblems, ...own.finish()];
  if (unread.count > 0) {
    problems.push({
      kind: 'too-many',
      message: `blocks ${unread.first}–${unread.last}: ${unread.count} more certificate(s) not read; at most ${MAX_CERTIFICATES} certificates are read from one object`,
    });
  }
  return { certificates, problems };
}

/** One DER certificate, parsed; throws when it is not a certificate Node can read. */
export function parseCertificateDer(der: Buffer): ParsedCertificate {
  const x509 = new X509Certificate(der);
  const notBefore = parseOpenSslTime(x509.validFrom);
  const notAfter = parseOpenSslTime(x509.validTo);
  if (notBefore === undefined || notAfter === undefined) throw new Error('unreadable validity dates');
  const sans = parseSubjectAltName(x509.subjectAltName);
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const san of sans) {
    if (san.type === 'DNS') dnsNames.push(san.value);
    if (san.type === 'IP Address') {
      const ip = normalizeIp(san.value);
      if (ip !== undefined) ipAddresses.push(ip);
    }
  }
  const parsed: ParsedCertificate = {
    pem: toPem('CERTIFICATE', x509.raw),
    fingerprint: createHash('sha256').update(x509.raw).digest('hex'),
    subject: oneLine(x509.subject),
    issuer: oneLine(x509.issuer),
    serialNumber: x509.serialNumber,
    notBefore,
    notAfter,
    isCA: x509.ca,
    dnsNames,
    ipAddresses,
    x509,
  };
  // The CN is needed only for certificates without SANs and for messages, and
  // reading it (the legacy object also hashes the DER three times) is a fifth
  // of the parse: computed on first use.
  let cn: { value: string | undefined } | undefined;
  Object.defineProperty(parsed, 'commonName', {
    enumerable: true,
    get: (): string | undefined => (cn ??= { value: lastCommonName(x509) }).value,
  });
  return parsed;
}

/** True when the certificate's SANs (or, without a SAN extension, its CN) cover `host`, per RFC 6125. */
export function coversHost(cert: ParsedCertificate, host: string): boolean {
  const h = host.trim();
  // Longer is neither a DNS name (253 and a trailing dot) nor an IP literal, so it
  // matches nothing; checked first because each SAN comparison copies the host,
  // and a megabyte host against tens of thousands of SANs would take minutes.
  if (h === '' || h.length > MAX_HOST) return false;
  const ip = normalizeIp(h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h);
  if (cert.x509.subjectAltName === undefined) {
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

// One normalisation of hosts for the whole daemon (src/host/normalize.ts); re-exported for existing importers.
export { normalizeIp };

export interface SanEntry {
  /** The prefix Node prints: "DNS", "IP Address", "email", "URI", "DirName", … */
  type: string;
  value: string;
}

/** Entries of X509Certificate.subjectAltName, with Node's JSON-quoted values decoded. */
export function parseSubjectAltName(text: string | undefined): SanEntry[] {
  // Node prints "DNS:a, IP Address:10.0.0.1". Since the fix for CVE-2021-44532 a
  // value holding a comma, quote or control character is printed as a JSON
  // string (DNS:"a\u002c b"); older releases printed it raw. Splitting naively on
  // ", " would let one SAN "evil, DNS:backend" pass for a second name. Like
  // Node's own tls.checkServerIdentity, quoted parts are decoded wherever they
  // appear in an entry, so a fully quoted entry ("DNS:a\u002c b") works too.
  if (text === undefined) return [];
  const entries: SanEntry[] = [];
  let token = '';
  let broken = false;
  const flush = (): void => {
    const colon = token.indexOf(':');
    // An entry we cannot decode matches nothing, which is the safe direction.
    if (!broken && colon > 0) entries.push({ type: token.slice(0, colon), value: token.slice(colon + 1) });
    token = '';
    broken = false;
  };
  // Copied in runs between the characters that matter, not one character at a
  // time: a certificate may carry tens of thousands of SANs.
  let i = 0;
  while (i < text.length) {
    SAN_SPECIAL.lastIndex = i;
    const special = SAN_SPECIAL.exec(text);
    const at = special ? special.index : text.length;
    token += text.slice(i, at);
    i = at;
    if (!special) break;
    if (special[0] === '"') {
      const end = closingQuote(text, i);
      const decoded = end < 0 ? undefined : jsonString(text.slice(i, end + 1));
      if (decoded === undefined) {
        broken = true;
        break;
      }
      token += decoded;
      i = end + 1;
    } else if (text.charAt(i + 1) === ' ') {
      flush();
      i += 2;
    } else {
      token += ',';
      i += 1;
    }
  }
  flush();
  return entries;
}

const SAN_SPECIAL = /[",]/g;

function closingQuote(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) return i;
  }
  return -1;
}

function jsonString(text: string): string | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

function lastCommonName(x509: X509Certificate): string | undefined {
  // The legacy object decodes RFC 2253 escapes and turns repeated attributes into arrays.
  const cn: unknown = (x509.toLegacyObject().subject as unknown as Record<string, unknown> | undefined)?.CN;
  if (typeof cn === 'string') return cn;
  if (Array.isArray(cn)) {
    const last: unknown = cn[cn.length - 1];
    return typeof last === 'string' ? last : undefined;
  }
  return undefined;
}

function oneLine(dn: string): string {
  return dn.split('\n').join(', ');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// Node 20 has no validFromDate; validFrom is OpenSSL's "Jan  2 03:04:05 2026 GMT".
// Parsed by hand because Date's parsing of that shape is implementation-defined.
function parseOpenSslTime(text: string): Date | undefined {
  const m = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d+)? (\d{4}) GMT$/.exec(text);
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[1] ?? '');
  if (month < 0) return undefined;
  const d = new Date(Date.UTC(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])));
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function stripDot(name: string): string {
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}
