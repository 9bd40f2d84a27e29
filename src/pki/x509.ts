// X.509 certificates as the rest of the controller needs them: parsed once,
// with the fields that decisions (expiry, trust, host coverage) are made on.
// Node's X509Certificate does the ASN.1; this file only interprets its output.
import { createHash, X509Certificate } from 'node:crypto';
import { describeLabel, pemSteps, toPem, type PemBlock, type PemProblemKind } from './pem.js';
import { weaknesses } from './strength.js';
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
 * At most this many CERTIFICATE blocks of one text are parsed, a bound on the
 * memory and work one object can cost, not on real use. The API server
 * refuses Secret and ConfigMap data over 1 MiB (and etcd any object over
 * 1.5 MiB); a P-256 CA is about 600 bytes of PEM, so about 1,700 real CAs
 * fit, and even a minimal Ed25519 certificate (about 290 bytes) gives fewer
 * than 3,800. 5,000 therefore never truncates a source or the bundle the
 * Connector controller writes (which must re-parse whole to be carried
 * forward), and still stops a pathological text. The time is bounded
 * separately: the daemon parses through scanCertificatesAsync, which yields
 * to the event loop between slices (issue 12: no block over 50 ms).
 */
export const MAX_CERTIFICATES = 5000;

/**
 * One certificate's DER is parsed by Node in one go, so its size bounds how
 * long the event loop is held (a 1 MiB certificate with 45,000 SANs: ~60 ms).
 * OpenSSL refuses a peer's whole chain above 100 KiB by default
 * (max_cert_list), so nothing this large can serve TLS anyway; 256 KiB still
 * reads a certificate with 10,000 SANs.
 */
export const MAX_CERTIFICATE_BYTES = 256 * 1024;

/** parseCertificates with each problem classified, so callers can tolerate stray text only. */
export function scanCertificates(pem: string): { certificates: ParsedCertificate[]; problems: CertificateProblem[] } {
  const scan = new CertificateScan();
  for (const block of pemSteps(pem, scan.pemProblems)) if (block) scan.add(block);
  return scan.finish();
}

export interface ScanOptions {
  /** Work done before yielding to the event loop, in ms (default 10): a fifth of the 50 ms goal, so the slice stays under it on a busy machine too. */
  sliceMs?: number;
  /** How to yield (default: one setImmediate turn, so I/O, timers and other reconciles run in between). Tests and the benchmark wrap it. */
  pause?: () => Promise<void>;
  /** Milliseconds from some origin (default performance.now). */
  clock?: () => number;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => { setImmediate(resolve); });

/**
 * scanCertificates in slices of about `sliceMs`, yielding to the event loop
 * between them. Node parses a certificate in 0.15–0.25 ms on the event
 * loop, so a 1 MiB source of 1,700 CAs is several hundred milliseconds of
 * work: done at once it would stall health checks, leader election and every
 * other reconcile. Same results and problems, in the same order, as the
 * synchronous scan: both run the same steps (pemSteps, CertificateScan.add),
 * only the pauses differ.
 */
export async function scanCertificatesAsync(pem: string, opts: ScanOptions = {}): Promise<{ certificates: ParsedCertificate[]; problems: CertificateProblem[] }> {
  const sliceMs = opts.sliceMs ?? 10;
  const pause = opts.pause ?? nextTurn;
  const clock = opts.clock ?? ((): number => performance.now());
  const scan = new CertificateScan();
  let sliceStart = clock();
  // One step is one BEGIN line: a block parsed, or a broken one skipped.
  // Checking the clock on every step costs well under a microsecond.
  for (const block of pemSteps(pem, scan.pemProblems)) {
    if (block) scan.add(block);
    if (clock() - sliceStart >= sliceMs) {
      await pause();
      sliceStart = clock();
    }
  }
  return scan.finish();
}

/** The per-block work of both scans, and what it has found so far. */
class CertificateScan {
  readonly pemProblems = new ProblemList<PemProblemKind>('stray-text');
  private readonly own = new ProblemList<CertificateProblemKind>('stray-text');
  private readonly certificates: ParsedCertificate[] = [];
  private attempted = 0;
  private readonly unread = { count: 0, first: 0, last: 0 };

  add(block: PemBlock): void {
    if (block.type !== 'CERTIFICATE') {
      this.own.push('not-certificate', () => `block ${block.index} (${describeLabel(block.type)}): not a certificate`);
      return;
    }
    if (this.attempted >= MAX_CERTIFICATES) {
      if (this.unread.count === 0) this.unread.first = block.index;
      this.unread.last = block.index;
      this.unread.count += 1;
      return;
    }
    this.attempted += 1;
    if (block.der.length > MAX_CERTIFICATE_BYTES) {
      this.own.push('unparsable', () => `block ${block.index} (CERTIFICATE): ${Math.ceil(block.der.length / 1024)} KiB, larger than any certificate a TLS stack accepts (at most ${MAX_CERTIFICATE_BYTES / 1024} KiB are read)`);
      return;
    }
    let cert: ParsedCertificate;
    try {
      cert = parseCertificateDer(block.der);
    } catch (err) {
      this.own.push('unparsable', () => `block ${block.index} (CERTIFICATE): not a valid X.509 certificate (${errorText(err)})`);
      return;
    }
    // The strength verdict (memoized per certificate) is read by the bundle
    // and the §4.4 gate right after every parse, synchronously; at about a
    // quarter of the parse's cost, computing it here puts it inside the
    // slices of the async scan instead of in one block after it.
    weaknesses(cert);
    this.certificates.push(cert);
  }

  finish(): { certificates: ParsedCertificate[]; problems: CertificateProblem[] } {
    const problems: CertificateProblem[] = [...this.pemProblems.finish(), ...this.own.finish()];
    const { count, first, last } = this.unread;
    if (count > 0) {
      problems.push({
        kind: 'too-many',
        message: `blocks ${first}–${last}: ${count} more certificate(s) not read; at most ${MAX_CERTIFICATES} certificates are read from one object`,
      });
    }
    return { certificates: this.certificates, problems };
  }
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
