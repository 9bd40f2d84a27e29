// Issue 14, the rotation drill's short version (npm run drill is the full
// one): on a real Skupper site, a client opens a new verified TLS connection
// through the router every 100 ms and a long-lived connection streams data
// both ways while the Listener's certificate is rotated 5 times, the backend
// CA once (with the bundle overlap and the backend reissued from the new CA),
// and each of skupper.io/tls-prior-valid-revisions 2, 1, 0 gets two more
// rotations. No handshake may fail, no connection may break, the router must
// serve every new leaf and the daemon's probe must see every rotation.
// Timings are printed, not asserted: the machine may be loaded.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ensureSkupperSite } from '../../cluster/skupper/site.js';
import { formatReport, runDrill } from '../../bench/drill/drill.js';
import { goalMissed } from '../../bench/drill/goal.js';
import type { DrillReport } from '../../bench/drill/report.js';
import { testCluster } from '../support/cluster.js';
import { createNamespace } from '../support/k8s.js';
import { requireBuilt } from '../support/third-party.js';

describe('Rotation drill on a real Skupper site (short version)', function () {
  this.timeout(30 * 60 * 1000);
  let report: DrillReport;
  let dir = '';

  before(async function () {
    const binaries = requireBuilt(await ensureSkupperSite((l) => { console.error(`    [skupper] ${l}`); }));
    dir = mkdtempSync(join(tmpdir(), 'scr-drill-'));
    report = await runDrill({
      kubeconfig: testCluster().kubeconfig, binaries, dir, namespace: await createNamespace('drill'),
      listenerRotations: 5, caRotations: 1, probeIntervalS: 2, priorValidValues: [2, 1, 0], rotationsPerValue: 2,
      log: (l) => { console.error(`    [drill] ${l}`); },
    });
    console.error(formatReport(report).split('\n').map((l) => `    ${l}`).join('\n'));
  });

  after(function () {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('no handshake failed and no connection broke while the Listener certificate and the backend CA rotated', function () {
    expect(report.clients.attempted, 'connections the 100 ms client opened').to.be.greaterThan(10);
    expect(report.clients.failed, JSON.stringify(report.clients.reasons)).to.equal(0);
    expect(report.poller.failed, JSON.stringify(report.poller.reasons)).to.equal(0);
    // Neither the router's traffic nor the daemon's own backend probes (through a port of their own) fail a handshake at the backend.
    expect(report.backendTlsErrors.filter((e) => e.door === 'router')).to.deep.equal([]);
    expect(report.backendProbes.count, 'backend probes').to.be.greaterThan(0);
    expect(report.backendTlsErrors.filter((e) => e.door === 'probe'), 'the probe closes politely').to.deep.equal([]);
    expect(report.longLived.broken).to.equal(undefined);
    expect(report.longLived.bytesEchoed, 'every byte came back').to.equal(report.longLived.bytesSent).and.greaterThan(0);
    expect(goalMissed(report)).to.deep.equal([]);
  });

  it('the router served each new Listener leaf, and the probe saw each one', function () {
    const rotations = report.listener.rotations;
    expect(rotations.length).to.equal(5 + 3 * 2);
    expect(new Set(rotations.map((r) => r.leaf)).size, 'a different leaf each time').to.equal(rotations.length);
    for (const r of rotations) {
      expect(r.servedMs, `leaf ${r.leaf.slice(0, 11)} served`).to.be.a('number');
      expect(r.probeMs, `the probe saw leaf ${r.leaf.slice(0, 11)}`).to.be.a('number');
    }
  });

  it('each backend CA rotation went through the overlap: old and new CA in the bundle, then traffic on the new backend certificate', function () {
    expect(report.ca.rotations).to.have.length(1);
    expect(report.ca.rotations[0]?.bundleSize, 'CAs in the Connector bundle after the rotation').to.be.at.least(2);
  });

  it('every skupper.io/tls-prior-valid-revisions value: the router told ordinal − value, and connections opened on older ordinals survived', function () {
    expect(report.priorValid.map((p) => p.value)).to.deep.equal([2, 1, 0]);
    for (const p of report.priorValid) {
      expect(p.told.ordinal, `prior-valid-revisions=${p.value}: ordinal`).to.be.a('number');
      expect(p.told.oldestValidOrdinal, `prior-valid-revisions=${p.value}: oldestValidOrdinal`).to.equal((p.told.ordinal ?? 0) - p.value);
      expect(p.survived, `prior-valid-revisions=${p.value}: ${p.breaks.join('; ')}`).to.equal(p.connections);
    }
  });
});
