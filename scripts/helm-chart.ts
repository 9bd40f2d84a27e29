// Writes the generated files of charts/skupper-cert-rotator: `npm run chart:sync`.
// The values schema below is the one source: values.schema.json, values.yaml
// (each value with its description as a comment) and the values table of the
// chart's README.md are rendered from it, and its `flags` part, like
// files/flags.json (what templates/_helpers.tpl turns into arguments), from the
// daemon's flag table (src/config/flags.ts). The alert rules and the dashboard
// are copied into files/, because helm reads no file outside the chart.
// test/unit/helm-chart.test.ts renders all of it in memory and fails when a
// committed file differs, so none of them can drift.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { acceptedValues, flagSpecs, type FlagSpec } from '../src/config/flags.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CHART_DIR = join(repoRoot, 'charts', 'skupper-cert-rotator');

/** Flags the chart sets itself, each with the value that stands for it. */
export const CHART_SETS: Readonly<Record<string, string>> = {
  kubeconfig: 'none: the pod uses its ServiceAccount token (in-cluster config)',
  namespaces: 'the `namespaces` value, which also says where `rbac.namespaced` creates Roles',
  'leader-elect': '`leaderElection.enabled`',
  'leader-election-namespace': 'the release namespace (the pod\'s), where the chart\'s Role grants the Lease',
  'metrics-bind-address': 'fixed `:9090`, the container port the Service and the ServiceMonitor name',
  'health-bind-address': 'fixed `:8081`, the container port of the probes',
};

export interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: readonly (string | number | boolean)[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  uniqueItems?: boolean;
  $schema?: string;
  title?: string;
}

/** The value key of a flag: its name in camelCase (renewal-window-duration → renewalWindowDuration). */
export function valueKey(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

const DNS_LABEL = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';
const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const GO_DURATION = '^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$';

export function chartFlags(): FlagSpec[] {
  return flagSpecs.filter((s) => !(s.name in CHART_SETS));
}

function flagSchema(s: FlagSpec): JsonSchema {
  const accepts = s.kind === 'bool' ? 'true or false' : acceptedValues(s);
  const description = `\`--${s.name}\`: ${s.help}. Accepts ${accepts}.`;
  const orEmpty = (p: string): string => (s.optional ? `${p.slice(0, -1)}|^$` : p);
  switch (s.kind) {
    case 'bool': return { type: 'boolean', description, default: s.default === 'true' };
    case 'int': return { type: 'integer', description, default: Number(s.default), minimum: Number(s.min), maximum: Number(s.max) };
    case 'enum': return { type: 'string', description, default: s.default, enum: s.choices ?? [] };
    case 'duration': return { type: 'string', description, default: s.default, pattern: GO_DURATION };
    case 'namespace': return { type: 'string', description, default: s.default, pattern: orEmpty(DNS_LABEL), maxLength: 63 };
    case 'object-name': return { type: 'string', description, default: s.default, pattern: orEmpty(DNS_SUBDOMAIN), maxLength: 253 };
    case 'dns-domain': return { type: 'string', description, default: s.default, pattern: DNS_SUBDOMAIN };
    default: return { type: 'string', description, default: s.default };
  }
}

interface Model { getAttributeTypeMap(): { baseName: string; type: string; format: string }[] }

/**
 * A strict schema of a Kubernetes API type (its fields as @kubernetes/client-node
 * models them), so a typo inside a securityContext or an affinity fails like a
 * typo in the chart's own values: the API server would only warn about it.
 */
function modelSchema(typeName: string, stack: readonly string[] = []): JsonSchema {
  const model = (k8s as unknown as Record<string, Partial<Model> | undefined>)[typeName];
  if (typeof model?.getAttributeTypeMap !== 'function' || stack.includes(typeName)) return {};
  const fields = model.getAttributeTypeMap().map((a): [string, JsonSchema] => [a.baseName, typeSchema(a.type, a.format, [...stack, typeName])]);
  return { type: 'object', additionalProperties: false, properties: Object.fromEntries(fields) };
}

function typeSchema(type: string, format: string, stack: readonly string[]): JsonSchema {
  if (type === 'boolean') return { type: 'boolean' };
  if (type === 'number') return { type: format.startsWith('int') ? 'integer' : 'number' };
  if (type === 'string' || type === 'Date') return { type: 'string' };
  if (type === 'IntOrString') return { type: ['integer', 'string'] };
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return { type: 'array', items: typeSchema(array[1] ?? '', '', stack) };
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) return { type: 'object', additionalProperties: typeSchema(map[1] ?? '', '', stack) };
  return modelSchema(type, stack);
}

