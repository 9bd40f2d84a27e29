// Builds the project's Dockerfile, unchanged, with podman against local
// stand-ins for its base images (scripts/image/stand-ins.ts), then prints the
// image's size and layers and, with --smoke, runs `--help` in it read-only as
// uid 65532. Work in progress toward issue 17: not yet part of npm test or CI.
//
//   npx tsx scripts/image/build.ts [--tag NAME] [--smoke]
//
// The FROM lines cannot be satisfied by a plain tag: the build stage's names a
// digest, which a locally assembled image can never have. `--build-context
// <FROM reference>=container-image://<stand-in>` substitutes the stand-in for
// exactly that reference (buildx's --build-context does the same), so the file
// stays the one users build against the real registry.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { repoRoot } from '../../cluster/paths.js';
import { ensurePackages, podman, podmanInherit, timed } from './podman.js';
import { baseImages, standIns } from './stand-ins.js';

interface OciManifest {
  layers: { size: number; digest: string }[];
  config: { size: number };
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Size as a registry would store it: the image pushed to an OCI layout, whose layers podman gzips. */
function compressedSize(tag: string): { total: number; layers: number[] } {
  const dir = mkdtempSync(join(tmpdir(), 'oci-layout-'));
  try {
    podman(['push', '--quiet', tag, `oci:${dir}:image`]);
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    const digest = index.manifests[0]?.digest.replace('sha256:', '') ?? '';
    const manifest = JSON.parse(readFileSync(join(dir, 'blobs', 'sha256', digest), 'utf8')) as OciManifest;
    const layers = manifest.layers.map((l) => l.size);
    return { total: layers.reduce((a, b) => a + b, 0) + manifest.config.size, layers };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(tag: string): void {
  const size = Number(podman(['image', 'inspect', '--format', '{{.Size}}', tag]).trim());
  const compressed = compressedSize(tag);
  console.log(`\n${tag}: ${mib(size)} uncompressed, ${mib(compressed.total)} compressed (gzip), ${compressed.layers.length} layers`);
  console.log(podman(['history', '--no-trunc', '--format', '{{.Size}}\t{{.CreatedBy}}', tag])
    .split('\n').filter(Boolean).map((l) => `  ${l.slice(0, 160)}`).join('\n'));
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

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const tagAt = args.indexOf('--tag');
  const tag = tagAt >= 0 ? args[tagAt + 1] ?? '' : 'localhost/skupper-cert-rotator:dev';
  await timed('packages (podman, runc, debootstrap)', ensurePackages);
  const stand = await timed('stand-in base images', standIns);
  const base = baseImages();
  const revision = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
  const work = mkdtempSync(join(tmpdir(), 'image-build-'));
  await timed('podman build', () => podmanInherit([
    'build', '--pull=never', '--network', 'host', ...hostNpmTrust(work), '-f', join(repoRoot, 'Dockerfile'), '-t', tag,
    '--build-context', `${base.build}=container-image://${stand.build}`,
    '--build-context', `${base.runtime}=container-image://${stand.runtime}`,
    '--label', `org.opencontainers.image.revision=${revision}`,
    '--label', `org.opencontainers.image.created=${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`,
    repoRoot,
  ])).finally(() => {
    rmSync(work, { recursive: true, force: true });
  });
  await timed('size and layers', () => {
    report(tag);
  });
  if (args.includes('--smoke')) {
    await timed('podman run --help', () => podmanInherit(['run', '--rm', '--read-only', '--network', 'host', '--user', '65532', tag, '--help']));
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
