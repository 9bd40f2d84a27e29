// Self-signed ECDSA P-256 CA certificates built in-process: the TBSCertificate
// is encoded as DER by hand and signed with node:crypto. Thousands per second,
// against roughly 20 a second when spawning openssl (see certgen.ts for
// certificates that need the full openssl feature set).
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

export interface FastCA {
  certPem: string;
  keyPem: string;
}

export interface FastCAOptions {
  /** Subject and issuer common name. */
  cn: string;
  /** Default: one minute ago. */
  notBefore?: Date;
  /** Default: thirty days from now. */
  notAfter?: Date;
  /** A private P-256 key; reuse one across calls for speed. Default: a fresh key. */
  key?: KeyObject;
  /** Positive serial number. Default: 16 random bytes. */
  serial?: bigint;
}

// ---------------------------------------------------------------------------
// Minimal DER encoder

function encodeLength(len: number): Buffer {
  if (len < 0x80) return Buffer.from([len]);
  const bytes: number[] = [];
  for (let n = len; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

const sequence = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
const octetString = (content: Buffer): Buffer => tlv(0x04, content);
const boolean = (value: boolean): Buffer => tlv(0x01, Buffer.from([value ? 0xff : 0x00]));
/** Context-specific, constructed, explicit tag [n]. */
const explicit = (n: number, inner: Buffer): Buffer => tlv(0xa0 | n, inner);

/** A BIT STRING; unusedBits applies to the last byte of content. */
function bitString(content: Buffer, unusedBits = 0): Buffer {
  return tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), content]));
}

/** A non-negative INTEGER, minimal, with a leading 0x00 when the high bit is set. */
function integer(value: bigint): Buffer {
  if (value < 0n) throw new RangeError('only non-negative integers are supported');
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if (((bytes[0] ?? 0) & 0x80) !== 0) bytes = Buffer.concat([Buffer.from([0x00]), bytes]);
  return tlv(0x02, bytes);
}

