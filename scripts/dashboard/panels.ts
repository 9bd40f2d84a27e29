// What Grafana does between the Prometheus answer and the screen, for the
// panel features dashboards/skupper-cert-rotator.json uses: legend formats,
// the merge/sortBy/organize table transformations, units, decimals,
// thresholds, value mappings, per-column and per-query overrides. Pure, so the
// picture follows the dashboard file: change a title, a unit or a threshold
// there and the next render shows it.
import type { DashboardPanel, FieldOverride } from './dashboard.js';
import { substituteVariables } from './dashboard.js';
import { classicPalette, resolveColor, type BarGaugeView, type Point, type SeriesView, type StatView, type TableCell, type TableView, type TimeSeriesView } from './svg.js';
import { formatValue } from './units.js';

export type Labels = Record<string, string>;

/** One element of an instant query's vector result (/api/v1/query). */
export interface InstantSample {
  metric: Labels;
  value: [number, string];
}

/** One element of a range query's matrix result (/api/v1/query_range). */
export interface RangeSeries {
  metric: Labels;
  values: [number, string][];
}

export interface InstantFrame {
  refId: string;
  samples: InstantSample[];
}

export interface RangeFrame {
  refId: string;
  series: RangeSeries[];
}

/** Prometheus sends sample values as strings, with "NaN", "+Inf" and "-Inf". */
export function parsePromValue(s: string): number {
  if (s === '+Inf' || s === 'Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  return Number(s);
}

/** Dashboard variables in titles and legends, as Grafana interpolates them. */
export function interpolate(text: string): string {
  return substituteVariables(text);
}

/** Grafana's legendFormat: `{{label}}` replaced by the label's value (empty when absent). */
export function legendName(format: string | undefined, labels: Labels): string {
  if (format === undefined || format === '' || format === '__auto') {
    const { __name__: name = '', ...rest } = labels;
    const inner = Object.entries(rest).map(([k, v]) => `${k}="${v}"`).join(', ');
    return inner ? `${name}{${inner}}` : name || '{}';
  }
  return interpolate(format).replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_, key: string) => labels[key] ?? '');
}

interface Step {
  color: string;
  value: number | null;
}

interface Thresholds {
  steps: Step[];
}

interface ValueMapping {
  type: string;
  options?: Record<string, { text?: string; color?: string }>;
}

