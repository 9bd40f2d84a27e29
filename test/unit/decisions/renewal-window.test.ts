import { expect } from 'chai';
import { parseWindow, shortestPeriodMs, windowState, type RenewalWindow } from '../../../src/decisions/renewal-window.js';

function mustParse(expression: string, durationMs: number, timeZone: string, now: Date): RenewalWindow {
  const w = parseWindow(expression, durationMs, timeZone, now);
  if (w instanceof Error) throw w;
  return w;
}

const iso = (d: Date | undefined): string | undefined => d?.toISOString();

describe('parseWindow', function () {
  const now = new Date('2026-01-01T00:00:00Z');

  it('returns the expression, duration and time zone it was given', function () {
    const w = mustParse('0 2 * * 6', 3_600_000, 'Europe/Berlin', now);
    expect(w.expression).to.equal('0 2 * * 6');
    expect(w.durationMs).to.equal(3_600_000);
    expect(w.timeZone).to.equal('Europe/Berlin');
  });

  it('accepts a six-field expression with seconds', function () {
    expect(parseWindow('*/20 * * * * *', 5000, 'UTC', now)).not.to.be.instanceOf(Error);
  });

  it('rejects a window lasting as long as the period', function () {
    const e = parseWindow('*/20 * * * * *', 20_000, 'UTC', now);
    expect(e).to.be.instanceOf(Error);
    expect((e as Error).message).to.contain('lasts').and.contain('20s');
  });

  it('rejects a window lasting longer than the period', function () {
    const e = parseWindow('0 2 * * 6', 8 * 86_400_000, 'UTC', now);
    expect(e).to.be.instanceOf(Error);
    expect((e as Error).message).to.contain('lasts');
  });

  it('accepts a window 1 ms shorter than the period', function () {
    expect(parseWindow('*/20 * * * * *', 19_999, 'UTC', now)).not.to.be.instanceOf(Error);
  });

  it('rejects a weekly window longer than the shortest (DST) week', function () {
    // Europe/Berlin 02:00 on Saturdays: the week containing the spring change is 167 h.
    const spring = new Date('2026-03-20T00:00:00Z');
    expect(parseWindow('0 2 * * 6', 167 * 3_600_000, 'Europe/Berlin', spring)).to.be.instanceOf(Error);
    expect(parseWindow('0 2 * * 6', 167 * 3_600_000 - 1, 'Europe/Berlin', spring)).not.to.be.instanceOf(Error);
  });

  it('rejects an invalid time zone', function () {
    const e = parseWindow('0 2 * * 6', 1000, 'Mars/Olympus_Mons', now);
    expect(e).to.be.instanceOf(Error);
    expect((e as Error).message).to.match(/time zone/i);
  });

  it('rejects an expression that is not cron', function () {
    expect(parseWindow('not a cron', 1000, 'UTC', now)).to.be.instanceOf(Error);
  });

  it('rejects a field out of range', function () {
    expect(parseWindow('61 * * * *', 1000, 'UTC', now)).to.be.instanceOf(Error);
  });
});

describe('shortestPeriodMs', function () {
  it('is 20 s for every 20th second', function () {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(shortestPeriodMs(mustParse('*/20 * * * * *', 1000, 'UTC', now), now)).to.equal(20_000);
  });

  it('is a week in UTC', function () {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(shortestPeriodMs(mustParse('0 2 * * 6', 1000, 'UTC', now), now)).to.equal(7 * 86_400_000);
  });

  it('is a week minus an hour across the spring change in Europe/Berlin', function () {
    const now = new Date('2026-03-20T00:00:00Z');
    expect(shortestPeriodMs(mustParse('0 2 * * 6', 1000, 'Europe/Berlin', now), now)).to.equal(7 * 86_400_000 - 3_600_000);
  });

  it('finds the shorter gaps of an irregular expression', function () {
    // 00:00 and 00:10 every day: gaps of 10 min and 23 h 50 min.
    const now = new Date('2026-01-01T12:00:00Z');
    expect(shortestPeriodMs(mustParse('0 0,10 0 * * *', 1000, 'UTC', now), now)).to.equal(600_000);
  });
});

