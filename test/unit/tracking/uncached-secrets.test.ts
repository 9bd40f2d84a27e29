import { expect } from 'chai';
import { UncachedSecretTypes } from '../../../src/tracking/uncached-secrets.js';

describe('UncachedSecretTypes (bounded direct reads)', function () {
  function setup(opts: { burst?: number; perSecond?: number; maxEntries?: number } = {}): { u: UncachedSecretTypes; reads: string[]; clock: { t: number } } {
    const clock = { t: 1_000_000 };
    const reads: string[] = [];
    const u = new UncachedSecretTypes((ns, name) => {
      reads.push(`${ns}/${name}`);
      return Promise.resolve(name.startsWith('none') ? null : name === 'boom' ? Promise.reject(new Error('boom')) as never : 'example.com/custom');
    }, { recheckMs: 60_000, burst: opts.burst ?? 3, perSecond: opts.perSecond ?? 1, maxEntries: opts.maxEntries ?? 100, now: () => clock.t });
    return { u, reads, clock };
  }

  it('reads a name once per recheck interval and remembers only its type', async function () {
    const { u, reads, clock } = setup();
    expect(await u.refresh('east', 'a')).to.equal('fresh');
    expect(u.type('east', 'a')).to.equal('example.com/custom');
    expect(await u.refresh('east', 'a')).to.equal('fresh');
    clock.t += 59_999;
    await u.refresh('east', 'a');
    expect(reads).to.deep.equal(['east/a']);
    clock.t += 1;
    await u.refresh('east', 'a');
    expect(reads).to.deep.equal(['east/a', 'east/a']);
  });

  it('a missing Secret or a failed read is "none"', async function () {
    const { u } = setup();
    await u.refresh('east', 'none-1');
    await u.refresh('east', 'boom');
    expect(u.type('east', 'none-1')).to.equal(undefined);
    expect(u.type('east', 'boom')).to.equal(undefined);
  });

  it('lastRead tells "none" (null) from a failed or never made read (undefined)', async function () {
    const { u } = setup();
    await u.refresh('east', 'none-1');
    await u.refresh('east', 'boom');
    await u.refresh('east', 'a');
    expect(u.lastRead('east', 'none-1')).to.equal(null);
    expect(u.lastRead('east', 'boom')).to.equal(undefined);
    expect(u.lastRead('east', 'never')).to.equal(undefined);
    expect(u.lastRead('east', 'a')).to.equal('example.com/custom');
  });

  it('no number of names makes more than burst + rate reads', async function () {
    const { u, reads, clock } = setup({ burst: 3, perSecond: 1 });
    const results = [];
    for (let i = 0; i < 50; i++) results.push(await u.refresh('east', `n${i}`));
    expect(reads).to.have.length(3);
    expect(results.filter((r) => r === 'limited')).to.have.length(47);
    clock.t += 2_000;
    for (let i = 3; i < 50; i++) await u.refresh('east', `n${i}`);
    expect(reads).to.have.length(5);
    expect(u.retryAfterMs()).to.equal(1000);
  });

  it('remembers at most maxEntries names, forgetting the oldest read', async function () {
    const { u } = setup({ burst: 10, maxEntries: 2 });
    await u.refresh('east', 'a');
    await u.refresh('east', 'b');
    await u.refresh('east', 'c');
    expect(u.type('east', 'a')).to.equal(undefined);
    expect(u.type('east', 'c')).to.equal('example.com/custom');
  });
});
