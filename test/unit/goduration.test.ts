import { expect } from 'chai';
import { parseDuration } from '../../src/util/duration.js';
import { fitsGoDuration, goDurationString } from '../../src/util/goduration.js';

function go(input: string): string {
  const ms = parseDuration(input);
  if (ms instanceof Error) throw ms;
  return goDurationString(ms);
}

describe('goDurationString (Go time.Duration.String)', function () {
  // Expected values are what Go prints: fmt.Println(time.ParseDuration(input)).
  const cases: [string, string][] = [
    ['720h', '720h0m0s'], ['90m', '1h30m0s'], ['1h30m', '1h30m0s'], ['2160h', '2160h0m0s'], ['8760h', '8760h0m0s'],
    ['30s', '30s'], ['60s', '1m0s'], ['61s', '1m1s'], ['1.5s', '1.5s'], ['1h0m0.5s', '1h0m0.5s'],
    ['250ms', '250ms'], ['1.5ms', '1.5ms'], ['1500ns', '1.5µs'], ['5ns', '5ns'], ['0', '0s'], ['2h0m5s', '2h0m5s'],
  ];
  for (const [input, want] of cases) {
    it(`"${input}" → "${want}"`, function () {
      expect(go(input)).to.equal(want);
    });
  }

  it('prints negative durations with a leading minus, like Go', function () {
    expect(goDurationString(-90_000)).to.equal('-1m30s');
  });

  it('round-trips through parseDuration', function () {
    for (const ms of [3_600_000, 5_400_000, 2_592_000_000, 31_536_000_000, 1500, 0.25]) {
      expect(parseDuration(goDurationString(ms))).to.equal(ms);
    }
  });

  it('refuses what a Go duration cannot hold', function () {
    expect(fitsGoDuration(2_562_047 * 3_600_000)).to.equal(true);
    expect(fitsGoDuration(2_562_048 * 3_600_000)).to.equal(false);
    expect(fitsGoDuration(Number.NaN)).to.equal(false);
    expect(() => goDurationString(Number.POSITIVE_INFINITY)).to.throw(RangeError);
  });
});
