// One X.509 certificate as the rest of the controller needs it: parsed once,
// with the fields that decisions (expiry, trust, host coverage) are made on.
// Node's X509Certificate does the ASN.1; this file only interprets its output.
import { createHash, X509Certificate } from 'node:crypto';
import { toPem } from './pem.js';
import { parseSubjectAltName } from './subject-alt-name.js';
import { normalizeIp } from '../host/normalize.js';
import { StringTable } from '../util/string-table.js';
import { ownString } from '../util/own-string.js';

/**
 * Parsed certificates stay in the parse cache for as long as their Secret
 * does, two or more per Listener. Node's X509Certificate memoizes every field
 * it was asked for (and the PEM is the DER again in base64): holding both was
 * 3.5 KiB of heap per certificate, most of what the daemon kept per Listener.
 * So only the DER and the decided fields are kept, and the X509Certificate is
 * held weakly: a reconcile that checks a chain reuses it, an idle daemon lets
 * it go.
 */
export class ParsedCertificate {
  /** SHA-256 of the DER, lowercase hex, no colons. */
  readonly fingerprint: string;
  /** Distinguished names as one line, in certificate order, e.g. "O=acme, CN=backend". */
  readonly subject: string;
  readonly issuer: string;
  /**
   * The validity bounds, epoch milliseconds. Kept as numbers: a Date is about
   * 100 bytes of heap (V8 keeps its broken-down fields with it), two per
   * certificate for as long as its Secret is cached; `notBefore` and
   * `notAfter` make one when asked.
   */
  readonly notBeforeMs: number;
  readonly notAfterMs: number;
  readonly isCA: boolean;
  /** The certificate has a subjectAltName extension (then its CN names no host). */
  readonly hasSubjectAltName: boolean;
  /** From subjectAltName, as written in the certificate. */
  readonly dnsNames: readonly string[];
  /** From subjectAltName, normalized (dotted quad, or RFC 5952 IPv6). */
  readonly ipAddresses: readonly string[];
  private node: WeakRef<X509Certificate>;
  // The CN is needed only for certificates without SANs and for messages, and
  // reading it (the legacy object also hashes the DER three times) is a fifth
  // of the parse: computed on first use.
  private cn: { value: string | undefined } | undefined;

  /** `der`: the certificate as it was read, what every other field is derived from. */
  constructor(readonly der: Buffer, x509: X509Certificate, notBefore: Date, notAfter: Date, fingerprint = sha256Hex(der)) {
    this.node = new WeakRef(x509);
    this.fingerprint = fingerprint;
    this.subject = names.share(oneLine(x509.subject));
    this.issuer = names.share(oneLine(x509.issuer));
    this.notBeforeMs = notBefore.getTime();
    this.notAfterMs = notAfter.getTime();
    this.isCA = x509.ca;
    const altNames = x509.subjectAltName;
    this.hasSubjectAltName = altNames !== undefined;
    const dnsNames: string[] = [];
    const ipAddresses: string[] = [];
    for (const san of parseSubjectAltName(altNames)) {
      if (san.type === 'DNS') dnsNames.push(ownString(san.value));
      if (san.type === 'IP Address') {
        const ip = normalizeIp(san.value);
        if (ip !== undefined) ipAddresses.push(ip);
      }
    }
    // Copies of exactly their size: an array grown by push keeps room for 17
    // entries (150 bytes), and these stay for as long as the Secret is cached.
    // Most certificates name no IP address: one empty list for all of them.
    this.dnsNames = dnsNames.length === 0 ? NONE : dnsNames.slice();
    this.ipAddresses = ipAddresses.length === 0 ? NONE : ipAddresses.slice();
  }

  /** Start of validity, as a new Date. */
  get notBefore(): Date {
    return new Date(this.notBeforeMs);
  }

  /** End of validity, as a new Date. */
  get notAfter(): Date {
    return new Date(this.notAfterMs);
  }

  /** Node's object, for signatures and keys; made again from `der` when the last one was collected. */
  get x509(): X509Certificate {
    let x509 = this.node.deref();
    if (x509 === undefined) {
      x509 = new X509Certificate(this.der);
      this.node = new WeakRef(x509);
    }
    return x509;
  }

  /** Uppercase hex, as OpenSSL prints it; read from Node's object (nothing decides on it, so it is not kept). */
  get serialNumber(): string {
    return this.x509.serialNumber;
  }

  /** Normalized PEM of this certificate, made from `der` on each read. */
  get pem(): string {
    return toPem('CERTIFICATE', this.der);
  }

  /** The last CN of the subject, the most specific one. */
  get commonName(): string | undefined {
    return (this.cn ??= { value: lastCommonName(this.x509) }).value;
  }
}

const NONE: readonly string[] = Object.freeze([]);

/**
 * Distinguished names, kept once: every leaf an issuer signed has the same
 * issuer name, and a CA's subject is its leaves' issuer (first in, first out).
 */
const names = new StringTable(4_096);

function sha256Hex(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex');
}

/**
 * Certificates in use, by fingerprint, held weakly. The same certificate is
 * in many objects: an issuer's CA is the ca.crt of every Secret it signed
 * (and a self-signed leaf is its own ca.crt). Parsed once, it is one object
 * in memory for all of them, and what is remembered about it (its strength,
 * the gate's checks: verify-memo.ts) is shared too. Parsed certificates are
 * never changed after they are made, so sharing one is safe.
 */
const inUse = new Map<string, WeakRef<ParsedCertificate>>();
const collected = new FinalizationRegistry<string>((fingerprint) => {
  if (inUse.get(fingerprint)?.deref() === undefined) inUse.delete(fingerprint);
});

/** Certificates held in the shared table (for tests and the benchmark). */
export function sharedCertificateCount(): number {
  return inUse.size;
}

/** One DER certificate, parsed (or the same certificate parsed before); throws when it is not a certificate Node can read. */
export function parseCertificateDer(der: Buffer): ParsedCertificate {
  const fingerprint = sha256Hex(der);
  const known = inUse.get(fingerprint)?.deref();
  // The DER is compared too: the table must never answer for other bytes.
  if (known !== undefined && known.der.equals(der)) return known;
  const cert = parseNew(der, fingerprint);
  inUse.set(fingerprint, new WeakRef(cert));
  collected.register(cert, fingerprint);
  return cert;
}

function parseNew(der: Buffer, fingerprint: string): ParsedCertificate {
  const x509 = new X509Certificate(der);
  const notBefore = parseOpenSslTime(x509.validFrom);
  const notAfter = parseOpenSslTime(x509.validTo);
  if (notBefore === undefined || notAfter === undefined) throw new Error('unreadable validity dates');
  // A copy of its own: a small Buffer is a view of an 8 KiB pool slab, and a
  // kept view keeps the whole slab.
  const own = Buffer.allocUnsafeSlow(x509.raw.length);
  x509.raw.copy(own);
  return new ParsedCertificate(own, x509, notBefore, notAfter, fingerprint);
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
