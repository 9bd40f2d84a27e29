// npx tsx scripts/dashboard/render.ts [--minutes 4] [--kubeconfig FILE] [--out docs] [--keep]
//                                     [--save-view FILE] [--from-view FILE]
//
// Makes docs/dashboard.svg and docs/dashboard.png from real data: starts a
// local control plane (or uses --kubeconfig), applies a demo
// (scripts/dashboard/demo.ts), runs the built daemon and a real Prometheus
// scraping it every 2 s, records for a few minutes while the demo renews and
// rotates things, then evaluates the dashboard's own panel queries
// (dashboards/skupper-cert-rotator.json) through Prometheus's HTTP API, as
// Grafana would, and draws the result. Everything it started is stopped on
// the way out, Ctrl-C included; the servers also die with this process
// (pdeathsig), should it be killed.
import { parseDuration } from '../../src/util/duration.js';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { ensureBinary, tools } from '../../cluster/build.js';
import { LocalControlPlane, freePort } from '../../cluster/controlplane.js';
import { repoRoot } from '../../cluster/paths.js';
import { logTail, startProcess, stopProcess, waitUntil, type ManagedProcess } from '../../cluster/processes.js';
import { allPanels, loadDashboard, VARIABLE_VALUES, type DashboardPanel } from './dashboard.js';
import { Demo } from './demo.js';
import { barGaugeView, interpolate, interpolateExpr, queryIntervals, statView, tableView, timeSeriesView, type InstantFrame, type RangeFrame } from './panels.js';
import { GRID, renderDashboard, tableUnits, type DashboardView, type PanelView, type PlacedPanel } from './svg.js';
import { JOB, PrometheusServer } from './prometheus-server.js';

const SCRAPE_SECONDS = 2;
const WIDTH = 1800;
const MIN_MINUTES = 3;
const MAX_TABLE_UNITS = 16;

/** The rows and panels drawn (dashboard ids), in dashboard order; `w` overrides the dashboard's width. */
const LAYOUT: { row: number; panels: { id: number; w?: number }[] }[] = [
  { row: 1, panels: [{ id: 2 }, { id: 3 }, { id: 4 }, { id: 5 }, { id: 6 }, { id: 7 }] },
  { row: 8, panels: [{ id: 9 }, { id: 10 }, { id: 11 }] },
  { row: 12, panels: [{ id: 13 }, { id: 14 }, { id: 15 }] },
  { row: 16, panels: [{ id: 17 }, { id: 18 }, { id: 19 }] },
  { row: 25, panels: [{ id: 26 }, { id: 27 }, { id: 28 }, { id: 31 }, { id: 33 }, { id: 37, w: 8 }] },
];

interface Options {
  minutes: number;
  kubeconfig?: string;
  out: string;
  keep: boolean;
  saveView?: string;
  fromView?: string;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '4' },
      kubeconfig: { type: 'string' },
      out: { type: 'string', default: join(repoRoot, 'docs') },
      keep: { type: 'boolean', default: false },
      'save-view': { type: 'string' },
      'from-view': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log('usage: npx tsx scripts/dashboard/render.ts [--minutes 4] [--kubeconfig FILE] [--out docs] [--keep]\n' +
      '  --minutes     how long to record (at least 3: the broken-issuer story needs it)\n' +
      '  --kubeconfig  use this cluster (no cert-manager webhook: the demo uses 10-minute certificates) instead of a fresh local control plane\n' +
      '  --out         directory for dashboard.svg and dashboard.png\n' +
      '  --keep        keep the temp dir (logs, TSDB) for a look afterwards\n' +
      '  --save-view   also write the evaluated panels (JSON) to FILE\n' +
      '  --from-view   draw from a FILE written by --save-view, without recording (to work on the look)');
    process.exit(0);
  }
  const minutes = Number(values.minutes);
  if (!Number.isFinite(minutes) || minutes < MIN_MINUTES) throw new Error(`--minutes must be a number >= ${MIN_MINUTES} (got ${values.minutes})`);
  return {
    minutes, out: resolve(values.out), keep: values.keep,
    ...(values.kubeconfig ? { kubeconfig: resolve(values.kubeconfig) } : {}),
    ...(values['save-view'] ? { saveView: resolve(values['save-view']) } : {}),
    ...(values['from-view'] ? { fromView: resolve(values['from-view']) } : {}),
  };
}

const log = (line: string): void => { console.error(line); };
const mmss = (s: number): string => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;

