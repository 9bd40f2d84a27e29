import { expect } from 'chai';
import { ConfigError, envName, flagSpecs, parseBindAddress, parseConfig } from '../../src/config.js';

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('config', function () {
  it('has sensible defaults', function () {
    const { config } = parseConfig([], {});
    expect(config).to.include({
      kubeconfig: '', clusterDomain: 'cluster.local', defaultIssuerKind: 'ClusterIssuer', rollStrategy: 'reload',
      probe: false, leaderElect: false, dryRun: false, logLevel: 'info', clusterResourceNamespace: 'cert-manager',
      trustOverlapMs: 720 * 3_600_000, priorValidRevisions: 1, renewalWindow: '',
    });
    expect(config.namespaces).to.deep.equal([]);
    expect(config.metricsBindAddress).to.deep.equal({ host: '', port: 9090 });
    expect(config.healthBindAddress).to.deep.equal({ host: '', port: 8081 });
  });

  it('reads --flag value, --flag=value and bare booleans', function () {
    const { config, positional } = parseConfig(['--namespaces', 'east, west,east', '--probe', '--dry-run=false', '--trust-overlap=48h', 'extra'], {});
    expect(config.namespaces).to.deep.equal(['east', 'west']);
    expect(config.probe).to.equal(true);
    expect(config.dryRun).to.equal(false);
    expect(config.trustOverlapMs).to.equal(48 * 3_600_000);
    expect(positional).to.deep.equal(['extra']);
  });

  it('every flag has an environment variable; flags win over it', function () {
    expect(envName('metrics-bind-address')).to.equal('SKUPPER_CERT_ROTATOR_METRICS_BIND_ADDRESS');
    const env = { SKUPPER_CERT_ROTATOR_ROLL_STRATEGY: 'restart', SKUPPER_CERT_ROTATOR_LOG_LEVEL: 'debug' };
    expect(parseConfig([], env).config.rollStrategy).to.equal('restart');
    expect(parseConfig(['--log-level=warn'], env).config.logLevel).to.equal('warn');
    // Each spec's env var is read: a bad value there fails naming that flag.
    for (const spec of flagSpecs.filter((f) => f.kind !== 'string')) {
      const e = errorOf(() => parseConfig([], { [envName(spec.name)]: '%bad%' }));
      expect(e.flag).to.equal(spec.name);
    }
  });

  const bad: [string[], string, RegExp][] = [
    [['--resync-period=soon'], 'resync-period', /invalid duration "soon"/],
    [['--probe-interval=0s'], 'probe-interval', /must be positive/],
    [['--roll-strategy=bounce'], 'roll-strategy', /not one of reload, restart/],
    [['--renewal-window=61 * * * *'], 'renewal-window', /invalid cron expression/],
    [['--metrics-bind-address=9090'], 'metrics-bind-address', /not HOST:PORT/],
    [['--health-bind-address=:70000'], 'health-bind-address', /out of range/],
    [['--prior-valid-revisions=-1'], 'prior-valid-revisions', /below the minimum 0/],
    [['--prior-valid-revisions=two'], 'prior-valid-revisions', /not an integer/],
    [['--probe=maybe'], 'probe', /not a boolean/],
    [['--namespaces=East'], 'namespaces', /not a valid namespace/],
    [['--cluster-domain=bad_domain'], 'cluster-domain', /not a valid DNS domain/],
    [['--no-such-flag'], 'no-such-flag', /unknown flag/],
    [['--kubeconfig'], 'kubeconfig', /needs a value/],
    [['--renewal-window-duration=1h'], 'renewal-window-duration', /without --renewal-window/],
    [['--leader-election-renew-deadline=15s'], 'leader-election-renew-deadline', /shorter than --leader-election-lease-duration/],
    [['--leader-election-retry-period=9s'], 'leader-election-retry-period', /jitter.*shorter than --leader-election-renew-deadline/],
    [['--leader-election-namespace=Kube_System'], 'leader-election-namespace', /not a valid namespace/],
    [['--watch-stall-timeout=0s'], 'watch-stall-timeout', /positive/],
  ];
  for (const [argv, flag, msg] of bad) {
    it(`fails naming --${flag} for ${argv.join(' ')}`, function () {
      const e = errorOf(() => parseConfig(argv, {}));
      expect(e.flag).to.equal(flag);
      expect(e.message).to.match(new RegExp(`^--${flag}: `));
      expect(e.message).to.match(msg);
    });
  }

  it('says when a bad value came from the environment', function () {
    const e = errorOf(() => parseConfig([], { SKUPPER_CERT_ROTATOR_OVERDUE_AFTER: 'later' }));
    expect(e.message).to.contain('(from SKUPPER_CERT_ROTATOR_OVERDUE_AFTER)');
  });

  it('has client-go\'s leader election defaults, and accepts a consistent short set', function () {
    expect(parseConfig([], {}).config).to.include({ leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2000, leaderElectionId: 'skupper-cert-rotator', watchStallTimeoutMs: 180_000, shutdownTimeoutMs: 10_000 });
    const c = parseConfig(['--leader-elect', '--leader-election-lease-duration=3s', '--leader-election-renew-deadline=2s', '--leader-election-retry-period=500ms'], {}).config;
    expect(c).to.include({ leaderElect: true, leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 500 });
  });

  it('parses bind addresses', function () {
    expect(parseBindAddress('127.0.0.1:0')).to.deep.equal({ host: '127.0.0.1', port: 0 });
    expect(parseBindAddress('[::1]:9090')).to.deep.equal({ host: '::1', port: 9090 });
    expect(parseBindAddress('localhost:80')).to.deep.equal({ host: 'localhost', port: 80 });
    expect(parseBindAddress('::1:9090')).to.be.instanceOf(Error);
  });
});
