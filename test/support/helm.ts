// helm, built from Go modules into the binary cache of cluster/build.ts, run
// against the test cluster only: its config, cache and data directories are
// per run, so a developer's repositories and plugins never take part.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { binaries, ensureBinary } from '../../cluster/build.js';
import { repoRoot } from '../../cluster/paths.js';
import { parseObjects, runTool, stdoutOrThrow, type ToolResult } from './tool.js';

export const CHART = join(repoRoot, 'charts', 'skupper-cert-rotator');

let home: string | undefined;

export interface HelmOptions {
  kubeconfig?: string;
  timeoutMs?: number;
}

export async function helm(args: readonly string[], opts: HelmOptions = {}): Promise<ToolResult> {
  const bin = await ensureBinary(binaries.helm);
  home ??= mkdtempSync(join(tmpdir(), 'scr-helm-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KUBECONFIG: opts.kubeconfig ?? '/dev/null',
    HELM_CONFIG_HOME: join(home, 'config'), HELM_CACHE_HOME: join(home, 'cache'), HELM_DATA_HOME: join(home, 'data'),
  };
  return runTool(bin, args, { env, timeoutMs: opts.timeoutMs ?? 180_000 });
}

export async function helmOk(args: readonly string[], opts: HelmOptions = {}): Promise<string> {
  return stdoutOrThrow('helm', args, await helm(args, opts));
}

/** `helm template` of the chart with `--set`-style values (`key=value` pairs) and values files. */
export async function renderChart(release: string, namespace: string, set: readonly string[] = [], extra: readonly string[] = []): Promise<KubernetesObject[]> {
  const args = ['template', release, CHART, '--namespace', namespace, ...set.flatMap((s) => ['--set', s]), ...extra];
  return parseObjects(await helmOk(args), `helm ${args.join(' ')}`);
}