/** Things to stop, last started first stopped. */
class Cleanup {
  private readonly steps: { what: string; run: () => Promise<void> }[] = [];
  add(what: string, run: () => Promise<void>): void {
    this.steps.push({ what, run });
  }
  async runAll(): Promise<void> {
    for (const s of this.steps.reverse()) {
      try {
        await s.run();
      } catch (err) {
        log(`cleanup: ${s.what} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}

async function startDaemon(kubeconfig: string, dir: string): Promise<{ process: ManagedProcess; metrics: string }> {
  const cli = join(repoRoot, 'dist', 'src', 'cli.js');
  if (!existsSync(cli)) throw new Error(`${relative(process.cwd(), cli)} is missing: build the daemon first (npm run -s build)`);
  const [metricsPort, healthPort] = [await freePort(), await freePort()];
  const metrics = `127.0.0.1:${metricsPort}`;
  const p = startProcess('skupper-cert-rotator', process.execPath, [
    cli, 'run', `--kubeconfig=${kubeconfig}`, '--namespaces=east,west',
    `--metrics-bind-address=${metrics}`, `--health-bind-address=127.0.0.1:${healthPort}`,
    // The demo's certificates live for minutes, so renewals happen while it records.
    '--allow-short-durations', '--overdue-after=30s', '--renewal-backoff=30s', '--resync-period=1m',
  ], join(dir, 'daemon.log'));
  await waitUntil('the daemon /readyz', async () => (await fetch(`http://127.0.0.1:${healthPort}/readyz`)).ok, { timeoutMs: 60_000, intervalMs: 200, process: p });
  return { process: p, metrics };
}

interface Recording {
  prometheus: PrometheusServer;
  from: number;
  to: number;
}

async function record(o: Options, cleanup: Cleanup, signal: AbortSignal): Promise<Recording> {
  const prometheusBinary = await ensureBinary(tools.prometheus, log);
  const dir = mkdtempSync(join(tmpdir(), 'scr-dashboard-'));
  cleanup.add('remove the temp dir', () => {
    if (o.keep) log(`kept ${dir} (daemon.log, prometheus.log, cluster/, tsdb/)`);
    else rmSync(dir, { recursive: true, force: true });
    return Promise.resolve();
  });

  let kubeconfig = o.kubeconfig;
  if (!kubeconfig) {
    const cp = new LocalControlPlane({
      dir: join(dir, 'cluster'),
      log: (l) => { log(`[cluster] ${l}`); },
      certManagerArgs: ['--certificate-request-minimum-backoff-duration=5s', '--certificate-request-maximum-backoff-duration=30s'],
    });
    cleanup.add('stop the control plane', () => cp.stop());
    await cp.start();
    kubeconfig = cp.kubeconfig;
  }
  signal.throwIfAborted();

  const demo = new Demo(kubeconfig);
  await demo.createNamespaces();
  if (o.kubeconfig) cleanup.add('delete the demo namespaces', () => demo.deleteNamespaces());

  const daemon = await startDaemon(kubeconfig, dir);
  cleanup.add('stop the daemon', async () => {
    await stopProcess(daemon.process);
    const code = daemon.process.child.exitCode;
    if (code !== 0 && code !== null) log(`the daemon exited with ${code}; log tail:\n${logTail(daemon.process.logFile)}`);
  });
  log(`daemon running, metrics on ${daemon.metrics}`);

  mkdirSync(join(dir, 'prometheus'), { recursive: true });
  const prometheus = await PrometheusServer.start({ binary: prometheusBinary, dir: join(dir, 'prometheus'), target: daemon.metrics, scrapeIntervalSeconds: SCRAPE_SECONDS });
  cleanup.add('stop Prometheus', () => prometheus.stop());
  log(`Prometheus ${prometheus.url} scraping every ${SCRAPE_SECONDS} s`);

  const seconds = Math.round(o.minutes * 60);
  const from = Date.now() / 1000;
  await demo.applyAll();
  log(`[0:00] demo applied; recording for ${mmss(seconds)}`);
  const events = demo.timeline(seconds);
  let nextProgress = 30;
  for (;;) {
    signal.throwIfAborted();
    const elapsed = Date.now() / 1000 - from;
    if (elapsed >= seconds) break;
    const event = events[0];
    if (event && elapsed >= event.at) {
      events.shift();
      try {
        await event.run();
        log(`[${mmss(Date.now() / 1000 - from)}] ${event.what}`);
      } catch (err) {
        log(`[${mmss(elapsed)}] WARNING: ${event.what} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      continue;
    }
    if (elapsed >= nextProgress) {
      nextProgress += 30;
      const series = await prometheus.scalar(`count({job="${JOB}"})`, Date.now() / 1000).catch(() => NaN);
      log(`[${mmss(elapsed)}] recording: ${series} series in the last scrape`);
    }
    if (daemon.process.child.exitCode !== null) throw new Error(`the daemon exited with ${daemon.process.child.exitCode}; log tail:\n${logTail(daemon.process.logFile)}`);
    await sleep(Math.min(1000, (event ? event.at : seconds) * 1000 - elapsed * 1000 + 10), undefined, { signal });
  }
  // One more scrape, so the last instant has every series of the final state.
  await sleep(SCRAPE_SECONDS * 1000 + 500, undefined, { signal });
  return { prometheus, from, to: Date.now() / 1000 };
}

function panelById(id: number): DashboardPanel {
  const p = allPanels(loadDashboard()).find((x) => x.id === id);
  if (!p) throw new Error(`dashboards/skupper-cert-rotator.json has no panel ${id}: update LAYOUT in scripts/dashboard/render.ts`);
  return p;
}

/** Every target of one panel through Prometheus, the way Grafana would query it at this panel width. */
async function evaluate(panel: DashboardPanel, widthPx: number, rec: Recording): Promise<PanelView> {
  // A panel's "interval" is Grafana's floor for $__interval (the scrape interval otherwise).
  const floorMs = panel.interval === undefined ? SCRAPE_SECONDS * 1000 : parseDuration(panel.interval);
  if (floorMs instanceof Error) throw new Error(`panel ${panel.id ?? '?'} (${panel.title ?? ''}): interval ${panel.interval ?? ''}: ${floorMs.message}`);
  const iv = queryIntervals(rec.from, rec.to, widthPx, Math.max(SCRAPE_SECONDS, floorMs / 1000));
  const targets = (panel.targets ?? []).filter((t) => t.expr !== undefined && t.expr.trim() !== '');
  const instant = panel.type !== 'timeseries';
  if (instant) {
    const frames: InstantFrame[] = [];
    for (const t of targets) frames.push({ refId: t.refId ?? 'A', samples: await rec.prometheus.instant(interpolateExpr(t.expr ?? '', iv), rec.to) });
    if (panel.type === 'stat') return statView(panel, frames);
    if (panel.type === 'bargauge') return barGaugeView(panel, frames);
    if (panel.type === 'table') return tableView(panel, frames);
    throw new Error(`panel ${panel.id ?? '?'} (${panel.title ?? ''}) is a ${panel.type}, which this renderer does not draw`);
  }
  // Grafana aligns range queries to the step.
  const start = Math.floor(rec.from / iv.interval) * iv.interval;
  const end = Math.ceil(rec.to / iv.interval) * iv.interval;
  const frames: RangeFrame[] = [];
  for (const t of targets) frames.push({ refId: t.refId ?? 'A', series: await rec.prometheus.range(interpolateExpr(t.expr ?? '', iv), start, end, iv.interval) });
  // A right-hand legend table leaves no room for the plot in a narrow panel.
  return timeSeriesView(panel, frames, { from: rec.from, to: rec.to, step: iv.interval }, widthPx < 700 ? 'bottom' : undefined);
}

function isEmpty(v: PanelView): boolean {
  switch (v.kind) {
    case 'stat':
      return v.text === 'No data';
    case 'table':
      return v.rows.length === 0;
    case 'bargauge':
      return v.bars.length === 0;
    case 'timeseries':
      return v.series.every((s) => s.points.every((p) => !Number.isFinite(p[1])));
  }
}

async function draw(rec: Recording): Promise<{ view: DashboardView; empty: string[] }> {
  const dashboard = loadDashboard();
  const rows: DashboardView['rows'] = [];
  const empty: string[] = [];
  for (const section of LAYOUT) {
    const panels: PlacedPanel[] = [];
    for (const item of section.panels) {
      const panel = panelById(item.id);
      const w = item.w ?? panel.gridPos?.w ?? 8;
      const view = await evaluate(panel, (w / GRID.columns) * WIDTH, rec);
      if (isEmpty(view)) empty.push(`${view.title} (panel ${item.id})`);
      // Grafana scrolls a long table; a picture shows every row instead (up to a point).
      const h = Math.max(panel.gridPos?.h ?? 8, view.kind === 'table' ? Math.min(tableUnits(view.rows.length), MAX_TABLE_UNITS) : 0);
      panels.push({ view, w, h });
    }
    rows.push({ title: interpolate(panelById(section.row).title ?? ''), panels });
  }
  const iso = (s: number): string => new Date(s * 1000).toISOString().slice(0, 19).replace('T', ' ');
  const vars = `job: All  ·  warn_days: ${VARIABLE_VALUES.warn_days ?? '?'}  ·  critical_days: ${VARIABLE_VALUES.critical_days ?? '?'}`;
  return {
    view: {
      title: dashboard.title,
      subtitle: `${vars}  ·  ${iso(rec.from)} to ${iso(rec.to).slice(11)} UTC`,
      rows,
      footer: `Real data: the daemon and a demo on a local control plane with cert-manager, scraped by Prometheus every ${SCRAPE_SECONDS} s for ${mmss(rec.to - rec.from)}; ` +
        'every panel is the dashboard\'s own query, evaluated by Prometheus (scripts/dashboard/render.ts).',
    },
    empty,
  };
}

function writePng(svgPath: string, pngPath: string): boolean {
  const res = spawnSync('rsvg-convert', ['--format=png', `--output=${pngPath}`, svgPath], { encoding: 'utf8' });
  if (res.error && (res.error as NodeJS.ErrnoException).code === 'ENOENT') {
    log(`rsvg-convert is not installed, so no PNG was written (the SVG was).\n  Debian/Ubuntu: apt-get update && apt-get install -y librsvg2-bin\n  macOS: brew install librsvg\nthen run this again.`);
    return false;
  }
  if (res.status !== 0) throw new Error(`rsvg-convert failed (${res.status ?? res.signal ?? '?'}): ${res.stderr}`);
  return true;
}

function writeOutputs(view: DashboardView, out: string): void {
  mkdirSync(out, { recursive: true });
  const svgPath = join(out, 'dashboard.svg');
  const pngPath = join(out, 'dashboard.png');
  writeFileSync(svgPath, renderDashboard(view, WIDTH));
  const png = writePng(svgPath, pngPath);
  log(`wrote ${relative(process.cwd(), svgPath)} (${statSync(svgPath).size} bytes)${png ? ` and ${relative(process.cwd(), pngPath)} (${statSync(pngPath).size} bytes)` : ''}`);
}

async function main(): Promise<void> {
  const o = options();
  if (o.fromView) {
    writeOutputs(JSON.parse(readFileSync(o.fromView, 'utf8')) as DashboardView, o.out);
    return;
  }
  const started = Date.now();
  const cleanup = new Cleanup();
  const abort = new AbortController();
  // Handled every time, not once: Ctrl-C reaches this process twice (from the
  // terminal and relayed by tsx), and the default action of the second would
  // kill it in the middle of the cleanup.
  const onSignal = (sig: NodeJS.Signals): void => {
    if (abort.signal.aborted) return;
    log(`${sig}: stopping everything this started`);
    abort.abort(new Error(`interrupted (${sig})`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const rec = await record(o, cleanup, abort.signal);
    const range = `${Math.round(rec.to - rec.from)}s`;
    const series = await rec.prometheus.scalar(`count(last_over_time({job="${JOB}"}[${range}]))`, rec.to);
    const samples = await rec.prometheus.scalar(`sum(sum_over_time(scrape_samples_scraped{job="${JOB}"}[${range}]))`, rec.to);
    const scrapes = await rec.prometheus.scalar(`count_over_time(up{job="${JOB}"}[${range}])`, rec.to);
    const { view, empty } = await draw(rec);

    if (o.saveView) writeFileSync(o.saveView, JSON.stringify(view));
    log(`recorded ${mmss(rec.to - rec.from)}: ${scrapes} scrapes, ${series} series, ${samples} samples`);
    writeOutputs(view, o.out);
    log(`done in ${mmss((Date.now() - started) / 1000)} overall`);
    if (empty.length > 0) {
      log(`WARNING: panels without data: ${empty.join(', ')}`);
      process.exitCode = 1;
    }
  } catch (err) {
    // An aborted wait says only "The operation was aborted"; say why.
    throw abort.signal.aborted ? abort.signal.reason : err;
  } finally {
    await cleanup.runAll();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
