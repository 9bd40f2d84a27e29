// The build-time patches of the Skupper source (cluster/skupper/patches/*.patch,
// explained in cluster/skupper/README.md), applied to the unpacked copy, never to
// the archive. A patch whose upstream lines are not found fails the build loudly:
// it is never half applied or skipped.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot } from '../paths.js';

export const patchesDir = join(repoRoot, 'cluster', 'skupper', 'patches');

export interface Patch {
  /** File name under cluster/skupper/patches/. */
  name: string;
  text: string;
}

/** Every patch, in name order (the order they are applied in). */
export function skupperPatches(dir: string = patchesDir): Patch[] {
  return readdirSync(dir).filter((f) => f.endsWith('.patch')).sort().map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
}

/**
 * Applies each patch to the source tree at `srcDir` with `git apply` (exact context,
 * all hunks of a patch or none). GIT_CEILING_DIRECTORIES keeps git from taking a
 * repository above `srcDir` for the tree (it would then skip paths outside it).
 */
export function applyPatches(srcDir: string, patches: readonly Patch[], what: string): void {
  for (const p of patches) {
    const r = spawnSync('git', ['apply', '--whitespace=nowarn', '-'], {
      cwd: srcDir,
      input: p.text,
      encoding: 'utf8',
      env: { ...process.env, GIT_CEILING_DIRECTORIES: dirname(srcDir) },
    });
    if (r.error) throw new Error(`git apply cluster/skupper/patches/${p.name}: ${r.error.message} (git is needed to patch the Skupper source)`);
    if (r.status !== 0) {
      throw new Error(`cluster/skupper/patches/${p.name} does not apply to ${what}: the upstream lines it changes were not found:\n${r.stderr.trim()}\n`
        + 'The Skupper source differs from what the patch was written for: update the patch (cluster/skupper/README.md says what each one changes and why).');
    }
  }
}
