// The Skupper controller and kube-adaptor, built with Go from the unpacked and
// patched skupper-2.2.1 (dependencies from the Go module proxy; the proxy refuses
// the Skupper module itself, hence the archive).
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildAtomically, goGcflags, goVersion, runGoBuild } from '../build.js';
import { binDir, cacheKey, workDir } from './cache.js';
import { applyPatches, type Patch } from './patches.js';
import { sourceArchives, unpack } from './sources.js';

export interface SkupperGoBinary {
  /** File name in the cache (before version and key). */
  name: string;
  pkg: string;
  /** Cold build time measured on 2 cores (fresh GOCACHE), printed so nobody thinks it hangs. */
  coldMinutes: number;
}

export const skupperGoBinaries = {
  // 2m42s with fresh GOCACHE and GOMODCACHE (module downloads included); the adaptor then shares its packages: 6 s.
  controller: { name: 'skupper-controller', pkg: './cmd/controller', coldMinutes: 3 },
  kubeAdaptor: { name: 'skupper-kube-adaptor', pkg: './cmd/kube-adaptor', coldMinutes: 1 },
} as const satisfies Record<string, SkupperGoBinary>;

export type SkupperGoKey = keyof typeof skupperGoBinaries;

const skupper = sourceArchives.skupper;

/** As upstream's Makefile: stripped, with the release in `-version`. */
export const skupperLdflags = ['-s', '-w', `-X github.com/skupperproject/skupper/internal/version.Version=${skupper.version}`];

/** Key of a binary: the archive, every patch, the package, the flags and the Go toolchain. */
export function skupperGoKey(b: SkupperGoBinary, patches: readonly Patch[], go: string): string {
  return cacheKey([skupper.sha256, patches.map((p) => [p.name, p.text]), b.pkg, skupperLdflags, goGcflags, go]);
}

export function skupperGoBinaryPath(b: SkupperGoBinary, patches: readonly Patch[]): string {
  return join(binDir(), `${b.name}-${skupper.version}-${skupperGoKey(b, patches, goVersion())}`);
}

/** Builds the missing binaries from the verified archive (one unpack and patch for both). */
export async function buildSkupperGo(archive: string, patches: readonly Patch[], log: (line: string) => void): Promise<Record<SkupperGoKey, string>> {
  const out = {} as Record<SkupperGoKey, string>;
  const keys = Object.keys(skupperGoBinaries) as SkupperGoKey[];
  for (const k of keys) out[k] = skupperGoBinaryPath(skupperGoBinaries[k], patches);
  if (keys.every((k) => existsSync(out[k]))) return out;
  const work = workDir('skupper-go');
  try {
    const src = unpack(skupper, archive, work);
    applyPatches(src, patches, `${skupper.file} (skupper ${skupper.version})`);
    log(`  skupper ${skupper.version}: unpacked and patched (${patches.map((p) => p.name).join(', ')})`);
    mkdirSync(binDir(), { recursive: true });
    for (const k of keys) {
      const b = skupperGoBinaries[k];
      if (existsSync(out[k])) continue;
      log(`building ${b.name} ${skupper.version} from source (cold: ~${b.coldMinutes} min on 2 cores; cached afterwards in ${out[k]})`);
      await buildAtomically(out[k], (tmp) => runGoBuild({
        name: b.name, cwd: src, where: `${skupper.file}, unpacked`, pkg: b.pkg, out: tmp, ldflags: skupperLdflags,
      }, log));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return out;
}
