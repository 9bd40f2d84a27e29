// Runs the built CLI (dist/src/cli.js) once, as a user would, and returns its
// exit code and output; the output is captured for the secret scan.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../cluster/paths.js';
import { capture } from './capture.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; a run that outlives `timeoutMs` is killed (and then has no exit code). */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, 'dist', 'src', 'cli.js'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.on('exit', (code) => {
      capture(`cli ${args[0] ?? ''} stdout`, stdout);
      capture(`cli ${args[0] ?? ''} stderr`, stderr);
      resolve({ code, stdout, stderr });
    });
  });
}
