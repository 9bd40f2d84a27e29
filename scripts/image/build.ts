// npm run image: builds the project's Dockerfile, unchanged, with podman
// against local stand-ins for its base images, prints the image's size and
// layers and, with --smoke, runs `--help` in it read-only as uid 65532.
// --stand-ins prepares only the packages and stand-in base images (the cold,
// cached part: .ci/run does it before the tests).
//
//   npm run image -- [--tag NAME] [--smoke] [--stand-ins]
import { ensurePackages, podmanInherit, RESTRICTED_RUN, timed } from './podman.js';
import { standIns } from './stand-ins.js';
import { buildImage, DEFAULT_TAG, formatSize, imageSize } from './image.js';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const known = new Set(['--tag', '--smoke', '--stand-ins']);
  const unknown = args.filter((a, i) => a.startsWith('--') ? !known.has(a) : args[i - 1] !== '--tag');
  if (unknown.length > 0) throw new Error(`unknown argument ${unknown.join(' ')}; usage: npm run image -- [--tag NAME] [--smoke] [--stand-ins]`);
  if (args.includes('--stand-ins')) {
    await timed('packages (podman, runc, debootstrap)', ensurePackages);
    const s = await timed('stand-in base images', standIns);
    console.log(`stand-ins: ${s.build}, ${s.runtime}`);
    return;
  }
  const tagAt = args.indexOf('--tag');
  const tag = tagAt >= 0 ? args[tagAt + 1] ?? '' : DEFAULT_TAG;
  await buildImage(tag);
  const size = await timed('size and layers', () => imageSize(tag));
  console.log(formatSize(tag, size));
  if (args.includes('--smoke')) {
    await timed('podman run --help', () => podmanInherit(['run', '--rm', ...RESTRICTED_RUN, tag, '--help']));
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
