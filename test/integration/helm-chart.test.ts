// Issue 18: the Helm chart is proven the way the kustomize manifests are.
// Rendered: `helm lint`, the same objects and pod as manifests/base, the same
// RBAC rules (base and namespaced overlay), the monitoring component's objects,
// every daemon flag value reaching the daemon, and a typo in values refused.
// On the API server: each rendering server-side dry-run applied, the pod
// admitted under Pod Security "restricted"; then `helm install`, the RBAC
// feature tour (test/support/rbac-tour.ts) run as the chart's ServiceAccount
// with no request refused, `helm upgrade` to other values and `helm uninstall`
// leaving nothing of the release behind. Pods never run here (no kubelet): the
// daemon runs as a local process with the ServiceAccount's token.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import * as k8s from '@kubernetes/client-node';
import { parse } from 'yaml';
import { CERT_MANAGER_API_VERSION, isReady } from '../../src/model/certmanager.js';
import type { Listener } from '../../src/model/skupper.js';
import { parseConfig } from '../../src/config/parse.js';
import { chartFlags, valueKey } from '../../scripts/helm-chart.js';
import { goModuleDir } from '../../cluster/build.js';
import { repoRoot } from '../../cluster/paths.js';
import { versions } from '../../cluster/versions.js';
import { requestsBy } from '../support/audit.js';
import { testCluster } from '../support/cluster.js';
import { DaemonProcess } from '../support/daemon.js';
import { CHART, helm, helmOk, renderChart } from '../support/helm.js';
import { apply, createNamespace, getCertificate } from '../support/k8s.js';
import { kubectl, kubectlOk, kustomize } from '../support/kubectl.js';
import { prepareTour, tour } from '../support/rbac-tour.js';
import { readmeStep } from '../support/readme-commands.js';
import { SA_NAMESPACE, tokenKubeconfig } from '../support/serviceaccount.js';
import { eventually } from '../support/wait.js';

type Obj = k8s.KubernetesObject;

const NAME = 'skupper-cert-rotator';
/**
 * The release of the install tests: named so that its objects do not collide
 * with the kustomize base's, which other tests apply to this cluster; in the
 * daemon's namespace, whose ServiceAccounts' reads the audit log records.
 */
const RELEASE = 'helm-tour';
const NS = SA_NAMESPACE;
const FULL = `${RELEASE}-${NAME}`;
const MONITORING = ['monitoring.serviceMonitor.enabled=true', 'monitoring.prometheusRule.enabled=true', 'monitoring.dashboard.enabled=true'];
const NAMESPACED = ['rbac.namespaced=true', 'namespaces={east,west}'];
/** Labels only the chart sets (release bookkeeping); everything else is compared with the kustomize base. */
const CHART_LABELS = ['app.kubernetes.io/instance', 'app.kubernetes.io/version', 'app.kubernetes.io/managed-by', 'helm.sh/chart'];

