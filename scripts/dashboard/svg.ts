// Renders dashboard panels (already evaluated: numbers and strings, no PromQL)
// to one SVG in the look of Grafana's dark theme. Pure: data in, string out,
// so it is unit-tested without a cluster or a Prometheus.
//
// Layout follows Grafana's grid: 24 columns, a grid unit is 30 px high with
// 8 px between panels. Text widths are estimated (an SVG has no layout
// engine), from DejaVu Sans metrics, the font rsvg-convert falls back to.
import { formatValue } from './units.js';

export type Point = readonly [timeSeconds: number, value: number];

export interface StatView {
  kind: 'stat';
  title: string;
  text: string;
  color: string;
}

export interface TableCell {
  text: string;
  /** Text colour (Grafana's color-text cells). */
  color?: string;
  /** Cell background (color-background cells). */
  background?: string;
  alignRight?: boolean;
}

export interface TableView {
  kind: 'table';
  title: string;
  columns: string[];
  rows: TableCell[][];
}

export interface SeriesView {
  name: string;
  color: string;
  points: readonly Point[];
  dashed?: boolean;
  /** 0-100, as in Grafana's fillOpacity. */
  fillOpacity?: number;
  /** Formatted legend values, one per entry of the panel's legend calcs. */
  legendValues?: string[];
}

export interface TimeSeriesView {
  kind: 'timeseries';
  title: string;
  unit?: string;
  draw: 'line' | 'bars';
  interpolation?: 'linear' | 'stepAfter';
  stacked?: boolean;
  from: number;
  to: number;
  /** Seconds between points; a longer pause between two points is a gap (Grafana's spanNulls: false). */
  step: number;
  series: SeriesView[];
  legend: { placement: 'bottom' | 'right'; calcs: string[] };
}

export interface BarGaugeView {
  kind: 'bargauge';
  title: string;
  bars: { name: string; value: number; text: string; color: string }[];
}

export type PanelView = StatView | TableView | TimeSeriesView | BarGaugeView;

export interface PlacedPanel {
  view: PanelView;
  /** Grid columns (of 24) and grid units, as in a Grafana gridPos. */
  w: number;
  h: number;
}

export interface DashboardView {
  title: string;
  /** Small text right of the title: time range, variables. */
  subtitle: string;
  rows: { title: string; panels: PlacedPanel[] }[];
  footer?: string;
}

// Grafana 11 dark theme.
export const theme = {
  canvas: '#111217',
  panel: '#181b1f',
  border: '#2b2e33',
  text: '#ccccdc',
  textWeak: '#9fa0a8',
  grid: '#26282d',
  headerRow: '#1f2126',
  font: "Inter, 'Helvetica Neue', Arial, 'DejaVu Sans', sans-serif",
} as const;

/** Grafana's named colours (dark theme) and its classic palette for series. */
export const namedColors: Readonly<Record<string, string>> = {
  green: '#73BF69',
  'dark-green': '#37872D',
  red: '#F2495C',
  'dark-red': '#C4162A',
  orange: '#FF9830',
  yellow: '#FADE2A',
  blue: '#5794F2',
  purple: '#B877D9',
  text: theme.text,
};

export const classicPalette: readonly string[] = [
  '#7EB26D', '#EAB839', '#6ED0E0', '#EF843C', '#E24D42', '#1F78C1', '#BA43A9', '#705DA0',
  '#508642', '#CCA300', '#447EBC', '#C15C17', '#890F02', '#0A437C', '#6D1F62', '#584477',
];

export function resolveColor(name: string): string {
  return namedColors[name] ?? name;
}

export const GRID = { columns: 24, unit: 30, gap: 8 } as const;

// ---------------------------------------------------------------------------
// Text

/**
 * Text for an SVG text node or attribute. Label values come from the cluster
 * (namespaces, names, reasons) and are not ours to trust; characters XML 1.0
 * forbids (most C0 controls) cannot even be escaped, so they are dropped.
 */
