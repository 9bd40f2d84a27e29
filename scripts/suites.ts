// Runs npm test scripts side by side, each on a local control plane of its
// own, and fails if any fails: `tsx scripts/suites.ts test:integration test:faults`.
// The project is built once first, and each script then runs without its own
// `npm run build --silent && ` step (two builds rewriting dist/ while the other
// suite starts daemons from it would race). Every script after the first runs
// at a lower CPU priority: the fault suite mostly waits on outages and
// recoveries, and the integration suite, whose tests time reconciles, keeps the
// cores it needs. Side by side they take about as long as the longer one alone.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const BUILD = 'npm run build --silent && ';
const names = process.argv.slice(2);
if (names.length === 0) throw new Error('usage: tsx scripts/suites.ts SCRIPT [SCRIPT…] (npm scripts of the form "npm run build --silent && COMMAND")');
const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
const commands = names.map((name) => {
  const body = scripts[name];
  if (!body?.startsWith(BUILD)) throw new Error(`package.json script ${name} must read "${BUILD}COMMAND" (got ${JSON.stringify(body)})`);
  return { name, command: body.slice(BUILD.length) };
});

const build = spawnSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

// Mocha prints its failures after the summary line "N failing"; a suite that
// ends early has that section buried under the other suite's output, and a CI
// log shows only its tail. Each suite's section is kept and printed again last.
const FAILING = /^\s+\d+ failing\s*$/;
const REPRINT_LINES = 400;

interface Result { name: string; code: number; seconds: number; failures: string[] }

function run(name: string, command: string, niceness: number): Promise<Result> {
  const started = Date.now();
  const failures: string[] = [];
  let inFailures = false;
  // Its own process group, so an interrupt reaches the control plane it started too.
  const child = spawn('nice', ['-n', String(niceness), 'bash', '-c', command], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const prefix = `[${name}] `;
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) {
        process.stdout.write(`${prefix}${l}\n`);
        if (FAILING.test(l)) inFailures = true;
        if (inFailures && failures.length < REPRINT_LINES) failures.push(l);
      }
    });
    stream.on('end', () => { if (partial) process.stdout.write(`${prefix}${partial}\n`); });
  }
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, sig);
      } catch {
        // already gone
      }
    });
  }
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => { resolve({ name, code: code ?? (signal ? 128 : 1), seconds: Math.round((Date.now() - started) / 1000), failures }); });
  });
}

const started = Date.now();
console.log(`[suites] side by side: ${commands.map((c, i) => `${c.name} (${c.command}${i > 0 ? ', nice 10' : ''})`).join('; ')}`);
const results = await Promise.all(commands.map((c, i) => run(c.name, c.command, i === 0 ? 0 : 10)));
for (const r of results.filter((x) => x.code !== 0)) {
  console.log(`[suites] ${r.name} failed; its failures again (${r.failures.length === 0 ? 'none reported by mocha: see its output above' : `${r.failures.length} lines`}):`);
  for (const l of r.failures) console.log(`[${r.name}] ${l}`);
}
for (const r of results) console.log(`[suites] ${r.name}: ${r.code === 0 ? 'passed' : `FAILED (exit ${r.code})`} in ${Math.floor(r.seconds / 60)}m${String(r.seconds % 60).padStart(2, '0')}s`);
console.log(`[suites] wall time ${Math.round((Date.now() - started) / 1000)} s`);
process.exit(results.every((r) => r.code === 0) ? 0 : 1);