function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map((s) => {
    if (!/^\d+$/.test(s)) throw new Error(`bad OID ${dotted}`);
    return BigInt(s);
  });
  const [first, second, ...rest] = arcs;
  if (first === undefined || second === undefined) throw new Error(`bad OID ${dotted}`);
  const out: number[] = [];
  for (const arc of [first * 40n + second, ...rest]) {
    const chunk: number[] = [Number(arc & 0x7fn)];
    for (let n = arc >> 7n; n > 0n; n >>= 7n) chunk.unshift(Number(n & 0x7fn) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/** PrintableString when every character allows it, UTF8String otherwise. */
function directoryString(value: string): Buffer {
  return PRINTABLE.test(value) ? tlv(0x13, Buffer.from(value, 'ascii')) : tlv(0x0c, Buffer.from(value, 'utf8'));
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** RFC 5280 4.1.2.5: UTCTime for 1950..2049, GeneralizedTime otherwise; seconds, Zulu, no fractions. */
function time(date: Date): Buffer {
  if (Number.isNaN(date.getTime())) throw new RangeError('invalid date');
  const y = date.getUTCFullYear();
  const rest = `${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}Z`;
  if (y >= 1950 && y < 2050) return tlv(0x17, Buffer.from(`${pad(y % 100)}${rest}`, 'ascii'));
  if (y < 0 || y > 9999) throw new RangeError(`year ${y} cannot be encoded`);
  return tlv(0x18, Buffer.from(`${pad(y, 4)}${rest}`, 'ascii'));
}

// ---------------------------------------------------------------------------
// Minimal DER reader, only to pull the public key bits out of an SPKI

function readTlv(buf: Buffer, offset: number): { tag: number; start: number; end: number } {
  const tag = buf[offset];
  let lenByte = buf[offset + 1];
  if (tag === undefined || lenByte === undefined) throw new Error('truncated DER');
  let start = offset + 2;
  let len = lenByte;
  if (lenByte & 0x80) {
    const count = lenByte & 0x7f;
    len = 0;
    for (let i = 0; i < count; i++) {
      lenByte = buf[start + i];
      if (lenByte === undefined) throw new Error('truncated DER');
      len = len * 256 + lenByte;
    }
    start += count;
  }
  if (start + len > buf.length) throw new Error('truncated DER');
  return { tag, start, end: start + len };
}

/** The subjectPublicKey BIT STRING contents (without the unused-bits byte). */
function spkiPublicKeyBits(spki: Buffer): Buffer {
  const outer = readTlv(spki, 0);
  const alg = readTlv(spki, outer.start);
  const bits = readTlv(spki, alg.end);
  if (outer.tag !== 0x30 || alg.tag !== 0x30 || bits.tag !== 0x03) throw new Error('unexpected SPKI structure');
  return spki.subarray(bits.start + 1, bits.end);
}

// ---------------------------------------------------------------------------

const OID_CN = '2.5.4.3';
const OID_ECDSA_SHA256 = '1.2.840.10045.4.3.2';
const OID_BASIC_CONSTRAINTS = '2.5.29.19';
const OID_KEY_USAGE = '2.5.29.15';
const OID_SUBJECT_KEY_ID = '2.5.29.14';

const ecdsaWithSha256 = sequence(oid(OID_ECDSA_SHA256));
const version3 = explicit(0, integer(2n));

// KeyUsage bits: digitalSignature(0), keyCertSign(5), cRLSign(6) -> 1000 0110, last bit unused.
const keyUsageExt = sequence(oid(OID_KEY_USAGE), boolean(true), octetString(bitString(Buffer.from([0x86]), 1)));
const basicConstraintsExt = sequence(oid(OID_BASIC_CONSTRAINTS), boolean(true), octetString(sequence(boolean(true))));

interface KeyMaterial {
  spki: Buffer;
  skiExt: Buffer;
  keyPem: string;
}

// Reusing one key across many certificates is the fast path: export it once.
const keyCache = new WeakMap<KeyObject, KeyMaterial>();

function keyMaterial(key: KeyObject): KeyMaterial {
  const cached = keyCache.get(key);
  if (cached) return cached;
  if (key.type !== 'private') throw new TypeError('key must be a private KeyObject');
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new TypeError('key must be an ECDSA P-256 (prime256v1) key');
  }
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const ski = createHash('sha1').update(spkiPublicKeyBits(spki)).digest();
  const material: KeyMaterial = {
    spki,
    skiExt: sequence(oid(OID_SUBJECT_KEY_ID), octetString(octetString(ski))),
    keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
  keyCache.set(key, material);
  return material;
}

function randomSerial(): bigint {
  const bytes = randomBytes(16);
  const serial = BigInt(`0x${bytes.toString('hex')}`);
  return serial === 0n ? 1n : serial;
}

function pem(label: string, der: Buffer): string {
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** A self-signed ECDSA P-256 CA certificate built in-process (DER by hand, signed with node:crypto). */
export function fastSelfSignedCA(opts: FastCAOptions): FastCA {
  const now = Date.now();
  const notBefore = opts.notBefore ?? new Date(now - 60_000);
  const notAfter = opts.notAfter ?? new Date(now + 30 * 86_400_000);
  if (notAfter.getTime() <= notBefore.getTime()) throw new RangeError('notAfter must be after notBefore');
  const serial = opts.serial ?? randomSerial();
  if (serial <= 0n) throw new RangeError('serial must be positive');
  if (serial >= 1n << 159n) throw new RangeError('serial must fit in 20 octets');

  const key = opts.key ?? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
  const { spki, skiExt, keyPem } = keyMaterial(key);

  const name = sequence(set(sequence(oid(OID_CN), directoryString(opts.cn))));
  const tbs = sequence(
    version3,
    integer(serial),
    ecdsaWithSha256,
    name, // issuer
    sequence(time(notBefore), time(notAfter)),
    name, // subject
    spki,
    explicit(3, sequence(basicConstraintsExt, keyUsageExt, skiExt)),
  );
  const signature = sign('sha256', tbs, key); // DER-encoded ECDSA-Sig-Value
  const cert = sequence(tbs, ecdsaWithSha256, bitString(signature));
  return { certPem: pem('CERTIFICATE', cert), keyPem };
}
