// kubectl, built from the same k8s.io/kubernetes module as the test API server
// (binary cache of cluster/build.ts), so `kubectl kustomize` renders the
// manifests with the kustomize a user's kubectl of that version embeds.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { binaries, ensureBinary } from '../../cluster/build.js';
import { parseObjects, runTool, stdoutOrThrow, type ToolResult } from './tool.js';

export type KubectlResult = ToolResult;

export interface KubectlOptions {
  /** Omitted for commands that never talk to a server (kustomize, version --client). */
  kubeconfig?: string;
  /** Written to stdin, e.g. the objects of `apply -f -`. */
  input?: string;
  cwd?: string;
  timeoutMs?: number;
}

let cacheDir: string | undefined;

export async function kubectl(args: readonly string[], opts: KubectlOptions = {}): Promise<KubectlResult> {
  const bin = await ensureBinary(binaries.kubectl);
  // A developer's KUBECONFIG must never be the target of a test, and the
  // discovery cache of one test cluster must not leak into ~/.kube or the next.
  cacheDir ??= mkdtempSync(join(tmpdir(), 'scr-kubectl-cache-'));
  const env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: opts.kubeconfig ?? '/dev/null', KUBECACHEDIR: cacheDir };
  return runTool(bin, args, { env, cwd: opts.cwd, input: opts.input, timeoutMs: opts.timeoutMs ?? 120_000 });
}

/** Like kubectl(), but a non-zero exit throws with the command and its stderr. */
export async function kubectlOk(args: readonly string[], opts: KubectlOptions = {}): Promise<string> {
  return stdoutOrThrow('kubectl', args, await kubectl(args, opts));
}

/** `kubectl kustomize dir`, as objects in kustomize's output order. */
export async function kustomize(dir: string): Promise<KubernetesObject[]> {
  return parseObjects(await kubectlOk(['kustomize', dir]), `kubectl kustomize ${dir}`);
}
