// npm run bench's smoke run (issue 16): the same runPerf() the full benchmark
// runs, at N = 20 with a 10 s steady window, 5 Listeners more after it and
// 20 tracked Secrets, on the suite's control plane. It checks the report's shape and that every figure
// was measured; the figures themselves depend on the machine's load and are
// printed, not judged (docs/performance.md holds the full runs).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { runPerf, type PerfReport } from '../../bench/perf/perf.js';
import { formatReport } from '../../bench/perf/report.js';
import { testCluster } from '../support/cluster.js';

describe('npm run bench (smoke: N=20, 10 s steady, 5 more)', function () {
  this.timeout(300_000);
  let report: PerfReport;
  let dir = '';

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'scr-bench-smoke-'));
    report = await runPerf({
      kubeconfig: testCluster().kubeconfig, auditLog: testCluster().auditLog, dir,
      sizes: [20], steadyMs: 10_000, expiryObjects: 20, cpuProf: false, heapSnapshot: false, increment: 0.25,
      prefix: `smoke-${Date.now().toString(36)}`, clusterResourceNamespace: 'cert-manager',
      log: (l) => { console.error(`    [bench] ${l}`); },
    });
    console.error(formatReport(report).split('\n').map((l) => `    ${l}`).join('\n'));
  });

  after(function () {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('measures the floor, ingress-shim and the daemon at the same job, end to end', function () {
    expect(report.sizes.map((s) => s.n)).to.deep.equal([20]);
    const s = report.sizes[0]!;
    for (const side of [s.floor, s.peer, s.us]) {
      expect(side.certificatesMs, 'first create to all Certificates').to.be.greaterThan(0);
      expect(side.readyMs, 'issued after they exist').to.be.at.least(side.certificatesMs);
    }
    expect(s.us.wiredMs, 'wired after Ready').to.be.at.least(s.us.readyMs);
    expect(s.us.readyToWired.p50).to.be.at.least(0).and.at.most(s.us.readyToWired.p99);
    expect(s.us.readyToWired.p99).to.be.at.most(s.us.wiredMs);
    expect(s.ratio.usOverPeer).to.be.greaterThan(0);
    expect(s.ratio.usOverFloor).to.be.greaterThan(0);
  });

  it('counts the daemon\'s requests from the audit log and samples its steady state', function () {
    const s = report.sizes[0]!;
    // Each Listener needs at least its Certificate created and its tlsCredentials patched.
    expect(s.requests.byVerbAndResource['create certificates'], JSON.stringify(s.requests.byVerbAndResource)).to.equal(20);
    expect(s.requests.byVerbAndResource['patch listeners']).to.equal(20);
    // The budget: claim the Secret, create the Certificate, wire the Listener, one Wired Event.
    const v = s.requests.byVerbAndResource;
    expect(v['create secrets'] ?? 0, JSON.stringify(v)).to.be.at.most(20);
    expect(v['create events'] ?? 0, JSON.stringify(v)).to.be.at.most(20);
    expect(s.requests.writesPerListener, JSON.stringify(v)).to.be.within(3, 4);
    expect(s.steady.windowS).to.be.at.least(10);
    expect(s.steady.writes).to.be.at.least(0);
    expect(s.steady.cpuSPerMin).to.be.at.least(0);
    // Read through the daemon's inspector after a full GC: a live heap is some MB, never 0.
    expect(s.steady.retainedHeapBytes, 'retained heap').to.be.greaterThan(1e6);
    expect(s.steady.baselineRetainedHeapBytes, 'baseline retained heap').to.be.greaterThan(1e6);
    expect(s.steady.rssBytes).to.be.greaterThan(10 * 1024 * 1024);
    expect(s.steady.heapUsedBytes).to.be.greaterThan(1024 * 1024);
  });

  it('adds a quarter of N more Listeners after the steady window and reads the heap again', function () {
    const s = report.sizes[0]!;
    const inc = s.increment;
    expect(inc?.listeners).to.equal(5);
    expect(inc?.wiredMs, 'the 5 wired after their first create').to.be.greaterThan(0);
    // The heap the steady window ended with, then the heap with all 25 (a live heap is some MB).
    expect(inc?.retainedHeapBytesBefore).to.equal(s.steady.retainedHeapBytes);
    expect(inc?.retainedHeapBytes).to.be.greaterThan(1e6);
    expect(inc?.heapPerListener).to.equal(Math.round(((inc?.retainedHeapBytes ?? 0) - (inc?.retainedHeapBytesBefore ?? 0)) / 5));
  });

  it('times start-up over tracked Secrets and one /metrics scrape', function () {
    const e = report.expiry;
    expect(e?.objects).to.equal(20);
    expect(e?.daemonSyncMs).to.be.greaterThan(0);
    expect(e?.indexedMs).to.be.at.least(e?.daemonSyncMs ?? 0);
    expect(e?.scrape.ms).to.be.greaterThan(0);
    // Every object's series is in it (the prefix of a not-after line and the namespace label at least).
    expect(e?.scrape.bytes).to.be.greaterThan(20 * 100);
  });
});
