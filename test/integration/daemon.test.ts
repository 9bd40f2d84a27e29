// The daemon skeleton runs against the real API server: it connects, serves
// health and metrics, and exits 0 on SIGTERM.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { testCluster } from '../support/cluster.js';
import { DaemonProcess } from '../support/daemon.js';

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

describe('daemon skeleton', function () {
  it('connects, answers /healthz, /readyz and /metrics, and exits 0 on SIGTERM', async function () {
    const d = new DaemonProcess(['run', `--kubeconfig=${testCluster().kubeconfig}`, '--metrics-bind-address=127.0.0.1:0', '--health-bind-address=127.0.0.1:0']);
    try {
      const connected = await d.waitForLog('API connection', (l) => l.msg === 'connected to the Kubernetes API');
      expect(connected.apiVersion).to.match(/^v1\.36\./);
      const health = await d.address('health');
      const metrics = await d.address('metrics');

      const healthz = await get(`http://${health}/healthz`);
      expect(healthz.status).to.equal(200);
      // Ready only once every cache has synced, which takes a while on a cluster full of earlier tests' objects.
      await d.waitForLog('caches synced', (l) => l.msg === 'caches synced');
      const readyz = await get(`http://${health}/readyz`);
      expect(readyz.status).to.equal(200);
      expect(readyz.body).to.contain('[+]apiserver connected');

      const scrape = await get(`http://${metrics}/metrics`);
      expect(scrape.status).to.equal(200);
      expect(scrape.body).to.match(/^skupper_cert_rotator_build_info\{version="0\.1\.0",nodejs="v[\d.]+"\} 1$/m);
      // Without --leader-elect a daemon acts alone, and says so.
      expect(scrape.body).to.match(/^skupper_cert_rotator_leader 1$/m);
      expect(scrape.body).to.match(/^process_resident_memory_bytes \d+/m);
      expect((await get(`http://${metrics}/nope`)).status).to.equal(404);

      d.kill('SIGTERM');
      expect(await d.exited).to.equal(0);
      expect(d.logs.map((l) => l.msg)).to.include('shutdown complete');
      // Every line is structured JSON with a level.
      expect(d.logs.every((l) => typeof l.level === 'string' && l.level !== 'unparsed')).to.equal(true);
    } finally {
      await d.stop();
    }
  });

  it('shuts down cleanly when SIGINT arrives twice (Ctrl-C through a wrapper)', async function () {
    const d = new DaemonProcess(['run', `--kubeconfig=${testCluster().kubeconfig}`, '--metrics-bind-address=127.0.0.1:0', '--health-bind-address=127.0.0.1:0']);
    await d.waitForLog('API connection', (l) => l.msg === 'connected to the Kubernetes API');
    d.kill('SIGINT');
    d.kill('SIGINT');
    expect(await d.exited).to.equal(0);
    expect(d.logs.filter((l) => l.msg === 'shutting down')).to.have.length(1);
  });

  it('exits 0 when SIGTERM arrives while it is still starting', async function () {
    const d = new DaemonProcess(['run', `--kubeconfig=${testCluster().kubeconfig}`, '--metrics-bind-address=127.0.0.1:0', '--health-bind-address=127.0.0.1:0']);
    await d.waitForLog('the health server', (l) => l.msg === 'health server listening');
    d.kill('SIGTERM');
    expect(await d.exited).to.equal(0);
    expect(d.logs.some((l) => l.level === 'fatal')).to.equal(false);
  });

  it('fails fast with exit 2 naming the flag when a value is bad', async function () {
    const d = new DaemonProcess(['run', `--kubeconfig=${testCluster().kubeconfig}`, '--resync-period=soon']);
    expect(await d.exited).to.equal(2);
    expect(d.stderr.join('')).to.contain('--resync-period: invalid duration "soon"');
  });

  it('exits 1 with a clear error when the API server cannot be reached', async function () {
    const dir = mkdtempSync(join(tmpdir(), 'scr-kc-'));
    const kubeconfig = join(dir, 'kubeconfig');
    // Same credentials, but a port nothing listens on.
    writeFileSync(kubeconfig, readFileSync(testCluster().kubeconfig, 'utf8').replace(/server: https:\/\/127\.0\.0\.1:\d+/, 'server: https://127.0.0.1:1'));
    const d = new DaemonProcess(['run', '--metrics-bind-address=127.0.0.1:0', '--health-bind-address=127.0.0.1:0'], { KUBECONFIG: kubeconfig });
    expect(await d.exited).to.equal(1);
    const fatal = d.logs.find((l) => l.level === 'fatal');
    expect(fatal?.msg).to.equal('start failed');
    expect(JSON.stringify(fatal)).to.contain('ECONNREFUSED');
    rmSync(dir, { recursive: true, force: true });
  });
});
