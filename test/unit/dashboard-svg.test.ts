// The dashboard picture (scripts/dashboard/render.ts): the pure parts that
// turn Prometheus answers into panels (scripts/dashboard/panels.ts), format
// values as Grafana does (scripts/dashboard/units.ts) and draw the SVG
// (scripts/dashboard/svg.ts). What could really break: label text from the
// cluster breaking the XML, a NaN coordinate, an axis that hides the data,
// a table whose rows do not line up with their certificates.
import { expect } from 'chai';
import {
  interpolateExpr, legendName, parsePromValue, queryIntervals, reduce, tableView, thresholdColor, timeSeriesView,
  type InstantFrame,
} from '../../scripts/dashboard/panels.js';
import {
  escapeXml, fitText, layout, namedColors, renderDashboard, renderPanel, segments, stack, tableUnits, textWidth, timeTicks, valueScale,
  type DashboardView, type TableView, type TimeSeriesView,
} from '../../scripts/dashboard/svg.js';
import { formatBytes, formatDuration, formatIsoTime, formatSeconds, formatValue, trimNumber } from '../../scripts/dashboard/units.js';
import { allPanels, loadDashboard, type DashboardPanel } from '../../scripts/dashboard/dashboard.js';

/** Text outside tags: what an XML parser would read as character data. */
function characterData(svg: string): string {
  return svg.replace(/<[^>]*>/g, '');
}

