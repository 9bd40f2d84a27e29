// Runs a command while every core is kept busy by a spinning process at
// normal priority: the suite must pass on a loaded machine, not only on a
// quiet one (issue 12). Usage: tsx scripts/with-cpu-hog.ts [--hogs N] -- CMD ARGS…
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';

function parse(argv: string[]): { hogs: number; command: string[] } {
  let hogs = availableParallelism();
  const sep = argv.indexOf('--');
  const own = sep === -1 ? [] : argv.slice(0, sep);
  const command = sep === -1 ? argv : argv.slice(sep + 1);
  for (let i = 0; i < own.length; i++) {
    if (own[i] === '--hogs') hogs = Number(own[++i]);
  }
  if (!Number.isInteger(hogs) || hogs < 1) throw new Error('--hogs needs a positive integer');
  if (command.length === 0) throw new Error('usage: tsx scripts/with-cpu-hog.ts [--hogs N] -- COMMAND [ARGS…]');
  return { hogs, command };
}

const { hogs, command } = parse(process.argv.slice(2));
const spinners: ChildProcess[] = [];
for (let i = 0; i < hogs; i++) {
  // A busy loop that allocates a little too, like a neighbour doing real work.
  spinners.push(spawn(process.execPath, ['-e', 'let a = []; for (;;) { a.push(Math.random()); if (a.length > 1e5) a = []; }'], { stdio: 'ignore' }));
}
console.error(`[cpu-hog] ${hogs} spinning process(es) at normal priority; running: ${command.join(' ')}`);
const started = Date.now();
const child = spawn(command[0] ?? '', command.slice(1), { stdio: 'inherit' });
const stopSpinners = (): void => { for (const s of spinners) s.kill('SIGKILL'); };
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => { child.kill(sig); });
child.on('exit', (code, signal) => {
  stopSpinners();
  console.error(`[cpu-hog] command ended (${signal ?? `exit ${String(code)}`}) after ${((Date.now() - started) / 1000).toFixed(0)} s under load`);
  process.exit(code ?? 1);
});
