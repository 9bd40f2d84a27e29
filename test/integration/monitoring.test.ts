// SPEC §5/§6: the metrics, the dashboard and the alert rules are one product.
// promtool (built from the Prometheus module) checks and unit-tests the rules
// and every dashboard query; a live daemon's /metrics proves that every name
// they use exists, and that every per-object metric is on the dashboard.
import { X509Certificate } from 'node:crypto';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'yaml';
import * as k8s from '@kubernetes/client-node';
import { CERT_MANAGER_API_VERSION, isReady } from '../../src/model/certmanager.js';
import type { Connector, Listener } from '../../src/model/skupper.js';
import { repoRoot } from '../../cluster/paths.js';
import { makeCA } from '../../cluster/certgen.js';
import { dashboardQueries, substituteVariables } from '../../scripts/dashboard/dashboard.js';
import { DaemonProcess } from '../support/daemon.js';
import { apply, createNamespace, decode, getCertificate } from '../support/k8s.js';
import { alertRuleGroups, promtool, workDir } from '../support/promtool.js';
import { testCluster } from '../support/cluster.js';
import { daemonKubeconfig } from '../support/serviceaccount.js';
import { eventually } from '../support/wait.js';

const METRIC = /\b(skupper_cert_rotator_[a-z_]+|process_[a-z_]+|nodejs_[a-z_]+)\b/g;

/** Metric names in a PromQL expression (label names and functions do not match the prefixes). */
function metricNames(expr: string): string[] {
  return [...new Set([...expr.matchAll(METRIC)].map((m) => m[1] ?? ''))];
}

/** Names a scrape has samples for, with a histogram's _bucket/_sum/_count series. */
function sampledNames(scrape: string): Set<string> {
  const names = new Set<string>();
  for (const line of scrape.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (m?.[1]) names.add(m[1]);
  }
  return names;
}

/**
 * Names the daemon declares (# TYPE), sampled or not: object_problem has no
 * series while every object is healthy, and that is not a missing metric.
 */
function declaredNames(scrape: string): Set<string> {
  const names = new Set<string>();
  for (const m of scrape.matchAll(/^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)$/gm)) {
    const [, name = '', type] = m;
    names.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
  }
  return names;
}

