// The unmodified upstream source archives of a real Skupper site (the table of
// /work/shared/third_party/SOURCES.md): where to find them, and their checksums,
// verified before any byte of them is used. Found in $SKUPPER_CERT_ROTATOR_THIRD_PARTY,
// beside the project (<repo>/../shared/third_party/), in the download cache, else
// downloaded from GitHub by tag/commit. Missing everywhere: one line says so and the
// Skupper parts are skipped.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { cacheDir, repoRoot } from '../paths.js';

export interface SourceArchive {
  /** File name; `git archive` output whose top directory is the name without `.tar.gz`. */
  file: string;
  version: string;
  owner: string;
  repo: string;
  /** The tag or (short) commit GitHub's archive URL takes: it names the top directory too. */
  ref: string;
  commit: string;
  sha256: string;
}

export const sourceArchives = {
  skupper: {
    file: 'skupper-2.2.1.tar.gz', version: '2.2.1', owner: 'skupperproject', repo: 'skupper', ref: '2.2.1',
    commit: '5f1ada1125b877826d789cc587582a78167d0e99',
    sha256: '1bec8acab90ce80f3d4eb0d0ce3528a9fdf20e6345c0827ccf2efd2bfb9e05d3',
  },
  router: {
    file: 'skupper-router-3.5.1.tar.gz', version: '3.5.1', owner: 'skupperproject', repo: 'skupper-router', ref: '3.5.1',
    commit: '75deffa8ff94b1f7f01effb9b2009130f232111c',
    sha256: 'f452d57ead69e57ac1e1257ba72ee5b4a71bfbc28f6592d43b21ecb668b646f2',
  },
  /** The commit skupper-router 3.5.1 pins (its Containerfile's PROTON_VERSION; 0.41.0-dev). */
  proton: {
    file: 'qpid-proton-e5d5c2b.tar.gz', version: 'e5d5c2b', owner: 'apache', repo: 'qpid-proton', ref: 'e5d5c2b',
    commit: 'e5d5c2badb964684bf41ba509a110bf06a24712a',
    sha256: 'c7112d91ef2b9adf2e8f2ac48880b5251e1e8eb4792c03f9763f0d50630a3b7a',
  },
} as const satisfies Record<string, SourceArchive>;

export type ArchiveKey = keyof typeof sourceArchives;

/** The archive's top directory. */
export const topDir = (a: SourceArchive): string => a.file.replace(/\.tar\.gz$/, '');

export const downloadUrl = (a: SourceArchive): string => `https://github.com/${a.owner}/${a.repo}/archive/${a.ref}.tar.gz`;

export const downloadDir = (): string => join(cacheDir(), 'skupper', 'downloads');

/** The repository this checkout was cloned from, when that is a directory on this machine. */
function localOrigin(): string | undefined {
  const r = spawnSync('git', ['-C', repoRoot, 'config', '--get', 'remote.origin.url'], { encoding: 'utf8' });
  const url = r.status === 0 ? r.stdout.trim().replace(/^file:\/\//, '') : '';
  return url.startsWith('/') && existsSync(url) ? url.replace(/\/\.git\/?$/, '') : undefined;
}

/** The directories searched, in order, each with how it is named in the skip line. */
export function searchDirs(env: NodeJS.ProcessEnv = process.env): { dir: string; label: string }[] {
  const dirs: { dir: string; label: string }[] = [];
  const override = env.SKUPPER_CERT_ROTATOR_THIRD_PARTY;
  if (override) dirs.push({ dir: override, label: `$SKUPPER_CERT_ROTATOR_THIRD_PARTY (${override})` });
  const beside = resolve(repoRoot, '..', 'shared', 'third_party');
  dirs.push({ dir: beside, label: beside });
  // A clone of a local checkout (CI's fresh clone) finds them beside the checkout it came from.
  const origin = localOrigin();
  const besideOrigin = origin === undefined ? undefined : resolve(origin, '..', 'shared', 'third_party');
  if (besideOrigin !== undefined && besideOrigin !== beside) dirs.push({ dir: besideOrigin, label: `${besideOrigin} (beside the clone's origin)` });
  dirs.push({ dir: downloadDir(), label: downloadDir() });
  return dirs;
}

/**
 * The one line printed when the archives are nowhere: what is missing, where it looked,
 * how to provide them.
 */
export function skipMessage(missing: readonly SourceArchive[], lookedIn: readonly string[], downloadError: string | undefined): string {
  const names = missing.map((a) => a.file).join(', ');
  const tried = downloadError === undefined ? '' : `, and GitHub (${downloadError})`;
  const urls = missing.map(downloadUrl).join(' ');
  return `Skupper site skipped (controller, kube-adaptor, skupper-router not built): missing ${names}; looked in ${lookedIn.join(', ')}${tried}. `
    + `To provide them, put the archives in one of those directories or point SKUPPER_CERT_ROTATOR_THIRD_PARTY at a directory holding them (${urls}; checksums in cluster/skupper/sources.ts). Everything else works without them.`;
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(path), h);
  return h.digest('hex');
}

