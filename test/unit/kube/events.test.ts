// The Event recorder's dedupe and rate limits, on an injected clock. The API
// is a stand-in that counts creates: what is under test is which Events are
// sent at all, not how the API server stores them.
import { Writable } from 'node:stream';
import { expect } from 'chai';
import type { Api } from '../../../src/kube/api.js';
import { EventRecorder, type EventLimits, type SuppressedBy } from '../../../src/kube/events.js';
import { createLogger } from '../../../src/telemetry/log.js';

function recorder(limits: Partial<EventLimits>): { rec: EventRecorder; sent: string[]; held: SuppressedBy[]; clock: { t: number } } {
  const sent: string[] = [];
  const held: SuppressedBy[] = [];
  const clock = { t: Date.parse('2026-01-01T00:00:00Z') };
  const api = { create: (_t: unknown, _ns: string, body: { note: string }) => { sent.push(body.note); return Promise.resolve({}); } } as unknown as Api;
  const quiet = new Writable({ write(_c, _e, cb) { cb(); } });
  const rec = new EventRecorder(api, createLogger('info', quiet), false, { reportingController: 'skupper-cert-rotator', limits, now: () => clock.t, onSuppressed: (by) => { held.push(by); } });
  return { rec, sent, held, clock };
}

const obj = (name: string) => ({ apiVersion: 'skupper.io/v2alpha1', kind: 'Listener', metadata: { name, namespace: 'ns', uid: `uid-${name}` } });

describe('EventRecorder', function () {
  it('post() returns before the API answers, sends at most 4 at a time in order, dedupes, and drain() waits for all', async function () {
    const sent: string[] = [];
    let inFlight = 0;
    let most = 0;
    const api = {
      create: async (_t: unknown, _ns: string, body: { note: string }) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        sent.push(body.note);
        inFlight--;
        return {};
      },
    } as unknown as Api;
    const quiet = new Writable({ write(_c, _e, cb) { cb(); } });
    const rec = new EventRecorder(api, createLogger('info', quiet), false, { reportingController: 'skupper-cert-rotator' });
    for (let i = 0; i < 10; i++) rec.post(obj(`o${i}`), 'Normal', 'Issued', `n${i}`);
    rec.post(obj('o0'), 'Normal', 'Issued', 'n0');
    expect(sent, 'nothing answered yet').to.deep.equal([]);
    await rec.drain();
    expect(sent).to.deep.equal(Array.from({ length: 10 }, (_, i) => `n${i}`));
    expect(most).to.equal(4);
    await rec.drain(); // nothing pending: resolves at once
  });

  it('writes an Event once per (object, reason, message)', async function () {
    const { rec, sent } = recorder({});
    expect(await rec.record(obj('a'), 'Warning', 'Bad', 'm1')).to.equal(true);
    expect(await rec.record(obj('a'), 'Warning', 'Bad', 'm1')).to.equal(false);
    expect(await rec.record(obj('b'), 'Warning', 'Bad', 'm1')).to.equal(true);
    expect(sent).to.deep.equal(['m1', 'm1']);
  });

  it('bounds the Events of one object: a burst, then one per refill interval; other objects are unaffected', async function () {
    const { rec, sent, held, clock } = recorder({ perObjectBurst: 3, perObjectRefillMs: 60_000 });
    // One reconcile reporting 50 distinct problems of one object.
    for (let i = 0; i < 50; i++) await rec.record(obj('noisy'), 'Warning', 'BadSource', `source ${i}`);
    expect(sent).to.have.length(3);
    expect(held.filter((h) => h === 'object-rate')).to.have.length(47);
    expect(await rec.record(obj('quiet'), 'Warning', 'Bad', 'x')).to.equal(true);
    // Held-back Events are not remembered: they come back, one per interval.
    clock.t += 59_000;
    expect(await rec.record(obj('noisy'), 'Warning', 'BadSource', 'source 10')).to.equal(false);
    clock.t += 1_000;
    expect(await rec.record(obj('noisy'), 'Warning', 'BadSource', 'source 10')).to.equal(true);
    expect(await rec.record(obj('noisy'), 'Warning', 'BadSource', 'source 11')).to.equal(false);
  });

  it('once the dedupe memory is full, re-seen Events come back at the overflow rate, not all at once', async function () {
    const { rec, sent, held, clock } = recorder({ remembered: 100, overflowBurst: 5, overflowRefillMs: 1000, perObjectBurst: 10 });
    const all = Array.from({ length: 300 }, (_, i) => obj(`o${i}`));
    // First pass: the first 100 fill the memory, then only the overflow burst gets through.
    for (const o of all) await rec.record(o, 'Warning', 'Persistent', 'still broken');
    expect(sent).to.have.length(105);
    // A resync re-sees every object at the same instant: nothing more is written.
    for (const o of all) await rec.record(o, 'Warning', 'Persistent', 'still broken');
    expect(sent).to.have.length(105);
    // Ten seconds later, ten more tokens, whichever objects ask first.
    clock.t += 10_000;
    for (const o of all) await rec.record(o, 'Warning', 'Persistent', 'still broken');
    expect(sent).to.have.length(110);
    expect(held.filter((h) => h === 'overflow-rate').length).to.be.greaterThan(0);
  });

  it('forget() lets the same problem be reported again and resets the object budget', async function () {
    const { rec, sent } = recorder({ perObjectBurst: 1 });
    await rec.record(obj('a'), 'Warning', 'Bad', 'm');
    expect(await rec.record(obj('a'), 'Warning', 'Bad', 'other')).to.equal(false);
    rec.forget('uid-a');
    expect(await rec.record(obj('a'), 'Warning', 'Bad', 'm')).to.equal(true);
    expect(sent).to.deep.equal(['m', 'm']);
  });

  it('a clock stepping backwards mints no tokens', async function () {
    const { rec, clock, sent } = recorder({ perObjectBurst: 2, perObjectRefillMs: 1000 });
    await rec.record(obj('a'), 'Warning', 'Bad', 'm1');
    await rec.record(obj('a'), 'Warning', 'Bad', 'm2');
    clock.t -= 3_600_000;
    expect(await rec.record(obj('a'), 'Warning', 'Bad', 'm3')).to.equal(false);
    expect(sent).to.have.length(2);
  });
});