interface FieldSettings {
  unit?: string;
  decimals?: number;
  thresholds?: Thresholds;
  mappings?: ValueMapping[];
  cellType?: string;
  color?: { mode?: string; fixedColor?: string };
  dashed?: boolean;
  fillOpacity?: number;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readSettings(config: Record<string, unknown> | undefined): FieldSettings {
  const out: FieldSettings = {};
  if (!config) return out;
  if (typeof config.unit === 'string') out.unit = config.unit;
  if (typeof config.decimals === 'number') out.decimals = config.decimals;
  if (isRecord(config.thresholds) && Array.isArray(config.thresholds.steps)) out.thresholds = config.thresholds as unknown as Thresholds;
  if (Array.isArray(config.mappings)) out.mappings = config.mappings as ValueMapping[];
  if (isRecord(config.color)) out.color = config.color;
  const custom = isRecord(config.custom) ? config.custom : {};
  if (isRecord(custom.cellOptions) && typeof custom.cellOptions.type === 'string') out.cellType = custom.cellOptions.type;
  if (typeof custom.fillOpacity === 'number') out.fillOpacity = custom.fillOpacity;
  if (isRecord(custom.lineStyle) && custom.lineStyle.fill === 'dash') out.dashed = true;
  return out;
}

/** An override's properties as settings: "custom.cellOptions" → cellType, and so on. */
function overrideSettings(o: FieldOverride): FieldSettings {
  const config: Record<string, unknown> = {};
  const custom: Record<string, unknown> = {};
  for (const p of o.properties) {
    if (p.id.startsWith('custom.')) custom[p.id.slice('custom.'.length)] = p.value;
    else config[p.id] = p.value;
  }
  return readSettings({ ...config, custom });
}

function settingsFor(panel: DashboardPanel, match: (o: FieldOverride) => boolean): FieldSettings {
  let s = readSettings(panel.fieldConfig?.defaults);
  for (const o of panel.fieldConfig?.overrides ?? []) if (match(o)) s = { ...s, ...overrideSettings(o) };
  return s;
}

/** The colour of the highest threshold step at or below `value` (a null step is minus infinity). */
export function thresholdColor(thresholds: Thresholds | undefined, value: number): string | undefined {
  let color: string | undefined;
  for (const step of thresholds?.steps ?? []) if (step.value === null || value >= step.value) color = step.color;
  return color === undefined ? undefined : resolveColor(color);
}

function mapped(mappings: ValueMapping[] | undefined, value: number): { text?: string; color?: string } | undefined {
  for (const m of mappings ?? []) {
    if (m.type !== 'value') continue;
    const hit = m.options?.[String(value)];
    if (hit) return hit;
  }
  return undefined;
}

function formatted(s: FieldSettings, value: number): { text: string; color?: string } {
  const hit = mapped(s.mappings, value);
  const color = hit?.color !== undefined ? resolveColor(hit.color) : thresholdColor(s.thresholds, value);
  return { text: hit?.text ?? formatValue(value, s.unit, s.decimals), ...(color !== undefined ? { color } : {}) };
}

// ---------------------------------------------------------------------------

export function statView(panel: DashboardPanel, frames: InstantFrame[]): StatView {
  const title = interpolate(panel.title ?? '');
  const sample = frames[0]?.samples[0];
  if (!sample) return { kind: 'stat', title, text: 'No data', color: resolveColor('text') };
  const value = parsePromValue(sample.value[1]);
  const f = formatted(settingsFor(panel, () => false), value);
  return { kind: 'stat', title, text: f.text, color: f.color ?? resolveColor('green') };
}

export function barGaugeView(panel: DashboardPanel, frames: InstantFrame[]): BarGaugeView {
  const s = settingsFor(panel, () => false);
  const bars = frames.flatMap((frame) => {
    const target = panel.targets?.find((t) => t.refId === frame.refId);
    return frame.samples.map((sample) => {
      const value = parsePromValue(sample.value[1]);
      const f = formatted(s, value);
      return { name: legendName(target?.legendFormat, sample.metric), value, text: f.text, color: f.color ?? resolveColor('green') };
    });
  });
  return { kind: 'bargauge', title: interpolate(panel.title ?? ''), bars };
}

type Row = Map<string, string | number>;

/** Prometheus "table" frames: a row per sample with Time, the labels and "Value" ("Value #A" when the panel has several queries). */
function tableFrames(panel: DashboardPanel, frames: InstantFrame[]): Row[][] {
  const several = (panel.targets ?? []).length > 1;
  return frames.map((frame) => frame.samples.map((sample) => {
    const row: Row = new Map();
    row.set('Time', sample.value[0] * 1000);
    for (const [k, v] of Object.entries(sample.metric).filter(([name]) => name !== '__name__').sort(([a], [b]) => a.localeCompare(b))) row.set(k, v);
    row.set(several ? `Value #${frame.refId}` : 'Value', parsePromValue(sample.value[1]));
    return row;
  }));
}

/** Grafana's "merge": rows of all frames with the same label values become one row. */
export function mergeFrames(frames: Row[][]): Row[] {
  const byKey = new Map<string, Row>();
  for (const frame of frames) {
    for (const row of frame) {
      const key = JSON.stringify([...row.entries()].filter(([k, v]) => typeof v === 'string' && k !== 'Time').sort(([a], [b]) => a.localeCompare(b)));
      const existing = byKey.get(key);
      if (existing) for (const [k, v] of row) existing.set(k, v);
      else byKey.set(key, new Map(row));
    }
  }
  return [...byKey.values()];
}

function compare(a: string | number | undefined, b: string | number | undefined): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b));
}

