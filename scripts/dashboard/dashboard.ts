// The Grafana dashboard (dashboards/skupper-cert-rotator.json) as data: its
// panels, flattened out of rows, and every PromQL query on it, so tests can
// check the queries (unit tests here, promtool in the monitoring tests).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../cluster/paths.js';

export const DASHBOARD_PATH = join(repoRoot, 'dashboards', 'skupper-cert-rotator.json');

export interface DatasourceRef {
  type?: string;
  uid?: string;
}

export interface DashboardTarget {
  refId?: string;
  expr?: string;
  datasource?: DatasourceRef;
  instant?: boolean;
  range?: boolean;
  format?: string;
  legendFormat?: string;
}

export interface Transformation {
  id: string;
  options?: Record<string, unknown>;
}

export interface FieldOverride {
  matcher: { id: string; options?: unknown };
  properties: { id: string; value?: unknown }[];
}

export interface DashboardPanel {
  id?: number;
  type: string;
  title?: string;
  datasource?: DatasourceRef;
  gridPos?: { h: number; w: number; x: number; y: number };
  targets?: DashboardTarget[];
  /** A collapsed row keeps its panels here. */
  panels?: DashboardPanel[];
  transformations?: Transformation[];
  fieldConfig?: { defaults?: Record<string, unknown>; overrides?: FieldOverride[] };
  options?: Record<string, unknown>;
  /** Minimum query interval ($__interval floor), e.g. "1m". */
  interval?: string;
}

export interface TemplateVariable {
  name: string;
  type: string;
  query?: string | { query?: string };
  definition?: string;
  datasource?: DatasourceRef;
  current?: { text?: string | string[]; value?: string | string[] };
  includeAll?: boolean;
  allValue?: string;
  multi?: boolean;
}

export interface Dashboard {
  title: string;
  uid: string;
  tags: string[];
  schemaVersion: number;
  refresh: string;
  time: { from: string; to: string };
  templating: { list: TemplateVariable[] };
  panels: DashboardPanel[];
}

export function loadDashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8')) as Dashboard;
}

/** Every panel, rows included, with the panels of collapsed rows after their row. */
export function allPanels(dashboard: Dashboard = loadDashboard()): DashboardPanel[] {
  const out: DashboardPanel[] = [];
  const walk = (panels: DashboardPanel[]): void => {
    for (const p of panels) {
      out.push(p);
      if (p.panels) walk(p.panels);
    }
  };
  walk(dashboard.panels);
  return out;
}

/** Every PromQL expression on the dashboard, with its panel's title; dashboard variables are left as they are. */
export function dashboardQueries(dashboard: Dashboard = loadDashboard()): { panel: string; expr: string }[] {
  return allPanels(dashboard).flatMap((p) =>
    (p.targets ?? []).flatMap((t) => (t.expr === undefined || t.expr.trim() === '' ? [] : [{ panel: p.title ?? `panel ${p.id ?? '?'}`, expr: t.expr }])),
  );
}

/** What a variable stands for when a query is checked outside Grafana. */
export const VARIABLE_VALUES: Readonly<Record<string, string>> = {
  job: '.*',
  warn_days: '14',
  critical_days: '3',
  __rate_interval: '5m',
  __range: '1h',
  __interval: '1m',
};

/**
 * Replaces `$name` and `${name}` of the variables in VARIABLE_VALUES with their
 * values; anything else (say `$__interval_ms`) is left alone, for promtool to refuse.
 */
export function substituteVariables(expr: string): string {
  return expr.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? '';
    return Object.hasOwn(VARIABLE_VALUES, name) ? (VARIABLE_VALUES[name] ?? whole) : whole;
  });
}
