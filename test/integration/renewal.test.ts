// SPEC §4.3 renewal triggers end to end, with real cert-manager and short
// certificate durations (the CRD has no webhook minimums; the daemon runs with
// --allow-short-durations). Each daemon watches only its own namespaces, so
// the window daemon and the no-window daemon never act on each other's objects.
import { expect } from 'chai';
import * as k8s from '@kubernetes/client-node';
import { CERT_MANAGER_API_VERSION, condition, isReady, type Certificate } from '../../src/model/certmanager.js';
import type { Listener } from '../../src/model/skupper.js';
import { testCluster } from '../support/cluster.js';
import { runCli } from '../support/cli.js';
import { DaemonProcess, type LogLine } from '../support/daemon.js';
import { apply, createNamespace, getCertificate } from '../support/k8s.js';
import { makeLeaf } from '../../cluster/certgen.js';
import { daemonKubeconfig } from '../support/serviceaccount.js';
import { caIssuer } from '../support/issuers.js';
import { eventually } from '../support/wait.js';

function listener(namespace: string, name: string, annotations: Record<string, string>): Listener {
  return {
    apiVersion: 'skupper.io/v2alpha1', kind: 'Listener',
    metadata: { name, namespace, annotations },
    spec: { routingKey: name, host: name, port: 8080 },
  };
}

async function readyCertificate(namespace: string, name: string, minRevision = 1, timeoutMs = 60_000): Promise<Certificate> {
  return eventually(`Certificate ${namespace}/${name} Ready at revision >= ${minRevision}`, async () => {
    const c = await getCertificate(namespace, name);
    return c && isReady(c) && (c.status?.revision ?? 0) >= minRevision ? c : undefined;
  }, { timeoutMs });
}

async function scrape(d: DaemonProcess): Promise<string> {
  return (await fetch(`http://${await d.address('metrics')}/metrics`)).text();
}

function counter(metrics: string, trigger: string, result: string): number {
  const m = new RegExp(`^skupper_cert_rotator_renewals_total\\{trigger="${trigger}",result="${result}"\\} (\\d+)`, 'm').exec(metrics);
  return m ? Number(m[1]) : 0;
}

function startDaemon(kubeconfig: string, namespaces: string[], extra: string[] = []): DaemonProcess {
  return new DaemonProcess([
    'run', `--kubeconfig=${kubeconfig}`, '--metrics-bind-address=127.0.0.1:0', '--health-bind-address=127.0.0.1:0',
    `--namespaces=${namespaces.join(',')}`, '--allow-short-durations', '--overdue-after=5s', '--renewal-backoff=2s',
    '--resync-period=10s', '--log-level=debug', ...extra,
  ]);
}

