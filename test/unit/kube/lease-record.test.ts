import { expect } from 'chai';
import { decideLease, microTime, recordKey, releasedSpec, type Lease } from '../../../src/kube/lease-record.js';

const T0 = Date.parse('2026-11-28T10:00:00.000Z');
const lease = (spec: Lease['spec']): Lease => ({ metadata: { name: 'l', namespace: 'ns', resourceVersion: '7' }, spec });

describe('lease-record', function () {
  it('writes MicroTime with exactly six fractional digits', function () {
    expect(microTime(T0 + 123)).to.equal('2026-11-28T10:00:00.123000Z');
  });

  it('creates a missing Lease held by us, with zero transitions', function () {
    const d = decideLease(undefined, T0, 'me', 15_000, T0);
    expect(d).to.deep.equal({ action: 'create', spec: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: microTime(T0), renewTime: microTime(T0), leaseTransitions: 0 } });
  });

  it('waits while another holder\'s Lease is unexpired by our own clock', function () {
    const other = lease({ holderIdentity: 'other', leaseDurationSeconds: 15, renewTime: '2000-01-01T00:00:00.000000Z', leaseTransitions: 3 });
    // The record's renewTime is ancient (their clock), but we observed it change at T0.
    const d = decideLease(other, T0, 'me', 15_000, T0 + 14_999);
    expect(d).to.deep.equal({ action: 'wait', holder: 'other', expiresAt: T0 + 15_000 });
  });

  it('takes over an expired Lease and counts a transition', function () {
    const other = lease({ holderIdentity: 'other', leaseDurationSeconds: 15, acquireTime: microTime(T0 - 60_000), leaseTransitions: 3 });
    const d = decideLease(other, T0, 'me', 15_000, T0 + 15_000);
    expect(d.action).to.equal('update');
    if (d.action !== 'update') return;
    expect(d.acquired).to.equal(true);
    expect(d.spec).to.deep.include({ holderIdentity: 'me', leaseTransitions: 4, acquireTime: microTime(T0 + 15_000) });
  });

  it('uses the holder\'s own duration: a released Lease (1 s) is free a second after it was seen', function () {
    const released = lease(releasedSpec({ holderIdentity: 'other', leaseTransitions: 2 }, T0));
    expect(released.spec?.holderIdentity).to.equal('');
    // An empty holder is free at once.
    const d = decideLease(released, T0, 'me', 15_000, T0);
    expect(d.action).to.equal('update');
    if (d.action === 'update') expect(d.spec.leaseTransitions).to.equal(3);
    // A holder still named but with a 1 s duration: wait until 1 s after the observation only.
    const short = lease({ holderIdentity: 'other', leaseDurationSeconds: 1 });
    expect(decideLease(short, T0, 'me', 15_000, T0 + 999).action).to.equal('wait');
    expect(decideLease(short, T0, 'me', 15_000, T0 + 1000).action).to.equal('update');
  });

  it('renews our own Lease keeping acquireTime and transitions', function () {
    const mine = lease({ holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: microTime(T0), renewTime: microTime(T0), leaseTransitions: 5 });
    const d = decideLease(mine, T0, 'me', 15_000, T0 + 2000);
    expect(d).to.deep.equal({ action: 'update', acquired: false, spec: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: microTime(T0), renewTime: microTime(T0 + 2000), leaseTransitions: 5 } });
  });

  it('rounds a sub-second lease duration up to a whole second, never 0', function () {
    const d = decideLease(undefined, T0, 'me', 1500, T0);
    expect(d.action === 'create' && d.spec.leaseDurationSeconds).to.equal(2);
    const e = decideLease(undefined, T0, 'me', 10, T0);
    expect(e.action === 'create' && e.spec.leaseDurationSeconds).to.equal(1);
  });

  it('recordKey changes when the holder renews and not otherwise', function () {
    const a = lease({ holderIdentity: 'x', renewTime: microTime(T0) });
    const b = lease({ holderIdentity: 'x', renewTime: microTime(T0) });
    const c = lease({ holderIdentity: 'x', renewTime: microTime(T0 + 1) });
    expect(recordKey(a)).to.equal(recordKey(b));
    expect(recordKey(a)).not.to.equal(recordKey(c));
    expect(recordKey(undefined)).not.to.equal(recordKey(a));
  });
});
