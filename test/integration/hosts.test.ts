// Issue 12 §4: one spelling of a host everywhere. A Listener whose host is an
// IPv4-mapped IPv6 address, an upper-case name or a name with a trailing dot
// is wired by the Listener controller AND reported covered and Ready by
// `status -o json` and by the certificate_host_covered metric: the daemon
// never disagrees with itself about a host.
import { X509Certificate } from 'node:crypto';
import { expect } from 'chai';
import { isReady } from '../../src/model/certmanager.js';
import type { Listener } from '../../src/model/skupper.js';
import { testCluster } from '../support/cluster.js';
import { startSyncedDaemon, stopAndReport, type DaemonProcess } from '../support/daemon.js';
import { apply, createNamespace, decode, getCertificate } from '../support/k8s.js';
import { daemonKubeconfig } from '../support/serviceaccount.js';
import { caIssuer } from '../support/issuers.js';
import { eventually } from '../support/wait.js';
import { runCli, type CliResult } from '../support/cli.js';

const cli = (args: string[]): Promise<CliResult> => runCli(args);

interface JsonRow { kind: string; name: string; secret?: string; state: string; ready: boolean; hostCovered?: boolean; problems: string[] }

// name → host as written, and the SAN cert-manager must have put in the certificate.
const HOSTS: { name: string; host: string; san: string }[] = [
  { name: 'mapped', host: '::ffff:127.0.0.1', san: 'IP Address:127.0.0.1' },
  { name: 'mapped-hex', host: '::FFFF:7f00:2', san: 'IP Address:127.0.0.2' },
  { name: 'upper', host: 'Web.Example.COM', san: 'DNS:web.example.com' },
  { name: 'dot', host: 'api.example.com.', san: 'DNS:api.example.com' },
];

describe('One spelling of a host: wired, status and metrics agree (issue 12 §4)', function () {
  this.timeout(240_000);
  let daemon: DaemonProcess;
  let ns: string;

  before(async function () {
    ns = await createNamespace('hosts');
    await caIssuer(ns, 'hosts CA');
    for (const h of HOSTS) {
      await apply<Listener>({
        apiVersion: 'skupper.io/v2alpha1', kind: 'Listener',
        metadata: { name: h.name, namespace: ns, annotations: { 'cert-manager.io/issuer': 'ca' } },
        spec: { routingKey: h.name, host: h.host, port: 8080 },
      });
    }
    daemon = await startSyncedDaemon(await daemonKubeconfig(), [ns], ['--resync-period=10s']);
  });

  after(async function () {
    expect(await stopAndReport(daemon)).to.deep.equal([]);
  });

  it('wires each Listener to a certificate naming its host in the one spelling', async function () {
    for (const h of HOSTS) {
      const secretName = `${h.name}-listener-tls`;
      const l = await eventually(`Listener ${h.name} wired`, async () => {
        const got = await testCluster().objects.read<Listener>({ apiVersion: 'skupper.io/v2alpha1', kind: 'Listener', metadata: { name: h.name, namespace: ns } });
        return got.spec.tlsCredentials === secretName ? got : undefined;
      }, { timeoutMs: 120_000 });
      expect(l.spec.host, 'the Listener itself is never rewritten').to.equal(h.host);
      const cert = await getCertificate(ns, secretName);
      expect(cert && isReady(cert)).to.equal(true);
      const secret = await testCluster().core.readNamespacedSecret({ namespace: ns, name: secretName });
      expect(new X509Certificate(decode(secret, 'tls.crt')).subjectAltName).to.equal(h.san);
    }
    // The Listener controller found nothing wrong with any of them.
    expect(daemon.logs.filter((l) => l.level === 'warn' && HOSTS.some((h) => l.listener === `${ns}/${h.name}`)).map((l) => l.msg)).to.deep.equal([]);
  });

  it('reports every one covered and Ready in /metrics', async function () {
    const text = await eventually('host_covered and ready of every Listener', async () => {
      const t = await (await fetch(`http://${await daemon.address('metrics')}/metrics`)).text();
      return HOSTS.every((h) => t.includes(`skupper_cert_rotator_certificate_ready{namespace="${ns}",kind="listener",name="${h.name}",secret="${h.name}-listener-tls"} 1`)) ? t : undefined;
    }, { timeoutMs: 60_000 });
    for (const h of HOSTS) {
      const labels = `namespace="${ns}",kind="listener",name="${h.name}",secret="${h.name}-listener-tls"`;
      expect(text, h.host).to.contain(`skupper_cert_rotator_certificate_host_covered{${labels}} 1`);
      expect(text, h.host).to.not.contain(`skupper_cert_rotator_object_problem{namespace="${ns}",kind="listener",name="${h.name}"`);
    }
  });

  it('reports every one covered and Ready in status -o json', async function () {
    const r = await cli(['status', '-n', ns, '-o', 'json', `--kubeconfig=${testCluster().kubeconfig}`]);
    expect(r.code, r.stderr).to.equal(0);
    const rows = (JSON.parse(r.stdout) as { items: JsonRow[] }).items;
    for (const h of HOSTS) {
      const row = rows.find((x) => x.kind === 'listener' && x.name === h.name);
      expect(row, h.host).to.not.equal(undefined);
      expect({ state: row?.state, ready: row?.ready, hostCovered: row?.hostCovered, problems: row?.problems }, h.host)
        .to.deep.equal({ state: 'Ready', ready: true, hostCovered: true, problems: [] });
    }
  });
});