export function escapeXml(text: string): string {
  return text
    // eslint-disable-next-line no-control-regex -- removing exactly these is the point
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Estimated advance of one character in em (DejaVu Sans widths, rounded). */
function charEm(c: string): number {
  if (' .,:;!|\'ijlI'.includes(c)) return 0.3;
  if ('ft()[]{}r-/'.includes(c)) return 0.4;
  if ('mwMW@%'.includes(c)) return 0.9;
  if (/[A-Z]/.test(c)) return 0.7;
  if (/[0-9]/.test(c)) return 0.64;
  return 0.6;
}

export function textWidth(text: string, fontSize: number): number {
  let em = 0;
  for (const c of text) em += charEm(c);
  return em * fontSize;
}

/** `text`, shortened with an ellipsis to fit `maxWidth` px. */
export function fitText(text: string, maxWidth: number, fontSize: number): string {
  if (textWidth(text, fontSize) <= maxWidth) return text;
  // Whole graphemes, so an ellipsis never splits a character in two.
  const chars = Array.from(new Intl.Segmenter().segment(text), (g) => g.segment);
  while (chars.length > 0 && textWidth(`${chars.join('')}…`, fontSize) > maxWidth) chars.pop();
  return chars.length === 0 ? '' : `${chars.join('')}…`;
}

interface TextOpts {
  size?: number;
  color?: string;
  weight?: number;
  anchor?: 'start' | 'middle' | 'end';
  maxWidth?: number;
}

function text(x: number, y: number, content: string, o: TextOpts = {}): string {
  const size = o.size ?? 12;
  const shown = o.maxWidth === undefined ? content : fitText(content, o.maxWidth, size);
  if (shown === '') return '';
  const attrs = [
    `x="${r(x)}"`, `y="${r(y)}"`, `font-size="${size}"`, `fill="${o.color ?? theme.text}"`,
    ...(o.weight ? [`font-weight="${o.weight}"`] : []),
    ...(o.anchor && o.anchor !== 'start' ? [`text-anchor="${o.anchor}"`] : []),
  ];
  return `<text ${attrs.join(' ')}>${escapeXml(shown)}</text>`;
}

/** Coordinates with at most one decimal: smaller files, same picture. */
function r(n: number): string {
  return String(Math.round(n * 10) / 10);
}

function rect(x: number, y: number, w: number, h: number, fill: string, extra = ''): string {
  return `<rect x="${r(x)}" y="${r(y)}" width="${r(Math.max(0, w))}" height="${r(Math.max(0, h))}" fill="${fill}"${extra ? ` ${extra}` : ''}/>`;
}

// ---------------------------------------------------------------------------
// Scales

export interface Scale {
  min: number;
  max: number;
  ticks: number[];
}

const TIME_STEPS = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200,
  86_400, 172_800, 259_200, 604_800, 1_209_600, 2_592_000, 7_776_000, 15_552_000, 31_536_000,
];

function niceStep(span: number, maxTicks: number, seconds: boolean): number {
  const raw = span / Math.max(1, maxTicks);
  if (seconds) return TIME_STEPS.find((s) => s >= raw) ?? Math.ceil(raw / 31_536_000) * 31_536_000;
  const pow = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * pow >= raw) return m * pow;
  return 10 * pow;
}

/**
 * The value axis: the data range widened to round ticks. Zero is included when
 * all values are on one side of it (counters, sizes); no finite value at all
 * gives 0..1, so an empty chart still has an axis.
 */
export function valueScale(values: readonly number[], unit: string | undefined, maxTicks = 5): Scale {
  const finite = values.filter((v) => Number.isFinite(v));
  let lo = finite.length ? Math.min(...finite) : 0;
  let hi = finite.length ? Math.max(...finite) : 1;
  lo = Math.min(lo, 0);
  hi = Math.max(hi, 0);
  if (hi === lo) hi = lo + (unit === 'percentunit' ? 0.01 : 1);
  let step = niceStep(hi - lo, maxTicks, unit === 's' && hi - lo >= 60);
  if (unit === 'bytes' && hi - lo >= 1024) {
    // Round in the binary unit the labels use: 32 MiB, 64 MiB, not 47.7 MiB.
    const base = 1024 ** Math.floor(Math.log(hi - lo) / Math.log(1024));
    step = niceStep((hi - lo) / base, maxTicks, false) * base;
  }
  // The epsilons absorb floating-point noise (0.3 / 0.1 = 2.9999999999999996), never a whole step.
  const min = Math.floor(lo / step + 1e-9) * step;
  const max = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let v = min; v <= max + step / 1e6; v += step) ticks.push(Math.abs(v) < step / 1e6 ? 0 : v);
  return { min, max, ticks };
}

