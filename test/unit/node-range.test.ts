import { expect } from 'chai';
import { nodeMajorInRange } from '../support/node-range.js';

describe('test/support/node-range', function () {
  describe('nodeMajorInRange', function () {
    it('checks a major against an engines range', function () {
      const range = '>=20.19.0 <23';
      expect([18, 20, 21, 22, 23, 24].filter((m) => nodeMajorInRange(m, range))).to.deep.equal([20, 21, 22]);
      expect(nodeMajorInRange(20, '>=21.0.0')).to.equal(false);
      expect(nodeMajorInRange(20, '>20.1.2 <21')).to.equal(true);
      expect(nodeMajorInRange(21, '>20.1.2 <21')).to.equal(false);
      expect(nodeMajorInRange(22, '>=22.0.0 <=22.1.0')).to.equal(true);
    });

    it('refuses range syntax it does not evaluate', function () {
      for (const range of ['^22', '20 || 22', '~22.1', '<=22', '>=22.x']) expect(() => nodeMajorInRange(22, range), range).to.throw(/unsupported comparator/);
    });
  });
});
