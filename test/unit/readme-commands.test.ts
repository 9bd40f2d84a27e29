// Every command README.md shows is run by something: CI, an integration test
// that takes the text from the README, or nobody for a stated reason. The
// table of who runs what is WHO_RUNS in test/support/readme-commands.ts.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import ts from 'typescript';
import { repoRoot } from '../../cluster/paths.js';
import {
  WHO_RUNS, extractCommands, readmeCommands, readmeStep, stepsOf, stepsOfCommands, stripComment,
  type ReadmeCommand, type ReadmeStep,
} from '../support/readme-commands.js';

const WHERE = 'WHO_RUNS in test/support/readme-commands.ts';
const scripts = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

const at = (c: ReadmeCommand): string => `README.md:${c.line} (${c.section}, ${c.source})`;

/** `npm run x` → x, `npm start -- …` → start, `npm test` → test; the npm script a step runs, if any. */
function npmScript(step: string): string | undefined {
  const words = step.replace(/^(?:[A-Z_][A-Z0-9_]*=\S*\s+)+/, '').split(/\s+/);
  if (words[0] !== 'npm') return undefined;
  if (words[1] === 'run' || words[1] === 'run-script') return words.slice(2).find((w) => !w.startsWith('-'));
  if (words[1] === 'start' || words[1] === 'test' || words[1] === 'stop' || words[1] === 'restart') return words[1];
  return undefined;
}

/** Every command a package.json script runs, following `npm run x` into x (steps joined by &&). */
function scriptSteps(name: string, seen = new Set<string>()): string[] {
  const body = scripts[name];
  if (body === undefined || seen.has(name)) return [];
  seen.add(name);
  return stepsOf(body).flatMap((s) => {
    // scripts/suites.ts runs the npm scripts it is given side by side (their build step once).
    const side = /^tsx scripts\/suites\.ts ((?:[\w:-]+ ?)+)$/.exec(s);
    if (side) return [s, ...(side[1] ?? '').trim().split(' ').flatMap((n) => [`npm run ${n}`, ...scriptSteps(n, seen)])];
    const inner = npmScript(s);
    return inner !== undefined && inner !== name ? [s, ...scriptSteps(inner, seen)] : [s];
  });
}