/** A Kubernetes-typed value: strict schema, its description and default. */
function kube(typeName: string, description: string, dflt: unknown): JsonSchema {
  return { ...modelSchema(typeName), description, default: dflt };
}

function kubeList(typeName: string, description: string): JsonSchema {
  return { type: 'array', description, default: [], items: modelSchema(typeName) };
}

/** Requests and limits are quantities, which YAML may write as numbers (cpu: 1). */
function resourcesSchema(description: string, dflt: unknown): JsonSchema {
  const s = kube('V1ResourceRequirements', description, dflt);
  for (const k of ['limits', 'requests']) {
    const p = s.properties?.[k];
    if (p) p.additionalProperties = { type: ['string', 'number'] };
  }
  return s;
}

const str: JsonSchema = { type: 'string' };
const stringMap = (description: string): JsonSchema => ({ type: 'object', description, default: {}, additionalProperties: str });
const obj = (description: string, properties: Record<string, JsonSchema>): JsonSchema => ({ type: 'object', ...(description ? { description } : {}), additionalProperties: false, properties });

export function valuesSchema(): JsonSchema {
  const flags = Object.fromEntries(chartFlags().map((s) => [valueKey(s.name), flagSchema(s)]));
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'skupper-cert-rotator chart values (generated by npm run chart:sync from scripts/helm-chart.ts; do not edit)',
    ...obj('', {
      nameOverride: { type: 'string', description: 'Replaces the chart name in object names (not in the `app.kubernetes.io/name` label).', default: '', maxLength: 63 },
      fullnameOverride: { type: 'string', description: 'The name of every object; default `<release>-skupper-cert-rotator`, or the release name when it contains the chart name.', default: '', maxLength: 63 },
      image: obj('The daemon image.', {
        repository: { type: 'string', description: 'Image repository.', default: 'ghcr.io/skupper-cert-rotator/skupper-cert-rotator', minLength: 1 },
        tag: { type: 'string', description: 'Image tag; empty: the chart\'s appVersion.', default: '' },
        digest: { type: 'string', description: 'Image digest (`sha256:...`); when set it is used instead of the tag.', default: '', pattern: '^(sha256:[a-f0-9]{64})?$' },
        pullPolicy: { type: 'string', description: 'Image pull policy.', default: 'IfNotPresent', enum: ['Always', 'IfNotPresent', 'Never'] },
      }),
      imagePullSecrets: kubeList('V1LocalObjectReference', 'Secrets to pull the image with.'),
      replicas: { type: 'integer', description: 'Pods of the Deployment; with leader election one writes and the others keep warm caches.', default: 2, minimum: 0 },
      leaderElection: obj('Leader election through a Lease in the release namespace (`--leader-elect`).', {
        enabled: { type: 'boolean', description: 'Elect a leader so only one replica writes; needed with more than one replica.', default: true },
      }),
      namespaces: { type: 'array', description: 'Namespaces to watch (`--namespaces`); empty: all. With `rbac.namespaced` a Role is created in each.', default: [], uniqueItems: true, items: { type: 'string', pattern: DNS_LABEL } },
      rbac: obj('RBAC of the daemon.', {
        namespaced: { type: 'boolean', description: 'No ClusterRole: a Role + RoleBinding in each of `namespaces`, and `--cluster-issuers=false` (manifests/overlays/namespaced; see its limits in manifests/README.md).', default: false },
      }),
      serviceAccount: obj('The ServiceAccount the daemon runs as.', {
        annotations: stringMap('Annotations of the ServiceAccount.'),
      }),
      resources: resourcesSchema('Container resources. No CPU limit by default: throttling a single-threaded event loop delays Lease renewals.', { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '256Mi' } }),
      nodeOptions: { type: 'string', description: '`NODE_OPTIONS` of the container: a heap cap under the memory limit, so V8 collects harder before the kernel kills it; empty: not set.', default: '--max-old-space-size=192' },
      podSecurityContext: kube('V1PodSecurityContext', 'Pod securityContext (Pod Security `restricted`; 65532 is the image\'s nonroot user).', { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } }),
      securityContext: kube('V1SecurityContext', 'Container securityContext (Pod Security `restricted`, read-only root filesystem).', { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } }),
      commonLabels: stringMap('Labels added to every object and to the pods.'),
      commonAnnotations: stringMap('Annotations added to every object.'),
      podLabels: stringMap('Labels added to the pods only.'),
      podAnnotations: stringMap('Annotations of the pods.'),
      nodeSelector: stringMap('Node selector of the pods.'),
      tolerations: kubeList('V1Toleration', 'Tolerations of the pods.'),
      affinity: kube('V1Affinity', 'Affinity of the pods; with `spreadReplicas` a preferred pod anti-affinity over hosts is added unless this sets `podAntiAffinity`.', {}),
      topologySpreadConstraints: kubeList('V1TopologySpreadConstraint', 'Topology spread constraints added to the one of `spreadReplicas`.'),
      spreadReplicas: { type: 'boolean', description: 'Spread the replicas over nodes (preferred, so a single node still schedules them all).', default: true },
      priorityClassName: { type: 'string', description: 'Priority class of the pods; empty: none.', default: '' },
      terminationGracePeriodSeconds: { type: 'integer', description: 'Covers `--shutdown-timeout` and the Lease release on SIGTERM.', default: 30, minimum: 0 },
      podDisruptionBudget: obj('A PodDisruptionBudget, so a drain keeps a replica that holds or can take the Lease.', {
        enabled: { type: 'boolean', description: 'Create it.', default: true },
        minAvailable: { type: ['integer', 'string'], description: 'Its minAvailable (a count or a percentage).', default: 1 },
      }),
      monitoring: obj('prometheus-operator and Grafana objects (the kustomize monitoring component).', {
        serviceMonitor: obj('A ServiceMonitor scraping both replicas (needs its CRD).', {
          enabled: { type: 'boolean', description: 'Create it.', default: false },
          interval: { type: 'string', description: 'Scrape interval.', default: '30s', pattern: GO_DURATION },
          labels: stringMap('Extra labels, e.g. the release label a kube-prometheus-stack Prometheus selects.'),
        }),
        prometheusRule: obj('The alert rules (manifests/components/monitoring/prometheusrule.yaml, runbooks in docs/runbooks.md; needs its CRD).', {
          enabled: { type: 'boolean', description: 'Create it.', default: false },
          labels: stringMap('Extra labels, e.g. the release label a kube-prometheus-stack Prometheus selects.'),
        }),
        dashboard: obj('The Grafana dashboard as a ConfigMap for the Grafana sidecar.', {
          enabled: { type: 'boolean', description: 'Create it.', default: false },
          namespace: { type: 'string', description: 'Its namespace; empty: the release namespace.', default: '', pattern: `${DNS_LABEL.slice(0, -1)}|^$` },
          labels: { ...stringMap('Its labels; the sidecar loads ConfigMaps labelled `grafana_dashboard`.'), default: { grafana_dashboard: '1' } },
          annotations: stringMap('Its annotations, e.g. the sidecar\'s folder annotation.'),
        }),
      }),
      flags: obj('The daemon\'s flags, one value each (docs/configuration.md); a value equal to the daemon\'s default is not passed.', flags),
    }),
  };
}

