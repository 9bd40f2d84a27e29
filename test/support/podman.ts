// podman from the tests, through the project's configuration and storage
// (scripts/image/podman.ts), and the containers they start: each one run
// detached under a name of its own, its JSON log lines read back with
// `podman logs`, and removed whatever the test's outcome.
import { podmanEnv, RESTRICTED_RUN } from '../../scripts/image/podman.js';
import { parseLogLine, type LogLine } from './daemon.js';
import { runTool, stdoutOrThrow, type ToolResult } from './tool.js';

export function podmanRun(args: readonly string[], timeoutMs = 120_000): Promise<ToolResult> {
  return runTool('podman', args, { env: podmanEnv(), timeoutMs });
}

export async function podmanOut(args: readonly string[], timeoutMs = 120_000): Promise<string> {
  return stdoutOrThrow('podman', args, await podmanRun(args, timeoutMs));
}

/** How the tests run the image: as the Deployment runs it (scripts/image/podman.ts). */
export const RESTRICTED = RESTRICTED_RUN;

export class Container {
  private constructor(readonly name: string) {}

  /** `podman run --detach` of `image` with `options` (before the image) and `args` (after it). */
  static async start(name: string, image: string, options: readonly string[], args: readonly string[]): Promise<Container> {
    await podmanRun(['rm', '--force', '--ignore', name]);
    await podmanOut(['run', '--detach', '--name', name, ...RESTRICTED, ...options, image, ...args]);
    return new Container(name);
  }

  async logs(): Promise<LogLine[]> {
    const r = await podmanRun(['logs', this.name]);
    return `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => l.startsWith('{')).map(parseLogLine);
  }

  /** Everything the container printed, for failure messages (the daemon logs no Secret data). */
  async rawLogs(): Promise<string> {
    const r = await podmanRun(['logs', this.name]);
    return `${r.stdout}${r.stderr}`;
  }

  /** Undefined while it runs, else its exit code. */
  async exitCode(): Promise<number | undefined> {
    const state = (await podmanOut(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', this.name])).trim().split(' ');
    return state[0] === 'exited' || state[0] === 'stopped' ? Number(state[1]) : undefined;
  }

  signal(sig: 'TERM' | 'KILL'): Promise<string> {
    return podmanOut(['kill', '--signal', sig, this.name]);
  }

  /** The exit code, once it has exited. */
  async wait(timeoutMs: number): Promise<number> {
    return Number((await podmanOut(['wait', this.name], timeoutMs)).trim());
  }

  async remove(): Promise<void> {
    await podmanRun(['rm', '--force', '--ignore', '--time', '0', this.name]);
  }
}