/** The titles (up to the first `${`) of every describe and it in test/integration/, read with the TypeScript parser. */
function integrationTitles(): string[] {
  const dir = join(repoRoot, 'test', 'integration');
  const titles: string[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
    const sf = ts.createSourceFile(f, readFileSync(join(dir, f), 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (n: ts.Node): void => {
      if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && ['describe', 'it'].includes(n.expression.text)) {
        const a = n.arguments[0];
        if (a && (ts.isStringLiteral(a) || ts.isNoSubstitutionTemplateLiteral(a))) titles.push(a.text);
        else if (a && ts.isTemplateExpression(a)) titles.push(a.head.text);
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return titles;
}

/** The --grep patterns of a command, unquoted. */
function greps(command: string): string[] {
  return [...command.matchAll(/--grep[ =](?:'([^']*)'|"([^"]*)"|(\S+))/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

describe('README commands: each is run by CI or a test, or says why not', function () {
  let commands: ReadmeCommand[];
  let steps: ReadmeStep[];

  before(function () {
    commands = readmeCommands();
    steps = stepsOfCommands(commands);
  });

  it('extracts commands from shell blocks, command tables and inline code, and nothing else', function () {
    const md = [
      '# Title', // 1
      '```bash', // 2
      '# a comment line', // 3
      'npm ci && npm run x   # runs x', // 4
      "kubectl get pods -l 'a=b # not a comment' \\", // 5
      '  -o name', // 6
      '```', // 7
      '```yaml', // 8
      'npm run not-shell', // 9
      '```', // 10
      '## Table', // 11
      '| command | what |', // 12
      '| --- | --- |', // 13
      '| `make all`, `npm run y` | also `npm run z` and `notacommand` |', // 14
      '', // 15
      '| path | holds |', // 16
      '| --- | --- |', // 17
      '| `src/` | `cli.ts`, see `npm run w` |', // 18
      '', // 19
      'Prose with `npm start -- --help` and a span over', // 20
      'two lines: `FOO=1 npm', // 21
      'test` and `npm` alone and `--flag`.', // 22
      '~~~sh', // 23
      'npx tsx a.ts', // 24
      '~~~', // 25
    ].join('\n');
    expect(extractCommands(md).map((c) => `${c.line} ${c.source} ${c.section} | ${c.text}`)).to.deep.equal([
      '4 block # Title | npm ci && npm run x',
      "5 block # Title | kubectl get pods -l 'a=b # not a comment' -o name",
      '14 table ## Table | make all',
      '14 table ## Table | npm run y',
      '14 inline ## Table | npm run z',
      '18 inline ## Table | npm run w',
      '20 inline ## Table | npm start -- --help',
      '21 inline ## Table | FOO=1 npm test',
      '24 block ## Table | npx tsx a.ts',
    ]);
    expect(stepsOf("npm ci && npm run x && echo '&&' && a")).to.deep.equal(['npm ci', 'npm run x', "echo '&&'", 'a']);
    expect(stripComment('a "#b" c # d')).to.equal('a "#b" c');
  });

  it('finds the README commands: the two commands, the command tables, blocks and inline code', function () {
    const bySource = (s: string): number => commands.filter((c) => c.source === s).length;
    expect(bySource('block'), 'commands in ```bash blocks').to.be.greaterThan(2);
    expect(bySource('table'), 'commands in | command | tables').to.be.greaterThan(5);
    expect(bySource('inline'), 'commands in inline code').to.be.greaterThan(2);
    const two = commands.filter((c) => c.section === '## The two commands' && c.source === 'block');
    expect(two.map((c) => c.text), 'the ```bash block of "## The two commands"').to.have.length(2);
    for (const section of ['## The local control plane', '## Testing']) {
      expect(commands.filter((c) => c.section === section && c.source === 'table').length, `the command table of ${section}`).to.be.greaterThan(2);
    }
  });

  it('has an entry in WHO_RUNS for every README command', function () {
    const missing = steps.filter((s) => !Object.hasOwn(WHO_RUNS, s.text))
      .map((s) => `\`${s.text}\` (${s.in.map(at).join(', ')})`);
    expect(missing.length, `README commands nobody is said to run: add each to ${WHERE}, saying which test runs it (or CI, or why nothing does):\n  ${missing.join('\n  ')}\n`).to.equal(0);
  });

  it('has no entry in WHO_RUNS for a command the README no longer shows', function () {
    const shown = new Set(steps.map((s) => s.text));
    const stale = Object.keys(WHO_RUNS).filter((k) => !shown.has(k));
    expect(stale, `entries of ${WHERE} that match no README command (changed in the README? update the key)`).to.deep.equal([]);
  });

  it('names only npm scripts package.json has, and programs node_modules/.bin has', function () {
    const problems: string[] = [];
    for (const s of steps) {
      const script = npmScript(s.text);
      if (script !== undefined && !Object.hasOwn(scripts, script)) problems.push(`\`${s.text}\`: no script "${script}" in package.json (${s.in.map(at).join(', ')})`);
      const npx = /^npx\s+(?:-\S+\s+)*(\S+)/.exec(s.text)?.[1];
      if (npx !== undefined && !existsSync(join(repoRoot, 'node_modules', '.bin', npx))) problems.push(`\`${s.text}\`: no node_modules/.bin/${npx}`);
    }
    expect(steps.filter((s) => npmScript(s.text) !== undefined).length, 'README commands that run npm scripts').to.be.greaterThan(5);
    expect(problems).to.deep.equal([]);
  });

  it('runs with CI exactly one README command: the test command of "## The two commands"', function () {
    const ci = new Set(Object.entries(WHO_RUNS).filter(([, r]) => r.by === 'ci').map(([k]) => k));
    const lines = commands.filter((c) => c.source === 'block' && c.section === '## The two commands' && stepsOf(c.text).every((s) => ci.has(s)));
    expect(lines.map((c) => c.text), 'commands of the ```bash block of "## The two commands" whose every step CI runs').to.have.length(1);
    const line = lines[0]!;
    expect(stepsOf(line.text).map(npmScript), 'the CI command runs the test script').to.include('test');
    // .ci/run picks the line of that block that ends in `npm test`, from README.md itself.
    expect(stepsOf(line.text).at(-1)).to.equal('npm test');
    const ciRun = readFileSync(join(repoRoot, '.ci', 'run'), 'utf8');
    expect(ciRun, '.ci/run reads the test command from README.md').to.contain('README.md').and.to.contain('## The two commands');
    expect(ciRun.includes(line.text), `.ci/run holds no copy of \`${line.text}\``).to.equal(false);
    // 'ci' is claimed only for steps of that line.
    expect([...ci].filter((s) => !stepsOf(line.text).includes(s)), `steps said to be run by CI that are not in \`${line.text}\``).to.deep.equal([]);
  });

  it('runs the `npm test` steps through package.json scripts.test', function () {
    const chain = scriptSteps('test');
    const claimed = Object.entries(WHO_RUNS).filter(([, r]) => r.by === 'npm test').map(([k]) => k);
    expect(claimed.length).to.be.greaterThan(0);
    for (const step of claimed) expect(chain, `scripts.test, followed through npm run, runs \`${step}\``).to.include(step);
  });

  it('names, for every command a test runs, a test file that looks it up with readmeStep(id)', function () {
    const tests = Object.entries(WHO_RUNS).flatMap(([text, r]) => (r.by === 'test' ? [{ text, ...r }] : []));
    expect(tests.length).to.be.greaterThan(5);
    const ids = tests.map((t) => t.id);
    expect(ids, 'ids are unique').to.deep.equal([...new Set(ids)]);
    for (const t of tests) {
      expect(t.files.length, t.text).to.be.greaterThan(0);
      for (const f of t.files) {
        expect(existsSync(join(repoRoot, f)), `${f} (runs \`${t.text}\`)`).to.equal(true);
        const source = readFileSync(join(repoRoot, f), 'utf8');
        expect(source.includes(`readmeStep('${t.id}')`), `${f} runs \`${t.text}\` through readmeStep('${t.id}')`).to.equal(true);
      }
      expect(readmeStep(t.id)).to.equal(t.text);
    }
    for (const [text, r] of Object.entries(WHO_RUNS)) {
      if (r.by === 'not run') expect(r.reason.length, `why \`${text}\` is not run`).to.be.greaterThan(20);
    }
  });

  it('greps, in every README command and the npm scripts it names, for a describe or it the integration suite has', function () {
    this.timeout(30_000); // parses every integration test file
    const titles = integrationTitles();
    expect(titles.length).to.be.greaterThan(20);
    const patterns = steps.flatMap((s) => {
      const script = npmScript(s.text);
      return [...greps(s.text), ...(script !== undefined ? scriptSteps(script).flatMap(greps) : [])].map((g) => ({ g, s: s.text }));
    });
    expect(patterns.length, 'README commands with --grep').to.be.greaterThan(1);
    const dangling = patterns.filter(({ g }) => !titles.some((t) => new RegExp(g).test(t))).map(({ g, s }) => `--grep '${g}' of \`${s}\``);
    expect(dangling, 'greps that select no test').to.deep.equal([]);
  });
});
