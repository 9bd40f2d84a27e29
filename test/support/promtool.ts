// promtool, built from the Prometheus Go module through the same binary cache
// as the control plane, run on files in a temporary directory.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { binaries, ensureBinary } from '../../cluster/build.js';
import { repoRoot } from '../../cluster/paths.js';

export interface PromtoolResult {
  code: number | null;
  output: string;
}

export async function promtool(args: string[], cwd: string): Promise<PromtoolResult> {
  const bin = await ensureBinary(binaries.promtool);
  const r = spawnSync(bin, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

export const PROMETHEUS_RULE = join(repoRoot, 'manifests', 'components', 'monitoring', 'prometheusrule.yaml');

/** The rule groups of the PrometheusRule manifest, as a Prometheus rules file: the one source of the alerts. */
export function alertRuleGroups(): { groups: { name: string; rules: { alert?: string; record?: string; expr: string; labels?: Record<string, string>; annotations?: Record<string, string> }[] }[] } {
  const doc = parse(readFileSync(PROMETHEUS_RULE, 'utf8')) as { kind?: string; spec?: { groups?: unknown } };
  if (doc.kind !== 'PrometheusRule' || !Array.isArray(doc.spec?.groups)) throw new Error(`${PROMETHEUS_RULE} is not a PrometheusRule with spec.groups`);
  return { groups: doc.spec.groups as { name: string; rules: { alert?: string; record?: string; expr: string }[] }[] };
}

/** A fresh directory holding `files`. */
export function workDir(files: Record<string, string | object>): string {
  const dir = mkdtempSync(join(tmpdir(), 'promtool-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), typeof content === 'string' ? content : stringify(content));
  return dir;
}
