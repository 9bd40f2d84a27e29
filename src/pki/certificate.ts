// One X.509 certificate as the rest of the controller needs it: parsed once,
// with the fields that decisions (expiry, trust, host coverage) are made on.
// Node's X509Certificate does the ASN.1; this file only interprets its output.
import { createHash, X509Certificate } from 'node:crypto';
import { toPem } from './pem.js';
import { parseSubjectAltName } from './subject-alt-name.js';
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
