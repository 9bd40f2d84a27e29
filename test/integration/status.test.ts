// SPEC §4.3 expiry watch of managed and hand-made Secrets, exported as
// metrics, and SPEC §4.5 `status`: the same objects, as a table and as JSON.
import { X509Certificate } from 'node:crypto';
import { expect } from 'chai';
import * as k8s from '@kubernetes/client-node';
import { CERT_MANAGER_API_VERSION, isReady } from '../../src/model/certmanager.js';
import type { Listener } from '../../src/model/skupper.js';
import { makeCA, makeLeaf } from '../../cluster/certgen.js';
import { testCluster } from '../support/cluster.js';
import { runCli, type CliResult } from '../support/cli.js';
import { DaemonProcess } from '../support/daemon.js';
import { apply, createNamespace, getCertificate } from '../support/k8s.js';
import { daemonKubeconfig } from '../support/serviceaccount.js';
import { eventually } from '../support/wait.js';

function listener(namespace: string, name: string, tlsCredentials: string | undefined, annotations: Record<string, string> = {}): Listener {
  return {
    apiVersion: 'skupper.io/v2alpha1', kind: 'Listener',
    metadata: { name, namespace, annotations },
    spec: { routingKey: name, host: name, port: 8080, ...(tlsCredentials ? { tlsCredentials } : {}) },
  };
}

const cli = (args: string[]): Promise<CliResult> => runCli(args);

function seconds(pem: string): number {
  return Math.floor(Date.parse(new X509Certificate(pem).validTo) / 1000);
}

interface JsonRow { kind: string; name: string; secret?: string; state: string; notAfter?: string; managed: boolean; issuer?: string; hostCovered?: boolean; bundleCertificates?: number; problems: string[]; secondsLeft?: number }