/** Time axis ticks: round instants (UTC) at least `minGapPx` apart. */
export function timeTicks(from: number, to: number, widthPx: number, minGapPx = 90): number[] {
  if (!(to > from) || widthPx <= 0) return [];
  const step = niceStep(to - from, Math.floor(widthPx / minGapPx), true);
  const out: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) out.push(t);
  return out;
}

function timeLabel(t: number, step: number): string {
  const iso = new Date(t * 1000).toISOString();
  return step < 60 ? iso.slice(11, 19) : step < 86_400 ? iso.slice(11, 16) : iso.slice(5, 10);
}

// ---------------------------------------------------------------------------
// Panels

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

const TITLE_H = 32;
const PAD = 8;

function panelFrame(b: Box, title: string, fill: string = theme.panel, titleColor: string = theme.text): string {
  return [
    rect(b.x, b.y, b.w, b.h, fill, `rx="3" stroke="${theme.border}" stroke-width="1"`),
    text(b.x + PAD, b.y + 21, title, { size: 14, weight: 500, color: titleColor, maxWidth: b.w - 2 * PAD }),
  ].join('');
}

function noData(b: Box): string {
  return text(b.x + b.w / 2, b.y + TITLE_H + (b.h - TITLE_H) / 2 + 6, 'No data', { size: 16, color: theme.textWeak, anchor: 'middle' });
}

function renderStat(v: StatView, b: Box): string {
  // colorMode "background": the whole panel takes the value's colour.
  const out = [panelFrame(b, v.title, v.color, '#ffffff')];
  const avail = { w: b.w - 2 * PAD, h: b.h - TITLE_H - PAD };
  const size = Math.max(10, Math.min(avail.h * 0.7, (avail.w / Math.max(1, textWidth(v.text, 1))) * 0.9, 64));
  out.push(text(b.x + b.w / 2, b.y + TITLE_H + avail.h / 2 + size * 0.36, v.text, { size: Math.round(size), weight: 500, color: '#ffffff', anchor: 'middle' }));
  return out.join('');
}

const ROW_H = 28;
const CELL_PAD = 8;
const TABLE_FONT = 12;

/** Grid units a table needs to show `rows` rows without cutting any. */
export function tableUnits(rows: number): number {
  const px = TITLE_H + ROW_H * (rows + 1) + PAD + 4;
  return Math.ceil((px + GRID.gap) / (GRID.unit + GRID.gap));
}

/** Column widths proportional to their widest text (capped), filling `width`. */
export function columnWidths(columns: readonly string[], rows: readonly (readonly TableCell[])[], width: number, fontSize = TABLE_FONT): number[] {
  if (columns.length === 0) return [];
  const natural = columns.map((c, i) => {
    const widest = Math.max(textWidth(c, fontSize), ...rows.map((row) => textWidth(row[i]?.text ?? '', fontSize)));
    return Math.min(widest, 260) + 2 * CELL_PAD;
  });
  const total = natural.reduce((a, n) => a + n, 0);
  return natural.map((n) => (n / total) * width);
}

