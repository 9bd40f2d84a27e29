// Seeded generators of what tenants can put in front of the daemon: Listener
// and Connector annotations and hosts, and Secret/ConfigMap contents. The same
// seed gives the same objects, so a failure is replayed with FUZZ_SEED.
// Mostly plausible input with the edges people actually hit (typos, CRLF,
// truncation, wrong block types, huge lists), plus some plain garbage.
import type { KeyObject } from 'node:crypto';
import { fastSelfSignedCA } from '../../cluster/fastcert.js';

/** mulberry32: small, fast and good enough to drive test input. */
export class Rng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  chars(alphabet: string, length: number): string {
    let s = '';
    for (let i = 0; i < length; i++) s += alphabet[Math.floor(this.next() * alphabet.length)] ?? '';
    return s;
  }
}

const LOWER = 'abcdefghijklmnopqrstuvwxyz0123456789';
const NASTY = 'aZ09-_.*:/%@ \t\u00e9\u212a\u0000\u202e\ud83d\ude00,;#=!"\'\\\n';

function label(r: Rng): string {
  return r.chars('abcdefghijklmnopqrstuvwxyz', 1) + r.chars(LOWER, r.int(0, 12));
}

export function host(r: Rng): string {
  return r.pick<() => string>([
    () => label(r),
    () => `${label(r)}.${label(r)}.example.com`,
    () => `${r.int(0, 255)}.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(0, 255)}`,
    () => `::ffff:${r.int(1, 254)}.${r.int(0, 255)}.0.${r.int(1, 254)}`,
    () => `2001:db8::${r.int(1, 65535).toString(16)}`,
    () => `2001:DB8:0:0:0:0:0:${r.int(1, 9)}`,
    () => `${label(r).toUpperCase()}.Example.COM.`,
    () => `${label(r)}.`,
    () => '',
    () => 'a'.repeat(r.int(60, 300)),
    () => Array.from({ length: r.int(2, 40) }, () => label(r)).join('.'),
    () => r.chars(NASTY, r.int(1, 40)),
    () => `fe80::1%eth${r.int(0, 3)}`,
    () => `10.0.0.${r.int(256, 999)}`,
  ])();
}

function duration(r: Rng): string {
  return r.pick<() => string>([
    () => `${r.int(1, 2000)}h`,
    () => `${r.int(1, 90)}m${r.int(0, 59)}s`,
    () => `${r.int(0, 10)}s`,
    () => '-5m',
    () => '1.5h',
    () => '9999999999999h',
    () => 'P1D',
    () => r.chars(NASTY, r.int(0, 12)),
  ])();
}

function name(r: Rng): string {
  return r.chance(0.8) ? label(r) : r.chars(NASTY, r.int(0, 70));
}

export function listenerAnnotations(r: Rng, issuers: readonly string[]): Record<string, string> {
  const a: Record<string, string> = {};
  const issuerKey = r.pick(['cert-manager.io/issuer', 'cert-manager.io/cluster-issuer', 'skupper-cert-rotator.io/enabled']);
  a[issuerKey] = issuerKey.endsWith('enabled') ? r.pick(['true', 'false', 'yes', '']) : r.chance(0.7) ? r.pick(issuers) : name(r);
  if (r.chance(0.3)) a['cert-manager.io/issuer-kind'] = r.pick(['Issuer', 'ClusterIssuer', 'issuer', 'AWSPCAIssuer', '']);
  if (r.chance(0.2)) a['cert-manager.io/issuer-group'] = r.pick(['cert-manager.io', 'awspca.cert-manager.io', 'not a group', '']);
  if (r.chance(0.3)) a['cert-manager.io/duration'] = duration(r);
  if (r.chance(0.3)) a['cert-manager.io/renew-before'] = duration(r);
  if (r.chance(0.2)) a['cert-manager.io/private-key-algorithm'] = r.pick(['RSA', 'ECDSA', 'Ed25519', 'rsa', 'DSA', '']);
  if (r.chance(0.2)) a['cert-manager.io/private-key-size'] = r.pick(['2048', '256', '384', '1024', '99999', '-1', 'big']);
  if (r.chance(0.3)) a['skupper-cert-rotator.io/extra-dns-names'] = Array.from({ length: r.pick([1, 3, 50, 400]) }, () => host(r)).join(r.pick([',', ', ', ',,']));
  if (r.chance(0.2)) a['skupper-cert-rotator.io/prior-valid-revisions'] = r.pick(['0', '1', '5', '-1', '1e3', 'x', '99999999999']);
  if (r.chance(0.2)) a['skupper-cert-rotator.io/renew'] = r.chars(NASTY, r.int(0, 30));
  return a;
}

export function trustAnnotation(r: Rng, sources: readonly string[]): string {
  const one = (): string => r.pick<() => string>([
    () => r.pick(sources),
    () => `secret/${name(r)}`,
    () => `configmap/${name(r)}#${r.pick(['ca.crt', 'tls.crt', 'missing', ''])}`,
    () => `issuer/${name(r)}`,
    () => `clusterissuer/${name(r)}`,
    () => `secret/other-namespace/${label(r)}`,
    () => `${r.pick(['vault', 'file', 'http'])}/${label(r)}`,
    () => r.chars(NASTY, r.int(0, 30)),
  ])();
  return Array.from({ length: r.pick([1, 2, 3, 40, 1000]) }, one).join(r.pick([',', ', ', ' , ']));
}

/** PEM-ish text of the kinds people paste into CA Secrets and ConfigMaps. */
export function pemText(r: Rng, key: KeyObject): string {
  const ca = (): string => fastSelfSignedCA({ cn: label(r), key, serial: BigInt(r.int(1, 2 ** 30)) }).certPem;
  const parts = Array.from({ length: r.pick([0, 1, 2, 5, 30]) }, () => r.pick<() => string>([
    ca,
    () => fastSelfSignedCA({ cn: label(r), key, serial: BigInt(r.int(1, 2 ** 30)), notBefore: new Date(Date.now() - 3 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) }).certPem,
    () => ca().replace(/\n/g, '\r\n'),
    () => ca().slice(0, r.int(10, 300)),
    () => ca().replace('-----END CERTIFICATE-----', ''),
    () => '-----BEGIN CERTIFICATE-----\n'.repeat(r.int(1, 2000)),
    () => `-----BEGIN CERTIFICATE-----\n${r.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', r.int(0, 20_000))}\n-----END CERTIFICATE-----\n`,
    () => `-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n`,
    () => `# a comment someone left\n${ca()}`,
    () => `\uFEFF${ca()}`,
    () => r.chars(NASTY, r.int(0, 500)),
    () => `-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\n\nAAAA\n-----END CERTIFICATE-----\n`,
  ])());
  return parts.join(r.pick(['', '\n', '\n\n', 'junk between\n']));
}
