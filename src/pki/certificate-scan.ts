// Every certificate of one text: a Secret's tls.crt or ca.crt, a CA source.
// The text comes from a tenant's object and may be a megabyte, so it is read
// block by block (a bad block costs only itself, and is reported), what one
// object can cost is bounded, and the async form leaves the event loop free
// between slices.
import { describeLabel, pemSteps, type PemBlock, type PemProblemKind } from './pem.js';
import { parseCertificateDer, type ParsedCertificate } from './certificate.js';
import { weaknesses } from './strength.js';
import { ProblemList } from './problems.js';

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

function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}