function renderTable(v: TableView, b: Box): string {
  const out = [panelFrame(b, v.title)];
  if (v.rows.length === 0) return out.join('') + noData(b);
  const x0 = b.x + PAD;
  const width = b.w - 2 * PAD;
  const widths = columnWidths(v.columns, v.rows, width);
  let y = b.y + TITLE_H;
  out.push(rect(x0, y, width, ROW_H, theme.headerRow));
  let x = x0;
  v.columns.forEach((c, i) => {
    const w = widths[i] ?? 0;
    // A header sits on the side its values do.
    const right = v.rows.some((row) => row[i]?.alignRight === true);
    out.push(text(right ? x + w - CELL_PAD : x + CELL_PAD, y + 18, c, { size: TABLE_FONT, weight: 500, color: '#6e9fff', anchor: right ? 'end' : 'start', maxWidth: w - 2 * CELL_PAD }));
    x += w;
  });
  y += ROW_H;
  const room = Math.floor((b.y + b.h - PAD - y) / ROW_H);
  // Grafana would scroll; a picture says how many rows it leaves out.
  const shown = v.rows.length > room ? Math.max(0, room - 1) : v.rows.length;
  for (const row of v.rows.slice(0, shown)) {
    x = x0;
    row.forEach((cell, i) => {
      const w = widths[i] ?? 0;
      if (cell.background) out.push(rect(x + 1, y + 1, w - 2, ROW_H - 2, cell.background));
      const color = cell.background ? '#ffffff' : (cell.color ?? theme.text);
      const tx = cell.alignRight ? x + w - CELL_PAD : x + CELL_PAD;
      out.push(text(tx, y + 18, cell.text, { size: TABLE_FONT, color, anchor: cell.alignRight ? 'end' : 'start', maxWidth: w - 2 * CELL_PAD }));
      x += w;
    });
    out.push(`<line x1="${r(x0)}" y1="${r(y + ROW_H)}" x2="${r(x0 + width)}" y2="${r(y + ROW_H)}" stroke="${theme.border}"/>`);
    y += ROW_H;
  }
  if (shown < v.rows.length) out.push(text(x0 + CELL_PAD, y + 18, `… ${v.rows.length - shown} more rows`, { size: TABLE_FONT, color: theme.textWeak }));
  return out.join('');
}

function renderBarGauge(v: BarGaugeView, b: Box): string {
  const out = [panelFrame(b, v.title)];
  if (v.bars.length === 0) return out.join('') + noData(b);
  const max = Math.max(...v.bars.map((bar) => bar.value), 0) || 1;
  const inner = { x: b.x + PAD, y: b.y + TITLE_H, w: b.w - 2 * PAD, h: b.h - TITLE_H - PAD };
  const slot = Math.min(inner.h / v.bars.length, 56);
  const nameW = Math.min(inner.w * 0.4, Math.max(...v.bars.map((bar) => textWidth(bar.name, 12))) + 12);
  const valueW = Math.max(...v.bars.map((bar) => textWidth(bar.text, 18))) + 12;
  const barW = inner.w - nameW - valueW;
  v.bars.forEach((bar, i) => {
    const y = inner.y + i * slot;
    const barH = Math.max(6, slot - 12);
    out.push(text(inner.x, y + slot / 2 + 4, bar.name, { size: 12, maxWidth: nameW - 8 }));
    out.push(rect(inner.x + nameW, y + (slot - barH) / 2, barW, barH, '#ffffff', 'fill-opacity="0.06"'));
    out.push(rect(inner.x + nameW, y + (slot - barH) / 2, (Math.max(0, bar.value) / max) * barW, barH, bar.color));
    out.push(text(inner.x + inner.w, y + slot / 2 + 6, bar.text, { size: 18, weight: 500, color: bar.color, anchor: 'end' }));
  });
  return out.join('');
}

/** Runs of consecutive finite points; a pause longer than 1.5 steps starts a new run. */
export function segments(points: readonly Point[], step: number): Point[][] {
  const runs: Point[][] = [];
  let current: Point[] = [];
  let prev: number | undefined;
  for (const p of points) {
    if (!Number.isFinite(p[1])) {
      if (current.length) runs.push(current);
      current = [];
      prev = undefined;
      continue;
    }
    if (prev !== undefined && p[0] - prev > step * 1.5 && current.length) {
      runs.push(current);
      current = [];
    }
    current.push(p);
    prev = p[0];
  }
  if (current.length) runs.push(current);
  return runs;
}

/** Per-timestamp stacked tops: each series' values added to those of the series before it. */
export function stack(series: readonly (readonly Point[])[]): Point[][] {
  const base = new Map<number, number>();
  return series.map((pts) => pts.map(([t, v]): Point => {
    const below = base.get(t) ?? 0;
    const top = Number.isFinite(v) ? below + v : below;
    base.set(t, top);
    return [t, top];
  }));
}

