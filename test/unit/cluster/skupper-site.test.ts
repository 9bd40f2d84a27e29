// The pure parts of running a real Skupper site as local processes
// (cluster/skupper/): the router config rewrite, the samples' Connector
// pointed at the local backend, and the next steps `npm run local` prints.
import { expect } from 'chai';
import { connectorForLocalBackend, DEMO_NAMESPACE, DEMO_OBJECT } from '../../../cluster/skupper/demo.js';
import { nextSteps, shellQuote, type Scenario } from '../../../cluster/skupper/next-steps.js';
import { localRouterConfig, PROTECTED_LISTENERS } from '../../../cluster/skupper/router-config.js';

/** skrouterd.json as kube-adaptor -init wrote it for Site `east` (Skupper 2.2.1), certificate paths under the patched profile path. */
const INIT_CONFIG = JSON.stringify([
  ['router', { id: 'east-${HOSTNAME}', mode: 'interior', helloMaxAgeSeconds: '3', metadata: '{"id":"af547366","version":"2.2.1","platform":"kubernetes"}' }],
  ['sslProfile', { name: 'skupper-local-server', certFile: '/tmp/s/certs/skupper-local-server/tls.crt', privateKeyFile: '/tmp/s/certs/skupper-local-server/tls.key', caCertFile: '/tmp/s/certs/skupper-local-server/ca.crt' }],
  ['listener', { name: '@9090', role: 'normal', port: 9090, http: true, httpRootDir: 'disabled', healthz: true, metrics: true }],
  ['listener', { name: 'amqp', host: 'localhost', port: 5672 }],
  ['listener', { name: 'amqps', port: 5671, sslProfile: 'skupper-local-server', saslMechanisms: 'EXTERNAL', authenticatePeer: true }],
  ['tcpListener', { name: 'backend', port: '1024', address: 'backend' }],
  ['address', { prefix: 'mc', distribution: 'multicast' }],
], null, 4);

type Entity = [string, Record<string, unknown>];

