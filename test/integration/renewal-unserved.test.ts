// A manual renew request is recorded on the Certificate before its trigger
// (src/controllers/renewal/reconcile.ts). A daemon stopped between the two
// writes leaves the request recorded but never triggered; the next daemon must
// see that (no revision since the recorded one) and trigger it, once.
import { expect } from 'chai';
import * as k8s from '@kubernetes/client-node';
import { CERT_MANAGER_API_VERSION, isReady, type Certificate } from '../../src/model/certmanager.js';
import { Annotations } from '../../src/model/annotations.js';
import { testCluster } from '../support/cluster.js';
import { startSyncedDaemon, stopAndReport, type DaemonProcess, type LogLine } from '../support/daemon.js';
import { annotate, apply, createNamespace, getCertificate } from '../support/k8s.js';
import { daemonKubeconfig } from '../support/serviceaccount.js';
import { caIssuer } from '../support/issuers.js';
import { eventually } from '../support/wait.js';

const FLAGS = ['--allow-short-durations', '--renewal-backoff=2s', '--resync-period=10s', '--log-level=debug'];

async function certificateAt(namespace: string, name: string, revision: number): Promise<Certificate> {
  return eventually(`Certificate ${namespace}/${name} Ready at revision ${revision}`, async () => {
    const c = await getCertificate(namespace, name);
    return c && isReady(c) && (c.status?.revision ?? 0) >= revision ? c : undefined;
  }, { timeoutMs: 60_000 });
}

describe('Renewal triggers: a recorded request the daemon did not trigger', function () {
  this.timeout(180_000);
  const daemons: DaemonProcess[] = [];

  after(async function () {
    for (const d of daemons) await d.stop();
  });

  it('is triggered by the next daemon, exactly once, without recording it again', async function () {
    const kubeconfig = await daemonKubeconfig();
    const ns = await createNamespace('rn-unserved');
    await caIssuer(ns, 'unserved request CA');
    const first = await startSyncedDaemon(kubeconfig, [ns], FLAGS);
    daemons.push(first);
    await apply({
      apiVersion: 'skupper.io/v2alpha1', kind: 'Listener',
      metadata: { name: 'web', namespace: ns, annotations: { 'cert-manager.io/issuer': 'ca', [Annotations.renew]: 'initial' } },
      spec: { routingKey: 'web', host: 'web', port: 8080 },
    });
    await certificateAt(ns, 'web-listener-tls', 1);
    expect(await stopAndReport(first)).to.deep.equal([]);

    // What a daemon killed after its record and before its trigger leaves behind.
    await testCluster().objects.patch(
      { apiVersion: CERT_MANAGER_API_VERSION, kind: 'Certificate', metadata: { name: 'web-listener-tls', namespace: ns, annotations: { [Annotations.renewHandled]: 'lost-1', [Annotations.renewHandledRevision]: '1' } } },
      undefined, undefined, 'skupper-cert-rotator-tests', undefined, k8s.PatchStrategy.MergePatch,
    );
    await annotate('Listener', ns, 'web', { [Annotations.renew]: 'lost-1' });
    const before = await getCertificate(ns, 'web-listener-tls');
    expect(before?.status?.revision).to.equal(1);

    const second = await startSyncedDaemon(kubeconfig, [ns], FLAGS);
    daemons.push(second);
    const renewed = await certificateAt(ns, 'web-listener-tls', 2);
    expect(renewed.metadata.annotations?.[Annotations.renewHandledRevision]).to.equal('1');

    // Once served, the recorded request asks for nothing more: a decision on revision 2 waits.
    const key = `${ns}/web-listener-tls`;
    await second.waitForLog('a renewal decision on revision 2', (l) => l.msg === 'renewal not triggered' && l.certificate === key && l.revision === 2, 60_000);
    const ours = (msg: string) => (l: LogLine): boolean => l.msg === msg && l.certificate === key;
    expect(second.logs.filter(ours('trigger renewal (manual)')).length).to.equal(1);
    expect(second.logs.filter(ours('record handled renew annotation')).length).to.equal(0);
    expect((await getCertificate(ns, 'web-listener-tls'))?.status?.revision).to.equal(2);
    expect(await stopAndReport(second)).to.deep.equal([]);
  });
});
