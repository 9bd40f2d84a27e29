import { expect } from 'chai';
import {
  backoffDelay,
  decideRenewal,
  type CertificateFacts,
  type LastAction,
  type RenewalInput,
} from '../../../src/decisions/renewal.js';
import type { WindowState } from '../../../src/decisions/renewal-window.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const NOW = new Date('2026-05-01T12:00:00.000Z');
const OVERDUE_AFTER = HOUR;
const BACKOFF = MIN;

function at(offsetMs: number): Date {
  return new Date(NOW.getTime() + offsetMs);
}

/** A Ready certificate, renewal a day ahead: nothing to do. */
function input(overrides: Partial<Omit<RenewalInput, 'certificate'>> & { certificate?: Partial<CertificateFacts> } = {}): RenewalInput {
  const { certificate, ...rest } = overrides;
  return {
    now: NOW,
    certificate: {
      revision: 3,
      ready: true,
      issuing: false,
      notBefore: at(-30 * 24 * HOUR),
      renewalTime: at(24 * HOUR),
      notAfter: at(30 * 24 * HOUR),
      ...certificate,
    },
    manual: {},
    mismatch: false,
    overdueAfterMs: OVERDUE_AFTER,
    backoffMs: BACKOFF,
    ...rest,
  };
}

function last(overrides: Partial<LastAction> = {}): LastAction {
  return { trigger: 'overdue', kind: 'triggered', revision: 3, at: at(-10_000), attempts: 1, ...overrides };
}

describe('backoffDelay', function () {
  it('is the base delay after the first attempt', function () {
    expect(backoffDelay(1000, 1)).to.equal(1000);
  });

  it('doubles with each further attempt', function () {
    expect(backoffDelay(1000, 2)).to.equal(2000);
    expect(backoffDelay(1000, 3)).to.equal(4000);
    expect(backoffDelay(1000, 4)).to.equal(8000);
    expect(backoffDelay(1000, 5)).to.equal(16_000);
    expect(backoffDelay(1000, 6)).to.equal(32_000);
  });

  it('is capped at 32 times the base', function () {
    expect(backoffDelay(1000, 7)).to.equal(32_000);
    expect(backoffDelay(1000, 8)).to.equal(32_000);
    expect(backoffDelay(1000, 1000)).to.equal(32_000);
  });

  it('treats 0 (or fewer) attempts as one', function () {
    expect(backoffDelay(1000, 0)).to.equal(1000);
    expect(backoffDelay(1000, -3)).to.equal(1000);
  });

  it('scales with the base', function () {
    expect(backoffDelay(250, 3)).to.equal(1000);
  });
});