function legendEntries(v: TimeSeriesView): { name: string; color: string; dashed: boolean; values: string[] }[] {
  return v.series.map((s) => ({ name: s.name, color: s.color, dashed: s.dashed === true, values: s.legendValues ?? [] }));
}

const LEGEND_ROW = 18;

function renderTimeSeries(v: TimeSeriesView, b: Box, id: string): string {
  const out = [panelFrame(b, v.title)];
  const inner = { x: b.x + PAD, y: b.y + TITLE_H, w: b.w - 2 * PAD, h: b.h - TITLE_H - PAD };
  const entries = legendEntries(v);
  const valueWidths = v.legend.calcs.map((c, i) => Math.max(textWidth(c, 11), ...entries.map((e) => textWidth(e.values[i] ?? '', 11))) + 14);

  // The legend takes its room first; the plot gets the rest.
  let plot = { ...inner };
  let legendBox: Box | undefined;
  if (entries.length > 0 && v.legend.placement === 'right') {
    const nameW = Math.min(Math.max(...entries.map((e) => textWidth(e.name, 11))) + 26, inner.w * 0.45);
    const legendW = nameW + valueWidths.reduce((a, n) => a + n, 0);
    legendBox = { x: inner.x + inner.w - legendW, y: inner.y, w: legendW, h: inner.h };
    plot = { ...inner, w: inner.w - legendW - 8 };
  } else if (entries.length > 0) {
    const lines = Math.min(entries.length, Math.max(1, Math.floor((inner.h * 0.4) / LEGEND_ROW)));
    legendBox = { x: inner.x, y: inner.y + inner.h - lines * LEGEND_ROW, w: inner.w, h: lines * LEGEND_ROW };
    plot = { ...inner, h: inner.h - lines * LEGEND_ROW - 4 };
  }

  const drawn = v.stacked ? stack(v.series.map((s) => s.points)) : v.series.map((s) => [...s.points]);
  const all = drawn.flatMap((pts) => pts.map((p) => p[1]));
  const scale = valueScale(all, v.unit, Math.max(2, Math.floor(plot.h / 40)));
  const labels = scale.ticks.map((t) => formatValue(t, v.unit));
  const axisW = Math.max(...labels.map((l) => textWidth(l, 11))) + 8;
  const area = { x: plot.x + axisW, y: plot.y + 4, w: plot.w - axisW, h: plot.h - 22 };
  const X = (t: number): number => area.x + ((t - v.from) / (v.to - v.from || 1)) * area.w;
  const Y = (val: number): number => area.y + area.h - ((val - scale.min) / (scale.max - scale.min || 1)) * area.h;

  scale.ticks.forEach((t, i) => {
    out.push(`<line x1="${r(area.x)}" y1="${r(Y(t))}" x2="${r(area.x + area.w)}" y2="${r(Y(t))}" stroke="${theme.grid}"/>`);
    out.push(text(area.x - 6, Y(t) + 4, labels[i] ?? '', { size: 11, color: theme.textWeak, anchor: 'end' }));
  });
  const ticks = timeTicks(v.from, v.to, area.w);
  const tickStep = ticks.length > 1 ? (ticks[1] ?? 0) - (ticks[0] ?? 0) : v.to - v.from;
  for (const t of ticks) {
    out.push(`<line x1="${r(X(t))}" y1="${r(area.y)}" x2="${r(X(t))}" y2="${r(area.y + area.h)}" stroke="${theme.grid}"/>`);
    out.push(text(X(t), area.y + area.h + 16, timeLabel(t, tickStep), { size: 11, color: theme.textWeak, anchor: 'middle' }));
  }

  // Range queries are aligned to the step, so the first and last points may lie just outside [from, to].
  out.push(`<clipPath id="${id}">${rect(area.x, area.y - 2, area.w, area.h + 4, '#000')}</clipPath><g clip-path="url(#${id})">`);
  if (all.every((x) => !Number.isFinite(x))) {
    out.push(noData(b));
  } else if (v.draw === 'bars') {
    const barW = Math.max(1, (area.w / Math.max(1, (v.to - v.from) / v.step)) * 0.8);
    v.series.forEach((s, i) => {
      const tops = drawn[i] ?? [];
      const bars = tops.map(([t, top], k) => {
        const own = s.points[k]?.[1] ?? 0;
        if (!Number.isFinite(own) || own === 0) return '';
        const bottom = v.stacked ? top - own : 0;
        return rect(X(t) - barW / 2, Y(Math.max(top, bottom)), barW, Math.abs(Y(bottom) - Y(top)), s.color);
      });
      out.push(`<g fill-opacity="${(s.fillOpacity ?? 80) / 100}">${bars.join('')}</g>`);
    });
  } else {
    v.series.forEach((s, i) => {
      for (const run of segments(drawn[i] ?? [], v.step)) {
        const pts: [number, number][] = [];
        run.forEach(([t, val], k) => {
          const prev = run[k - 1];
          if (v.interpolation === 'stepAfter' && prev) pts.push([X(t), Y(prev[1])]);
          pts.push([X(t), Y(val)]);
        });
        const first = pts[0];
        if (pts.length === 1 && first) {
          out.push(`<circle cx="${r(first[0])}" cy="${r(first[1])}" r="2" fill="${s.color}"/>`);
          continue;
        }
        const d = pts.map(([x, y], k) => `${k === 0 ? 'M' : 'L'}${r(x)} ${r(y)}`).join('');
        const last = pts[pts.length - 1];
        if ((s.fillOpacity ?? 0) > 0 && first && last) {
          const zero = Y(Math.max(scale.min, Math.min(0, scale.max)));
          out.push(`<path d="${d}L${r(last[0])} ${r(zero)}L${r(first[0])} ${r(zero)}Z" fill="${s.color}" fill-opacity="${(s.fillOpacity ?? 0) / 100}" stroke="none"/>`);
        }
        out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.5"${s.dashed ? ' stroke-dasharray="8 6"' : ''}/>`);
      }
    });
  }
  out.push('</g>');

  if (legendBox) out.push(renderLegend(v, entries, legendBox, valueWidths));
  return out.join('');
}

