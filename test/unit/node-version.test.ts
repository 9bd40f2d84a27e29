// The project runs, tests and ships on one Node major: package.json pins it
// (the `node` devDependency, whose install script puts that Node binary at
// node_modules/.bin/node, where every npm script and npx find it first) and
// bounds it (engines.node, @types/node), and the Dockerfile's FROM lines use
// it. A test run on another Node (the machine's own, an old node_modules)
// would pass or fail for reasons the image never sees, so it fails here first.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { expect } from 'chai';
import { repoRoot } from '../../cluster/paths.js';
import { baseImages } from '../../scripts/image/stand-ins.js';
import { nodeMajorInRange } from '../support/node-range.js';
import { readmeStep } from '../support/readme-commands.js';

interface PackageJson {
  engines: { node: string };
  devDependencies: Record<string, string>;
  allowScripts?: Record<string, boolean>;
}

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as PackageJson;
const pinned = pkg.devDependencies.node ?? '';
const pinnedMajor = Number(pinned.split('.')[0]);
const running = process.versions.node;
const runningMajor = Number(running.split('.')[0]);
/** Whether this process is the Node binary that `npm ci` installed for the project. */
const fromNodeModules = relative(repoRoot, process.execPath).split(sep)[0] === 'node_modules';

/** What to do, depending on whether `npm ci` installed the pinned Node. */
function fix(): string {
  const installed = existsSync(join(repoRoot, 'node_modules', '.bin', 'node'));
  return [
    installed
      ? `Run the tests through npm (npm test, npm run test:unit, npx mocha ...): npm puts node_modules/.bin/node (Node ${pinned}) first in PATH; calling node_modules/.bin/mocha or node directly uses the machine's node (${process.execPath} here) instead.`
      : `node_modules/.bin/node is missing: run \`npm ci\` (not --ignore-scripts, which skips the preinstall that fetches Node ${pinned}), then the tests through npm (npm test, npm run test:unit, npx mocha ...).`,
    `\`npm exec -- node --version\` shows the Node npm scripts get. A machine Node ${String(pinnedMajor)} works too.`,
  ].join(' ');
}

describe('Node version', function () {
  it('package.json pins an exact Node release with a matching engines range and @types/node', function () {
    expect(pinned, 'devDependencies.node must be an exact version').to.match(/^\d+\.\d+\.\d+$/);
    expect(pinnedMajor % 2, `Node ${String(pinnedMajor)} is not an LTS line (even majors are)`).to.equal(0);
    expect(nodeMajorInRange(pinnedMajor, pkg.engines.node), `devDependencies.node ${pinned} vs engines.node "${pkg.engines.node}"`).to.equal(true);
    expect(nodeMajorInRange(pinnedMajor + 1, pkg.engines.node), `engines.node "${pkg.engines.node}" admits Node ${String(pinnedMajor + 1)}, which nothing tests`).to.equal(false);
    expect(pkg.devDependencies['@types/node'], '@types/node').to.match(new RegExp(`^[\\^~]?${String(pinnedMajor)}(\\.|$)`));
    // npm 11 warns about install scripts not in allowScripts, and a later npm skips them:
    // without this entry node_modules/.bin/node would dangle and the machine's node would run everything.
    expect(pkg.allowScripts?.node, 'package.json allowScripts.node (the preinstall that fetches the Node binary)').to.equal(true);
  });

  it("the Dockerfile's FROM lines use the same Node major", function () {
    // baseImages() refuses FROM lines that disagree with each other on the major or the Debian release.
    const base = baseImages();
    expect(base.nodeMajor, `Dockerfile FROM ${base.build} and ${base.runtime}`).to.equal(pinnedMajor);
  });

  it("the README's command for the Node npm scripts get prints the one these tests run on", function () {
    this.timeout(30_000);
    const command = readmeStep('node version');
    const res = spawnSync('bash', ['-c', command], { cwd: repoRoot, encoding: 'utf8', timeout: 25_000 });
    expect(res.status, `${command}: ${res.stderr}`).to.equal(0);
    expect(res.stdout.trim(), command).to.equal(`v${running}`);
  });

  it('the tests run on that Node major', function () {
    if (runningMajor !== pinnedMajor) {
      expect.fail(`These tests run on Node ${running} (${process.execPath}), but the project uses Node ${String(pinnedMajor)} (package.json devDependencies.node ${pinned}). ${fix()}`);
    }
    // node_modules holds an older pin when package.json changed since the last npm ci.
    if (fromNodeModules) expect(running, `node_modules/.bin/node is Node ${running}, package.json pins ${pinned}: run npm ci`).to.equal(pinned);
  });
});
