// The controller runner on an injected clock. The window case reproduces the
// lost maintenance-window wake-up of issue 12 deterministically: a reconcile
// that decides "outside the window, look again when it opens" and then spends
// seconds on API calls used to have its wake-up measured from its end, which
// pushed the next look past the window's close.
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { Controller, type ReconcileResult } from '../../../src/kube/controller.js';
import { createLogger } from '../../../src/telemetry/log.js';
import { Metrics } from '../../../src/telemetry/metrics.js';
import { parseWindow, windowState } from '../../../src/decisions/renewal-window.js';
import { FakeClock, settle } from './fake-clock.js';

const quiet = createLogger('info', new Writable({ write(_c, _e, cb) { cb(); } }));

describe('Controller on an injected clock', function () {
  it('measures "requeue after" from when the reconcile began, however long it took', async function () {
    const clock = new FakeClock();
    const seen: number[] = [];
    const c = new Controller({ name: 'unit', workers: 1, clock }, async () => {
      seen.push(clock.now());
      if (seen.length === 1) await new Promise((r) => clock.setTimer(() => { r(undefined); }, 2_500)); // slow API calls inside the reconcile
      return { requeueAfterMs: 3_000 };
    }, new Metrics(), quiet);
    c.start();
    const t0 = clock.now();
    c.enqueue('k');
    await settle();
    await clock.advanceTo(t0 + 2_500);
    expect(c.queue.deadline('k')).to.equal(t0 + 3_000);
    await clock.advanceTo(t0 + 3_000);
    expect(seen).to.deep.equal([t0, t0 + 3_000]);
    await c.stop(1_000);
  });

  it('a slow reconcile outside a renewal window still looks again inside the window (the lost wake-up, reproduced)', async function () {
    // Windows open at :00, :20, :40 and last 5 s, as in the integration test.
    const window = parseWindow('*/20 * * * * *', 5_000, 'UTC');
    if (window instanceof Error) throw window;
    const clock = new FakeClock(Date.parse('2026-01-01T00:00:14.000Z'));
    const decisions: { at: string; open: boolean }[] = [];
    const c = new Controller({ name: 'renewal', workers: 1, clock }, async (): Promise<ReconcileResult> => {
      const now = clock.now();
      const w = windowState(window, new Date(now));
      decisions.push({ at: new Date(now).toISOString(), open: w.open });
      if (w.open) return { result: 'triggered-window' };
      // Outside: an Event write that takes 6 s on a loaded API server, then "wake me when it opens".
      await new Promise((r) => clock.setTimer(() => { r(undefined); }, 6_000));
      return { requeueAfterMs: w.nextStart.getTime() - now };
    }, new Metrics(), quiet);
    c.start();
    c.enqueue('ns/due-listener-tls');
    await settle();
    await clock.advanceTo(Date.parse('2026-01-01T00:00:30.000Z'));
    // Measured from the reconcile's end, the wake-up would have come at :26, after the :20-:25 window.
    expect(decisions).to.deep.equal([
      { at: '2026-01-01T00:00:14.000Z', open: false },
      { at: '2026-01-01T00:00:20.000Z', open: true },
    ]);
    await c.stop(1_000);
  });

  it('gives the event loop a turn between reconciles that need no I/O (issue 16: 10,000 of them held it for seconds)', async function () {
    const busy = (ms: number): void => { const end = performance.now() + ms; while (performance.now() < end) { /* a synchronous describe */ } };
    let done = 0;
    const c = new Controller({ name: 'unit', workers: 1 }, () => { busy(2); done++; return Promise.resolve({}); }, new Metrics(), quiet);
    for (let i = 0; i < 100; i++) c.enqueue(`k${i}`);
    let doneWhenTimerRan = -1;
    const timer = new Promise<void>((resolve) => { setTimeout(() => { doneWhenTimerRan = done; resolve(); }, 0); });
    c.start();
    await timer;
    // 100 reconciles of 2 ms: without a turn the timer would wait for all of them.
    expect(doneWhenTimerRan).to.be.greaterThan(0).and.lessThan(20);
    while (done < 100) await new Promise((r) => setImmediate(r));
    await c.stop(1_000);
  });
});