/** What templates/_helpers.tpl reads to turn `flags` into arguments. */
export function flagsJson(): string {
  const rows = chartFlags().map((s) => ({ flag: s.name, key: valueKey(s.name), kind: s.kind, default: s.default }));
  return `${JSON.stringify(rows, null, 2)}\n`;
}

function defaults(s: JsonSchema): unknown {
  if (s.properties && s.default === undefined) return Object.fromEntries(Object.entries(s.properties).map(([k, p]) => [k, defaults(p)]));
  return s.default;
}

/** Wraps text into `# ` comment lines of at most ~100 characters. */
function comment(text: string, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + word.length + 1 > 96 - indent.length) {
      lines.push(`${indent}# ${line}`);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(`${indent}# ${line}`);
  return lines;
}

function valuesLines(props: Record<string, JsonSchema>, indent: string): string[] {
  return Object.entries(props).flatMap(([key, s]) => {
    const head = [...(indent === '' ? [''] : []), ...(s.description ? comment(s.description, indent) : [])];
    if (s.properties && s.default === undefined) return [...head, `${indent}${key}:`, ...valuesLines(s.properties, `${indent}  `)];
    const v = defaults(s);
    const text = stringify(v, { lineWidth: 0 }).trimEnd();
    const inline = typeof v !== 'object' || v === null || Object.keys(v).length === 0;
    return [...head, inline ? `${indent}${key}: ${text}` : `${indent}${key}:\n${text.split('\n').map((l) => `${indent}  ${l}`).join('\n')}`];
  });
}

