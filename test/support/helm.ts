// helm, built from Go modules into the binary cache of cluster/build.ts, run
// against the test cluster only: its config, cache and data directories are
// per run, so a developer's repositories and plugins never take part.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { binaries, ensureBinary } from '../../cluster/build.js';
import { repoRoot } from '../../cluster/paths.js';
import type { KubectlResult } from './kubectl.js';

export const CHART = join(repoRoot, 'charts', 'skupper-cert-rotator');

let home: string | undefined;

export interface HelmOptions {
  kubeconfig?: string;
  timeoutMs?: number;
}

export async function helm(args: readonly string[], opts: HelmOptions = {}): Promise<KubectlResult> {
  const bin = await ensureBinary(binaries.helm);
  home ??= mkdtempSync(join(tmpdir(), 'scr-helm-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KUBECONFIG: opts.kubeconfig ?? '/dev/null',
    HELM_CONFIG_HOME: join(home, 'config'), HELM_CACHE_HOME: join(home, 'cache'), HELM_DATA_HOME: join(home, 'data'),
  };
  const child = spawn(bin, [...args], { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: opts.timeoutMs ?? 180_000 });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => { stdout += c; });
  child.stderr.setEncoding('utf8').on('data', (c: string) => { stderr += c; });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  return { code, stdout, stderr };
}

export async function helmOk(args: readonly string[], opts: HelmOptions = {}): Promise<string> {
  const r = await helm(args, opts);
  if (r.code !== 0) throw new Error(`helm ${args.join(' ')} exited with ${r.code}:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

export function parseObjects(yamlText: string, what: string): KubernetesObject[] {
  return parseAllDocuments(yamlText).map((d) => {
    if (d.errors.length > 0) throw new Error(`${what} printed invalid YAML: ${d.errors.map((e) => e.message).join('; ')}`);
    return d.toJS() as KubernetesObject | null;
  }).filter((o): o is KubernetesObject => o !== null);
}

/** `helm template` of the chart with `--set`-style values (`key=value` pairs) and values files. */
export async function renderChart(release: string, namespace: string, set: readonly string[] = [], extra: readonly string[] = []): Promise<KubernetesObject[]> {
  const args = ['template', release, CHART, '--namespace', namespace, ...set.flatMap((s) => ['--set', s]), ...extra];
  return parseObjects(await helmOk(args), `helm ${args.join(' ')}`);
}
