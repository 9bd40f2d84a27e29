import { expect } from 'chai';
import { formatDuration, parseDuration } from '../../src/util/duration.js';

describe('parseDuration', function () {
  const cases: [string, number][] = [
    ['0', 0], ['90s', 90_000], ['15m', 900_000], ['720h', 2_592_000_000], ['1h30m', 5_400_000],
    ['250ms', 250], ['1.5h', 5_400_000], ['2h0m5s', 7_205_000],
  ];
  for (const [input, ms] of cases) {
    it(`"${input}" → ${ms} ms`, function () {
      expect(parseDuration(input)).to.equal(ms);
    });
  }
  for (const bad of ['', 'h', '5', '5x', '1d', '-5m', '5m ago', '1h 30m']) {
    it(`rejects "${bad}"`, function () {
      expect(parseDuration(bad)).to.be.instanceOf(Error);
    });
  }
  it('round-trips through formatDuration', function () {
    for (const ms of [1000, 61_000, 5_400_000, 2_592_000_000, 1_500]) {
      expect(parseDuration(formatDuration(ms))).to.equal(ms);
    }
    expect(formatDuration(5_400_000)).to.equal('1h30m');
  });
});
