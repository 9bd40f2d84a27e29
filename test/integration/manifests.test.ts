// SPEC §6 / issue 7: manifests/ renders with the kustomize of a real kubectl,
// the rendered objects say what the product needs (HA, probes, restricted pod
// security, scrape config, dashboard), and the real API server accepts every
// one of them, including the prometheus-operator CRs against the published
// CRD schemas and the pod template against the PodSecurity admission plugin.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { expect } from 'chai';
import type * as k8s from '@kubernetes/client-node';
import { parse } from 'yaml';
import { parseConfig } from '../../src/config/parse.js';
import { goModuleDir } from '../../cluster/build.js';
import { repoRoot } from '../../cluster/paths.js';
import { versions } from '../../cluster/versions.js';
import { testCluster } from '../support/cluster.js';
import { apply } from '../support/k8s.js';
import { kubectl, kubectlOk, kustomize } from '../support/kubectl.js';
import { SA_NAME, SA_NAMESPACE } from '../support/serviceaccount.js';

const manifests = join(repoRoot, 'manifests');
const dirs = {
  base: join(manifests, 'base'),
  withMonitoring: join(manifests, 'overlays', 'with-monitoring'),
  namespaced: join(manifests, 'overlays', 'namespaced'),
} as const;
const DASHBOARD = join(repoRoot, 'dashboards', 'skupper-cert-rotator.json');
const NAME = 'skupper-cert-rotator';

type Obj = k8s.KubernetesObject;

function find(objs: readonly Obj[], kind: string, name: string, namespace?: string): Obj {
  const hit = objs.filter((o) => o.kind === kind && o.metadata?.name === name && (namespace === undefined || o.metadata.namespace === namespace));
  expect(hit, `${kind} ${namespace ?? ''}/${name} in ${objs.map((o) => `${o.kind ?? ''}/${o.metadata?.name ?? ''}`).join(', ')}`).to.have.length(1);
  return hit[0]!;
}

function kinds(objs: readonly Obj[]): string[] {
  return [...new Set(objs.map((o) => o.kind ?? ''))].sort();
}

function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([k, v]) => labels?.[k] === v);
}

/**
 * Objects for `kubectl -f -`, as JSON: kubectl reads YAML 1.1, where an
 * unquoted yes/no/on/off that a YAML 1.2 writer emits would turn into a boolean.
 */
function stdin(objs: readonly Obj[]): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objs });
}

function deploymentOf(objs: readonly Obj[]): k8s.V1Deployment {
  return find(objs, 'Deployment', NAME, SA_NAMESPACE);
}

function containerOf(d: k8s.V1Deployment): k8s.V1Container {
  const c = d.spec?.template.spec?.containers;
  expect(c, 'containers').to.have.length(1);
  return c![0]!;
}

/** The container port a probe or Service names, as a number. */
function portNumber(c: k8s.V1Container, port: number | string | undefined): number | undefined {
  return typeof port === 'number' ? port : c.ports?.find((p) => p.name === port)?.containerPort;
}

/** The ClusterRole's rules without the cluster-scoped ClusterIssuers: what a Role per namespace must grant. */
function namespacedRules(clusterRole: k8s.V1ClusterRole): k8s.V1PolicyRule[] {
  return (clusterRole.rules ?? [])
    .map((r) => {
      const copy = structuredClone(r);
      copy.resources = (r.resources ?? []).filter((res) => res !== 'clusterissuers');
      return copy;
    })
    .filter((r) => (r.resources ?? []).length > 0);
}

