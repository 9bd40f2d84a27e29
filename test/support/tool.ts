// Runs one of the cached command-line tools (kubectl, helm) as a child process
// and collects its output; the YAML they print, as objects.
import { spawn } from 'node:child_process';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';

export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface ToolRun {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to stdin, e.g. the objects of `kubectl apply -f -`. */
  input?: string;
  timeoutMs: number;
}

export async function runTool(bin: string, args: readonly string[], run: ToolRun): Promise<ToolResult> {
  const child = spawn(bin, [...args], { cwd: run.cwd, env: run.env, stdio: [run.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], timeout: run.timeoutMs });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => { stdout += c; });
  child.stderr?.setEncoding('utf8').on('data', (c: string) => { stderr += c; });
  if (child.stdin) {
    // The tool may exit (bad flag, refused object) before reading all of it: its exit code tells.
    child.stdin.on('error', () => undefined);
    child.stdin.end(run.input);
  }
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  return { code, stdout, stderr };
}

/** The tool's stdout, or an error naming the command, its exit code and output. */
export function stdoutOrThrow(command: string, args: readonly string[], r: ToolResult): string {
  if (r.code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${r.code}:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Multi-document YAML printed by `what`, as objects (empty documents dropped). */
export function parseObjects(yamlText: string, what: string): KubernetesObject[] {
  return parseAllDocuments(yamlText).map((d) => {
    if (d.errors.length > 0) throw new Error(`${what} printed invalid YAML: ${d.errors.map((e) => e.message).join('; ')}`);
    return d.toJS() as KubernetesObject | null;
  }).filter((o): o is KubernetesObject => o !== null);
}