describe('decideRenewal', function () {
  describe('manual requests', function () {
    it('triggers and handles a value that was never handled', function () {
      const d = decideRenewal(input({ manual: { requested: 'now' } }));
      expect(d).to.deep.equal({ trigger: 'manual', handle: 'now', handleRevision: 3 });
    });

    it('triggers and handles a value different from the handled one', function () {
      const d = decideRenewal(input({ manual: { requested: 'second', handled: 'first' } }));
      expect(d).to.deep.equal({ trigger: 'manual', handle: 'second', handleRevision: 3 });
    });

    it('neither handles nor triggers a new value while cert-manager is issuing (no write races its issuance)', function () {
      const d = decideRenewal(input({ manual: { requested: 'second', handled: 'first', handledRevision: 2 }, certificate: { issuing: true } }));
      expect(d).to.deep.equal({ waiting: 'cert-manager is issuing; the renew request is handled after it' });
    });

    it('handles and triggers that value once cert-manager has finished, at the revision it produced', function () {
      const d = decideRenewal(input({ manual: { requested: 'second', handled: 'first', handledRevision: 2 }, certificate: { revision: 4 } }));
      expect(d).to.deep.equal({ trigger: 'manual', handle: 'second', handleRevision: 4 });
    });

    it('records the revision 0 of a Certificate never issued', function () {
      const d = decideRenewal(input({ manual: { requested: 'x' }, certificate: { revision: 0, ready: false, renewalTime: undefined, notBefore: undefined, notAfter: undefined } }));
      expect(d).to.deep.equal({ trigger: 'manual', handle: 'x', handleRevision: 0 });
    });

    it('triggers again a recorded request that produced no revision (the trigger did not take effect)', function () {
      const d = decideRenewal(input({ manual: { requested: 'same', handled: 'same', handledRevision: 3 } }));
      expect(d).to.deep.equal({ trigger: 'manual' });
    });

    it('waits while cert-manager issues a recorded request', function () {
      const d = decideRenewal(input({ manual: { requested: 'same', handled: 'same', handledRevision: 3 }, certificate: { issuing: true } }));
      expect(d.trigger).to.be.undefined;
      expect(d.handle).to.be.undefined;
      expect(d.waiting).to.equal('cert-manager is issuing');
    });

    it('does not trigger a recorded request again within the backoff of our own trigger', function () {
      const d = decideRenewal(input({ manual: { requested: 'same', handled: 'same', handledRevision: 3 }, last: last({ trigger: 'manual', at: at(-1000) }) }));
      expect(d.trigger).to.be.undefined;
      expect(d.wakeAt).to.deep.equal(at(-1000 + BACKOFF));
    });

    it('triggers a recorded request again once our own backoff has passed', function () {
      const d = decideRenewal(input({ manual: { requested: 'same', handled: 'same', handledRevision: 3 }, last: last({ trigger: 'manual', at: at(-BACKOFF - 1) }) }));
      expect(d).to.deep.equal({ trigger: 'manual' });
    });

    it('does not trigger a recorded request again while cert-manager backs off after a failed issuance', function () {
      const failed = { lastFailureTime: at(-MIN), failedIssuanceAttempts: 2 };
      const d = decideRenewal(input({ manual: { requested: 'same', handled: 'same', handledRevision: 3 }, certificate: failed }));
      expect(d.trigger).to.be.undefined;
      expect(d.wakeAt).to.deep.equal(at(-MIN + 2 * BACKOFF));
    });

    it('triggers a recorded request again after the failed issuance backoff', function () {
      const failed = { lastFailureTime: at(-3 * BACKOFF), failedIssuanceAttempts: 2 };
      const d = decideRenewal(input({ manual: { requested: 'same', handled: 'same', handledRevision: 3 }, certificate: failed }));
      expect(d).to.deep.equal({ trigger: 'manual' });
    });

    it('counts a recorded request as served once a later revision exists', function () {
      const d = decideRenewal(input({ manual: { requested: 'same', handled: 'same', handledRevision: 2 } }));
      expect(d).to.deep.equal({ waiting: 'not due', wakeAt: at(24 * HOUR + OVERDUE_AFTER) });
    });

    it('does not trigger the value recorded at creation (no revision recorded)', function () {
      const d = decideRenewal(input({ manual: { requested: 'same', handled: 'same' }, certificate: { revision: 0 } }));
      expect(d.trigger).to.be.undefined;
    });

    it('does not trigger again when the request was removed, even with no revision since', function () {
      const d = decideRenewal(input({ manual: { handled: 'old', handledRevision: 3 } }));
      expect(d.trigger).to.be.undefined;
    });

    it('does nothing for a value already handled', function () {
      const d = decideRenewal(input({ manual: { requested: 'same', handled: 'same' } }));
      expect(d.trigger).to.be.undefined;
      expect(d.handle).to.be.undefined;
      expect(d.waiting).to.equal('not due');
    });

    it('does nothing when the request was removed after being handled', function () {
      const d = decideRenewal(input({ manual: { handled: 'old' } }));
      expect(d.trigger).to.be.undefined;
      expect(d.handle).to.be.undefined;
    });

    it('is not held back by the backoff of the same revision', function () {
      const d = decideRenewal(input({ manual: { requested: 'x' }, last: last({ at: at(-1), attempts: 5 }) }));
      expect(d).to.deep.equal({ trigger: 'manual', handle: 'x', handleRevision: 3 });
    });

    it('falls through to the normal rules for a handled value (here: overdue)', function () {
      const d = decideRenewal(input({ manual: { requested: 'same', handled: 'same' }, certificate: { renewalTime: at(-2 * HOUR) } }));
      expect(d).to.deep.equal({ trigger: 'overdue' });
    });
  });

  describe('backoff after our own actions', function () {
    const overdueCert = { renewalTime: at(-2 * HOUR) };

    it('waits until last.at + backoffDelay(base, attempts) on the same revision', function () {
      const lastAt = at(-30_000);
      const d = decideRenewal(input({ certificate: overdueCert, last: last({ at: lastAt, attempts: 3 }) }));
      expect(d.trigger).to.be.undefined;
      expect(d.waiting).to.be.a('string').and.match(/backing off/);
      expect(d.wakeAt?.toISOString()).to.equal(new Date(lastAt.getTime() + 4 * BACKOFF).toISOString());
    });

    it('waits with the base delay after one attempt', function () {
      const lastAt = at(-59_999);
      const d = decideRenewal(input({ certificate: overdueCert, last: last({ at: lastAt, attempts: 1 }) }));
      expect(d.trigger).to.be.undefined;
      expect(d.wakeAt?.getTime()).to.equal(lastAt.getTime() + BACKOFF);
    });

    it('acts again once the backoff has elapsed exactly', function () {
      const d = decideRenewal(input({ certificate: overdueCert, last: last({ at: at(-BACKOFF), attempts: 1 }) }));
      expect(d).to.deep.equal({ trigger: 'overdue' });
    });

    it('also backs off a stuck report of the same revision', function () {
      const lastAt = at(-1000);
      const d = decideRenewal(input({ certificate: { ...overdueCert, issuing: true }, last: last({ kind: 'stuck', at: lastAt, attempts: 2 }) }));
      expect(d.stuck).to.be.undefined;
      expect(d.wakeAt?.getTime()).to.equal(lastAt.getTime() + 2 * BACKOFF);
    });

    it('ignores an action on an older revision', function () {
      const d = decideRenewal(input({ certificate: { ...overdueCert, revision: 4 }, last: last({ revision: 3, at: at(-1), attempts: 6 }) }));
      expect(d).to.deep.equal({ trigger: 'overdue' });
    });
  });

  describe('while cert-manager is issuing', function () {
    it('reports stuck once overdue', function () {
      const d = decideRenewal(input({ certificate: { issuing: true, renewalTime: at(-OVERDUE_AFTER - 1) } }));
      expect(d).to.deep.equal({ stuck: true });
    });

    it('reports stuck exactly at the overdue instant', function () {
      const d = decideRenewal(input({ certificate: { issuing: true, renewalTime: at(-OVERDUE_AFTER) } }));
      expect(d).to.deep.equal({ stuck: true });
    });

    it('waits until the overdue instant otherwise', function () {
      const renewalTime = at(-10 * MIN);
      const d = decideRenewal(input({ certificate: { issuing: true, renewalTime } }));
      expect(d.trigger).to.be.undefined;
      expect(d.stuck).to.be.undefined;
      expect(d.waiting).to.equal('cert-manager is issuing');
      expect(d.wakeAt?.getTime()).to.equal(renewalTime.getTime() + OVERDUE_AFTER);
    });

    it('waits without a wake-up when there is no renewal time', function () {
      const d = decideRenewal(input({ certificate: { issuing: true, renewalTime: undefined } }));
      expect(d).to.deep.equal({ waiting: 'cert-manager is issuing' });
    });

    it('does not trigger for a mismatch', function () {
      const d = decideRenewal(input({ mismatch: true, certificate: { issuing: true } }));
      expect(d.trigger).to.be.undefined;
      expect(d.waiting).to.equal('cert-manager is issuing');
    });
  });

  describe("cert-manager's failure backoff", function () {
    it('waits until lastFailureTime + backoffDelay(base, failedIssuanceAttempts)', function () {
      const lastFailureTime = at(-MIN);
      const d = decideRenewal(input({ certificate: { renewalTime: at(-2 * HOUR), lastFailureTime, failedIssuanceAttempts: 3 } }));
      expect(d.trigger).to.be.undefined;
      expect(d.waiting).to.be.a('string').and.match(/failed 3 time/);
      expect(d.wakeAt?.getTime()).to.equal(lastFailureTime.getTime() + 4 * BACKOFF);
    });

    it('holds back a mismatch renewal too', function () {
      const lastFailureTime = at(-1000);
      const d = decideRenewal(input({ mismatch: true, certificate: { lastFailureTime, failedIssuanceAttempts: 1 } }));
      expect(d.trigger).to.be.undefined;
      expect(d.wakeAt?.getTime()).to.equal(lastFailureTime.getTime() + BACKOFF);
    });

    it('proceeds once that backoff has elapsed', function () {
      const d = decideRenewal(input({ certificate: { renewalTime: at(-2 * HOUR), lastFailureTime: at(-4 * BACKOFF), failedIssuanceAttempts: 3 } }));
      expect(d).to.deep.equal({ trigger: 'overdue' });
    });

    it('ignores a failure time without failed attempts', function () {
      const d = decideRenewal(input({ certificate: { renewalTime: at(-2 * HOUR), lastFailureTime: at(-1), failedIssuanceAttempts: 0 } }));
      expect(d).to.deep.equal({ trigger: 'overdue' });
    });

    it('ignores a failure time when the attempt count is absent', function () {
      const d = decideRenewal(input({ certificate: { renewalTime: at(-2 * HOUR), lastFailureTime: at(-1) } }));
      expect(d).to.deep.equal({ trigger: 'overdue' });
    });
  });

  describe('mismatch', function () {
    it('triggers when the certificate is Ready', function () {
      expect(decideRenewal(input({ mismatch: true }))).to.deep.equal({ trigger: 'mismatch' });
    });

    it('wins over an open window (the certificate is wrong now)', function () {
      const window: WindowState = { open: false, nextStart: at(HOUR) };
      expect(decideRenewal(input({ mismatch: true, window }))).to.deep.equal({ trigger: 'mismatch' });
    });

    it('does not trigger when the certificate is not Ready', function () {
      const d = decideRenewal(input({ mismatch: true, certificate: { ready: false } }));
      expect(d.trigger).to.be.undefined;
      expect(d.waiting).to.equal('not due');
    });
  });

  describe('overdue', function () {
    it('triggers exactly at renewalTime + overdueAfter', function () {
      const d = decideRenewal(input({ certificate: { renewalTime: at(-OVERDUE_AFTER) } }));
      expect(d).to.deep.equal({ trigger: 'overdue' });
    });

    it('does not trigger 1 ms before renewalTime + overdueAfter', function () {
      const renewalTime = at(-OVERDUE_AFTER + 1);
      const d = decideRenewal(input({ certificate: { renewalTime } }));
      expect(d.trigger).to.be.undefined;
      expect(d.wakeAt?.getTime()).to.equal(NOW.getTime() + 1);
    });

    it('triggers even when the window is closed', function () {
      const window: WindowState = { open: false, nextStart: at(HOUR) };
      const d = decideRenewal(input({ window, certificate: { renewalTime: at(-2 * HOUR) } }));
      expect(d).to.deep.equal({ trigger: 'overdue' });
    });
  });

  describe('without a renewal time', function () {
    it('waits without a wake-up', function () {
      const d = decideRenewal(input({ certificate: { renewalTime: undefined } }));
      expect(d).to.deep.equal({ waiting: 'no renewal time yet' });
    });

    it('waits even inside an open window', function () {
      const window: WindowState = { open: true, openedAt: at(-MIN), closesAt: at(MIN), nextStart: at(HOUR) };
      const d = decideRenewal(input({ window, certificate: { renewalTime: undefined, notBefore: at(-HOUR) } }));
      expect(d).to.deep.equal({ waiting: 'no renewal time yet' });
    });
  });

  describe('with a renewal window', function () {
    const openedAt = at(-10 * MIN);
    const nextStart = at(7 * 24 * HOUR);
    const open: WindowState = { open: true, openedAt, closesAt: at(50 * MIN), nextStart };

    it("triggers 'window' when open and the renewal falls before the next window", function () {
      const d = decideRenewal(input({ window: open, certificate: { renewalTime: at(3 * 24 * HOUR), notBefore: at(-60 * 24 * HOUR) } }));
      expect(d).to.deep.equal({ trigger: 'window' });
    });

    it("triggers 'window' for a renewal time exactly at the next window's start (cert-manager would renew at the very instant the next window opens)", function () {
      expect(decideRenewal(input({ window: open, certificate: { renewalTime: nextStart, notBefore: at(-60 * 24 * HOUR) } }))).to.deep.equal({ trigger: 'window' });
      const justAfter = new Date(nextStart.getTime() + 1);
      expect(decideRenewal(input({ window: open, certificate: { renewalTime: justAfter, notBefore: at(-60 * 24 * HOUR) } })).waiting).to.equal('not due before the next window');
    });

    it("triggers 'window' for a renewal time already passed but not yet overdue", function () {
      const d = decideRenewal(input({ window: open, certificate: { renewalTime: at(-MIN) } }));
      expect(d).to.deep.equal({ trigger: 'window' });
    });

    it("triggers 'window' when the certificate has no notBefore", function () {
      const d = decideRenewal(input({ window: open, certificate: { renewalTime: at(HOUR), notBefore: undefined } }));
      expect(d).to.deep.equal({ trigger: 'window' });
    });

    it('does not renew a certificate issued inside this window', function () {
      const renewalTime = at(3 * 24 * HOUR);
      const d = decideRenewal(input({ window: open, certificate: { renewalTime, notBefore: at(-5 * MIN) } }));
      expect(d.trigger).to.be.undefined;
      expect(d.waiting).to.equal('not due before the next window');
      expect(d.wakeAt?.getTime()).to.equal(renewalTime.getTime() + OVERDUE_AFTER);
    });

    it('counts a notBefore up to 1 s before the opening as issued in the window', function () {
      const d = decideRenewal(input({ window: open, certificate: { renewalTime: at(HOUR), notBefore: new Date(openedAt.getTime() - 1000) } }));
      expect(d.trigger).to.be.undefined;
    });

    it('renews a certificate issued just over 1 s before the opening', function () {
      const d = decideRenewal(input({ window: open, certificate: { renewalTime: at(HOUR), notBefore: new Date(openedAt.getTime() - 1001) } }));
      expect(d).to.deep.equal({ trigger: 'window' });
    });

    it('wakes at the next start when a certificate issued in the window becomes overdue only after it', function () {
      const renewalTime = new Date(nextStart.getTime() - OVERDUE_AFTER / 2);
      const d = decideRenewal(input({ window: open, certificate: { renewalTime, notBefore: openedAt } }));
      expect(d.trigger).to.be.undefined;
      expect(d.wakeAt?.getTime()).to.equal(nextStart.getTime());
    });

    it('waits for the next window when open but the renewal falls after it', function () {
      const d = decideRenewal(input({ window: open, certificate: { renewalTime: at(8 * 24 * HOUR) } }));
      expect(d.trigger).to.be.undefined;
      expect(d.waiting).to.equal('not due before the next window');
      expect(d.wakeAt?.getTime()).to.equal(nextStart.getTime());
    });

    it('waits for the next start when closed and that comes before the overdue instant', function () {
      const closed: WindowState = { open: false, nextStart: at(30 * MIN) };
      const d = decideRenewal(input({ window: closed, certificate: { renewalTime: at(-MIN) } }));
      expect(d.trigger).to.be.undefined;
      expect(d.waiting).to.equal('outside the renewal window');
      expect(d.wakeAt?.getTime()).to.equal(at(30 * MIN).getTime());
    });

    it('waits for the overdue instant when closed and that comes before the next start', function () {
      const closed: WindowState = { open: false, nextStart: at(7 * 24 * HOUR) };
      const renewalTime = at(-MIN);
      const d = decideRenewal(input({ window: closed, certificate: { renewalTime } }));
      expect(d.trigger).to.be.undefined;
      expect(d.waiting).to.equal('outside the renewal window');
      expect(d.wakeAt?.getTime()).to.equal(renewalTime.getTime() + OVERDUE_AFTER);
    });
  });

  describe('without a renewal window', function () {
    it('waits until the overdue instant even after the renewal time (cert-manager renews on its own)', function () {
      const renewalTime = at(-MIN);
      const d = decideRenewal(input({ certificate: { renewalTime } }));
      expect(d).to.deep.equal({ waiting: 'not due', wakeAt: new Date(renewalTime.getTime() + OVERDUE_AFTER) });
    });

    it('waits until the overdue instant before the renewal time', function () {
      const d = decideRenewal(input());
      expect(d.trigger).to.be.undefined;
      expect(d.wakeAt?.getTime()).to.equal(at(24 * HOUR + OVERDUE_AFTER).getTime());
    });
  });
});