describe('Renewal triggers (SPEC §4.3)', function () {
  this.timeout(240_000);
  let kubeconfig: string;

  before(async function () {
    kubeconfig = await daemonKubeconfig();
  });

  describe('manual and overdue', function () {
    let daemon: DaemonProcess;
    let manualNs: string;
    let overdueNs: string;
    let mismatchNs: string;

    before(async function () {
      manualNs = await createNamespace('rn-manual');
      overdueNs = await createNamespace('rn-overdue');
      mismatchNs = await createNamespace('rn-mismatch');
      daemon = startDaemon(kubeconfig, [manualNs, overdueNs, mismatchNs]);
      await daemon.waitForLog('caches synced', (l) => l.msg === 'caches synced');
    });

    after(async function () {
      expect(await daemon.stop()).to.equal(0);
      expect(daemon.logs.filter((l) => l.level === 'error' || l.level === 'fatal').map((l) => `${l.msg} ${JSON.stringify(l.err)}`)).to.deep.equal([]);
    });

    it('a new skupper-cert-rotator.io/renew value renews exactly once; the same value again does not; the renew command does it too', async function () {
      const ns = manualNs;
      await caIssuer(ns, 'renewal tests CA');
      // An annotation present from the start is not a request.
      await apply(listener(ns, 'web', { 'cert-manager.io/issuer': 'ca', 'skupper-cert-rotator.io/renew': 'initial' }));
      const first = await readyCertificate(ns, 'web-listener-tls');
      expect(first.status?.revision).to.equal(1);

      await apply(listener(ns, 'web', { 'cert-manager.io/issuer': 'ca', 'skupper-cert-rotator.io/renew': 'please-1' }));
      await readyCertificate(ns, 'web-listener-tls', 2);
      await eventually('manual success counted', async () => (counter(await scrape(daemon), 'manual', 'success') === 1 ? true : undefined));

      // The same value again, and a resync later: still revision 2.
      const applied = await apply(listener(ns, 'web', { 'cert-manager.io/issuer': 'ca', 'skupper-cert-rotator.io/renew': 'please-1', 'example.com/touch': 'x' }));
      const since = daemon.logs.length;
      const rv = Number(applied.metadata.resourceVersion);
      await daemon.waitForLog('renewal reconcile after the touch', (l) => daemon.logs.indexOf(l) >= since && l.msg === 'reconciled' && l.controller === 'renewal' && l.key === `${ns}/web-listener-tls`);
      await daemon.waitForLog('listener reconcile after the touch', (l) => l.msg === 'reconciled' && l.controller === 'listener' && l.key === `${ns}/web` && Number(l.observedVersion ?? rv) >= rv);
      const still = await getCertificate(ns, 'web-listener-tls');
      expect(still?.status?.revision).to.equal(2);
      expect(condition(still ?? {}, 'Issuing')?.status ?? 'False').to.equal('False');
      expect(counter(await scrape(daemon), 'manual', 'success')).to.equal(1);

      // The CLI: sets a fresh value and waits for the new revision.
      const cli = await runCli(['renew', 'listener/web', '-n', ns, `--kubeconfig=${testCluster().kubeconfig}`], {});
      expect(cli.code, cli.stderr).to.equal(0);
      expect(cli.stdout).to.match(/renewed: Certificate .*web-listener-tls revision 3/);
      const unknown = await runCli(['renew', 'listener/nope', '-n', ns, `--kubeconfig=${testCluster().kubeconfig}`], {});
      expect(unknown.code).to.equal(1);
      expect(unknown.stderr).to.contain('not found');
    });

    it('overdue with a broken issuer: failures are counted and re-checked with a growing backoff, then it recovers', async function () {
      const ns = overdueNs;
      await caIssuer(ns, 'renewal tests CA');
      // Renewal time 10 s after issuance; overdue 5 s later (--overdue-after=5s).
      await apply(listener(ns, 'slow', { 'cert-manager.io/issuer': 'ca', 'cert-manager.io/duration': '90s', 'cert-manager.io/renew-before': '80s' }));
      await readyCertificate(ns, 'slow-listener-tls');
      // Break the issuer: its CA Secret is gone.
      await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'Issuer', metadata: { name: 'ca', namespace: ns }, spec: { ca: { secretName: 'missing' } } });

      const overdue = (l: LogLine): boolean => l.level === 'warn' && l.certificate === `${ns}/slow-listener-tls` && l.msg.includes('past its renewal time');
      await daemon.waitForLog('four overdue checks', () => daemon.logs.filter(overdue).length >= 4, 60_000);
      // The instants the decisions were made on, not when their log lines were written (after an Event write of varying latency).
      const times = daemon.logs.filter(overdue).map((l) => Date.parse(String(l.decidedAt)));
      const gaps = times.slice(1).map((t, i) => t - (times[i] ?? t));
      console.log(`      overdue re-checks of a stuck issuance, gaps between them: ${gaps.join(', ')} ms`);
      // --renewal-backoff=2s doubles: 2 s, 4 s, 8 s. A check never comes before
      // its backoff (the decision itself compares the clock), so the lower
      // bounds are exact; a loaded machine may only make a check late, so the
      // upper bounds are loose. A hot loop would show gaps of milliseconds, a
      // backoff that does not grow would fail the second and third lower bounds.
      const expected = [2_000, 4_000, 8_000];
      for (const [i, want] of expected.entries()) {
        expect(gaps[i], `gap ${i + 1} of ${gaps.join(', ')} ms`).to.be.at.least(want);
        expect(gaps[i], `gap ${i + 1} of ${gaps.join(', ')} ms`).to.be.below(want + 5_000);
      }
      const metrics = await scrape(daemon);
      expect(counter(metrics, 'overdue', 'failure')).to.be.within(4, 5);

      // Fix the issuer: cert-manager finishes the pending issuance and the checks stop.
      await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'Issuer', metadata: { name: 'ca', namespace: ns }, spec: { ca: { secretName: 'ca' } } });
      await readyCertificate(ns, 'slow-listener-tls', 2);
    });

    it('mismatch: a Secret that no longer covers the host is renewed', async function () {
      const ns = mismatchNs;
      await caIssuer(ns, 'renewal tests CA');
      await apply(listener(ns, 'api', { 'cert-manager.io/issuer': 'ca' }));
      await readyCertificate(ns, 'api-listener-tls');
      // Someone replaces tls.crt with a certificate for another host (same key, same CA).
      const core = testCluster().core;
      const ca = await core.readNamespacedSecret({ namespace: ns, name: 'ca' });
      const secret = await core.readNamespacedSecret({ namespace: ns, name: 'api-listener-tls' });
      const b64 = (s: k8s.V1Secret, k: string): string => Buffer.from(s.data?.[k] ?? '', 'base64').toString('utf8');
      const wrong = makeLeaf({ certPem: b64(ca, 'tls.crt'), keyPem: b64(ca, 'tls.key') }, { dns: ['somewhere-else'], keyPem: b64(secret, 'tls.key') });
      await core.patchNamespacedSecret({ namespace: ns, name: 'api-listener-tls', body: { data: { 'tls.crt': Buffer.from(wrong.certPem).toString('base64') } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      await readyCertificate(ns, 'api-listener-tls', 2);
      const triggers = daemon.logs.filter((l) => l.msg.startsWith('trigger renewal') && l.certificate === `${ns}/api-listener-tls`).map((l) => l.trigger);
      expect(triggers).to.deep.equal(['mismatch']);
      await eventually('mismatch success counted', async () => (counter(await scrape(daemon), 'mismatch', 'success') === 1 ? true : undefined));
    });
  });

  describe('window', function () {
    let daemon: DaemonProcess;
    let ns: string;
    // Windows open at :00, :20 and :40 of every minute and last 5 s.
    const WINDOW = '*/20 * * * * *';

    before(async function () {
      ns = await createNamespace('rn-window');
      daemon = startDaemon(kubeconfig, [ns], [`--renewal-window=${WINDOW}`, '--renewal-window-duration=5s', '--overdue-after=1h']);
      await daemon.waitForLog('caches synced', (l) => l.msg === 'caches synced');
    });

    after(async function () {
      expect(await daemon.stop()).to.equal(0);
      expect(daemon.logs.filter((l) => l.level === 'error' || l.level === 'fatal').map((l) => `${l.msg} ${JSON.stringify(l.err)}`)).to.deep.equal([]);
    });

    it('renews inside a window what is due before the next one, leaves the rest, and triggers nothing outside windows', async function () {
      await caIssuer(ns, 'renewal tests CA');
      await readyCertificate(ns, 'ca');
      // Start just after a window closes (second 6-9 of a 20 s cycle). The
      // certificate is issued a few seconds later and is due 25 s after that,
      // in the next cycle, so the window that opens in between (at second 20)
      // is the one that must renew it, with 10 s or more to spare before
      // cert-manager's own renewal. Were issuance slow enough to land inside
      // that window, the window after it still comes before the renewal time.
      // Placing the start by the clock keeps the margin on a loaded machine;
      // starting at a random phase could leave a window a second before the
      // renewal time, which only a quiet machine wins.
      const cycleSecond = (): number => new Date().getUTCSeconds() % 20;
      await eventually('a point just after a window closes', () => Promise.resolve(cycleSecond() >= 6 && cycleSecond() < 10 ? true : undefined), { timeoutMs: 25_000, intervalMs: 100 });
      await apply(listener(ns, 'due', { 'cert-manager.io/issuer': 'ca', 'cert-manager.io/duration': '10m', 'cert-manager.io/renew-before': '9m35s' }));
      // Due in 5 minutes: never before the next window during this test.
      await apply(listener(ns, 'later', { 'cert-manager.io/issuer': 'ca', 'cert-manager.io/duration': '10m', 'cert-manager.io/renew-before': '5m' }));
      const due1 = await readyCertificate(ns, 'due-listener-tls');
      await readyCertificate(ns, 'later-listener-tls');

      await readyCertificate(ns, 'due-listener-tls', 2, 60_000);
      const story = daemon.logs.filter((l) => l.certificate === `${ns}/due-listener-tls` || (l.msg === 'reconciled' && l.key === `${ns}/due-listener-tls`))
        .map((l) => `${String(l.time)} ${l.msg} ${JSON.stringify([l.waiting, l.trigger, l.result, l.wakeAt])}`).join('\n');
      const triggers = daemon.logs.filter((l) => l.msg.startsWith('trigger renewal'));
      const windowTrigger = triggers.find((l) => l.certificate === `${ns}/due-listener-tls` && l.trigger === 'window');
      expect(windowTrigger, `no window trigger; first revision ${due1.status?.notBefore ?? '?'}, renewal time ${due1.status?.renewalTime ?? '?'}; daemon:\n${story}`).to.not.equal(undefined);
      // Decided inside a window (second 0-5 of each 20) and before cert-manager's own renewal time.
      for (const t of triggers) {
        const at = new Date(String(t.decidedAt));
        expect(at.getUTCSeconds() % 20, `trigger decided at ${at.toISOString()}`).to.be.below(5);
      }
      expect(Date.parse(String(windowTrigger?.decidedAt))).to.be.below(Date.parse(due1.status?.renewalTime ?? ''));
      expect(triggers.filter((l) => l.certificate === `${ns}/later-listener-tls`)).to.deep.equal([]);
      expect((await getCertificate(ns, 'later-listener-tls'))?.status?.revision).to.equal(1);
      await eventually('window success counted', async () => (counter(await scrape(daemon), 'window', 'success') >= 1 ? true : undefined));
    });
  });
});
