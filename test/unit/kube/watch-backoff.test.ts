import { expect } from 'chai';
import { HEALTHY_WATCH_MS, MAX_RETRY_DELAY_MS, failuresAfter, retryDelayMs } from '../../../src/kube/watch-backoff.js';

describe('watch retry backoff', function () {
  it('doubles from 500 ms per failure in a row and stops at 30 s', function () {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 50].map(retryDelayMs)).to.deep.equal([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, MAX_RETRY_DELAY_MS]);
  });

  it('keeps counting failures of watches that never opened or died at once', function () {
    let f = 0;
    for (let i = 0; i < 5; i++) f = failuresAfter(f, i % 2 === 0 ? 0 : HEALTHY_WATCH_MS - 1);
    expect(f).to.equal(5);
    expect(retryDelayMs(f)).to.equal(8000);
  });

  it('starts over after a watch that streamed for a while was cut', function () {
    let f = 0;
    for (let i = 0; i < 6; i++) f = failuresAfter(f, 0);
    expect(retryDelayMs(f)).to.equal(16_000);
    // A thousand cuts of healthy watches never climb past the first delay.
    for (let i = 0; i < 1000; i++) f = failuresAfter(f, HEALTHY_WATCH_MS + i);
    expect(f).to.equal(1);
    expect(retryDelayMs(f)).to.equal(500);
  });
});