describe('Expiry watch and the status command (SPEC §4.3, §4.5)', function () {
  this.timeout(180_000);
  let daemon: DaemonProcess;
  let ns: string;
  const ca = makeCA({ cn: 'hand-made CA', days: 400 });
  const soon = makeLeaf(ca, { cn: 'api', dns: ['api'], days: 3 });
  const later = makeLeaf(ca, { cn: 'other', dns: ['other'], days: 200 });

  before(async function () {
    ns = await createNamespace('st');
    const put = (name: string, type: string, data: Record<string, string>): Promise<k8s.V1Secret> => apply<k8s.V1Secret>({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, type, stringData: data });
    await put('api-tls', 'kubernetes.io/tls', { 'tls.crt': soon.certPem, 'tls.key': soon.keyPem, 'ca.crt': ca.certPem });
    // Valid, but for another host than the Listener's.
    await put('wrong-host-tls', 'kubernetes.io/tls', { 'tls.crt': later.certPem, 'tls.key': later.keyPem, 'ca.crt': ca.certPem });
    await put('garbage-tls', 'kubernetes.io/tls', { 'tls.crt': 'this is not a certificate', 'tls.key': 'nor a key', 'ca.crt': ca.certPem });
    await put('nocrt', 'Opaque', { 'ca.crt': ca.certPem });
    await apply(listener(ns, 'api', 'api-tls'));
    await apply(listener(ns, 'wrong', 'wrong-host-tls'));
    await apply(listener(ns, 'garbage', 'garbage-tls'));
    await apply(listener(ns, 'nocrt', 'nocrt'));
    await apply(listener(ns, 'ghost', 'does-not-exist'));
    await apply(listener(ns, 'plain', undefined));
    // And a managed one, from a CA issuer.
    await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'Issuer', metadata: { name: 'selfsigned', namespace: ns }, spec: { selfSigned: {} } });
    await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'Certificate', metadata: { name: 'ca', namespace: ns }, spec: { isCA: true, commonName: 'st CA', secretName: 'ca', issuerRef: { name: 'selfsigned', kind: 'Issuer', group: 'cert-manager.io' } } });
    await apply({ apiVersion: CERT_MANAGER_API_VERSION, kind: 'Issuer', metadata: { name: 'ca', namespace: ns }, spec: { ca: { secretName: 'ca' } } });
    await apply(listener(ns, 'web', undefined, { 'cert-manager.io/issuer': 'ca' }));

    daemon = new DaemonProcess([
      'run', `--kubeconfig=${await daemonKubeconfig()}`, '--metrics-bind-address=127.0.0.1:0', '--health-bind-address=127.0.0.1:0',
      `--namespaces=${ns}`, '--resync-period=10s', '--log-level=debug',
    ]);
    await daemon.waitForLog('caches synced', (l) => l.msg === 'caches synced');
    await eventually('managed Listener issued', async () => {
      const c = await getCertificate(ns, 'web-listener-tls');
      return c && isReady(c) ? c : undefined;
    }, { timeoutMs: 60_000 });
  });

  after(async function () {
    expect(await daemon.stop()).to.equal(0);
    expect(daemon.logs.filter((l) => l.level === 'error' || l.level === 'fatal').map((l) => `${l.msg} ${JSON.stringify(l.err)}`)).to.deep.equal([]);
  });

  it('monitors hand-made Secrets: their expiry, host coverage and readiness are in /metrics', async function () {
    const labels = (name: string, secret: string): string => `namespace="${ns}",kind="listener",name="${name}",secret="${secret}"`;
    const text = await eventually('metrics of every Listener', async () => {
      const t = await (await fetch(`http://${await daemon.address('metrics')}/metrics`)).text();
      return t.includes(`skupper_cert_rotator_certificate_ready{${labels('web', 'web-listener-tls')}} 1`) && t.includes(labels('ghost', 'does-not-exist')) ? t : undefined;
    });
    expect(text).to.contain(`skupper_cert_rotator_certificate_not_after_timestamp_seconds{${labels('api', 'api-tls')}} ${seconds(soon.certPem)}`);
    expect(text).to.contain(`skupper_cert_rotator_certificate_host_covered{${labels('api', 'api-tls')}} 1`);
    expect(text).to.contain(`skupper_cert_rotator_certificate_ready{${labels('api', 'api-tls')}} 1`);
    expect(text).to.contain(`skupper_cert_rotator_ca_bundle_certificates{${labels('api', 'api-tls')}} 1`);
    expect(text).to.contain(`skupper_cert_rotator_certificate_host_covered{${labels('wrong', 'wrong-host-tls')}} 0`);
    expect(text).to.contain(`skupper_cert_rotator_certificate_ready{${labels('wrong', 'wrong-host-tls')}} 0`);
    // Garbage and a missing tls.crt are reported as not ready; the daemon keeps going.
    expect(text).to.contain(`skupper_cert_rotator_certificate_ready{${labels('garbage', 'garbage-tls')}} 0`);
    expect(text).to.contain(`skupper_cert_rotator_certificate_ready{${labels('nocrt', 'nocrt')}} 0`);
    expect(text).to.contain(`skupper_cert_rotator_certificate_ready{${labels('ghost', 'does-not-exist')}} 0`);
    expect(text).to.not.contain(`name="plain"`);
    // Reported as SPEC §4.4 asks: an Event, a metric label and a log line.
    expect(text).to.contain(`skupper_cert_rotator_object_problem{namespace="${ns}",kind="listener",name="garbage",reason="SecretInvalid"} 1`);
    expect(text).to.contain(`skupper_cert_rotator_object_problem{namespace="${ns}",kind="listener",name="ghost",reason="SecretMissing"} 1`);
    const note = await eventually('SecretInvalid Event on garbage', async () => {
      const list = await testCluster().kc.makeApiClient(k8s.EventsV1Api).listNamespacedEvent({ namespace: ns });
      return list.items.find((e) => e.regarding?.name === 'garbage' && e.reason === 'SecretInvalid')?.note;
    });
    expect(note).to.contain('tls.crt contains no parsable certificate');
    expect(daemon.logs.some((l) => l.level === 'warn' && l.reason === 'SecretInvalid' && l.listener === `${ns}/garbage`)).to.equal(true);
  });

  it('follows a hand-made Secret when it is replaced', async function () {
    const renewed = makeLeaf(ca, { cn: 'api', dns: ['api'], days: 60 });
    await apply<k8s.V1Secret>({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'api-tls', namespace: ns }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': renewed.certPem, 'tls.key': renewed.keyPem, 'ca.crt': ca.certPem } });
    const want = `skupper_cert_rotator_certificate_not_after_timestamp_seconds{namespace="${ns}",kind="listener",name="api",secret="api-tls"} ${seconds(renewed.certPem)}`;
    await eventually('new notAfter exported', async () => ((await (await fetch(`http://${await daemon.address('metrics')}/metrics`)).text()).includes(want) ? true : undefined));
    // Put the short-lived one back for the status test.
    await apply<k8s.V1Secret>({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'api-tls', namespace: ns }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': soon.certPem, 'tls.key': soon.keyPem, 'ca.crt': ca.certPem } });
  });

  it('status prints every object sorted by expiry with human time left, without colour when not on a terminal', async function () {
    const r = await cli(['status', '-n', ns, `--kubeconfig=${testCluster().kubeconfig}`]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.not.contain('\x1b[');
    // The table, then (after a blank line) the site blocked by ghost's missing Secret and nocrt's Opaque one (issue 14).
    const [table = '', sites = ''] = r.stdout.split('\n\n');
    expect(sites).to.match(new RegExp(`^SITE CONFIG BLOCKED in namespace ${ns}: listener/ghost names Secret does-not-exist \\(missing\\), listener/nocrt names Secret nocrt \\(type Opaque\\); `));
    const lines = table.trim().split('\n');
    expect(lines[0]).to.match(/^NAMESPACE\s+KIND\s+NAME\s+SECRET\s+ISSUER\s+NOT-AFTER\s+TIME-LEFT\s+RENEWAL\s+STATE\s+LAST-ERROR$/);
    const names = lines.slice(1).map((l) => l.split(/\s+/)[2]);
    expect(names).to.have.length(7);
    // api expires in 3 days, web in 90, wrong in 200; the rest have no certificate.
    expect(names.slice(0, 3)).to.deep.equal(['api', 'web', 'wrong']);
    const api = lines.find((l) => l.split(/\s+/)[2] === 'api') ?? '';
    expect(api).to.match(/\s(2d 23h|3d)\s/);
    expect(api).to.contain('Ready');
    const web = lines.find((l) => l.split(/\s+/)[2] === 'web') ?? '';
    expect(web).to.contain('Issuer/ca');
    expect(lines.find((l) => l.split(/\s+/)[2] === 'ghost')).to.contain('SecretMissing');
    expect(lines.find((l) => l.split(/\s+/)[2] === 'garbage')).to.contain('Invalid');
  });

  it('status -o json is one parseable document with the same facts', async function () {
    const r = await cli(['status', '-n', ns, '-o', 'json', `--kubeconfig=${testCluster().kubeconfig}`]);
    expect(r.code, r.stderr).to.equal(0);
    const doc = JSON.parse(r.stdout) as { namespace: string; items: JsonRow[] };
    expect(doc.namespace).to.equal(ns);
    const byName = new Map(doc.items.map((i) => [i.name, i]));
    expect(byName.get('api')).to.include({ state: 'Ready', managed: false, secret: 'api-tls', hostCovered: true, bundleCertificates: 1 });
    expect(Date.parse(byName.get('api')?.notAfter ?? '') / 1000).to.equal(seconds(soon.certPem));
    const left = seconds(soon.certPem) - Date.now() / 1000;
    expect(byName.get('api')?.secondsLeft).to.be.within(left - 60, left + 1);
    expect(byName.get('web')).to.include({ state: 'Ready', managed: true, issuer: 'Issuer/ca' });
    expect(byName.get('wrong')).to.include({ state: 'Invalid', hostCovered: false });
    expect(byName.get('garbage')?.state).to.equal('Invalid');
    expect(byName.get('garbage')?.problems.join(' ')).to.contain('tls.crt contains no parsable certificate');
    expect(byName.get('nocrt')?.problems.join(' ')).to.contain('tls.crt is missing');
    expect(byName.get('ghost')?.state).to.equal('SecretMissing');
    expect(byName.get('plain')?.state).to.equal('NoTLS');
  });

  it('refuses a bad renewal window at start, naming the flag', async function () {
    const bad = new DaemonProcess(['run', '--renewal-window=every tuesday', `--kubeconfig=${testCluster().kubeconfig}`]);
    expect(await bad.exited).to.equal(2);
    expect(bad.stderr.join('')).to.contain('--renewal-window');
    const tooLong = new DaemonProcess(['run', '--renewal-window=*/20 * * * * *', '--renewal-window-duration=30s', `--kubeconfig=${testCluster().kubeconfig}`]);
    expect(await tooLong.exited).to.equal(2);
    expect(tooLong.stderr.join('')).to.contain('--renewal-window-duration');
  });
});
