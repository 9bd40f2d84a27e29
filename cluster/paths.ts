import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const goModulesDir = join(repoRoot, 'cluster', 'go');
/** Skupper's CRDs, byte-for-byte from its source (cluster/crds/README.md); named after the archive of cluster/skupper/sources.ts. */
export const skupperCrdDir = join(repoRoot, 'cluster', 'crds', 'skupper-2.2.1');
/**
 * Where `npm run cluster:up` keeps its state, pids, logs and kubeconfig
 * (git-ignored). Tests point SKUPPER_CERT_ROTATOR_LOCAL_DIR elsewhere so they
 * never touch a developer's running cluster.
 */
export const localDir = process.env.SKUPPER_CERT_ROTATOR_LOCAL_DIR ?? join(repoRoot, '.local');
export const localClusterDir = join(localDir, 'cluster');
export const localKubeconfig = join(localDir, 'kubeconfig');

/**
 * Built binaries live outside the repo so fresh clones (CI) and later sessions
 * reuse them. Override with SKUPPER_CERT_ROTATOR_CACHE.
 */
export function cacheDir(): string {
  const override = process.env.SKUPPER_CERT_ROTATOR_CACHE;
  if (override) return override;
  const xdg = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(xdg, 'skupper-cert-rotator');
}
