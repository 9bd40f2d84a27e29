// Every flag refuses at least one value, from the command line and from its
// environment variable, with a ConfigError naming that flag. The table is
// keyed by flag, and the test walks flagSpecs: a new flag without a
// rejection case here fails.
import { expect } from 'chai';
import { MAX_TIMER_MS, envName, flagSpecs } from '../../src/config/flags.js';
import { boundsOf } from '../../src/config/values.js';
import { parseConfig } from '../../src/config/parse.js';
import { errorOf } from './config-error.js';

const rejected: Record<string, readonly string[]> = {
  'kubeconfig': ['/nonexistent/kubeconfig', '/'],
  'namespaces': ['East', 'a,b_c', 'x'.repeat(64)],
  'label-selector': ['app in web', 'a=b=c', '!a=b', 'a,', 'Bad_Prefix/x=y', 'x=' + 'v'.repeat(64), 'n>abc'],
  'cluster-domain': ['bad_domain', 'cluster.local.', ''],
  'default-issuer': ['Bad_Name', 'a/b'],
  'default-issuer-kind': ['issuer', 'Certificate'],
  'renewal-window': ['61 * * * *', 'every tuesday', '0 0 31 2 *', '0 0 30,31 2 *', '0 0 31 4,6,9,11 *'],
  'renewal-window-duration': ['0s', '1ms', '2161h', 'soon'],
  'renewal-window-time-zone': ['Mars/Olympus', '', 'Europe/Atlantis'],
  'renewal-backoff': ['0s', '100ms', '25h'],
  'allow-short-durations': ['maybe'],
  'overdue-after': ['later', '1ms', '8761h'],
  'trust-overlap': ['-1h', '1ms', '87601h'],
  'prior-valid-revisions': ['-1', 'two', '1.5', '9007199254740992'],
  'roll-strategy': ['bounce', 'Reload'],
  'router-deployment': ['Skupper_Router', ''],
  'probe': ['maybe'],
  'probe-interval': ['0s', '1ms', '600h'],
  'probe-address-map': ['web.ns.svc:8080', 'a:1=b', 'a:1=b:0', 'a:1=b:2,a:1=c:3', 'a:1=:2'],
  'resync-period': ['soon', '1ns', '600h'],
  'cluster-resource-namespace': ['Cert_Manager', ''],
  'cluster-issuers': ['perhaps'],
  'metrics-bind-address': ['9090', ':70000', 'my_host:9090', '[1.2.3.4]:80'],
  'health-bind-address': ['8081', ':-1', '127.0.0.256:80'],
  'leader-elect': ['sure'],
  'leader-election-namespace': ['Kube_System'],
  'leader-election-id': ['Lease!'],
  'leader-election-lease-duration': ['500ms', '2h'],
  'leader-election-renew-deadline': ['100ms', '15s'],
  'leader-election-retry-period': ['1ms', '9s'],
  'watch-stall-timeout': ['0s', '2h'],
  'shutdown-timeout': ['1ms', '2h'],
  'log-level': ['verbose'],
  'dry-run': ['nope'],
};


describe('every flag is validated', function () {
  for (const spec of flagSpecs) {
    describe(`--${spec.name}`, function () {
      it('has rejection cases in this table', function () {
        expect(rejected[spec.name], `add rejected values for --${spec.name} to test/unit/config-flags.test.ts`).to.be.an('array').that.is.not.empty;
      });
      for (const value of rejected[spec.name] ?? []) {
        it(`rejects ${JSON.stringify(value.length > 40 ? `${value.slice(0, 36)}…` : value)} from the flag and from ${envName(spec.name)}`, function () {
          const fromFlag = errorOf(() => parseConfig([`--${spec.name}=${value}`], {}));
          expect(fromFlag.flag).to.equal(spec.name);
          expect(fromFlag.message).to.match(new RegExp(`^--${spec.name}: `));
          expect(fromFlag.message).to.not.match(/[\r\n]/);
          const fromEnv = errorOf(() => parseConfig([], { [envName(spec.name)]: value }));
          expect(fromEnv.flag).to.equal(spec.name);
          // Cross-flag checks (e.g. the lease timings) run after every value is read; only single-value errors say where the value came from.
          if (!/--leader-election-|--metrics-bind-address/.test(fromEnv.message.slice(spec.name.length + 4))) {
            expect(fromEnv.message).to.contain(`(from ${envName(spec.name)})`);
          }
        });
      }
      it('accepts its default', function () {
        expect(() => parseConfig([`--${spec.name}=${spec.default}`, ...companions(spec.name)], {})).to.not.throw();
      });
    });
  }

  it('gives every duration flag bounds, and timers fit a Node.js timer', function () {
    for (const spec of flagSpecs.filter((s) => s.kind === 'duration')) {
      const { min, max } = boundsOf(spec);
      expect(min, `--${spec.name} min`).to.be.a('number').greaterThan(0);
      expect(max, `--${spec.name} max`).to.be.a('number').greaterThan(min ?? 0);
      if (spec.timer) expect(max, `--${spec.name} is a timer`).to.be.at.most(MAX_TIMER_MS);
      // The bounds themselves are accepted, just beyond them is not.
      expect(() => parseConfig([`--${spec.name}=${spec.max ?? ''}`, ...companions(spec.name)], {}), `--${spec.name}=${spec.max ?? ''}`).to.not.throw();
      expect(errorOf(() => parseConfig([`--${spec.name}=${(max ?? 0) + 1}ms`], {})).message).to.contain('above the maximum');
      expect(errorOf(() => parseConfig([`--${spec.name}=${(min ?? 0) / 2}ms`], {})).message).to.contain('below the minimum');
    }
  });

  it('gives every int flag bounds', function () {
    for (const spec of flagSpecs.filter((s) => s.kind === 'int')) {
      expect(spec.min, spec.name).to.be.a('string');
      expect(spec.max, spec.name).to.be.a('string');
      expect(Number(spec.max)).to.be.at.most(Number.MAX_SAFE_INTEGER);
    }
  });
});

/** Flags that the cross-flag checks need next to a bound (a window for its duration; consistent lease timings). */
function companions(flag: string): string[] {
  switch (flag) {
    case 'renewal-window-duration': return ['--renewal-window=@yearly'];
    case 'leader-election-renew-deadline': return ['--leader-election-lease-duration=1h'];
    case 'leader-election-retry-period': return ['--leader-election-lease-duration=1h', '--leader-election-renew-deadline=55m'];
    default: return [];
  }
}