describe('Metrics, dashboard and alerts agree (SPEC §5, §6)', function () {
  this.timeout(300_000);

  it('promtool check rules accepts the PrometheusRule and its rule unit tests pass', async function () {
    const dir = workDir({ 'alerts.rules.yaml': alertRuleGroups() });
    copyFileSync(join(repoRoot, 'test', 'prometheus', 'alerts.test.yaml'), join(dir, 'alerts.test.yaml'));
    const check = await promtool(['check', 'rules', 'alerts.rules.yaml'], dir);
    expect(check.code, check.output).to.equal(0);
    const test = await promtool(['test', 'rules', 'alerts.test.yaml'], dir);
    expect(test.code, test.output).to.equal(0);
    expect(test.output).to.contain('SUCCESS');
  });

  it('every alert is exercised by the rule tests, firing at least once and silent at least once', function () {
    const alerts = alertRuleGroups().groups.flatMap((g) => g.rules.map((r) => r.alert)).filter((a): a is string => a !== undefined);
    expect(alerts.length).to.be.greaterThanOrEqual(10);
    const tests = parse(readFileSync(join(repoRoot, 'test', 'prometheus', 'alerts.test.yaml'), 'utf8')) as { tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[] };
    const cases = tests.tests.flatMap((t) => t.alert_rule_test ?? []);
    const untested = alerts.flatMap((a) => {
      const mine = cases.filter((c) => c.alertname === a);
      return [
        ...(mine.some((c) => (c.exp_alerts ?? []).length > 0) ? [] : [`${a} never fires`]),
        ...(mine.some((c) => (c.exp_alerts ?? []).length === 0) ? [] : [`${a} is never shown silent`]),
      ];
    });
    expect(untested).to.deep.equal([]);
  });

  it('every dashboard query is valid PromQL (promtool parses each as a recording rule)', async function () {
    const queries = dashboardQueries();
    expect(queries.length).to.be.greaterThan(15);
    const rules = { groups: [{ name: 'dashboard', rules: queries.map((q, i) => ({ record: `dashboard:query_${i}`, expr: substituteVariables(q.expr) })) }] };
    const dir = workDir({ 'dashboard.rules.yaml': rules });
    const check = await promtool(['check', 'rules', 'dashboard.rules.yaml'], dir);
    expect(check.code, `${check.output}\n${queries.map((q, i) => `${i}: ${q.panel}: ${q.expr}`).join('\n')}`).to.equal(0);
  });

  describe('against a live daemon', function () {
    let daemon: DaemonProcess;
    let scrape: string;
    let ns: string;
    let listenerSecret: k8s.V1Secret;
    const ca = makeCA({ cn: 'monitoring CA' });

    before(async function () {
      ns = await createNamespace('mon');
      await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'Issuer', metadata: { name: 'selfsigned', namespace: ns }, spec: { selfSigned: {} } });
      await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'Certificate', metadata: { name: 'ca', namespace: ns }, spec: { isCA: true, commonName: 'mon CA', secretName: 'ca', issuerRef: { name: 'selfsigned', kind: 'Issuer', group: 'cert-manager.io' } } });
      await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'Issuer', metadata: { name: 'ca', namespace: ns }, spec: { ca: { secretName: 'ca' } } });
      await apply<k8s.V1Secret>({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'partner-ca', namespace: ns }, type: 'Opaque', stringData: { 'ca.crt': ca.certPem } });
      await apply<Listener>({ apiVersion: 'skupper.io/v2alpha1', kind: 'Listener', metadata: { name: 'web', namespace: ns, annotations: { 'cert-manager.io/issuer': 'ca' } }, spec: { routingKey: 'web', host: 'web', port: 8080 } });
      await apply<Connector>({ apiVersion: 'skupper.io/v2alpha1', kind: 'Connector', metadata: { name: 'db', namespace: ns, annotations: { 'skupper-cert-rotator.io/trust': 'issuer/ca,secret/partner-ca', 'cert-manager.io/issuer': 'ca' } }, spec: { routingKey: 'db', host: 'db.example', port: 5432, useClientCert: true } });
      daemon = new DaemonProcess([
        'run', `--kubeconfig=${await daemonKubeconfig()}`, '--metrics-bind-address=127.0.0.1:0', '--health-bind-address=127.0.0.1:0',
        `--namespaces=${ns}`, '--probe', '--probe-interval=5s', '--resync-period=10s',
      ]);
      listenerSecret = await eventually('Listener Secret issued', async () => {
        const c = await getCertificate(ns, 'web-listener-tls');
        return c && isReady(c) ? testCluster().core.readNamespacedSecret({ namespace: ns, name: 'web-listener-tls' }) : undefined;
      }, { timeoutMs: 60_000 });
      // Every per-object series, the probes' included (the probes fail here: nothing listens, so they report 0).
      scrape = await eventually('all per-object series', async () => {
        const t = await (await fetch(`http://${await daemon.address('metrics')}/metrics`)).text();
        const want = ['served_certificate_current{', 'backend_trust_verified{', 'kind="connector-client"', 'ca_bundle_certificates{namespace="' + ns + '",kind="connector"'];
        return want.every((w) => t.includes(w)) ? t : undefined;
      }, { timeoutMs: 60_000 });
    });

    after(async function () {
      expect(await daemon.stop()).to.equal(0);
    });

    it('shows the per-object series with the Secrets\' values', function () {
      const l = `namespace="${ns}",kind="listener",name="web",secret="web-listener-tls"`;
      const notAfter = Math.floor(Date.parse(new X509Certificate(decode(listenerSecret, 'tls.crt')).validTo) / 1000);
      expect(scrape).to.contain(`skupper_cert_rotator_certificate_not_after_timestamp_seconds{${l}} ${notAfter}`);
      expect(scrape).to.contain(`skupper_cert_rotator_certificate_host_covered{${l}} 1`);
      expect(scrape).to.contain(`skupper_cert_rotator_certificate_ready{${l}} 1`);
      // Two CAs: the issuer's and the partner's.
      expect(scrape).to.contain(`skupper_cert_rotator_ca_bundle_certificates{namespace="${ns}",kind="connector",name="db",secret="db-connector-tls"} 2`);
      expect(scrape).to.match(/^skupper_cert_rotator_certificate_ready\{namespace="[^"]+",kind="connector-client",name="db",secret="db-connector-client"\} 1$/m);
    });

    it('counters with known label sets are exported at 0 before anything happened', function () {
      expect(scrape).to.match(/^skupper_cert_rotator_renewals_total\{trigger="window",result="failure"\} 0$/m);
      expect(scrape).to.match(/^skupper_cert_rotator_rollouts_total\{strategy="restart",result="error"\} 0$/m);
      expect(scrape).to.match(/^skupper_cert_rotator_watch_restarts_total\{resource="listeners"\} \d+$/m);
    });

    it('every metric a dashboard query or an alert uses is exported', function () {
      const exposed = declaredNames(scrape);
      const used = [
        ...dashboardQueries().map((q) => ({ where: `dashboard panel "${q.panel}"`, expr: q.expr })),
        ...alertRuleGroups().groups.flatMap((g) => g.rules.map((r) => ({ where: `alert ${r.alert ?? r.record ?? '?'}`, expr: r.expr }))),
      ];
      const missing = used.flatMap((u) => metricNames(u.expr).filter((n) => !exposed.has(n)).map((n) => `${n} (${u.where})`));
      expect(missing).to.deep.equal([]);
    });

    it('every exported per-object metric is on the dashboard', function () {
      const perObject = [...sampledNames(scrape)].filter((n) => n.startsWith('skupper_cert_rotator_') && new RegExp(`^${n}\\{[^}]*kind="`, 'm').test(scrape));
      expect(perObject.length).to.be.greaterThanOrEqual(9);
      const onDashboard = new Set(dashboardQueries().flatMap((q) => metricNames(q.expr)));
      expect(perObject.filter((n) => !onDashboard.has(n))).to.deep.equal([]);
    });
  });
});