export function tableView(panel: DashboardPanel, frames: InstantFrame[]): TableView {
  let rows: Row[] = tableFrames(panel, frames).flat();
  let order: string[] | undefined;
  let exclude = new Set<string>();
  let rename: Record<string, string> = {};
  for (const t of panel.transformations ?? []) {
    const o = t.options ?? {};
    if (t.id === 'merge') rows = mergeFrames(tableFrames(panel, frames));
    if (t.id === 'sortBy' && Array.isArray(o.sort)) {
      const [first] = o.sort as { field: string; desc?: boolean }[];
      if (first) {
        // Before "organize" the field has its query name; after, its display name.
        const field = Object.entries(rename).find(([, to]) => to === first.field)?.[0] ?? first.field;
        rows = [...rows].sort((a, b) => compare(a.get(field), b.get(field)) * (first.desc ? -1 : 1));
      }
    }
    if (t.id === 'organize') {
      exclude = new Set(Object.entries(isRecord(o.excludeByName) ? o.excludeByName : {}).filter(([, v]) => v === true).map(([k]) => k));
      const index = isRecord(o.indexByName) ? (o.indexByName as Record<string, number>) : {};
      order = Object.keys(index).sort((a, b) => (index[a] ?? 0) - (index[b] ?? 0));
      rename = isRecord(o.renameByName) ? (o.renameByName as Record<string, string>) : {};
    }
  }
  const present = new Set(rows.flatMap((r) => [...r.keys()]));
  const fields = [...(order ?? []).filter((f) => present.has(f)), ...[...present].filter((f) => !(order ?? []).includes(f))].filter((f) => !exclude.has(f));
  const columns = fields.map((f) => rename[f] ?? f);
  const settings = columns.map((name) => settingsFor(panel, (o) => o.matcher.id === 'byName' && o.matcher.options === name));
  const cells = rows.map((row) => fields.map((f, i): TableCell => {
    const v = row.get(f);
    if (v === undefined) return { text: '' };
    if (typeof v === 'string') return { text: v };
    const s = settings[i] ?? {};
    const f2 = formatted(s, v);
    const cell: TableCell = { text: f2.text, alignRight: true };
    if (s.cellType === 'color-background' && f2.color) cell.background = f2.color;
    else if (s.cellType === 'color-text' && f2.color) cell.color = f2.color;
    else if (mapped(s.mappings, v)?.color !== undefined && f2.color) cell.color = f2.color;
    return cell;
  }));
  return { kind: 'table', title: interpolate(panel.title ?? ''), columns, rows: cells };
}

type Calc = 'lastNotNull' | 'last' | 'max' | 'min' | 'mean' | 'sum';

/** Grafana's legend column headers for its reducers. */
export const CALC_NAMES: Readonly<Record<string, string>> = { lastNotNull: 'Last *', last: 'Last', max: 'Max', min: 'Min', mean: 'Mean', sum: 'Total' };

export function reduce(points: readonly Point[], calc: string): number {
  const values = points.map((p) => p[1]).filter((v) => !Number.isNaN(v));
  if (values.length === 0) return NaN;
  switch (calc as Calc) {
    case 'last':
      return points[points.length - 1]?.[1] ?? NaN;
    case 'lastNotNull':
      return values[values.length - 1] ?? NaN;
    case 'max':
      return Math.max(...values);
    case 'min':
      return Math.min(...values);
    case 'mean':
      return values.reduce((a, v) => a + v, 0) / values.length;
    case 'sum':
      return values.reduce((a, v) => a + v, 0);
    default:
      return NaN;
  }
}

export interface TimeRange {
  from: number;
  to: number;
  step: number;
}