describe('windowState', function () {
  describe('every 20 s, open for 5 s (UTC)', function () {
    const w = mustParse('*/20 * * * * *', 5000, 'UTC', new Date('2026-01-01T00:00:00Z'));

    it('is open at the exact start', function () {
      const s = windowState(w, new Date('2026-01-01T00:00:20.000Z'));
      expect(s.open).to.be.true;
      expect(iso(s.openedAt)).to.equal('2026-01-01T00:00:20.000Z');
      expect(iso(s.closesAt)).to.equal('2026-01-01T00:00:25.000Z');
      expect(iso(s.nextStart)).to.equal('2026-01-01T00:00:40.000Z');
    });

    it('is open inside the window, with nextStart after the current window', function () {
      const s = windowState(w, new Date('2026-01-01T00:00:42.500Z'));
      expect(s).to.deep.equal({
        open: true,
        openedAt: new Date('2026-01-01T00:00:40.000Z'),
        closesAt: new Date('2026-01-01T00:00:45.000Z'),
        nextStart: new Date('2026-01-01T00:01:00.000Z'),
      });
    });

    it('is open 1 ms before the end', function () {
      const s = windowState(w, new Date('2026-01-01T00:00:44.999Z'));
      expect(s.open).to.be.true;
      expect(iso(s.openedAt)).to.equal('2026-01-01T00:00:40.000Z');
    });

    // A window is [start, start + duration): closed at its exact end.
    it('is closed at the exact end', function () {
      const s = windowState(w, new Date('2026-01-01T00:00:45.000Z'));
      expect(s.open).to.be.false;
      expect(iso(s.nextStart)).to.equal('2026-01-01T00:01:00.000Z');
    });

    it('is closed 1 ms after the end', function () {
      const s = windowState(w, new Date('2026-01-01T00:00:45.001Z'));
      expect(s).to.deep.equal({ open: false, nextStart: new Date('2026-01-01T00:01:00.000Z') });
    });

    it('is closed between windows, with nextStart the coming start', function () {
      const s = windowState(w, new Date('2026-01-01T00:00:10.000Z'));
      expect(s).to.deep.equal({ open: false, nextStart: new Date('2026-01-01T00:00:20.000Z') });
    });

    it('is closed 1 ms before a start', function () {
      const s = windowState(w, new Date('2026-01-01T00:00:59.999Z'));
      expect(s).to.deep.equal({ open: false, nextStart: new Date('2026-01-01T00:01:00.000Z') });
    });

    it('crosses a minute and a day boundary', function () {
      const s = windowState(w, new Date('2026-12-31T23:59:59.000Z'));
      expect(s).to.deep.equal({ open: false, nextStart: new Date('2027-01-01T00:00:00.000Z') });
      const t = windowState(w, new Date('2027-01-01T00:00:03.000Z'));
      expect(iso(t.openedAt)).to.equal('2027-01-01T00:00:00.000Z');
      expect(iso(t.nextStart)).to.equal('2027-01-01T00:00:20.000Z');
    });
  });

  describe('Saturdays 02:00 Europe/Berlin, open for 1 h', function () {
    const HOUR = 3_600_000;
    const w = mustParse('0 2 * * 6', HOUR, 'Europe/Berlin', new Date('2026-03-01T00:00:00Z'));

    it('opens at 01:00 UTC in winter time (2026-03-28)', function () {
      const s = windowState(w, new Date('2026-03-27T12:00:00Z'));
      expect(s).to.deep.equal({ open: false, nextStart: new Date('2026-03-28T01:00:00.000Z') });
    });

    it('is open on 2026-03-28 01:30 UTC and next opens at 00:00 UTC in summer time (2026-04-04)', function () {
      const s = windowState(w, new Date('2026-03-28T01:30:00Z'));
      expect(s).to.deep.equal({
        open: true,
        openedAt: new Date('2026-03-28T01:00:00.000Z'),
        closesAt: new Date('2026-03-28T02:00:00.000Z'),
        nextStart: new Date('2026-04-04T00:00:00.000Z'),
      });
    });

    it('is closed at 2026-04-04 01:00 UTC (after the summer-time window)', function () {
      const s = windowState(w, new Date('2026-04-04T01:00:00.001Z'));
      expect(s).to.deep.equal({ open: false, nextStart: new Date('2026-04-11T00:00:00.000Z') });
    });

    it('is not yet open at 2026-03-28 00:59:59.999 UTC (winter time, 01:59:59 local)', function () {
      const s = windowState(w, new Date('2026-03-28T00:59:59.999Z'));
      expect(s.open).to.be.false;
      expect(iso(s.nextStart)).to.equal('2026-03-28T01:00:00.000Z');
    });

    it('opens at 00:00 UTC in summer time (2026-10-24)', function () {
      const s = windowState(w, new Date('2026-10-24T00:00:00Z'));
      expect(s.open).to.be.true;
      expect(iso(s.openedAt)).to.equal('2026-10-24T00:00:00.000Z');
      expect(iso(s.closesAt)).to.equal('2026-10-24T01:00:00.000Z');
      expect(iso(s.nextStart)).to.equal('2026-10-31T01:00:00.000Z');
    });

    it('opens at 01:00 UTC in winter time again (2026-10-31)', function () {
      const before = windowState(w, new Date('2026-10-31T00:30:00Z'));
      expect(before).to.deep.equal({ open: false, nextStart: new Date('2026-10-31T01:00:00.000Z') });
      const inside = windowState(w, new Date('2026-10-31T01:30:00Z'));
      expect(inside.open).to.be.true;
      expect(iso(inside.openedAt)).to.equal('2026-10-31T01:00:00.000Z');
      expect(iso(inside.nextStart)).to.equal('2026-11-07T01:00:00.000Z');
    });
  });
});
