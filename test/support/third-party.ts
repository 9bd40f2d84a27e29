// The Skupper source archives are a test prerequisite like the control-plane
// binaries: where they are missing the tests fail and say how to provide them,
// never skip (a skipped test would count as passing).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { searchDirs, skipMessage, sourceArchives, type SourceArchive } from '../../cluster/skupper/sources.js';

/** The path of `file` (one of the third-party archives or SOURCES.md), or an Error naming where it was looked for and how to provide it. */
export function requireThirdParty(file: string): string {
  const dirs = searchDirs();
  const found = dirs.map((d) => join(d.dir, file)).find((p) => existsSync(p));
  if (found !== undefined) return found;
  const archive = Object.values(sourceArchives).find((a: SourceArchive) => a.file === file);
  throw new Error(archive
    ? `test prerequisite missing: ${skipMessage([archive], dirs.map((d) => d.label), undefined)}`
    : `test prerequisite missing: ${file} is in none of ${dirs.map((d) => d.label).join(', ')}; put the third-party directory (archives and SOURCES.md) beside the project or set SKUPPER_CERT_ROTATOR_THIRD_PARTY`);
}

/** The Skupper site's binaries as the tests need them: `ensureSkupperSite()`'s skip line becomes a failure with the same fix. */
export function requireBuilt<T extends object>(result: T | { skipped: string }): T {
  if ('skipped' in result) throw new Error(`test prerequisite missing: ${result.skipped}`);
  return result;
}
