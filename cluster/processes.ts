// Child processes of the local control plane. Each one is started through
// `setpriv --pdeathsig SIGKILL`, so the kernel kills it when its parent dies,
// even by SIGKILL: an interrupted test run leaves no orphan etcd behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, existsSync } from 'node:fs';

export interface ManagedProcess {
  name: string;
  pid: number;
  logFile: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

export function startProcess(name: string, binary: string, args: string[], logFile: string, env: NodeJS.ProcessEnv = process.env): ManagedProcess {
  const fd = openSync(logFile, 'a');
  const child = spawn('setpriv', ['--pdeathsig', 'SIGKILL', '--', binary, ...args], {
    stdio: ['ignore', fd, fd],
    env,
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${name} (${binary})`);
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code, signal) => { resolve(code ?? (signal ? -1 : null)); });
  });
  return { name, pid: child.pid, logFile, child, exited };
}

export function logTail(file: string, lines = 40): string {
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
export async function stopProcess(p: ManagedProcess, graceMs = 10_000): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
  await p.exited;
  clearTimeout(timer);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Polls `check` until it returns true, failing with the last error (and the
 * process log) at the deadline, or at once when the watched process dies.
 */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  opts: { timeoutMs: number; intervalMs?: number; process?: ManagedProcess },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError = '';
  for (;;) {
    if (opts.process && (opts.process.child.exitCode !== null || opts.process.child.signalCode !== null)) {
      throw new Error(`${opts.process.name} exited while waiting for ${what}; log tail:\n${logTail(opts.process.logFile)}`);
    }
    try {
      if (await check()) return;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) {
      const tail = opts.process ? `\n${opts.process.name} log tail:\n${logTail(opts.process.logFile)}` : '';
      throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${lastError})` : ''}${tail}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 200));
  }
}