export function timeSeriesView(panel: DashboardPanel, frames: RangeFrame[], range: TimeRange, placement?: 'bottom' | 'right'): TimeSeriesView {
  const defaults = readSettings(panel.fieldConfig?.defaults);
  const custom = isRecord(panel.fieldConfig?.defaults?.custom) ? panel.fieldConfig.defaults.custom : {};
  const legendOptions = isRecord(panel.options?.legend) ? panel.options.legend : {};
  const calcs = Array.isArray(legendOptions.calcs) ? (legendOptions.calcs as string[]) : [];
  let colorIndex = 0;
  const series: SeriesView[] = frames.flatMap((frame) => {
    const target = panel.targets?.find((t) => t.refId === frame.refId);
    const s = settingsFor(panel, (o) => o.matcher.id === 'byFrameRefID' && o.matcher.options === frame.refId);
    return frame.series.map((rs): SeriesView => {
      const points = rs.values.map(([t, v]): Point => [t, parsePromValue(v)]);
      const color = s.color?.mode === 'fixed' && s.color.fixedColor ? resolveColor(s.color.fixedColor) : (classicPalette[colorIndex++ % classicPalette.length] ?? '#7EB26D');
      return {
        name: legendName(target?.legendFormat, rs.metric),
        color,
        points,
        ...(s.dashed ? { dashed: true } : {}),
        fillOpacity: s.fillOpacity ?? 0,
        legendValues: calcs.map((c) => formatValue(reduce(points, c), defaults.unit, defaults.decimals)),
      };
    });
  });
  const placed = placement ?? (legendOptions.placement === 'right' ? 'right' : 'bottom');
  return {
    kind: 'timeseries',
    title: interpolate(panel.title ?? ''),
    ...(defaults.unit !== undefined ? { unit: defaults.unit } : {}),
    draw: custom.drawStyle === 'bars' ? 'bars' : 'line',
    interpolation: custom.lineInterpolation === 'stepAfter' ? 'stepAfter' : 'linear',
    stacked: isRecord(custom.stacking) && custom.stacking.mode === 'normal',
    from: range.from,
    to: range.to,
    step: range.step,
    series,
    legend: { placement: placed, calcs: calcs.map((c) => CALC_NAMES[c] ?? c) },
  };
}

// ---------------------------------------------------------------------------
// Grafana's built-in interval variables

export interface QueryIntervals {
  /** $__interval: the query step, seconds. */
  interval: number;
  /** $__rate_interval, seconds. */
  rateInterval: number;
  /** $__range, seconds. */
  range: number;
}

const ROUND_INTERVALS = [1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400];

/**
 * What Grafana computes for a panel: the step is the time range over the
 * panel's width in pixels (its max data points), rounded to a round interval
 * and never below the data source's scrape interval; $__rate_interval is
 * max($__interval + scrape interval, 4 × scrape interval).
 */
export function queryIntervals(from: number, to: number, maxDataPoints: number, scrapeInterval: number): QueryIntervals {
  const raw = (to - from) / Math.max(1, maxDataPoints);
  const rounded = ROUND_INTERVALS.find((s) => s >= raw) ?? Math.ceil(raw / 86_400) * 86_400;
  const interval = Math.max(rounded, scrapeInterval);
  return { interval, rateInterval: Math.max(interval + scrapeInterval, 4 * scrapeInterval), range: Math.round(to - from) };
}

/**
 * A panel's PromQL as Grafana sends it: the interval variables from the
 * panel's time range, then the dashboard variables as scripts/dashboard/dashboard.ts
 * sets them (job = all, warn_days = 14, critical_days = 3).
 */
export function interpolateExpr(expr: string, iv: QueryIntervals): string {
  const builtins: Record<string, number> = { __rate_interval: iv.rateInterval, __interval: iv.interval, __range: iv.range };
  const withIntervals = expr.replace(/\$\{(__\w+)\}|\$(__\w+)/g, (whole, braced: string | undefined, bare: string | undefined) => {
    const seconds = builtins[braced ?? bare ?? ''];
    return seconds === undefined ? whole : `${seconds}s`;
  });
  return substituteVariables(withIntervals);
}