/** Fails on what would make the document unparsable: raw markup characters in text or attributes, bad entities, NaN. */
function expectWellFormed(svg: string): void {
  expect(svg.startsWith('<svg ')).to.equal(true);
  expect(svg.trimEnd().endsWith('</svg>')).to.equal(true);
  const data = characterData(svg);
  expect(data).to.not.match(/[<>]/);
  expect(data.replace(/&(amp|lt|gt|quot|#39);/g, '')).to.not.include('&');
  for (const attrs of svg.matchAll(/<[a-zA-Z]+((?:\s+[\w:-]+="[^"]*")*)\s*\/?>/g)) expect(attrs[1] ?? '').to.not.match(/[<&](?!amp;|lt;|gt;|quot;|#39;)/);
  // Every tag must be matched by the attribute pattern above: a stray quote would break it.
  const tags = svg.match(/<[^/!][^>]*>/g) ?? [];
  const wellFormedTags = svg.match(/<[a-zA-Z]+(?:\s+[\w:-]+="[^"]*")*\s*\/?>/g) ?? [];
  expect(wellFormedTags.length).to.equal(tags.length);
  expect(svg).to.not.match(/NaN|Infinity|undefined/);
}

function panel(id: number): DashboardPanel {
  const p = allPanels(loadDashboard()).find((x) => x.id === id);
  if (!p) throw new Error(`no panel ${id}`);
  return p;
}

function panelByTitle(title: string): DashboardPanel {
  const p = allPanels(loadDashboard()).find((x) => x.title === title);
  if (!p) throw new Error(`no panel titled ${title}`);
  return p;
}

const T0 = 1_800_000_000;

describe('dashboard picture: SVG text', function () {
  it('escapes markup in label values and drops characters XML cannot hold', function () {
    expect(escapeXml(`<b>"x" & 'y'</b>`)).to.equal('&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;');
    expect(escapeXml('a\u0000b\u001bc\td')).to.equal('abc\td');
    expect(escapeXml('lone \uD800 surrogate')).to.equal('lone \uFFFD surrogate');
    expect(escapeXml('kept 😀 pair')).to.equal('kept 😀 pair');
  });

  it('a table of hostile label values still renders a well-formed document', function () {
    const hostile = `</text><script>alert("x")</script>&amp;\u0007`;
    const view: DashboardView = {
      title: 'A & B <dashboard>',
      subtitle: `"quoted" 'single'`,
      rows: [{
        title: hostile,
        panels: [
          { view: { kind: 'table', title: hostile, columns: [hostile, 'n'], rows: [[{ text: hostile }, { text: '1', alignRight: true }]] }, w: 12, h: 6 },
          { view: { kind: 'stat', title: hostile, text: hostile, color: '#ff0000' }, w: 6, h: 4 },
          { view: { kind: 'bargauge', title: 'b', bars: [{ name: hostile, value: 3, text: '3', color: '#00ff00' }] }, w: 6, h: 4 },
        ],
      }],
      footer: hostile,
    };
    const svg = renderDashboard(view, 1200);
    expectWellFormed(svg);
    expect(svg).to.not.include('<script');
    expect(characterData(svg)).to.include('&lt;/text&gt;&lt;script&gt;');
  });

  it('shortens text to fit with an ellipsis, never past the width, never splitting a character', function () {
    const long = 'ledger-connector-client-with-a-very-long-name';
    const fitted = fitText(long, 100, 12);
    expect(fitted.endsWith('…')).to.equal(true);
    expect(textWidth(fitted, 12)).to.be.at.most(100);
    expect(long.startsWith(fitted.slice(0, -1))).to.equal(true);
    expect(fitText('short', 100, 12)).to.equal('short');
    expect(fitText('anything', 1, 12)).to.equal('');
    expect(fitText('👩‍👩‍👧‍👦👩‍👩‍👧‍👦👩‍👩‍👧‍👦', 120, 12)).to.match(/^(👩‍👩‍👧‍👦)+…$/u);
  });
});

describe('dashboard picture: scales and series', function () {
  it('a value axis covers the data with round ticks, from zero for counters', function () {
    const s = valueScale([0.3, 0.1, 0.7], 'none');
    expect(s.min).to.equal(0);
    expect(s.max).to.be.at.least(0.7);
    expect(s.ticks[0]).to.equal(0);
    expect(s.ticks[s.ticks.length - 1]).to.equal(s.max);
    // A counter at exactly a tick gets no empty step below zero (the first render drew a -1).
    expect(valueScale([0, 1, 2, 3], 'short').min).to.equal(0);
    expect(valueScale([0, 100 * 2 ** 20], 'bytes').min).to.equal(0);
  });

  it('negative data (an expired certificate) extends the axis below zero', function () {
    const s = valueScale([-86_400, 90 * 86_400], 's');
    expect(s.min).to.be.at.most(-86_400);
    expect(s.max).to.be.at.least(90 * 86_400);
    expect(s.ticks).to.include(0);
    // Whole time units, not 1.7e6 seconds.
    const step = (s.ticks[1] ?? 0) - (s.ticks[0] ?? 0);
    expect([86_400, 172_800, 604_800, 1_209_600, 2_592_000]).to.include(step);
  });

  it('bytes ticks fall on binary units', function () {
    const s = valueScale([40 * 2 ** 20, 134 * 2 ** 20], 'bytes');
    for (const t of s.ticks) expect(t % 2 ** 20, `${t} is a whole MiB`).to.equal(0);
    expect(s.ticks.map((t) => formatValue(t, 'bytes'))).to.include('50 MiB');
  });

  it('no finite value still gives an axis (0..1), not NaN', function () {
    expect(valueScale([], undefined)).to.deep.include({ min: 0, max: 1 });
    expect(valueScale([NaN, Infinity], undefined)).to.deep.include({ min: 0, max: 1 });
    expect(valueScale([5, 5], 'none').max).to.be.greaterThan(5 - 1e-9);
  });

  it('time ticks are round instants inside the range', function () {
    const ticks = timeTicks(T0 + 7, T0 + 247, 600);
    expect(ticks.length).to.be.within(2, 7);
    for (const t of ticks) {
      expect(t).to.be.within(T0 + 7, T0 + 247);
      expect(t % 30).to.equal(0);
    }
    expect(timeTicks(T0, T0, 600)).to.deep.equal([]);
  });

  it('a series breaks at missing steps and NaN (spanNulls: false)', function () {
    const runs = segments([[0, 1], [2, 1], [4, NaN], [6, 1], [8, 1], [20, 2]], 2);
    expect(runs.map((r) => r.map((p) => p[0]))).to.deep.equal([[0, 2], [6, 8], [20]]);
    expect(segments([], 2)).to.deep.equal([]);
  });

  it('stacking adds each series onto those before it, at the same instant', function () {
    const tops = stack([[[0, 1], [2, 2]], [[0, 3], [2, NaN]], [[2, 1]]]);
    expect(tops).to.deep.equal([[[0, 1], [2, 2]], [[0, 4], [2, 2]], [[2, 3]]]);
  });
});

describe('dashboard picture: panels', function () {
  const emptySeries: TimeSeriesView = {
    kind: 'timeseries', title: 'nothing', unit: 's', draw: 'line', from: T0, to: T0 + 240, step: 2,
    series: [{ name: 'gone', color: '#fff', points: [[T0, NaN], [T0 + 2, NaN]] }, { name: 'never', color: '#000', points: [] }],
    legend: { placement: 'bottom', calcs: [] },
  };

  it('a time series without a finite point says "No data" and draws no path', function () {
    const svg = renderPanel(emptySeries, { x: 0, y: 0, w: 600, h: 300 });
    expect(characterData(svg)).to.include('No data');
    expect(svg).to.not.include('<path d="M');
    expect(svg).to.not.match(/NaN|Infinity/);
  });

  it('an empty table and an empty bar gauge say "No data"', function () {
    const table: TableView = { kind: 'table', title: 't', columns: ['a'], rows: [] };
    expect(characterData(renderPanel(table, { x: 0, y: 0, w: 400, h: 200 }))).to.include('No data');
    expect(characterData(renderPanel({ kind: 'bargauge', title: 'g', bars: [] }, { x: 0, y: 0, w: 400, h: 200 }))).to.include('No data');
  });

  it('points are scaled into the plot: the highest value at the top of the axis, time left to right', function () {
    const view: TimeSeriesView = {
      ...emptySeries, unit: 'none', step: 120,
      series: [{ name: 's', color: '#123456', points: [[T0, 0], [T0 + 120, 10], [T0 + 240, 5]] }],
    };
    const svg = renderPanel(view, { x: 0, y: 0, w: 600, h: 300 }, 'p');
    const path = /<path d="M([\d.]+) ([\d.]+)L([\d.]+) ([\d.]+)L([\d.]+) ([\d.]+)" fill="none" stroke="#123456"/.exec(svg);
    expect(path, svg).to.not.equal(null);
    const [x0, y0, x1, y1, x2, y2] = (path ?? []).slice(1).map(Number) as [number, number, number, number, number, number];
    expect(x0).to.be.below(x1);
    expect(x1).to.be.below(x2);
    expect(y1).to.be.below(y2); // 10 is drawn above 5
    expect(y2).to.be.below(y0); // 5 above 0
    expect(svg).to.include('clip-path="url(#p-plot)"');
  });

  it('a point with no neighbour is still drawn (as a dot), not as an invisible path', function () {
    const view: TimeSeriesView = { ...emptySeries, unit: 'none', series: [{ name: 's', color: '#123456', points: [[T0, 1], [T0 + 100, 2]] }] };
    const svg = renderPanel(view, { x: 0, y: 0, w: 600, h: 300 });
    expect((svg.match(/<circle [^>]*fill="#123456"/g) ?? []).length).to.equal(2);
  });

  it('tables show every row they have room for and say how many they leave out', function () {
    const rows = Array.from({ length: 30 }, (_, i) => [{ text: `row ${i}` }]);
    const view: TableView = { kind: 'table', title: 't', columns: ['name'], rows };
    const svg = renderPanel(view, { x: 0, y: 0, w: 400, h: 6 * 38 - 8 });
    const shown = (characterData(svg).match(/row \d+/g) ?? []).length;
    expect(shown).to.be.greaterThan(3);
    expect(characterData(svg)).to.include(`… ${30 - shown} more rows`);
    // tableUnits gives the room for all of them.
    const tall = renderPanel(view, { x: 0, y: 0, w: 400, h: tableUnits(30) * 38 - 8 });
    expect(characterData(tall)).to.not.include('more rows');
  });

  it('lays panels out on a 24-column grid, wrapping and evening out each line', function () {
    const stat = { kind: 'stat', title: 's', text: '1', color: '#fff' } as const;
    const { placements } = layout({ title: '', subtitle: '', rows: [{ title: 'r', panels: [
      { view: stat, w: 12, h: 4 }, { view: stat, w: 12, h: 9 }, { view: stat, w: 30, h: 2 },
    ] }] }, 1800);
    const [a, b, c] = placements.map((p) => p.box);
    expect(a?.y).to.equal(b?.y);
    expect(a?.h).to.equal(b?.h); // same line, same height
    expect(a?.x).to.be.below(b?.x ?? 0);
    expect(c?.y).to.be.greaterThan((a?.y ?? 0) + (a?.h ?? 0));
    expect((c?.x ?? 0) + (c?.w ?? 0)).to.be.at.most(1800); // 30 columns clamped to 24
  });
});

describe('dashboard picture: Grafana semantics', function () {
  it('formats values in the units the dashboard uses', function () {
    expect(formatDuration(-86_400 - 30)).to.equal('1 day ago');
    expect(formatDuration(6 * 60 + 59)).to.equal('6 minutes, 59 seconds');
    expect(formatDuration(86_400 + 3 * 3600 + 5)).to.equal('1 day, 3 hours');
    expect(formatDuration(0)).to.equal('0 seconds');
    expect(formatSeconds(1_209_600)).to.equal('2 week');
    expect(formatSeconds(0.0921)).to.equal('92.1 ms');
    expect(formatSeconds(-86_400)).to.equal('-1 day');
    expect(formatIsoTime(Date.UTC(2026, 10, 28, 10, 37, 35, 500))).to.equal('2026-11-28 10:37:35');
    expect(formatBytes(103 * 2 ** 20)).to.equal('103 MiB');
    expect(formatValue(0.0312, 'percentunit')).to.equal('3.12%');
    expect(formatValue(NaN, 's')).to.equal('NaN');
    expect(trimNumber(1.5)).to.equal('1.5');
    expect(trimNumber(10)).to.equal('10');
  });

  it('reads Prometheus sample strings, infinities included', function () {
    expect(parsePromValue('+Inf')).to.equal(Infinity);
    expect(parsePromValue('-Inf')).to.equal(-Infinity);
    expect(Number.isNaN(parsePromValue('NaN'))).to.equal(true);
    expect(parsePromValue('1.5e3')).to.equal(1500);
  });

  it('legend formats and interval variables as Grafana fills them', function () {
    expect(legendName('{{kind}} {{namespace}}/{{name}}', { kind: 'listener', namespace: 'east', name: 'api' })).to.equal('listener east/api');
    expect(legendName('warn ($warn_days d)', {})).to.equal('warn (14 d)');
    expect(legendName(undefined, { __name__: 'up', job: 'x' })).to.equal('up{job="x"}');
    const iv = queryIntervals(T0, T0 + 240, 600, 2);
    expect(iv).to.deep.equal({ interval: 2, rateInterval: 8, range: 240 });
    expect(queryIntervals(T0, T0 + 6 * 3600, 600, 15)).to.deep.include({ interval: 60, rateInterval: 75 });
    expect(interpolateExpr('increase(x{job=~"$job"}[$__rate_interval]) + y[${__range}] + $__interval_ms', iv))
      .to.equal('increase(x{job=~".*"}[8s]) + y[240s] + $__interval_ms');
  });

  it('threshold colours: the highest step at or below the value', function () {
    const t = { steps: [{ color: 'red', value: null }, { color: 'orange', value: 259_200 }, { color: 'green', value: 1_209_600 }] };
    expect(thresholdColor(t, -5)).to.equal(namedColors.red);
    expect(thresholdColor(t, 259_200)).to.equal(namedColors.orange);
    expect(thresholdColor(t, 2e6)).to.equal(namedColors.green);
    expect(thresholdColor(undefined, 1)).to.equal(undefined);
  });

  it('legend calcs reduce the drawn points', function () {
    const pts = [[0, 1], [2, NaN], [4, 3]] as const;
    expect(reduce(pts, 'lastNotNull')).to.equal(3);
    expect(reduce(pts, 'max')).to.equal(3);
    expect(reduce(pts, 'sum')).to.equal(4);
    expect(Number.isNaN(reduce([], 'max'))).to.equal(true);
  });

  it('"Expiring soon": the six queries merge into one row per certificate, soonest first, renamed and coloured', function () {
    const p = panelByTitle('Expiring soon');
    const labels = (name: string): Record<string, string> => ({ namespace: 'east', kind: 'listener', name, secret: `${name}-listener-tls` });
    const now = T0;
    const frames: InstantFrame[] = [
      { refId: 'A', samples: [{ metric: labels('late'), value: [now, String(30 * 86_400)] }, { metric: labels('soon'), value: [now, '600'] }] },
      { refId: 'B', samples: [{ metric: labels('soon'), value: [now, String((now + 600) * 1000)] }, { metric: labels('late'), value: [now, String((now + 30 * 86_400) * 1000)] }] },
      { refId: 'E', samples: [{ metric: labels('late'), value: [now, '1'] }, { metric: labels('soon'), value: [now, '0'] }] },
      // Only one certificate has a renewal time (an unmanaged Secret has none).
      { refId: 'C', samples: [{ metric: labels('late'), value: [now, String((now + 20 * 86_400) * 1000)] }] },
    ];
    const t = tableView(p, frames);
    expect(t.columns.slice(0, 7)).to.deep.equal(['Namespace', 'Kind', 'Name', 'Secret', 'Time left', 'Not after', 'Renewal due']);
    expect(t.columns).to.not.include('Time');
    const col = (name: string): number => t.columns.indexOf(name);
    expect(t.rows.map((r) => r[col('Name')]?.text)).to.deep.equal(['soon', 'late']);
    const [soon, late] = t.rows;
    expect(soon?.[col('Time left')]).to.deep.include({ text: '10 minutes', background: namedColors.red });
    expect(late?.[col('Time left')]?.background).to.equal(namedColors.green);
    expect(soon?.[col('Not after')]?.text).to.equal(formatIsoTime((now + 600) * 1000));
    expect(soon?.[col('Renewal due')]?.text).to.equal('');
    expect(soon?.[col('Ready')]).to.deep.include({ text: 'no', color: namedColors.red });
    expect(late?.[col('Ready')]).to.deep.include({ text: 'yes', color: namedColors.green });
  });

  it('"Time left per certificate": the threshold lines keep their fixed colours and dashes', function () {
    const p = panel(10);
    const series = (refId: string, metric: Record<string, string>): { refId: string; series: { metric: Record<string, string>; values: [number, string][] }[] } =>
      ({ refId, series: [{ metric, values: [[T0, '100'], [T0 + 2, '98']] }] });
    const v = timeSeriesView(p, [series('A', { kind: 'listener', namespace: 'east', name: 'api' }), series('B', {}), series('C', {})], { from: T0, to: T0 + 2, step: 2 });
    expect(v.series.map((s) => s.name)).to.deep.equal(['listener east/api', 'warn (14 d)', 'critical (3 d)']);
    expect(v.series[1]).to.deep.include({ color: namedColors.orange, dashed: true, fillOpacity: 0 });
    expect(v.series[2]).to.deep.include({ color: namedColors.red, dashed: true });
    expect(v.series[0]?.dashed).to.equal(undefined);
    expect(v.legend).to.deep.equal({ placement: 'right', calcs: ['Last *'] });
    expect(v.series[0]?.legendValues).to.deep.equal(['1.63 min']);
  });
});