export function renderValuesYaml(): string {
  const schema = valuesSchema();
  return [
    '# Values of the skupper-cert-rotator chart. Generated by `npm run chart:sync` from',
    '# scripts/helm-chart.ts and src/config/flags.ts; values.schema.json refuses any other key.',
    ...valuesLines(schema.properties ?? {}, ''),
    '',
  ].join('\n');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function tableRows(props: Record<string, JsonSchema>, prefix: string): string[] {
  return Object.entries(props).flatMap(([key, s]) => {
    const path = `${prefix}${key}`;
    if (s.properties && s.default === undefined) return tableRows(s.properties, `${path}.`);
    const type = Array.isArray(s.type) ? s.type.join(' or ') : s.type ?? '';
    const allowed = s.enum ? ` (${s.enum.join(', ')})` : '';
    return [`| \`${path}\` | ${type}${allowed} | \`${cell(JSON.stringify(s.default))}\` | ${cell(s.description ?? '')} |`];
  });
}

export const TABLE_BEGIN = '<!-- values table: generated by `npm run chart:sync` from values.schema.json; do not edit -->';
export const TABLE_END = '<!-- end of values table -->';

export function valuesTable(): string {
  return ['| value | type | default | meaning |', '| --- | --- | --- | --- |', ...tableRows(valuesSchema().properties ?? {}, '')].join('\n');
}

/** A README (the chart's, or the project's) with its values table replaced. */
export function renderChartReadme(current: string, name = 'charts/skupper-cert-rotator/README.md'): string {
  const start = current.indexOf(TABLE_BEGIN);
  const end = current.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`${name} lacks the markers ${TABLE_BEGIN} ... ${TABLE_END}`);
  return `${current.slice(0, start)}${TABLE_BEGIN}\n\n${valuesTable()}\n\n${current.slice(end)}`;
}

/** Files helm must find inside the chart, with their source elsewhere in the repository. */
export const COPIES: readonly { from: string; to: string }[] = [
  { from: join(repoRoot, 'manifests', 'components', 'monitoring', 'prometheusrule.yaml'), to: join(CHART_DIR, 'files', 'prometheusrule.yaml') },
  { from: join(repoRoot, 'dashboards', 'skupper-cert-rotator.json'), to: join(CHART_DIR, 'files', 'skupper-cert-rotator.json') },
];

/** Every generated file of the chart and its expected content. */
export function chartFiles(): Map<string, string> {
  const readme = join(CHART_DIR, 'README.md');
  return new Map([
    [join(CHART_DIR, 'values.schema.json'), `${JSON.stringify(valuesSchema(), null, 2)}\n`],
    [join(CHART_DIR, 'values.yaml'), renderValuesYaml()],
    [join(CHART_DIR, 'files', 'flags.json'), flagsJson()],
    [readme, renderChartReadme(readFileSync(readme, 'utf8'))],
    [join(repoRoot, 'README.md'), renderChartReadme(readFileSync(join(repoRoot, 'README.md'), 'utf8'), 'README.md')],
    ...COPIES.map(({ from, to }): [string, string] => [to, readFileSync(from, 'utf8')]),
  ]);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const [path, content] of chartFiles()) {
    writeFileSync(path, content);
    console.log(`wrote ${relative(repoRoot, path)}`);
  }
}
