import { expect } from 'chai';
import { cronNeverFiresProblem } from '../../src/util/cron-fires.js';

describe('cron expressions that never fire (--renewal-window)', function () {
  for (const e of ['0 0 31 2 *', '0 0 30 2 *', '0 0 30,31 2 *', '0 0 31 4,6,9,11 *', '0 0 0 31 2 *', '0 0 31 feb *']) {
    it(`"${e}" never fires`, function () {
      const t = performance.now();
      expect(cronNeverFiresProblem(e)).to.match(/never fires/);
      // Decided on the parsed fields, not by the cron package's 8-year walk.
      expect(performance.now() - t).to.be.lessThan(1000);
    });
  }
  // Feb 29 fires in leap years; a restricted day of week is OR-ed with the day of month.
  for (const e of ['0 0 29 2 *', '0 0 31 2 1', '0 0 31 2 0-5', '0 2 * * 6', '*/20 * * * * *', '@yearly', '0 0 31 * *', '0 0 31 1-2 *']) {
    it(`"${e}" fires`, function () {
      expect(cronNeverFiresProblem(e)).to.equal(undefined);
    });
  }
  it('leaves unparsable expressions to the parser', function () {
    expect(cronNeverFiresProblem('61 * * * *')).to.equal(undefined);
  });
});