describe('Manifests: kustomize renders, the API server accepts (SPEC §6)', function () {
  this.timeout(300_000);
  let base: Obj[];
  let withMonitoring: Obj[];
  let namespaced: Obj[];

  before(async function () {
    [base, withMonitoring, namespaced] = await Promise.all([kustomize(dirs.base), kustomize(dirs.withMonitoring), kustomize(dirs.namespaced)]);
  });

  describe('base', function () {
    it('holds exactly the objects of the install, every one labelled, in the daemon namespace when namespaced', function () {
      expect(kinds(base)).to.deep.equal(['ClusterRole', 'ClusterRoleBinding', 'Deployment', 'Namespace', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'Service', 'ServiceAccount']);
      for (const o of base) {
        expect(o.metadata?.labels, `${o.kind ?? ''} labels`).to.include({ 'app.kubernetes.io/name': NAME, 'app.kubernetes.io/part-of': NAME });
        if (!['Namespace', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind ?? '')) expect(o.metadata?.namespace, `${o.kind ?? ''} namespace`).to.equal(SA_NAMESPACE);
      }
      expect((find(base, 'Namespace', SA_NAMESPACE) as k8s.V1Namespace).metadata?.labels).to.include({ 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted' });
    });

    it('runs two replicas with leader election, and the daemon accepts their arguments and environment', function () {
      const d = deploymentOf(base);
      expect(d.spec?.replicas).to.equal(2);
      const c = containerOf(d);
      expect(c.image).to.equal(`ghcr.io/skupper-cert-rotator/skupper-cert-rotator:${(JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version}`);
      expect(c.args).to.deep.equal(['run', '--leader-elect=true']);
      const fieldRefs = Object.fromEntries((c.env ?? []).filter((e) => e.valueFrom?.fieldRef).map((e) => [e.name, e.valueFrom?.fieldRef?.fieldPath]));
      expect(fieldRefs).to.deep.equal({ SKUPPER_CERT_ROTATOR_LEADER_ELECTION_NAMESPACE: 'metadata.namespace', POD_NAME: 'metadata.name' });

      // What the kubelet would hand the process: fieldRefs resolved for a pod in the daemon namespace.
      const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace' ? SA_NAMESPACE : `${NAME}-abc12-xyz34`)]));
      const { config, positional } = parseConfig(c.args!, env);
      expect(positional).to.deep.equal(['run']);
      expect(config.leaderElect).to.equal(true);
      expect(config.leaderElectionNamespace).to.equal(SA_NAMESPACE);
      expect(config.namespaces, 'the base watches every namespace').to.deep.equal([]);
      expect(portNumber(c, 'metrics')).to.equal(config.metricsBindAddress.port).and.to.equal(9090);
      expect(portNumber(c, 'health')).to.equal(config.healthBindAddress.port).and.to.equal(8081);
    });

    it('probes /healthz and /readyz on the health port and sets resources', function () {
      const c = containerOf(deploymentOf(base));
      expect(c.livenessProbe?.httpGet?.path).to.equal('/healthz');
      expect(portNumber(c, c.livenessProbe?.httpGet?.port)).to.equal(8081);
      expect(c.readinessProbe?.httpGet?.path).to.equal('/readyz');
      expect(portNumber(c, c.readinessProbe?.httpGet?.port)).to.equal(8081);
      expect(c.resources?.requests).to.include({ cpu: '50m', memory: '128Mi' });
      expect(c.resources?.limits).to.include({ memory: '256Mi' });
    });

    it('sets every Pod Security "restricted" field, a read-only root filesystem and the ServiceAccount', function () {
      const pod = deploymentOf(base).spec?.template.spec;
      const c = containerOf(deploymentOf(base));
      expect(pod?.serviceAccountName).to.equal(SA_NAME);
      expect(pod?.automountServiceAccountToken).to.equal(true);
      expect(pod?.terminationGracePeriodSeconds).to.equal(30);
      expect(pod?.securityContext).to.deep.include({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
      expect(c.securityContext).to.deep.include({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    });

    it('spreads the replicas over nodes without making a single node unschedulable', function () {
      const pod = deploymentOf(base).spec?.template.spec;
      const spread = pod?.topologySpreadConstraints ?? [];
      expect(spread.map((t) => [t.topologyKey, t.whenUnsatisfiable])).to.deep.equal([['kubernetes.io/hostname', 'ScheduleAnyway']]);
      const anti = pod?.affinity?.podAntiAffinity;
      expect(anti?.requiredDuringSchedulingIgnoredDuringExecution ?? []).to.deep.equal([]);
      expect(anti?.preferredDuringSchedulingIgnoredDuringExecution?.map((p) => p.podAffinityTerm.topologyKey)).to.deep.equal(['kubernetes.io/hostname']);
    });

    it('selects the pods by the name label only, and the Service and PodDisruptionBudget select the same pods', function () {
      const d = deploymentOf(base);
      const podLabels = d.spec?.template.metadata?.labels;
      // Immutable: a label added here later would make upgrades fail to apply.
      expect(d.spec?.selector.matchLabels).to.deep.equal({ 'app.kubernetes.io/name': NAME });
      expect(selects(d.spec?.selector.matchLabels, podLabels)).to.equal(true);

      const svc = find(base, 'Service', NAME, SA_NAMESPACE) as k8s.V1Service;
      expect(svc.spec?.selector).to.deep.equal({ 'app.kubernetes.io/name': NAME });
      expect(selects(svc.spec?.selector, podLabels)).to.equal(true);
      expect(svc.spec?.ports?.map((p) => [p.name, p.port, portNumber(containerOf(d), p.targetPort)])).to.deep.equal([['metrics', 9090, 9090]]);

      const pdb = find(base, 'PodDisruptionBudget', NAME, SA_NAMESPACE) as k8s.V1PodDisruptionBudget;
      expect(pdb.spec?.minAvailable).to.equal(1);
      expect(pdb.spec?.selector?.matchLabels).to.deep.equal({ 'app.kubernetes.io/name': NAME });
      expect(selects(pdb.spec?.selector?.matchLabels, podLabels)).to.equal(true);
    });

    it('grants the Lease rights in the daemon namespace only, to the ServiceAccount', function () {
      const roles = base.filter((o) => o.kind === 'Role') as k8s.V1Role[];
      expect(roles.map((r) => r.metadata?.namespace)).to.deep.equal([SA_NAMESPACE]);
      const rules = roles[0]?.rules ?? [];
      expect(rules.map((r) => [r.apiGroups, r.resources])).to.deep.equal([[['coordination.k8s.io'], ['leases']]]);
      expect(rules[0]?.verbs).to.include.members(['get', 'create', 'update']);
      const binding = find(base, 'RoleBinding', roles[0]!.metadata!.name!, SA_NAMESPACE) as k8s.V1RoleBinding;
      expect(binding.roleRef).to.deep.include({ kind: 'Role', name: roles[0]?.metadata?.name });
      expect(binding.subjects).to.deep.equal([{ kind: 'ServiceAccount', name: SA_NAME, namespace: SA_NAMESPACE }]);
    });
  });

  it('moves to another namespace with `namespace:` in a user\'s kustomization, binding subjects included', async function () {
    const dir = mkdtempSync(join(tmpdir(), 'scr-kustomization-'));
    writeFileSync(join(dir, 'kustomization.yaml'), `namespace: ops\nresources:\n  - ${relative(dir, dirs.base)}\n`);
    const moved = await kustomize(dir).finally(() => { rmSync(dir, { recursive: true, force: true }); });
    expect(moved.map((o) => o.kind)).to.deep.equal(base.map((o) => o.kind));
    expect(moved.filter((o) => o.kind === 'Namespace').map((o) => o.metadata?.name)).to.deep.equal(['ops']);
    for (const o of moved.filter((m) => !['Namespace', 'ClusterRole', 'ClusterRoleBinding'].includes(m.kind ?? ''))) expect(o.metadata?.namespace).to.equal('ops');
    for (const b of moved.filter((m): m is k8s.V1RoleBinding => m.kind === 'RoleBinding' || m.kind === 'ClusterRoleBinding')) {
      expect(b.subjects, `${b.kind ?? ''} ${b.metadata?.name ?? ''}`).to.deep.equal([{ kind: 'ServiceAccount', name: SA_NAME, namespace: 'ops' }]);
    }
  });

  describe('monitoring component (overlays/with-monitoring)', function () {
    it('adds a ServiceMonitor, the PrometheusRule and the dashboard ConfigMap to the base', function () {
      const added = withMonitoring.filter((o) => !base.some((b) => b.kind === o.kind && b.metadata?.name === o.metadata?.name && b.metadata?.namespace === o.metadata?.namespace));
      expect(added.map((o) => `${o.kind ?? ''}/${o.metadata?.name ?? ''}`).sort()).to.deep.equal([
        'ConfigMap/skupper-cert-rotator-dashboard', 'PrometheusRule/skupper-cert-rotator', 'ServiceMonitor/skupper-cert-rotator',
      ]);
      for (const o of added) expect(o.metadata?.namespace).to.equal(SA_NAMESPACE);
    });

    it('scrapes the metrics Service with honorLabels, under the job the alerts expect', function () {
      type ServiceMonitor = Obj & { spec: { jobLabel?: string; selector: { matchLabels?: Record<string, string> }; endpoints: { port?: string; honorLabels?: boolean }[] } };
      const sm = find(withMonitoring, 'ServiceMonitor', NAME, SA_NAMESPACE) as ServiceMonitor;
      const services = withMonitoring.filter((o): o is k8s.V1Service => o.kind === 'Service' && o.metadata?.namespace === SA_NAMESPACE && selects(sm.spec.selector.matchLabels, o.metadata.labels));
      expect(services.map((s) => s.metadata?.name)).to.deep.equal([NAME]);
      const svc = services[0]!;
      expect(sm.spec.endpoints).to.have.length(1);
      expect(sm.spec.endpoints[0]?.honorLabels, 'object series carry their own namespace label').to.equal(true);
      expect(svc.spec?.ports?.map((p) => p.name)).to.include(sm.spec.endpoints[0]?.port);
      // prometheus-operator: job = the value of the Service label named by jobLabel, else the Service name.
      const job = sm.spec.jobLabel ? svc.metadata?.labels?.[sm.spec.jobLabel] : svc.metadata?.name;
      const rule = find(withMonitoring, 'PrometheusRule', NAME, SA_NAMESPACE) as Obj & { spec: unknown };
      const jobs = [...JSON.stringify(rule.spec).matchAll(/job=\\"([^\\"]+)\\"/g)].map((m) => m[1]);
      expect(jobs, 'job selectors in the alert rules').to.not.be.empty;
      for (const j of jobs) expect(j).to.equal(job);
    });

    it('ships the PrometheusRule file unchanged', function () {
      const rule = find(withMonitoring, 'PrometheusRule', NAME, SA_NAMESPACE) as Obj & { spec: unknown };
      const source = parse(readFileSync(join(manifests, 'components', 'monitoring', 'prometheusrule.yaml'), 'utf8')) as { spec: unknown };
      expect(rule.spec).to.deep.equal(source.spec);
    });

    it('generates the dashboard ConfigMap for the Grafana sidecar, byte-identical to dashboards/skupper-cert-rotator.json', function () {
      const cm = find(withMonitoring, 'ConfigMap', `${NAME}-dashboard`, SA_NAMESPACE) as k8s.V1ConfigMap;
      expect(cm.metadata?.labels).to.include({ grafana_dashboard: '1' });
      expect(Object.keys(cm.data ?? {})).to.deep.equal(['skupper-cert-rotator.json']);
      const shipped = cm.data?.['skupper-cert-rotator.json'];
      expect(shipped === readFileSync(DASHBOARD, 'utf8'),
        'manifests/components/monitoring/skupper-cert-rotator.json differs from dashboards/skupper-cert-rotator.json; run: cp dashboards/skupper-cert-rotator.json manifests/components/monitoring/').to.equal(true);
      expect((JSON.parse(shipped ?? '') as { uid?: string }).uid).to.equal(NAME);
    });
  });

  describe('namespaced overlay', function () {
    it('has no cluster-scoped RBAC: a Role and RoleBinding in each namespace of --namespaces instead', function () {
      expect(kinds(namespaced)).to.not.include.members(['ClusterRole', 'ClusterRoleBinding']);
      const args = containerOf(deploymentOf(namespaced)).args ?? [];
      const { config } = parseConfig(args, {});
      expect(config.namespaces).to.deep.equal(['east', 'west']);
      const clusterRole = find(base, 'ClusterRole', NAME) as k8s.V1ClusterRole;
      for (const ns of config.namespaces) {
        const role = find(namespaced, 'Role', NAME, ns) as k8s.V1Role;
        expect(role.rules, `Role ${ns}/${NAME} vs the base ClusterRole; update manifests/overlays/namespaced/rbac-watched-namespaces.yaml`).to.deep.equal(namespacedRules(clusterRole));
        const binding = find(namespaced, 'RoleBinding', NAME, ns) as k8s.V1RoleBinding;
        expect(binding.roleRef).to.deep.include({ kind: 'Role', name: NAME });
        expect(binding.subjects).to.deep.equal([{ kind: 'ServiceAccount', name: SA_NAME, namespace: SA_NAMESPACE }]);
      }
      const roleNamespaces = namespaced.filter((o) => o.kind === 'Role' && o.metadata?.name === NAME).map((o) => o.metadata?.namespace);
      expect(roleNamespaces.sort()).to.deep.equal([...config.namespaces].sort());
    });

    it('keeps everything else of the base', function () {
      const rest = (objs: Obj[]): string[] => objs
        .filter((o) => !['ClusterRole', 'ClusterRoleBinding'].includes(o.kind ?? '') && !(o.metadata?.name === NAME && ['Role', 'RoleBinding'].includes(o.kind ?? '')))
        .map((o) => `${o.kind ?? ''}/${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`).sort();
      expect(rest(namespaced)).to.deep.equal(rest(base));
    });
  });

  describe('on the API server', function () {
    before(async function () {
      // Namespaces must exist for a dry run of what goes into them; east and
      // west stand for the user's application namespaces.
      await apply(find(base, 'Namespace', SA_NAMESPACE));
      for (const name of ['east', 'west']) await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      const crdDir = join(goModuleDir('github.com/prometheus-operator/prometheus-operator', versions.prometheusOperator), 'example', 'prometheus-operator-crd');
      const crds = ['servicemonitors', 'prometheusrules'];
      await kubectlOk(['apply', '--server-side', ...crds.flatMap((c) => ['-f', join(crdDir, `monitoring.coreos.com_${c}.yaml`)])], { kubeconfig: testCluster().kubeconfig });
      await kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', ...crds.map((c) => `crd/${c}.monitoring.coreos.com`)], { kubeconfig: testCluster().kubeconfig });
    });

    for (const [what, dir] of Object.entries(dirs)) {
      it(`accepts every object of ${what} (kubectl apply --server-side --dry-run=server -k)`, async function () {
        const objs = await kustomize(dir);
        // --force-conflicts: other tests own some of these objects in this cluster (the RBAC under test); validity is the question here.
        const r = await kubectl(['apply', '--server-side', '--force-conflicts', '--dry-run=server', '-k', dir], { kubeconfig: testCluster().kubeconfig });
        expect(r.code, r.stderr).to.equal(0);
        const accepted = r.stdout.split('\n').filter((l) => l.endsWith('(server dry run)'));
        expect(accepted, r.stdout).to.have.length(objs.length);
      });
    }

    it('accepts base with monitoring through the client-side `kubectl apply -k` of the README too (last-applied annotation within limits)', async function () {
      const r = await kubectl(['apply', '--dry-run=server', '-k', dirs.withMonitoring], { kubeconfig: testCluster().kubeconfig });
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.match(/configmap\/skupper-cert-rotator-dashboard (created|configured) \(server dry run\)/);
    });

    it('rejects a broken copy: the CRD schema and the built-in validation are really applied', async function () {
      const brokenMonitor = structuredClone(find(withMonitoring, 'ServiceMonitor', NAME, SA_NAMESPACE) as Obj & { spec: { endpoints: Record<string, unknown>[] } });
      brokenMonitor.spec.endpoints[0]!.honorLabels = 'yes';
      const sm = await kubectl(['apply', '--server-side', '--dry-run=server', '-f', '-'], { kubeconfig: testCluster().kubeconfig, input: stdin([brokenMonitor]) });
      expect(sm.code).to.not.equal(0);
      expect(sm.stderr).to.match(/honorLabels.*boolean/);

      const brokenDeployment = structuredClone(deploymentOf(base));
      brokenDeployment.spec!.selector.matchLabels = { 'app.kubernetes.io/name': 'something-else' };
      const d = await kubectl(['apply', '--server-side', '--dry-run=server', '-f', '-'], { kubeconfig: testCluster().kubeconfig, input: stdin([brokenDeployment]) });
      expect(d.code).to.not.equal(0);
      expect(d.stderr).to.contain('`selector` does not match template `labels`');
    });

    it('admits a Pod of the Deployment\'s template under Pod Security "restricted", and rejects a weakened one', async function () {
      // PodSecurity admission checks Pods, not Deployments: create (dry run) the Pod the ReplicaSet would create.
      const template = deploymentOf(base).spec!.template;
      const pod = (spec: k8s.V1PodSpec): k8s.V1Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `${NAME}-psa`, namespace: SA_NAMESPACE, labels: template.metadata?.labels }, spec });
      const kubeconfig = testCluster().kubeconfig;
      const ok = await kubectl(['create', '--dry-run=server', '-o', 'name', '-f', '-'], { kubeconfig, input: stdin([pod(template.spec!)]) });
      expect(ok.code, ok.stderr).to.equal(0);
      expect(ok.stdout.trim()).to.equal(`pod/${NAME}-psa`);

      const weakened = structuredClone(template.spec!);
      delete weakened.containers[0]!.securityContext;
      const rejected = await kubectl(['create', '--dry-run=server', '-o', 'name', '-f', '-'], { kubeconfig, input: stdin([pod(weakened)]) });
      expect(rejected.code).to.not.equal(0);
      expect(rejected.stderr).to.contain('violates PodSecurity "restricted:latest"');

      // A Deployment is only warned about (the namespace's warn label): what a user sees at apply time.
      const deployment = structuredClone(deploymentOf(base));
      deployment.spec!.template.spec = weakened;
      const warned = await kubectl(['apply', '--server-side', '--force-conflicts', '--dry-run=server', '-f', '-'], { kubeconfig, input: stdin([deployment]) });
      expect(warned.code, warned.stderr).to.equal(0);
      expect(warned.stderr).to.contain('would violate PodSecurity "restricted:latest"');
    });
  });
});