const id = (o: Obj): string => `${o.kind ?? ''}/${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/** The one object of that kind and name; the caller names the type it expects of that kind. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
function find<T extends Obj = Obj>(objs: readonly Obj[], kind: string, name: string, namespace?: string): T {
  const hit = objs.filter((o) => o.kind === kind && o.metadata?.name === name && (namespace === undefined || o.metadata.namespace === namespace));
  expect(hit, `${kind} ${namespace ?? ''}/${name} in ${objs.map(id).join(', ')}`).to.have.length(1);
  return hit[0] as T;
}

function deploymentOf(objs: readonly Obj[], name = NAME): k8s.V1Deployment {
  return find<k8s.V1Deployment>(objs, 'Deployment', name);
}

function argsOf(objs: readonly Obj[], name = NAME): string[] {
  return deploymentOf(objs, name).spec?.template.spec?.containers[0]?.args ?? [];
}

/** A pod spec with the chart's release labels taken out of its label selectors, to compare with the base's. */
function withoutReleaseSelectors(spec: k8s.V1PodSpec | undefined): unknown {
  return JSON.parse(JSON.stringify(spec ?? {}), (key, value: unknown) => (key === 'matchLabels' && value && typeof value === 'object'
    ? Object.fromEntries(Object.entries(value).filter(([k]) => !CHART_LABELS.includes(k)))
    : value)) as unknown;
}

/** Objects for `kubectl -f -` as JSON (kubectl reads YAML 1.1). */
const stdin = (objs: readonly Obj[]): string => JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objs });

/** A non-default value for each chart flag, valid together (the daemon checks flags against each other). */
const FLAG_SAMPLES: Record<string, string | number | boolean> = {
  labelSelector: 'team=blue', clusterDomain: 'example.internal', defaultIssuer: 'ca', defaultIssuerKind: 'Issuer',
  renewalWindow: '0 2 * * 6', renewalWindowDuration: '3h', renewalWindowTimeZone: 'Europe/Berlin', renewalBackoff: '10m',
  allowShortDurations: true, overdueAfter: '2h', trustOverlap: '360h', priorValidRevisions: 3, rollStrategy: 'restart',
  routerDeployment: 'router', probe: true, probeInterval: '1m', probeAddressMap: 'svc.ns.svc:8080=127.0.0.1:8443',
  resyncPeriod: '5m', clusterResourceNamespace: 'certs', clusterIssuers: false, leaderElectionId: 'rotator-lease',
  leaderElectionLeaseDuration: '30s', leaderElectionRenewDeadline: '20s', leaderElectionRetryPeriod: '4s',
  watchStallTimeout: '5m', shutdownTimeout: '20s', logLevel: 'debug', dryRun: true,
};

/** What the kubelet would hand the daemon in a pod of the release namespace. */
const POD_ENV = { SKUPPER_CERT_ROTATOR_LEADER_ELECTION_NAMESPACE: SA_NAMESPACE, POD_NAME: `${NAME}-abc12-xyz34` };

function valuesFile(values: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'scr-helm-values-')), 'values.json');
  writeFileSync(file, JSON.stringify(values));
  return file;
}

describe('Helm chart: lint, render, install (issue 18)', function () {
  this.timeout(300_000);
  let base: Obj[];
  let namespacedOverlay: Obj[];
  let withMonitoring: Obj[];
  let chart: Obj[];
  let chartNamespaced: Obj[];
  let chartMonitoring: Obj[];

  before(async function () {
    // Release skupper-cert-rotator in its namespace: the names of manifests/base.
    [base, namespacedOverlay, withMonitoring, chart, chartNamespaced, chartMonitoring] = await Promise.all([
      kustomize(join(repoRoot, 'manifests', 'base')), kustomize(join(repoRoot, 'manifests', 'overlays', 'namespaced')),
      kustomize(join(repoRoot, 'manifests', 'overlays', 'with-monitoring')),
      renderChart(NAME, SA_NAMESPACE), renderChart(NAME, SA_NAMESPACE, NAMESPACED), renderChart(NAME, SA_NAMESPACE, MONITORING),
    ]);
    console.log(`      objects: default ${chart.length}, namespaced (2 namespaces) ${chartNamespaced.length}, monitoring ${chartMonitoring.length}; kustomize base ${base.length}`);
  });

  describe('rendered', function () {
    it('passes helm lint --strict with the default values, namespaced mode and monitoring on', async function () {
      for (const set of [[], NAMESPACED, MONITORING]) {
        const r = await helm(['lint', '--strict', CHART, ...set.flatMap((s) => ['--set', s])]);
        expect(r.code, `helm lint --set ${set.join(',')}:\n${r.stdout}${r.stderr}`).to.equal(0);
        expect(r.stdout).to.contain('0 chart(s) failed');
      }
    });

    it('renders the objects of manifests/base but its Namespace, under the same names, labelled like them', function () {
      expect(chart.map(id).sort()).to.deep.equal(base.filter((o) => o.kind !== 'Namespace').map(id).sort());
      for (const o of chart) {
        const b = find(base, o.kind ?? '', o.metadata?.name ?? '', o.metadata?.namespace);
        expect(o.metadata?.labels, id(o)).to.include(b.metadata?.labels ?? {});
        expect(o.metadata?.labels, id(o)).to.include({ 'app.kubernetes.io/instance': NAME, 'app.kubernetes.io/managed-by': 'Helm' });
      }
    });

    it('runs the same pod as manifests/base: container, arguments, environment, probes, resources, pod security, spread', function () {
      const [c, b] = [deploymentOf(chart), deploymentOf(base)];
      expect(c.spec?.replicas).to.equal(b.spec?.replicas);
      expect(c.spec?.strategy).to.deep.equal(b.spec?.strategy);
      expect(withoutReleaseSelectors(c.spec?.template.spec)).to.deep.equal(withoutReleaseSelectors(b.spec?.template.spec));
      // Immutable selectors: the name and the release, nothing that changes with a version.
      expect(c.spec?.selector.matchLabels).to.deep.equal({ 'app.kubernetes.io/name': NAME, 'app.kubernetes.io/instance': NAME });
      const svc = find<k8s.V1Service>(chart, 'Service', NAME);
      const pdb = find<k8s.V1PodDisruptionBudget>(chart, 'PodDisruptionBudget', NAME);
      expect(svc.spec?.selector).to.deep.equal(c.spec?.selector.matchLabels);
      expect(pdb.spec?.selector?.matchLabels).to.deep.equal(c.spec?.selector.matchLabels);
      expect(svc.spec?.ports).to.deep.equal(find<k8s.V1Service>(base, 'Service', NAME).spec?.ports);
      expect(pdb.spec).to.deep.include({ minAvailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
    });

    it('grants exactly the kustomize base\'s rules, and the namespaced overlay\'s Roles in namespaced mode', function () {
      const rules = (objs: readonly Obj[], kind: string, name: string, ns?: string): unknown => find<k8s.V1Role>(objs, kind, name, ns).rules;
      expect(rules(chart, 'ClusterRole', NAME)).to.deep.equal(rules(base, 'ClusterRole', NAME));
      expect(rules(chart, 'Role', `${NAME}-leader-election`, SA_NAMESPACE)).to.deep.equal(rules(base, 'Role', `${NAME}-leader-election`, SA_NAMESPACE));
      for (const ns of ['east', 'west']) {
        expect(rules(chartNamespaced, 'Role', NAME, ns), `Role ${ns}/${NAME}`).to.deep.equal(rules(namespacedOverlay, 'Role', NAME, ns));
        expect(find<k8s.V1RoleBinding>(chartNamespaced, 'RoleBinding', NAME, ns).subjects).to.deep.equal(find<k8s.V1RoleBinding>(namespacedOverlay, 'RoleBinding', NAME, ns).subjects);
      }
      for (const kind of ['ClusterRoleBinding', 'RoleBinding']) {
        for (const b of chart.filter((o): o is k8s.V1RoleBinding => o.kind === kind)) {
          expect(b.subjects, id(b)).to.deep.equal(find<k8s.V1RoleBinding>(base, kind, b.metadata?.name ?? '').subjects);
        }
      }
    });

    it('namespaced mode: no cluster-scoped RBAC, the overlay\'s arguments, everything else as the default', function () {
      expect(chartNamespaced.filter((o) => ['ClusterRole', 'ClusterRoleBinding'].includes(o.kind ?? ''))).to.deep.equal([]);
      const { config } = parseConfig(argsOf(chartNamespaced), POD_ENV);
      expect(config.namespaces).to.deep.equal(['east', 'west']);
      expect(config.clusterIssuers).to.equal(false);
      expect(argsOf(chartNamespaced)).to.deep.equal(argsOf(namespacedOverlay));
      const rest = (objs: readonly Obj[]): string[] => objs.filter((o) => !['ClusterRole', 'ClusterRoleBinding', 'Deployment'].includes(o.kind ?? '') && !(o.metadata?.name === NAME && ['Role', 'RoleBinding'].includes(o.kind ?? ''))).map(id).sort();
      expect(rest(chartNamespaced)).to.deep.equal(rest(chart));
    });

    it('monitoring on: the component\'s ServiceMonitor, its alert rules unchanged and the dashboard byte-identical', function () {
      const added = chartMonitoring.filter((o) => !chart.some((c) => id(c) === id(o)));
      expect(added.map(id).sort()).to.deep.equal([`ConfigMap/${SA_NAMESPACE}/${NAME}-dashboard`, `PrometheusRule/${SA_NAMESPACE}/${NAME}`, `ServiceMonitor/${SA_NAMESPACE}/${NAME}`]);
      type Spec = Obj & { spec: unknown };
      const source = parse(readFileSync(join(repoRoot, 'manifests', 'components', 'monitoring', 'prometheusrule.yaml'), 'utf8')) as { spec: unknown };
      expect(find<Spec>(chartMonitoring, 'PrometheusRule', NAME).spec).to.deep.equal(source.spec);
      const sm = find<Spec & { spec: { jobLabel: string; selector: { matchLabels: Record<string, string> } } }>(chartMonitoring, 'ServiceMonitor', NAME);
      const kustomized = find<Spec & { spec: Record<string, unknown> }>(withMonitoring, 'ServiceMonitor', NAME);
      expect({ ...sm.spec, selector: undefined }).to.deep.equal({ ...kustomized.spec, selector: undefined });
      // The alerts select job="skupper-cert-rotator": the Service label jobLabel names, whatever the release is called.
      const svc = find<k8s.V1Service>(chartMonitoring, 'Service', NAME);
      expect(svc.metadata?.labels?.[sm.spec.jobLabel]).to.equal(NAME);
      expect(sm.spec.selector.matchLabels).to.deep.equal(svc.spec?.selector);
      const cm = find<k8s.V1ConfigMap>(chartMonitoring, 'ConfigMap', `${NAME}-dashboard`);
      expect(cm.metadata?.labels).to.include({ grafana_dashboard: '1' });
      expect(Object.keys(cm.data ?? {})).to.deep.equal(['skupper-cert-rotator.json']);
      expect(cm.data?.['skupper-cert-rotator.json'] === readFileSync(join(repoRoot, 'dashboards', 'skupper-cert-rotator.json'), 'utf8'), 'dashboard ConfigMap vs dashboards/skupper-cert-rotator.json').to.equal(true);
    });

    it('passes each flag value as its flag, only when it differs from the default, and the daemon accepts them all', async function () {
      expect(Object.keys(FLAG_SAMPLES).sort(), 'a sample for every chart flag (update FLAG_SAMPLES)').to.deep.equal(chartFlags().map((s) => valueKey(s.name)).sort());
      expect(argsOf(chart)).to.deep.equal(argsOf(base));
      const objs = await renderChart(NAME, SA_NAMESPACE, [], ['-f', valuesFile({ flags: FLAG_SAMPLES })]);
      const args = argsOf(objs);
      expect(args).to.deep.equal(['run', '--leader-elect=true', ...chartFlags().map((s) => `--${s.name}=${String(FLAG_SAMPLES[valueKey(s.name)])}`)]);
      const { config } = parseConfig(args, POD_ENV);
      const defaults = parseConfig(['run', '--leader-elect=true'], POD_ENV).config;
      const unchanged = chartFlags().filter((s) => JSON.stringify(config[s.key]) === JSON.stringify(defaults[s.key])).map((s) => s.name);
      expect(unchanged, 'flags whose value did not reach the daemon').to.deep.equal([]);
    });

    it('applies the image, label, annotation, placement and pod values', async function () {
      const digest = `sha256:${'ab'.repeat(32)}`;
      const objs = await renderChart('custom', 'ops', [], ['-f', valuesFile({
        image: { repository: 'registry.example.com/scr', digest }, replicas: 1, nameOverride: 'rotator', commonLabels: { team: 'platform' }, commonAnnotations: { owner: 'ops' },
        podLabels: { tier: 'control' }, podAnnotations: { 'example.com/scrape': 'no' }, nodeSelector: { 'kubernetes.io/os': 'linux' },
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'infra', effect: 'NoSchedule' }],
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'infra', operator: 'Exists' }] }] } } },
        priorityClassName: 'system-cluster-critical', resources: { requests: { cpu: '100m', memory: '200Mi' }, limits: { memory: '400Mi' } },
        nodeOptions: '--max-old-space-size=300', serviceAccount: { annotations: { 'example.com/role': 'r' } }, podDisruptionBudget: { enabled: false },
        leaderElection: { enabled: false },
      })]);
      const name = 'custom-rotator';
      for (const o of objs) {
        expect(o.metadata?.labels, id(o)).to.include({ team: 'platform' });
        expect(o.metadata?.annotations, id(o)).to.include({ owner: 'ops' });
      }
      expect(objs.map((o) => o.kind).sort()).to.deep.equal(['ClusterRole', 'ClusterRoleBinding', 'Deployment', 'Service', 'ServiceAccount']);
      expect(find(objs, 'ServiceAccount', name).metadata?.annotations).to.include({ 'example.com/role': 'r' });
      const d = deploymentOf(objs, name);
      const pod = d.spec?.template;
      const c = pod?.spec?.containers[0];
      expect(d.spec?.replicas).to.equal(1);
      // nameOverride renames the objects, never the name label the alerts' job is taken from.
      expect(d.spec?.selector.matchLabels).to.deep.equal({ 'app.kubernetes.io/name': NAME, 'app.kubernetes.io/instance': 'custom' });
      expect(c?.image).to.equal(`registry.example.com/scr@${digest}`);
      expect(c?.args).to.deep.equal(['run', '--leader-elect=false']);
      expect(c?.env?.map((e) => [e.name, e.value])).to.deep.equal([['POD_NAME', undefined], ['NODE_OPTIONS', '--max-old-space-size=300']]);
      expect(c?.resources).to.deep.equal({ requests: { cpu: '100m', memory: '200Mi' }, limits: { memory: '400Mi' } });
      expect(pod?.metadata?.labels).to.include({ tier: 'control', team: 'platform' });
      expect(pod?.metadata?.annotations).to.deep.equal({ 'example.com/scrape': 'no' });
      expect(pod?.spec?.nodeSelector).to.deep.equal({ 'kubernetes.io/os': 'linux' });
      expect(pod?.spec?.tolerations).to.have.length(1);
      expect(pod?.spec?.priorityClassName).to.equal('system-cluster-critical');
      // The user's node affinity is kept and the replicas are still spread.
      expect(Object.keys(pod?.spec?.affinity ?? {}).sort()).to.deep.equal(['nodeAffinity', 'podAntiAffinity']);
      expect(pod?.spec?.topologySpreadConstraints).to.have.length(1);
      const image = (await renderChart('tagged', 'ops', ['image.tag=9.9.9'])).find((o) => o.kind === 'Deployment') as k8s.V1Deployment;
      expect(image.spec?.template.spec?.containers[0]?.image).to.equal('ghcr.io/skupper-cert-rotator/skupper-cert-rotator:9.9.9');
    });

    it('refuses a typo or a wrong type in values before rendering anything', async function () {
      const cases: [string[], RegExp][] = [
        [['--set', 'replica=3'], /additional properties 'replica' not allowed/],
        [['--set', 'flags.probeIntervall=1m'], /at '\/flags': additional properties 'probeIntervall' not allowed/],
        [['--set', 'monitoring.serviceMonitor.enable=true'], /additional properties 'enable' not allowed/],
        [['--set', 'replicas=two'], /at '\/replicas': got string, want integer/],
        [['--set', 'flags.logLevel=verbose'], /at '\/flags\/logLevel'/],
        [['--set', 'flags.probeInterval=5 minutes'], /at '\/flags\/probeInterval'/],
        [['--set', 'image.pullPolicy=Sometimes'], /at '\/image\/pullPolicy'/],
        [['--set', 'namespaces={Bad_Name}'], /at '\/namespaces\/0'/],
        [['--set', 'rbac.namespaced=true'], /rbac.namespaced needs the namespaces to watch/],
        [['--set', 'leaderElection.enabled=false'], /replicas > 1 needs leaderElection.enabled/],
        // Inside Kubernetes-typed values too, where the API server would only warn.
        [['--set', 'securityContext.readOnlyRootFilesystm=true'], /at '\/securityContext': additional properties 'readOnlyRootFilesystm' not allowed/],
        [['--set', 'tolerations[0].efect=NoSchedule'], /at '\/tolerations\/0': additional properties 'efect' not allowed/],
        [['--set', 'affinity.nodeAffinity.preferred=x'], /at '\/affinity\/nodeAffinity': additional properties 'preferred' not allowed/],
        [['--set', 'resources.limits.memory=true'], /at '\/resources\/limits\/memory'/],
      ];
      for (const [args, message] of cases) {
        const r = await helm(['template', 'typo', CHART, ...args]);
        expect(r.code, `helm template ${args.join(' ')}`).to.not.equal(0);
        expect(r.stderr, args.join(' ')).to.match(message);
        expect(r.stdout, 'nothing rendered').to.equal('');
      }
    });
  });

  describe('on the API server', function () {
    before(async function () {
      // The base's Namespace: Pod Security "restricted" enforced.
      await apply(find(base, 'Namespace', NS));
      for (const name of ['east', 'west']) await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      const crdDir = join(goModuleDir('github.com/prometheus-operator/prometheus-operator', versions.prometheusOperator), 'example', 'prometheus-operator-crd');
      const crds = ['servicemonitors', 'prometheusrules'];
      const { kubeconfig } = testCluster();
      await kubectlOk(['apply', '--server-side', '--force-conflicts', ...crds.flatMap((c) => ['-f', join(crdDir, `monitoring.coreos.com_${c}.yaml`)])], { kubeconfig });
      await kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', ...crds.map((c) => `crd/${c}.monitoring.coreos.com`)], { kubeconfig });
      await prepareTour();
    });

    for (const [what, set] of [['the default values', []], ['namespaced mode', NAMESPACED], ['monitoring on', MONITORING]] as const) {
      it(`accepts every object of ${what} (kubectl apply --server-side --dry-run=server)`, async function () {
        const objs = await renderChart(RELEASE, NS, set);
        const r = await kubectl(['apply', '--server-side', '--dry-run=server', '-f', '-'], { kubeconfig: testCluster().kubeconfig, input: stdin(objs) });
        expect(r.code, r.stderr).to.equal(0);
        expect(r.stdout.split('\n').filter((l) => l.endsWith('(server dry run)')), r.stdout).to.have.length(objs.length);
        expect(r.stderr, 'no PodSecurity warning for the Deployment').to.not.contain('PodSecurity');
      });
    }

    it('admits a Pod of the Deployment\'s template under Pod Security "restricted", and rejects a weakened one', async function () {
      const template = deploymentOf(await renderChart(RELEASE, NS), FULL).spec!.template;
      const pod = (spec: k8s.V1PodSpec): k8s.V1Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `${FULL}-psa`, namespace: NS, labels: template.metadata?.labels }, spec });
      const kubeconfig = testCluster().kubeconfig;
      const ok = await kubectl(['create', '--dry-run=server', '-o', 'name', '-f', '-'], { kubeconfig, input: stdin([pod(template.spec!)]) });
      expect(ok.code, ok.stderr).to.equal(0);
      const weakened = structuredClone(template.spec!);
      delete weakened.containers[0]!.securityContext;
      const rejected = await kubectl(['create', '--dry-run=server', '-o', 'name', '-f', '-'], { kubeconfig, input: stdin([pod(weakened)]) });
      expect(rejected.code).to.not.equal(0);
      expect(rejected.stderr).to.contain('violates PodSecurity "restricted:latest"');
    });

    it('accepts the README\'s helm install command (--dry-run=server)', async function () {
      const command = readmeStep('helm install');
      const words = command.split(/\s+/);
      expect(words.slice(0, 2)).to.deep.equal(['helm', 'install']);
      // --take-ownership: the kustomize base's objects of the same names may exist in this cluster (other tests apply them); a dry run changes nothing.
      const r = await helm([...words.slice(1).map((w) => (w === 'charts/skupper-cert-rotator' ? CHART : w)), '--dry-run=server', '--take-ownership'], { kubeconfig: testCluster().kubeconfig });
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.contain('STATUS: pending-install');
      expect(r.stdout).to.contain(`kind: ClusterRole\nmetadata:\n  name: ${NAME}\n`);
    });

    describe('installed', function () {
      this.timeout(600_000);
      const kc = (): { kubeconfig: string } => ({ kubeconfig: testCluster().kubeconfig });
      const instance = `app.kubernetes.io/instance=${RELEASE}`;
      const KINDS = 'clusterroles,clusterrolebindings,roles,rolebindings,serviceaccounts,deployments,replicasets,pods,services,poddisruptionbudgets,configmaps,secrets,servicemonitors,prometheusrules';
      /** Kind/name as `kubectl get -o name` prints it. */
      const nameOf = (kindName: string): string => {
        const [kind = '', name = ''] = kindName.split('/');
        const group: Record<string, string> = { ClusterRole: '.rbac.authorization.k8s.io', ClusterRoleBinding: '.rbac.authorization.k8s.io', Role: '.rbac.authorization.k8s.io', RoleBinding: '.rbac.authorization.k8s.io', Deployment: '.apps', PodDisruptionBudget: '.policy' };
        return `${kind.toLowerCase()}${group[kind] ?? ''}/${name}`;
      };

      it('helm install: the rendered objects are created, and the daemon under the chart\'s ServiceAccount completes the RBAC feature tour with no request refused', async function () {
        const started = Date.now();
        await helmOk(['install', RELEASE, CHART, '--namespace', NS], kc());
        console.log(`      helm install: ${Date.now() - started} ms`);
        // This control plane runs no Deployment controller (nor scheduler, nor kubelet): the objects are the chart's, the pod's admission is the dry run above.
        const live = (await kubectlOk(['get', KINDS, '-A', '-l', instance, '-o', 'name'], kc())).trim().split('\n');
        expect(live.sort()).to.deep.equal((await renderChart(RELEASE, NS)).map((o) => `${o.kind ?? ''}/${o.metadata?.name ?? ''}`).map(nameOf).sort());
        const r = await tour('helm', async () => ({ user: `system:serviceaccount:${NS}:${FULL}`, kubeconfig: await tokenKubeconfig(FULL, NS), leaseNamespace: NS }), 60_000);
        console.log(`      feature tour as ${NS}/${FULL}: ${r.ms} ms`);
        expect(r.refused, 'refused requests').to.deep.equal([]);
        expect(r.completed, r.failedStep).to.equal(true);
      });

      it('helm upgrade to namespaced mode, one replica, monitoring and other flags: the objects follow, and the daemon with the Deployment\'s own arguments works in the watched namespace', async function () {
        const since = new Date();
        const watched = await createNamespace('helm-watched');
        await helmOk(['upgrade', RELEASE, CHART, '--namespace', NS, '-f', valuesFile({
          rbac: { namespaced: true }, namespaces: [watched], replicas: 1, commonLabels: { team: 'platform' },
          flags: { logLevel: 'debug', clusterDomain: 'example.internal', leaderElectionId: 'helm-upgraded' },
          monitoring: { serviceMonitor: { enabled: true }, prometheusRule: { enabled: true }, dashboard: { enabled: true } },
        })], kc());
        const gone = await kubectl(['get', `clusterrole/${FULL}`, `clusterrolebinding/${FULL}`, '-o', 'name'], kc());
        expect(gone.stdout, 'cluster-scoped RBAC removed').to.equal('');
        expect(gone.stderr).to.match(/NotFound/);
        const present = await kubectlOk(['get', '-n', watched, 'role,rolebinding', '-l', instance, '-o', 'name'], kc());
        expect(present.trim().split('\n').sort()).to.deep.equal([`role.rbac.authorization.k8s.io/${FULL}`, `rolebinding.rbac.authorization.k8s.io/${FULL}`]);
        const monitoring = await kubectlOk(['get', '-n', NS, 'servicemonitor,prometheusrule,configmap', '-l', instance, '-o', 'name'], kc());
        expect(monitoring.trim().split('\n').sort()).to.deep.equal([`configmap/${FULL}-dashboard`, `prometheusrule.monitoring.coreos.com/${FULL}`, `servicemonitor.monitoring.coreos.com/${FULL}`]);
        const d = await testCluster().kc.makeApiClient(k8s.AppsV1Api).readNamespacedDeployment({ namespace: NS, name: FULL });
        expect(d.spec?.replicas).to.equal(1);
        expect(d.metadata?.labels).to.include({ team: 'platform' });
        const args = d.spec?.template.spec?.containers[0]?.args ?? [];
        expect(args).to.include.members([`--namespaces=${watched}`, '--cluster-issuers=false', '--log-level=debug', '--cluster-domain=example.internal']);

        await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'Issuer', metadata: { name: 'selfsigned', namespace: watched }, spec: { selfSigned: {} } });
        await apply<Listener>({ apiVersion: 'skupper.io/v2alpha1', kind: 'Listener', metadata: { name: 'web', namespace: watched, annotations: { 'cert-manager.io/issuer': 'selfsigned' } }, spec: { routingKey: 'web', host: 'web', port: 8080 } });
        // The pod's arguments as the chart renders them, plus what a pod has and a local process lacks.
        const daemon = new DaemonProcess([
          ...args, `--kubeconfig=${await tokenKubeconfig(FULL, NS)}`, '--metrics-bind-address=127.0.0.1:0', '--health-bind-address=127.0.0.1:0',
        ], { SKUPPER_CERT_ROTATOR_LEADER_ELECTION_NAMESPACE: NS, POD_NAME: `${FULL}-upgraded` });
        try {
          await eventually('web issued and wired under the namespaced Role', async () => {
            const c = await getCertificate(watched, 'web-listener-tls');
            const l = await testCluster().objects.read<Listener>({ apiVersion: 'skupper.io/v2alpha1', kind: 'Listener', metadata: { name: 'web', namespace: watched } });
            return c && isReady(c) && l.spec.tlsCredentials === 'web-listener-tls' && c.spec.dnsNames?.some((n) => n.endsWith('.example.internal')) ? true : undefined;
          }, { timeoutMs: 90_000 });
          expect(requestsBy(`system:serviceaccount:${NS}:${FULL}`, since).filter((q) => q.code === 403)).to.deep.equal([]);
        } finally {
          expect(await daemon.stop()).to.equal(0);
        }
      });

      it('helm uninstall leaves nothing of the release behind', async function () {
        await helmOk(['uninstall', RELEASE, '--namespace', NS, '--wait', '--timeout', '3m'], kc());
        // Pods and ReplicaSets go through the garbage collector, after the Deployment.
        let left = '';
        await eventually('nothing labelled with the release', async () => {
          left = (await kubectlOk(['get', KINDS, '-A', '-l', instance, '-o', 'name'], kc())).trim();
          return left === '' ? true : undefined;
        }, { timeoutMs: 120_000 }).catch(() => undefined);
        expect(left, 'objects of the release left after helm uninstall').to.equal('');
        const byName = await kubectl(['get', `clusterrole/${FULL}`, `clusterrolebinding/${FULL}`, '-n', NS, `serviceaccount/${FULL}`, `deployment/${FULL}`, `role/${FULL}-leader-election`, '-o', 'name'], kc());
        expect(byName.stdout, 'by name').to.equal('');
        expect(await helmOk(['list', '--namespace', NS, '--all', '-q'], kc())).to.equal('');
        expect((await kubectlOk(['get', 'secrets', '-n', NS, '-l', `owner=helm,name=${RELEASE}`, '-o', 'name'], kc())).trim(), 'release history').to.equal('');
        // What remains is the daemons' own runtime state: the Leases they took (Helm never owned them).
        const leases = await kubectl(['get', '-n', NS, 'lease/rbac-helm', 'lease/helm-upgraded', '-o', 'name'], kc());
        console.log(`      left after uninstall, not the chart's: ${leases.stdout.trim().split('\n').filter(Boolean).join(', ') || 'nothing'}`);
      });
    });
  });
});
