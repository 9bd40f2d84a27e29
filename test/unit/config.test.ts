import { expect } from 'chai';
import { envName } from '../../src/config/flags.js';
import { parseBindAddress } from '../../src/config/values.js';
import { parseConfig } from '../../src/config/parse.js';
import { errorOf } from './config-error.js';


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
  });

  const bad: [string[], string, RegExp][] = [
    [['--resync-period=soon'], 'resync-period', /invalid duration "soon"/],
    [['--probe-interval=0s'], 'probe-interval', /must be positive/],
    [['--probe-interval=1ms'], 'probe-interval', /"1ms" is below the minimum 1s/],
    [['--resync-period=1ns'], 'resync-period', /below the minimum 1s/],
    [['--resync-period=600h'], 'resync-period', /above the maximum 24h; a Node.js timer holds at most 2\^31-1 ms/],
    [['--renewal-window=0 0 31 2 *'], 'renewal-window', /never fires/],
    [['--default-issuer=Bad_Name'], 'default-issuer', /not a valid Kubernetes object name/],
    [['--label-selector=app in web'], 'label-selector', /expected '\(' after in/],
    [['--renewal-window-time-zone=Mars/Olympus'], 'renewal-window-time-zone', /not an IANA time zone/],
    [['--metrics-bind-address=my_host:9090'], 'metrics-bind-address', /neither an IP address nor a host name/],
    [['--metrics-bind-address=:8081'], 'health-bind-address', /also used by --metrics-bind-address/],
    [['--probe-address-map=web.ns.svc:8080'], 'probe-address-map', /is not FROM=TO/],
    [['--kubeconfig=/nonexistent/kubeconfig'], 'kubeconfig', /does not exist/],
    [['--prior-valid-revisions=9007199254740992'], 'prior-valid-revisions', /above the maximum 9007199254740991/],
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
    [['--leader-election-retry-period=1ms'], 'leader-election-retry-period', /below the minimum 100ms/],
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
    expect(parseBindAddress('[::1]:9090')).to.deep.equal({ host: '::1', port: 9090 });
    expect(parseBindAddress('[1.2.3.4]:9090')).to.be.instanceOf(Error);
    expect(parseBindAddress('127.0.0.256:80')).to.be.instanceOf(Error);
    expect(parseBindAddress('Host.Example:80')).to.deep.equal({ host: 'Host.Example', port: 80 });
  });

  it('accepts the values the tests and manifests use', function () {
    const c = parseConfig([
      '--label-selector=app.kubernetes.io/part-of in (shop, web),!legacy,tier!=db', '--default-issuer=ca.example',
      '--renewal-window=*/20 * * * * *', '--renewal-window-duration=5s', '--renewal-window-time-zone=Europe/Berlin',
      '--probe-address-map=web.east.svc:8080=127.0.0.1:8443, backend.example:8443=[::1]:9443',
      '--prior-valid-revisions=0', '--leader-election-retry-period=500ms', '--leader-election-renew-deadline=3s',
      '--leader-election-lease-duration=4000ms', '--watch-stall-timeout=3000ms', '--resync-period=5s',
      '--metrics-bind-address=127.0.0.1:0', '--health-bind-address=127.0.0.1:0', '--trust-overlap=87600h',
    ], {}).config;
    expect(c).to.include({ defaultIssuer: 'ca.example', priorValidRevisions: 0, trustOverlapMs: 87600 * 3_600_000 });
    // Optional flags accept '' as "not set".
    expect(parseConfig([], { SKUPPER_CERT_ROTATOR_DEFAULT_ISSUER: '', SKUPPER_CERT_ROTATOR_LABEL_SELECTOR: ' ' }).config).to.include({ defaultIssuer: '', labelSelector: '' });
  });

  it('prints one line whatever the value holds', function () {
    const e = errorOf(() => parseConfig(['--default-issuer=evil\nnext line'], {}));
    expect(e.message).to.not.match(/[\r\n]/);
    const long = errorOf(() => parseConfig([`--cluster-domain=${'x'.repeat(1_000_000)}_`], {}));
    expect(long.message.length).to.be.lessThan(400);
  });
});