function swatch(x: number, y: number, color: string, dashed: boolean): string {
  return `<line x1="${r(x)}" y1="${r(y)}" x2="${r(x + 14)}" y2="${r(y)}" stroke="${color}" stroke-width="4"${dashed ? ' stroke-dasharray="4 3"' : ''}/>`;
}

function renderLegend(v: TimeSeriesView, entries: ReturnType<typeof legendEntries>, box: Box, valueWidths: number[]): string {
  const out: string[] = [];
  if (v.legend.placement === 'right') {
    const valuesW = valueWidths.reduce((a, n) => a + n, 0);
    const nameW = box.w - valuesW;
    let y = box.y + 14;
    let x = box.x + nameW;
    v.legend.calcs.forEach((c, i) => {
      x += valueWidths[i] ?? 0;
      out.push(text(x - 4, y, c, { size: 11, weight: 500, color: '#6e9fff', anchor: 'end' }));
    });
    y += 6;
    const room = Math.floor((box.y + box.h - y) / LEGEND_ROW);
    const shown = entries.length > room ? Math.max(0, room - 1) : entries.length;
    for (const e of entries.slice(0, shown)) {
      out.push(swatch(box.x, y + 9, e.color, e.dashed));
      out.push(text(box.x + 20, y + 13, e.name, { size: 11, maxWidth: nameW - 24 }));
      x = box.x + nameW;
      e.values.forEach((val, i) => {
        x += valueWidths[i] ?? 0;
        out.push(text(x - 4, y + 13, val, { size: 11, anchor: 'end' }));
      });
      y += LEGEND_ROW;
    }
    if (shown < entries.length) out.push(text(box.x + 20, y + 13, `… ${entries.length - shown} more`, { size: 11, color: theme.textWeak }));
    return out.join('');
  }
  // Bottom: entries flow left to right and wrap, as Grafana's list legend does.
  let x = box.x;
  let y = box.y;
  let placed = 0;
  for (const e of entries) {
    const label = [e.name, ...e.values.map((val, i) => `${v.legend.calcs[i] ?? ''}: ${val}`)].join('   ');
    const w = Math.min(textWidth(label, 11) + 32, box.w);
    if (x + w > box.x + box.w && x > box.x) {
      x = box.x;
      y += LEGEND_ROW;
    }
    if (y + LEGEND_ROW > box.y + box.h + 1) break;
    out.push(swatch(x, y + 9, e.color, e.dashed));
    out.push(text(x + 20, y + 13, label, { size: 11, maxWidth: w - 24 }));
    x += w;
    placed++;
  }
  if (placed < entries.length) out.push(text(box.x + box.w, box.y + box.h - 4, `+${entries.length - placed}`, { size: 11, color: theme.textWeak, anchor: 'end' }));
  return out.join('');
}