describe('A Skupper site as local processes (cluster/skupper/)', function () {
  describe('localRouterConfig', function () {
    const ports = { amqp: 41001, amqps: 41002, '@9090': 41003 };
    const rewritten = (): Entity[] => JSON.parse(localRouterConfig(INIT_CONFIG, { hostname: 'local', ports })) as Entity[];
    const listener = (list: Entity[], name: string): Record<string, unknown> | undefined => list.find(([t, a]) => t === 'listener' && a.name === name)?.[1];

    it('moves amqp, amqps and @9090 to the given ports on 127.0.0.1, keeping their names and other attributes', function () {
      const list = rewritten();
      expect(listener(list, 'amqp')).to.deep.equal({ name: 'amqp', host: '127.0.0.1', port: 41001 });
      expect(listener(list, 'amqps')).to.deep.equal({ name: 'amqps', port: 41002, host: '127.0.0.1', sslProfile: 'skupper-local-server', saslMechanisms: 'EXTERNAL', authenticatePeer: true });
      expect(listener(list, '@9090')).to.include({ port: 41003, host: '127.0.0.1', healthz: true, metrics: true });
      expect(PROTECTED_LISTENERS).to.deep.equal(['amqp', 'amqps', '@9090']);
    });

    it('expands ${HOSTNAME} in the router id as the Pod\'s launch.sh does, and leaves everything else as it was', function () {
      const list = rewritten();
      expect(list[0]).to.deep.equal(['router', { id: 'east-local', mode: 'interior', helloMaxAgeSeconds: '3', metadata: '{"id":"af547366","version":"2.2.1","platform":"kubernetes"}' }]);
      const untouched = (l: Entity[]): Entity[] => l.filter(([t, a]) => !(t === 'listener' && PROTECTED_LISTENERS.includes(a.name as never)) && t !== 'router');
      expect(untouched(list)).to.deep.equal(untouched(JSON.parse(INIT_CONFIG) as Entity[]));
    });

    it('fails, naming it, when a listener to move is missing (the fixed port would stay in use)', function () {
      const without = JSON.stringify((JSON.parse(INIT_CONFIG) as Entity[]).filter(([, a]) => a.name !== 'amqp'));
      expect(() => localRouterConfig(without, { hostname: 'local', ports })).to.throw(/no listener named amqp/);
      expect(() => localRouterConfig('{"router":{}}', { hostname: 'local', ports })).to.throw(/not a list/);
    });
  });

  describe('connectorForLocalBackend', function () {
    const sample = {
      apiVersion: 'skupper.io/v2alpha1', kind: 'Connector',
      metadata: { name: DEMO_OBJECT, namespace: DEMO_NAMESPACE, annotations: { 'skupper-cert-rotator.io/trust': 'clusterissuer/sample-ca' } },
      spec: { routingKey: 'backend', selector: 'app=backend', port: 8443 },
    };

    it('points the sample Connector at localhost:<port> instead of a pod selector, keeping its annotations and routing key', function () {
      expect(connectorForLocalBackend(sample, 36895)).to.deep.equal({ ...sample, spec: { routingKey: 'backend', host: 'localhost', port: 36895 } });
      expect(sample.spec.selector, 'the input is not changed').to.equal('app=backend');
    });

    it('leaves every other document alone', function () {
      for (const doc of [
        { ...sample, metadata: { ...sample.metadata, namespace: 'west' } },
        { ...sample, metadata: { ...sample.metadata, name: 'other' } },
        { ...sample, kind: 'Listener' },
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'east' } },
      ]) expect(connectorForLocalBackend(doc, 1)).to.equal(doc);
    });
  });

  describe('the next steps npm run local prints', function () {
    const scenario: Scenario = {
      namespace: 'east', listener: 'backend', connector: 'backend', host: 'backend', servicePort: 8080, routerPort: 1024, serviceProxy: '127.0.0.1:40111', backendPort: 36895,
      listenerSecret: 'backend-listener-tls', connectorSecret: 'backend-connector-tls', caFile: '.local/east-listener-ca.crt',
      kubeconfig: "/home/a b/it's/kubeconfig", metricsUrl: 'http://127.0.0.1:9090/metrics', routerMetricsUrl: 'http://127.0.0.1:36249/metrics',
      afterMs: 12_345, served: { serial: '505b83', notAfter: '2026-12-30T00:43:37.000Z', subject: 'CN=backend' }, protocol: 'TLSv1.3', answer: 'hello from east/backend',
    };
    const text = nextSteps(scenario);

    it('names the commands to connect through the router and see the Listener\'s certificate, with the real port, host and CA file', function () {
      expect(text).to.contain('openssl s_client -connect 127.0.0.1:1024 -servername backend -CAfile .local/east-listener-ca.crt -verify_return_error </dev/null');
      expect(text).to.contain("printf 'GET / HTTP/1.0\\r\\n\\r\\n' | openssl s_client -quiet -verify_return_error -connect 127.0.0.1:1024 -servername backend");
    });

    it('names the status table, the metrics URL and a renewal, and says where the renewal shows', function () {
      expect(text).to.contain('npm start -- status -n east');
      expect(text).to.contain("curl -s http://127.0.0.1:9090/metrics | grep 'namespace=\"east\"'");
      expect(text).to.contain('npm start -- renew listener/backend -n east');
      expect(text).to.contain('skupper-cert-rotator.io/renew');
      expect(text).to.match(/This terminal then says when the router serves the new certificate/);
    });

    it('names the daemon\'s served_certificate_current for the Listener and the Service stand-in its probe dials', function () {
      expect(text).to.contain(`curl -s http://127.0.0.1:9090/metrics | grep 'served_certificate_current{namespace="east",kind="listener",name="backend"'`);
      expect(text).to.contain('the daemon probes it through 127.0.0.1:40111');
      expect(text).to.match(/when the daemon's probe sees it \(served_certificate_current 1\)/);
    });

    it('says what flows where, and quotes paths for the shell', function () {
      expect(text).to.contain('router port 127.0.0.1:1024 (Listener backend, host backend');
      expect(text).to.contain('backend localhost:36895 (Connector backend');
      expect(text).to.contain('12.3 s after the samples were applied');
      expect(text).to.contain(`export KUBECONFIG='/home/a b/it'\\''s/kubeconfig'`);
      expect(shellQuote('/tmp/x-1/kubeconfig')).to.equal('/tmp/x-1/kubeconfig');
    });
  });
});
