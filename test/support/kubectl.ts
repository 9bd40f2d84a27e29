// kubectl, built from the same k8s.io/kubernetes module as the test API server
// (binary cache of cluster/build.ts), so `kubectl kustomize` renders the
// manifests with the kustomize a user's kubectl of that version embeds.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { binaries, ensureBinary } from '../../cluster/build.js';

export interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

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
  const child = spawn(bin, [...args], { cwd: opts.cwd, env, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], timeout: opts.timeoutMs ?? 120_000 });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => { stdout += c; });
  child.stderr?.setEncoding('utf8').on('data', (c: string) => { stderr += c; });
  if (child.stdin) {
    // kubectl may exit (bad flag, refused object) before reading all of it: its exit code tells.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input);
  }
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  return { code, stdout, stderr };
}

/** Like kubectl(), but a non-zero exit throws with the command and its stderr. */
export async function kubectlOk(args: readonly string[], opts: KubectlOptions = {}): Promise<string> {
  const r = await kubectl(args, opts);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited with ${r.code}:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** `kubectl kustomize dir`, as objects in kustomize's output order. */
export async function kustomize(dir: string): Promise<KubernetesObject[]> {
  const out = await kubectlOk(['kustomize', dir]);
  return parseAllDocuments(out).map((d) => {
    if (d.errors.length > 0) throw new Error(`kubectl kustomize ${dir} printed invalid YAML: ${d.errors.map((e) => e.message).join('; ')}`);
    return d.toJS() as KubernetesObject | null;
  }).filter((o): o is KubernetesObject => o !== null);
}