/** One panel; `id` must be unique in the document (it names the panel's clip path). */
export function renderPanel(view: PanelView, b: Box, id = 'panel'): string {
  switch (view.kind) {
    case 'stat':
      return renderStat(view, b);
    case 'table':
      return renderTable(view, b);
    case 'timeseries':
      return renderTimeSeries(view, b, `${id}-plot`);
    case 'bargauge':
      return renderBarGauge(view, b);
  }
}

// ---------------------------------------------------------------------------
// Dashboard

export interface Placement {
  panel: PlacedPanel;
  box: Box;
}

const HEADER_H = 56;
const ROW_TITLE_H = 34;

/**
 * Panels of each row placed left to right, wrapping at 24 columns like
 * Grafana's grid (a panel wider than the grid is clamped to it). The panels
 * of one line take the height of the tallest, so a table grown to show all
 * its rows leaves no hole beside it.
 */
export function layout(view: DashboardView, width: number): { rows: { title: string; y: number }[]; placements: Placement[]; height: number } {
  const margin = 16;
  const colW = (width - 2 * margin + GRID.gap) / GRID.columns;
  const rows: { title: string; y: number }[] = [];
  const placements: Placement[] = [];
  let y = HEADER_H;
  for (const row of view.rows) {
    rows.push({ title: row.title, y });
    y += ROW_TITLE_H;
    const lines: { panel: PlacedPanel; col: number; w: number }[][] = [];
    let col: number = GRID.columns;
    for (const panel of row.panels) {
      const w = Math.max(1, Math.min(GRID.columns, Math.round(panel.w)));
      if (col + w > GRID.columns) {
        lines.push([]);
        col = 0;
      }
      lines[lines.length - 1]?.push({ panel, col, w });
      col += w;
    }
    for (const line of lines) {
      const h = Math.max(1, ...line.map((p) => Math.round(p.panel.h)));
      for (const p of line) placements.push({ panel: p.panel, box: { x: margin + p.col * colW, y, w: p.w * colW - GRID.gap, h: h * (GRID.unit + GRID.gap) - GRID.gap } });
      y += h * (GRID.unit + GRID.gap);
    }
  }
  return { rows, placements, height: y + (view.footer ? 28 : 8) };
}

export function renderDashboard(view: DashboardView, width = 1800): string {
  const { rows, placements, height } = layout(view, width);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${r(height)}" viewBox="0 0 ${width} ${r(height)}" font-family="${escapeXml(theme.font)}">`,
    rect(0, 0, width, height, theme.canvas),
    text(16, 34, view.title, { size: 20, weight: 500 }),
    text(width - 16, 34, view.subtitle, { size: 13, color: theme.textWeak, anchor: 'end', maxWidth: width - 32 - textWidth(view.title, 20) - 24 }),
  ];
  for (const row of rows) {
    out.push(`<path d="M16 ${r(row.y + 13)}l5 6l5 -6" fill="none" stroke="${theme.text}" stroke-width="1.6"/>`);
    out.push(text(34, row.y + 23, row.title, { size: 16, weight: 500 }));
  }
  placements.forEach((p, i) => out.push(`<g>${renderPanel(p.panel.view, p.box, `panel-${i}`)}</g>`));
  if (view.footer) out.push(text(16, height - 10, view.footer, { size: 12, color: theme.textWeak, maxWidth: width - 32 }));
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
