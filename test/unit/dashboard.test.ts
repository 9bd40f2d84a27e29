// The Grafana dashboard (SPEC §6): its shape, its variables, and that every
// query uses only metrics the daemon exports (SPEC §5). promtool checks the
// PromQL itself in test/integration/monitoring.test.ts.
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import {
  DASHBOARD_PATH, allPanels, dashboardQueries, loadDashboard, substituteVariables,
  type Dashboard, type DashboardPanel, type DashboardTarget, type TemplateVariable,
} from '../../scripts/dashboard/dashboard.js';

const PREFIX = 'skupper_cert_rotator_';

const PER_OBJECT = [
  'certificate_not_after_timestamp_seconds', 'certificate_not_before_timestamp_seconds', 'certificate_renewal_timestamp_seconds',
  'certificate_ready', 'certificate_host_covered', 'ca_bundle_certificates', 'ca_bundle_not_after_timestamp_seconds',
  'served_certificate_current', 'backend_trust_verified',
].map((n) => PREFIX + n);

const DAEMON = [
  'object_problem', 'renewals_total', 'rollouts_total', 'reconcile_total',
  'reconcile_duration_seconds_bucket', 'reconcile_duration_seconds_sum', 'reconcile_duration_seconds_count',
  'watch_restarts_total', 'queue_depth', 'leader', 'build_info',
].map((n) => PREFIX + n);

