import { readFileSync } from 'node:fs';

/** The package version, read once from package.json next to src/ or dist/src/. */
export const version: string = (() => {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'skupper-cert-rotator' && pkg.version) return pkg.version;
    } catch {
      // try the next candidate
    }
  }
  return 'unknown';
})();

/** How the program names itself to the API server (the audit log's userAgent). */
export const USER_AGENT = `skupper-cert-rotator/${version}`;
