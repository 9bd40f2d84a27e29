// The cert-manager ingress-shim annotations that shape a Certificate
// (duration, renew-before, private key, prior-valid-revisions), read the same
// way for a Listener's server certificate and a Connector's client certificate.
import { Annotations } from '../model/annotations.js';
import type { CertificateSpec } from '../model/certmanager.js';
import { quoted } from '../util/dnsname.js';
import { parseDuration } from '../util/duration.js';
import { fitsGoDuration, goDurationString } from '../util/goduration.js';

export type PrivateKey = NonNullable<CertificateSpec['privateKey']>;
type Algorithm = NonNullable<PrivateKey['algorithm']>;

export interface AnnotationProblem {
  reason: 'InvalidAnnotation';
  message: string;
}

/** Where problems go: any list whose element type accepts an AnnotationProblem. */
export interface ProblemSink {
  push(problem: AnnotationProblem): unknown;
}

export interface CertificateOptions {
  duration?: string;
  renewBefore?: string;
  privateKey: PrivateKey;
}

// cert-manager's webhook limits (MinimumCertificateDuration, MinimumRenewBefore,
// DefaultCertificateDuration): checked here so a bad annotation is reported on
// the object instead of failing every apply with a rejected request.
const MIN_DURATION_MS = 3_600_000;
const MIN_RENEW_BEFORE_MS = 300_000;
const DEFAULT_DURATION_MS = 2160 * 3_600_000;

const ALGORITHMS: Readonly<Record<string, Algorithm>> = { rsa: 'RSA', ecdsa: 'ECDSA', ed25519: 'Ed25519' };
const KEY_SIZES: Readonly<Record<Algorithm, readonly number[] | undefined>> = {
  RSA: [2048, 3072, 4096, 8192],
  ECDSA: [256, 384, 521],
  Ed25519: undefined, // the key size is fixed; cert-manager ignores spec.privateKey.size
};

/** Duration, renew-before and key settings from the annotations; problems are appended to `problems`. */
export function certificateOptions(annotations: Record<string, string>, problems: ProblemSink, opts: { allowShortDurations?: boolean } = {}): CertificateOptions {
  // Without the webhook (the local control plane) cert-manager takes any positive duration.
  const short = opts.allowShortDurations === true;
  const duration = durationAnnotation(annotations, Annotations.duration, short ? 1 : MIN_DURATION_MS, problems);
  const renewBefore = durationAnnotation(annotations, Annotations.renewBefore, short ? 1 : MIN_RENEW_BEFORE_MS, problems);
  const durationInvalid = duration === undefined && annotations[Annotations.duration] !== undefined; // already reported
  if (renewBefore !== undefined && !durationInvalid && renewBefore >= (duration ?? DEFAULT_DURATION_MS)) {
    const of = duration === undefined ? `cert-manager's default duration ${goDurationString(DEFAULT_DURATION_MS)}` : `${Annotations.duration} (${goDurationString(duration)})`;
    problems.push({ reason: 'InvalidAnnotation', message: `${Annotations.renewBefore} (${goDurationString(renewBefore)}) must be shorter than ${of}` });
  }
  return {
    ...(duration !== undefined ? { duration: goDurationString(duration) } : {}),
    ...(renewBefore !== undefined ? { renewBefore: goDurationString(renewBefore) } : {}),
    privateKey: privateKey(annotations, problems),
  };
}

function durationAnnotation(annotations: Record<string, string>, key: string, min: number, problems: ProblemSink): number | undefined {
  const raw = annotations[key];
  if (raw === undefined) return undefined;
  const ms = parseDuration(raw);
  let problem: string;
  if (ms instanceof Error) problem = ms.message;
  else if (!fitsGoDuration(ms)) problem = `${quoted(raw)} is too long for cert-manager`;
  else if (ms < min) problem = `${quoted(raw)} is shorter than cert-manager's minimum ${goDurationString(min)}`;
  else return ms;
  problems.push({ reason: 'InvalidAnnotation', message: `${key}: ${problem}` });
  return undefined;
}

function privateKey(annotations: Record<string, string>, problems: ProblemSink): PrivateKey {
  const rawAlgorithm = annotations[Annotations.privateKeyAlgorithm]?.trim();
  const rawSize = annotations[Annotations.privateKeySize]?.trim();
  const bad = (message: string): PrivateKey => {
    problems.push({ reason: 'InvalidAnnotation', message });
    return { rotationPolicy: 'Always' };
  };

  let algorithm: Algorithm | undefined;
  if (rawAlgorithm !== undefined) {
    algorithm = ALGORITHMS[rawAlgorithm.toLowerCase()];
    if (algorithm === undefined) return bad(`${Annotations.privateKeyAlgorithm}: ${quoted(rawAlgorithm)} is not RSA, ECDSA or Ed25519`);
  }
  if (rawSize === undefined) return algorithm === undefined ? { rotationPolicy: 'Always' } : { algorithm, rotationPolicy: 'Always' };

  if (!/^[0-9]+$/.test(rawSize)) return bad(`${Annotations.privateKeySize}: ${quoted(rawSize)} is not a whole number`);
  const size = Number(rawSize);
  // cert-manager's default algorithm is RSA; say so explicitly so the spec reads the same either way.
  const alg = algorithm ?? 'RSA';
  const allowed = KEY_SIZES[alg];
  if (allowed === undefined) return { algorithm: alg, rotationPolicy: 'Always' };
  if (!allowed.includes(size)) return bad(`${Annotations.privateKeySize}: ${size} is not a valid ${alg} key size (${allowed.join(', ')})`);
  return { algorithm: alg, size, rotationPolicy: 'Always' };
}

/** skupper.io/tls-prior-valid-revisions for the Secret: the annotation, else the daemon flag. */
export function priorValidRevisions(annotations: Record<string, string>, fallback: number, problems: ProblemSink): number {
  const raw = annotations[Annotations.priorValidRevisions]?.trim();
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (/^[0-9]+$/.test(raw) && Number.isSafeInteger(n)) return n;
  problems.push({ reason: 'InvalidAnnotation', message: `${Annotations.priorValidRevisions}: ${quoted(raw)} is not a non-negative integer` });
  return fallback;
}