const PROCESS = ['process_resident_memory_bytes', 'process_cpu_seconds_total', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds', 'up'];

const ALLOWED = new Set([...PER_OBJECT, ...DAEMON, ...PROCESS]);

const METRIC = /\b(skupper_cert_rotator_[a-z_]+|process_[a-z_]+|nodejs_[a-z_]+|up)\b/g;

function metricNames(expr: string): string[] {
  return [...new Set([...expr.matchAll(METRIC)].map((m) => m[1] ?? ''))];
}

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

function variable(d: Dashboard, name: string): TemplateVariable {
  const v = d.templating.list.find((x) => x.name === name);
  if (!v) throw new Error(`no variable ${name}`);
  return v;
}

function queryText(v: TemplateVariable): string {
  return typeof v.query === 'string' ? v.query : (v.query?.query ?? '');
}

function currentValue(v: TemplateVariable): string {
  const value = v.current?.value;
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}

function describePanel(p: DashboardPanel): string {
  return `panel ${p.id ?? '?'} "${p.title ?? ''}"`;
}

/** The target a table field comes from: `Value #A` of a merged table, or `Value` of a single query; renames undone. */
function targetOfField(p: DashboardPanel, field: string): DashboardTarget | undefined {
  const targets = p.targets ?? [];
  const renames = (p.transformations ?? []).filter((t) => t.id === 'organize').flatMap((t) => Object.entries((t.options?.renameByName ?? {}) as Record<string, string>));
  const original = renames.find(([, to]) => to === field)?.[0] ?? field;
  const m = /^Value #(\w+)$/.exec(original);
  if (m) return targets.find((t) => t.refId === m[1]);
  return original === 'Value' && targets.length === 1 ? targets[0] : undefined;
}

describe('Grafana dashboard', function () {
  const dashboard = loadDashboard();
  const panels = allPanels(dashboard);
  const queries = dashboardQueries(dashboard);

  it('is a JSON document with the title, uid, tags, time range and refresh of SPEC §6', function () {
    expect(() => JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8')) as unknown).not.to.throw();
    expect(dashboard.schemaVersion).to.equal(39);
    expect(dashboard.title).to.equal('skupper-cert-rotator');
    expect(dashboard.uid).to.equal('skupper-cert-rotator');
    expect(dashboard.tags).to.have.members(['skupper', 'cert-manager', 'tls']);
    expect(dashboard.time).to.deep.equal({ from: 'now-24h', to: 'now' });
    expect(dashboard.refresh).to.equal('1m');
  });

  it('has the datasource, job, warn_days and critical_days variables', function () {
    expect(dashboard.templating.list.map((v) => v.name)).to.include.members(['datasource', 'job', 'warn_days', 'critical_days']);
    const ds = variable(dashboard, 'datasource');
    expect(ds.type).to.equal('datasource');
    expect(queryText(ds)).to.equal('prometheus');

    const job = variable(dashboard, 'job');
    expect(job.type).to.equal('query');
    expect(job.datasource).to.deep.equal(DATASOURCE);
    expect(queryText(job)).to.equal('label_values(skupper_cert_rotator_build_info, job)');
    expect(job.includeAll).to.equal(true);
    expect(job.allValue).to.equal('.*');

    for (const [name, days] of [['warn_days', '14'], ['critical_days', '3']] as const) {
      const v = variable(dashboard, name);
      expect(v.type, name).to.be.oneOf(['custom', 'textbox']);
      expect(queryText(v).split(',')[0]?.trim(), name).to.equal(days);
      expect(currentValue(v), name).to.equal(days);
    }
  });

  it('has the six rows of SPEC §6 in order', function () {
    const rows = dashboard.panels.filter((p) => p.type === 'row').map((p) => p.title ?? '');
    const want = [/overview/i, /certificates/i, /renewals.*roll-outs/i, /ca bundles/i, /probes/i, /daemon health/i];
    expect(rows).to.have.length(want.length);
    rows.forEach((title, i) => expect(title).to.match(want[i]!));
  });

  it('gives every panel a unique id, rows and panels nested in rows included', function () {
    const ids = panels.map((p) => p.id);
    expect(ids.every((id) => typeof id === 'number'), 'every panel has a numeric id').to.equal(true);
    expect(new Set(ids).size).to.equal(ids.length);
    expect(panels.filter((p) => p.type !== 'row').length).to.be.greaterThan(20);
  });

  it('places every panel inside the 24-column grid without overlaps', function () {
    const placed = panels.filter((p) => p.gridPos).map((p) => ({ p, g: p.gridPos! }));
    expect(placed).to.have.length(panels.length);
    for (const { p, g } of placed) expect(g.x >= 0 && g.w > 0 && g.x + g.w <= 24, describePanel(p)).to.equal(true);
    const overlaps = placed.flatMap((a, i) => placed.slice(i + 1)
      .filter((b) => a.g.x < b.g.x + b.g.w && b.g.x < a.g.x + a.g.w && a.g.y < b.g.y + b.g.h && b.g.y < a.g.y + a.g.h)
      .map((b) => `${describePanel(a.p)} / ${describePanel(b.p)}`));
    expect(overlaps).to.deep.equal([]);
  });

  it('queries the ${datasource} variable from every panel with targets and from every target', function () {
    const withTargets = panels.filter((p) => (p.targets ?? []).length > 0);
    expect(withTargets.length).to.be.greaterThan(20);
    for (const p of withTargets) {
      expect(p.datasource, describePanel(p)).to.deep.equal(DATASOURCE);
      for (const t of p.targets ?? []) expect(t.datasource, `${describePanel(p)} target ${t.refId ?? '?'}`).to.deep.equal(DATASOURCE);
    }
    const refIds = withTargets.flatMap((p) => {
      const ids = (p.targets ?? []).map((t) => t.refId);
      return new Set(ids).size === ids.length && ids.every((id) => id) ? [] : [describePanel(p)];
    });
    expect(refIds, 'panels with missing or repeated refIds').to.deep.equal([]);
  });

  it('uses only metrics the daemon exports', function () {
    expect(queries.length).to.be.greaterThan(15);
    const unknown = queries.flatMap((q) => metricNames(q.expr).filter((n) => !ALLOWED.has(n)).map((n) => `${n} (${q.panel})`));
    expect(unknown).to.deep.equal([]);
    // Only the threshold lines (vector($warn_days * 86400)) may do without a metric.
    const metricless = queries.filter((q) => metricNames(q.expr).length === 0 && !/^vector\([^()]*\)$/.test(q.expr));
    expect(metricless).to.deep.equal([]);
  });

  it('selects every metric with job=~"$job"', function () {
    const selector = /\b(skupper_cert_rotator_[a-z_]+|process_[a-z_]+|nodejs_[a-z_]+|up)\b(\{[^}]*\})?/g;
    const unfiltered = queries.flatMap((q) => [...q.expr.matchAll(selector)]
      .filter((m) => !(m[2] ?? '').includes('job=~"$job"'))
      .map((m) => `${m[1] ?? ''} (${q.panel})`));
    expect(unfiltered).to.deep.equal([]);
  });

  it('shows each of the nine per-object metrics', function () {
    const used = new Set(queries.flatMap((q) => metricNames(q.expr)));
    expect(PER_OBJECT).to.have.length(9);
    expect(PER_OBJECT.filter((n) => !used.has(n))).to.deep.equal([]);
  });

  it('counts expiring certificates against $warn_days and $critical_days', function () {
    const expr = (title: RegExp): string => {
      const p = panels.find((x) => x.type === 'stat' && title.test(x.title ?? ''));
      if (!p) throw new Error(`no stat panel ${String(title)}`);
      return (p.targets ?? []).map((t) => t.expr ?? '').join('\n');
    };
    const notAfter = `${PREFIX}certificate_not_after_timestamp_seconds`;
    for (const [title, variableName] of [[/warn_days/, '$warn_days'], [/critical_days/, '$critical_days']] as const) {
      const e = expr(title);
      expect(e).to.contain(notAfter);
      expect(e).to.contain('- time())');
      expect(e).to.contain(`< ${variableName} * 86400`);
    }
    expect(expr(/not ready/i)).to.match(/certificate_ready\{[^}]*\}\) == 0/);
    expect(expr(/renewal/i)).to.match(/increase\(skupper_cert_rotator_renewals_total\{[^}]*result!="success"[^}]*\}\[\$__range\]\)/);
    expect(expr(/problem/i)).to.contain(`${PREFIX}object_problem`);
  });

  it('sorts the expiring-soon table by time left, soonest first', function () {
    const table = panels.find((p) => p.type === 'table' && /expiring/i.test(p.title ?? ''));
    if (!table) throw new Error('no expiring-soon table');
    for (const t of table.targets ?? []) {
      expect(t.format, `target ${t.refId ?? '?'}`).to.equal('table');
      expect(t.instant, `target ${t.refId ?? '?'}`).to.equal(true);
    }
    const sortBy = (table.transformations ?? []).find((t) => t.id === 'sortBy');
    const sort = (sortBy?.options?.sort ?? []) as { field?: string; desc?: boolean }[];
    expect(sort, 'a sortBy transformation').to.have.length.greaterThanOrEqual(1);
    expect(sort[0]?.desc ?? false).to.equal(false);
    const sorted = targetOfField(table, sort[0]?.field ?? '');
    expect(sorted?.expr).to.match(/certificate_not_after_timestamp_seconds\{[^}]*\}\) - time\(\)$/);

    const renamed = (table.transformations ?? []).filter((t) => t.id === 'organize').flatMap((t) => Object.values((t.options?.renameByName ?? {}) as Record<string, string>));
    expect(renamed).to.include.members(['Namespace', 'Kind', 'Name', 'Secret', 'Time left', 'Not after']);
    const unit = (field: string): unknown => table.fieldConfig?.overrides?.find((o) => o.matcher.options === field)?.properties.find((x) => x.id === 'unit')?.value;
    expect(unit('Time left')).to.equal('dtdurations');
    expect(unit('Not after')).to.equal('dateTimeAsIso');
    expect(targetOfField(table, 'Not after')?.expr).to.match(/certificate_not_after_timestamp_seconds\{[^}]*\}\) \* 1000$/);
  });

  it('charts renewals and roll-outs by trigger/result and strategy/result', function () {
    const exprs = queries.map((q) => q.expr);
    // [$__interval] with a 1m floor: windows tile the range instead of
    // overlapping, so the legend's "sum" is the real number of events.
    expect(exprs).to.include(`sum by (trigger, result) (increase(${PREFIX}renewals_total{job=~"$job"}[$__interval]))`);
    expect(exprs).to.include(`sum by (strategy, result) (increase(${PREFIX}rollouts_total{job=~"$job"}[$__interval]))`);
    for (const title of ['Renewals by trigger and result', 'Roll-outs by strategy and result']) {
      expect(allPanels(loadDashboard()).find((p) => p.title === title)?.interval, title).to.equal('1m');
    }
    expect(exprs.some((e) => e.startsWith('histogram_quantile(0.95, sum by (controller, le) (rate(') && e.includes('reconcile_duration_seconds_bucket'))).to.equal(true);
  });

  describe('dashboardQueries and substituteVariables', function () {
    it('returns the expression of every target, nested panels included', function () {
      const targets = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
      expect(queries.map((q) => q.expr)).to.deep.equal(targets);
      const collapsed: Dashboard = {
        ...dashboard,
        panels: [{ type: 'row', id: 1, title: 'r', panels: [{ type: 'stat', id: 2, title: 'inner', targets: [{ refId: 'A', expr: 'up' }, { refId: 'B' }] }] }],
      };
      expect(dashboardQueries(collapsed)).to.deep.equal([{ panel: 'inner', expr: 'up' }]);
    });

    it('substitutes the dashboard and Grafana variables', function () {
      expect(substituteVariables('sum(increase(x{job=~"$job"}[$__rate_interval])) and y[$__range] < $warn_days * 86400 > $critical_days'))
        .to.equal('sum(increase(x{job=~".*"}[5m])) and y[1h] < 14 * 86400 > 3');
      expect(substituteVariables('rate(x{job=~"${job}"}[$__interval])')).to.equal('rate(x{job=~".*"}[1m])');
      expect(substituteVariables('x[$__interval_ms] $unknown $constructor')).to.equal('x[$__interval_ms] $unknown $constructor');
    });

    it('leaves no variable in any dashboard query', function () {
      const left = queries.map((q) => substituteVariables(q.expr)).filter((e) => e.includes('$'));
      expect(left).to.deep.equal([]);
    });
  });
});
