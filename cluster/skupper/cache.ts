// Where the Skupper site's builds live in the cache (outside the repo, like the
// control-plane binaries), each keyed by version and a hash of everything that
// determines it: the archive's checksum, the patches, the flags and the toolchain.
//
//   <cacheDir>/bin/skupper-controller-2.2.1-<key>        (Go, static)
//   <cacheDir>/bin/skupper-kube-adaptor-2.2.1-<key>
//   <cacheDir>/skupper/proton-e5d5c2b-<key>/             (static libs + headers, only for building the router)
//   <cacheDir>/skupper/skupper-router-3.5.1-<key>/       (install prefix: sbin/skrouterd, lib/skupper-router/python/ …)
//   <cacheDir>/skupper/logs/<part>.log                   (the last build's full output)
//   <cacheDir>/skupper/downloads/                        (archives fetched from GitHub, verified)
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { cacheDir } from '../paths.js';

/** 12 hex digits of the sha256 of the parts (JSON), in order. */
export function cacheKey(parts: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 12);
}

export const skupperCacheDir = (): string => join(cacheDir(), 'skupper');
export const binDir = (): string => join(cacheDir(), 'bin');
export const logFile = (part: string): string => join(skupperCacheDir(), 'logs', `${part}.log`);
/** A scratch directory for unpacking and building, removed afterwards. */
export const workDir = (part: string): string => join(skupperCacheDir(), `work-${part}-${process.pid}`);
