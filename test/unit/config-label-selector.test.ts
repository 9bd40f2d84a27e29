import { expect } from 'chai';
import { labelSelectorProblem } from '../../src/util/label-selector.js';

describe('label selector syntax (--label-selector)', function () {
  const valid = [
    '', '  ', 'app', '!app', 'app=web', 'app==web', 'app!=web', 'app=', 'app in (web,db)', 'app notin (web)',
    'app in ()', 'app in (web,)', 'app.kubernetes.io/name=web', 'example.com/tier in (a, b), !legacy, x',
    'replicas>3', 'replicas < 10', 'a=b,c!=d', 'in in (in)', 'v=A_b-9.z', 'k=' + 'v'.repeat(63),
  ];
  for (const s of valid) {
    it(`accepts ${JSON.stringify(s)}`, function () {
      expect(labelSelectorProblem(s)).to.equal(undefined);
    });
  }
  const invalid: [string, RegExp][] = [
    ['app in web', /expected '\(' after in/],
    ['app in (web', /expected ',' or '\)' after "web", found the end/],
    ['app in (web,', /expected a value or '\)'/],
    ['app in (a b)', /expected ',' or '\)'/],
    ['a=b=c', /expected ',' or the end/],
    ['!a=b', /expected ',' or the end/],
    ['a,', /expected a requirement after ','/],
    [',a', /expected a label key/],
    ['=b', /expected a label key/],
    ['a b', /expected an operator/],
    ['Bad_Prefix/x=y', /prefix "Bad_Prefix" is not a DNS subdomain/],
    ['a/b/c', /more than one '\/'/],
    ['/x', /prefix "" is not a DNS subdomain/],
    ['-a=b', /label key name "-a"/],
    ['a=-b', /label value "-b"/],
    ['k=' + 'v'.repeat(64), /label value/],
    ['n>abc', /needs an integer/],
    ['n>99999999999999999999', /needs an integer/],
    ['a!b', /expected an operator/],
  ];
  for (const [s, msg] of invalid) {
    it(`rejects ${JSON.stringify(s.length > 40 ? `${s.slice(0, 36)}…` : s)}`, function () {
      expect(labelSelectorProblem(s)).to.match(msg);
    });
  }

  it('is linear: a megabyte of requirements or of one token is checked quickly', function () {
    const many = Array.from({ length: 50_000 }, (_, i) => `k${i}=v${i}`).join(',');
    const oneToken = 'a'.repeat(1_000_000);
    const parens = `a in (${'b,'.repeat(300_000)})`;
    for (const s of [many, oneToken, parens, '('.repeat(1_000_000)]) {
      const t = performance.now();
      labelSelectorProblem(s);
      // Generous: a quadratic scan of 1 MB would take minutes, not seconds.
      expect(performance.now() - t).to.be.lessThan(2000);
    }
  });
});