/** Throws unless `path` holds exactly the archive of the table: a mismatch is never used. */
export async function verify(a: SourceArchive, path: string): Promise<void> {
  const actual = await sha256File(path);
  if (actual !== a.sha256) {
    throw new Error(`${path}: sha256 ${actual}, but ${a.file} must be ${a.sha256} (cluster/skupper/sources.ts, from SOURCES.md); refusing to use it. Replace it with the upstream archive (${downloadUrl(a)}).`);
  }
}

/** Downloads into the download cache, hashing as it goes; a file that does not match is deleted, never kept. */
async function download(a: SourceArchive, log: (line: string) => void): Promise<string> {
  const dir = downloadDir();
  mkdirSync(dir, { recursive: true });
  const final = join(dir, a.file);
  const tmp = `${final}.tmp-${process.pid}`;
  const url = downloadUrl(a);
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(600_000) });
    if (!res.ok || !res.body) throw new Error(`${url}: HTTP ${res.status}`);
    log(`downloading ${url} (${a.file}, verified against its sha256 before use)`);
    const h = createHash('sha256');
    const hashing = new Transform({ transform(chunk: Buffer, _enc, done) { h.update(chunk); done(null, chunk); } });
    await pipeline(Readable.fromWeb(res.body), hashing, createWriteStream(tmp));
    const actual = h.digest('hex');
    if (actual !== a.sha256) throw new Error(`${url} has sha256 ${actual}, but ${a.file} must be ${a.sha256} (cluster/skupper/sources.ts); not used`);
    renameSync(tmp, final);
    return final;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Why a download failed, in a few words (fetch hides the cause one level down). */
function reason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}

export type Located<K extends ArchiveKey> = { paths: Record<K, string> } | { skipped: string };

/**
 * Finds each archive (searching, then downloading), verified. Returns the skip line
 * when any is missing everywhere; throws when one is found but does not match.
 */
export async function locateArchives<K extends ArchiveKey>(keys: readonly K[], log: (line: string) => void): Promise<Located<K>> {
  const dirs = searchDirs();
  const paths = {} as Record<K, string>;
  const missing: K[] = [];
  for (const k of keys) {
    const a = sourceArchives[k];
    const found = dirs.map((d) => join(d.dir, a.file)).find((p) => existsSync(p));
    if (found === undefined) {
      missing.push(k);
      continue;
    }
    await verify(a, found);
    paths[k] = found;
  }
  let downloadError: string | undefined;
  for (const k of [...missing]) {
    const a = sourceArchives[k];
    try {
      paths[k] = await download(a, log);
      missing.splice(missing.indexOf(k), 1);
    } catch (err) {
      const why = reason(err);
      if (/sha256/.test(why)) throw new Error(why, { cause: err });
      downloadError = why;
      break; // one failure says enough: no network, or GitHub unreachable
    }
  }
  if (missing.length > 0) return { skipped: skipMessage(missing.map((k) => sourceArchives[k]), dirs.map((d) => d.label), downloadError) };
  return { paths };
}

/** Unpacks a verified archive into `into` and returns its top directory. */
export function unpack(a: SourceArchive, archive: string, into: string): string {
  mkdirSync(into, { recursive: true });
  const r = spawnSync('tar', ['-xzf', archive, '-C', into], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tar -xzf ${archive}: ${r.error?.message ?? r.stderr}`);
  const top = join(into, topDir(a));
  if (!existsSync(top)) throw new Error(`${archive} did not unpack into ${topDir(a)}/`);
  return top;
}
