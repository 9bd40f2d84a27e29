// The project's image built from its Dockerfile, unchanged, with podman against
// local stand-ins for its base images (scripts/image/stand-ins.ts), and what it
// weighs. Used by `npm run image` (scripts/image/build.ts) and by the image
// tests (test/integration/image.test.ts).
//
// The FROM lines cannot be satisfied by a plain tag: the build stage's names a
// digest, which a locally assembled image can never have. `--build-context
// <FROM reference>=container-image://<stand-in>` substitutes the stand-in for
// exactly that reference (buildx's --build-context does the same), so the file
// stays the one users build against the real registry.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../cluster/paths.js';
import { ensurePackages, podman, podmanInherit, timed } from './podman.js';
import { baseImages, standIns } from './stand-ins.js';

export const DEFAULT_TAG = 'localhost/skupper-cert-rotator:dev';

export interface ImageSize {
  /** Bytes of the unpacked layers, as `podman image inspect` counts them. */
  uncompressed: number;
  /** Bytes a registry stores: gzipped layers plus the config. */
  compressed: number;
  /** Each layer's size and the instruction that made it, base first. */
  layers: { bytes: number; gzipBytes: number; createdBy: string }[];
}

interface OciManifest {
  layers: { size: number; digest: string }[];
  config: { size: number };
}

export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Size as a registry would store it: the image pushed to an OCI layout, whose layers podman gzips. */
function gzipLayers(tag: string): { config: number; layers: number[] } {
  const dir = mkdtempSync(join(tmpdir(), 'oci-layout-'));
  try {
    podman(['push', '--quiet', tag, `oci:${dir}:image`]);
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    const digest = index.manifests[0]?.digest.replace('sha256:', '') ?? '';
    const manifest = JSON.parse(readFileSync(join(dir, 'blobs', 'sha256', digest), 'utf8')) as OciManifest;
    return { config: manifest.config.size, layers: manifest.layers.map((l) => l.size) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function imageSize(tag: string): ImageSize {
  const uncompressed = Number(podman(['image', 'inspect', '--format', '{{.Size}}', tag]).trim());
  const gz = gzipLayers(tag);
  // history lists newest first and includes empty layers (LABEL, USER, …), which the manifest does not.
  const history = (JSON.parse(podman(['image', 'history', '--format', 'json', tag])) as { size: number; CreatedBy?: string; createdBy?: string }[])
    .reverse().filter((h) => h.size > 0);
  const layers = gz.layers.map((gzipBytes, i) => {
    const h = history[i];
    return { bytes: h?.size ?? 0, gzipBytes, createdBy: (h?.createdBy ?? h?.CreatedBy ?? '').replace(/\s+/g, ' ').trim() };
  });
  return { uncompressed, compressed: gz.config + gz.layers.reduce((a, b) => a + b, 0), layers };
}

export function formatSize(tag: string, s: ImageSize): string {
  return [
    `${tag}: ${mib(s.uncompressed)} uncompressed, ${mib(s.compressed)} compressed (gzip), ${s.layers.length} layers`,
    ...s.layers.map((l) => `  ${mib(l.bytes).padStart(10)} ${mib(l.gzipBytes).padStart(10)} gzip  ${l.createdBy.slice(0, 110)}`),
  ].join('\n');
}

/**
 * The build's `npm ci` reaches the registry through this machine's network,
 * whose TLS may be intercepted by a CA only the host trusts (npm here failed
 * with SELF_SIGNED_CERT_IN_CHAIN without it). The host npm's CA file is
 * mounted for the RUN steps with a global npmrc naming it: mounts are not
 * committed, and the build stage is not shipped, so the image never holds it.
 */
function hostNpmTrust(work: string): string[] {
  const cafile = execFileSync('npm', ['config', 'get', 'cafile'], { encoding: 'utf8' }).trim();
  const ca = existsSync(cafile) ? cafile : process.env.NODE_EXTRA_CA_CERTS;
  if (!ca || !existsSync(ca)) return [];
  const npmrc = join(work, 'npmrc');
  writeFileSync(npmrc, 'cafile=/usr/local/etc/build-ca.crt\n');
  return ['--volume', `${ca}:/usr/local/etc/build-ca.crt:ro`, '--volume', `${npmrc}:/usr/local/etc/npmrc:ro`];
}

/**
 * Why the image cannot be built and run here, or undefined when it can: root
 * (podman here runs images only as root), and podman and runc installed or
 * apt-get to install them. Checked without installing anything, so a test file
 * can decide at load time whether its tests exist.
 */
export function podmanUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return `podman runs images here only as root (this is uid ${String(process.getuid?.())})`;
  const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
  if (!has('apt-get') && !(has('podman') && has('runc'))) return 'podman and runc are not installed, and there is no apt-get to install them';
  return undefined;
}

/**
 * Builds the Dockerfile into `tag`. Layers are cached between builds: the
 * build stage is tagged too (`<tag>-build-stage`), so that its layers (the
 * npm ci one above all) are not "dangling", and what a rebuild leaves untagged
 * (the previous image and stages) is pruned, so the project's storage holds one
 * build's worth, not every one.
 */
export async function buildImage(tag = DEFAULT_TAG): Promise<void> {
  await timed('packages (podman, runc, debootstrap)', ensurePackages);
  const stand = await timed('stand-in base images', standIns);
  const base = baseImages();
  const revision = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
  const work = mkdtempSync(join(tmpdir(), 'image-build-'));
  const build = (extra: string[]): Promise<void> => podmanInherit([
    'build', '--pull=never', '--network', 'host', ...hostNpmTrust(work), '-f', join(repoRoot, 'Dockerfile'),
    '--build-context', `${base.build}=container-image://${stand.build}`,
    '--build-context', `${base.runtime}=container-image://${stand.runtime}`,
    ...extra, repoRoot,
  ]);
  try {
    await timed('podman build (build stage)', () => build(['--target', 'build', '-t', buildStageTag(tag)]));
    await timed('podman build', () => build([
      '-t', tag,
      '--label', `org.opencontainers.image.revision=${revision}`,
      '--label', `org.opencontainers.image.created=${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`,
    ]));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  await timed('prune untagged images', () => podman(['image', 'prune', '--force']));
}

export function buildStageTag(tag: string): string {
  const colon = tag.lastIndexOf(':');
  return colon > tag.lastIndexOf('/') ? `${tag.slice(0, colon)}-build-stage${tag.slice(colon)}` : `${tag}-build-stage`;
}
