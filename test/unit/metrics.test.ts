import { expect } from 'chai';
import { Metrics } from '../../src/telemetry/metrics.js';
import { closeServer, serveMetrics } from '../../src/daemon/health.js';
import { Gauge, Registry } from 'prom-client';
import { get } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { acceptsGzip } from '../../src/daemon/health.js';
import { OBJECT_LABELS, ObjectSeries } from '../../src/telemetry/object-series.js';

async function text(m: Metrics): Promise<string> {
  return m.registry.metrics();
}

describe('Metrics: per-object series and problems', function () {
  it('forgetSeries removes the series but keeps problems of either source', async function () {
    const m = new Metrics();
    m.setObject('listener', 'ns', 'a', 'a-tls', { notAfter: 100, ready: 1 });
    m.setProblems('listener', 'ns', 'a', ['InvalidHost']);
    m.setProblems('listener', 'ns', 'a', ['SecretInvalid'], 'expiry');
    m.forgetSeries('listener', 'ns', 'a');
    const t = await text(m);
    expect(t).to.not.contain('certificate_not_after_timestamp_seconds{namespace="ns"');
    expect(t).to.contain('object_problem{namespace="ns",kind="listener",name="a",reason="InvalidHost"} 1');
    expect(t).to.contain('object_problem{namespace="ns",kind="listener",name="a",reason="SecretInvalid"} 1');
  });

  it('the two problem sources are set and cleared independently; forgetObject clears both', async function () {
    const m = new Metrics();
    m.setProblems('connector', 'ns', 'b', ['TrustSourceMissing']);
    m.setProblems('connector', 'ns', 'b', ['SecretExpired'], 'expiry');
    m.setProblems('connector', 'ns', 'b', []);
    let t = await text(m);
    expect(t).to.not.contain('reason="TrustSourceMissing"');
    expect(t).to.contain('reason="SecretExpired"} 1');
    m.forgetObject('connector', 'ns', 'b');
    t = await text(m);
    expect(t).to.not.contain('name="b"');
  });

  it('replaceObject drops owned values that disappeared and leaves the others', async function () {
    const m = new Metrics();
    m.setObject('listener', 'ns', 'c', 'c-tls', { notAfter: 100, hostCovered: 1, servedCurrent: 1 });
    m.replaceObject('listener', 'ns', 'c', 'c-tls', { ready: 0 }, ['notAfter', 'hostCovered', 'ready']);
    const t = await text(m);
    expect(t).to.not.contain('certificate_not_after_timestamp_seconds{namespace="ns",kind="listener",name="c"');
    expect(t).to.not.contain('certificate_host_covered{namespace="ns",kind="listener",name="c"');
    expect(t).to.contain('served_certificate_current{namespace="ns",kind="listener",name="c",secret="c-tls"} 1');
    expect(t).to.contain('certificate_ready{namespace="ns",kind="listener",name="c",secret="c-tls"} 0');
  });

  it('a changed secret name removes the old series', async function () {
    const m = new Metrics();
    m.setObject('listener', 'ns', 'd', 'old', { notAfter: 1 });
    m.setObject('listener', 'ns', 'd', 'new', { notAfter: 2 });
    const t = await text(m);
    expect(t).to.not.contain('secret="old"');
    expect(t).to.contain('secret="new"} 2');
  });
  it('setSiteBlockers: exactly the current culprits, the namespace at 1 or 0, nothing once it has no objects', async function () {
    const m = new Metrics();
    m.setSiteBlockers('east', [{ kind: 'listener', name: 'a', secret: 'a-tls' }], true);
    m.setSiteBlockers('east', [{ kind: 'connector', name: 'b', secret: 'b-tls' }], true);
    let t = await text(m);
    expect(t).to.not.contain('name="a"');
    expect(t).to.contain('skupper_cert_rotator_site_config_blocker{namespace="east",kind="connector",name="b",secret="b-tls"} 1');
    expect(t).to.contain('skupper_cert_rotator_site_config_blocked{namespace="east"} 1');
    m.setSiteBlockers('east', [], true);
    t = await text(m);
    expect(t).to.not.contain('site_config_blocker{');
    expect(t).to.contain('skupper_cert_rotator_site_config_blocked{namespace="east"} 0');
    m.setSiteBlockers('east', [], false);
    expect(await text(m)).to.not.contain('site_config_blocked{');
  });
});

describe('ObjectSeries: the per-object table', function () {
  const families = [
    { key: 'a' as const, name: 'x_a', help: 'A help with a \\ backslash\nand a newline.' },
    { key: 'b' as const, name: 'x_b', help: "B's help." },
  ];
  const labels = [
    { namespace: 'ns', kind: 'listener', name: 'one', secret: 'one-tls' },
    { namespace: 'ns', kind: 'connector', name: 'we"ird\\na\nme', secret: 's' },
  ];

  it('renders what prom-client renders for the same gauges and values', async function () {
    const t = new ObjectSeries(families);
    const reg = new Registry();
    const gauges = families.map((f) => new Gauge({ name: f.name, help: f.help, labelNames: OBJECT_LABELS, registers: [reg] }));
    const values = [[1.5, 0], [-1e21, 1800000000.25], [NaN, Infinity]];
    labels.forEach((l, i) => {
      const [a, b] = values[i] ?? [];
      t.update(l, { a, b });
      gauges[0]?.set(l, a ?? 0);
      gauges[1]?.set(l, b ?? 0);
    });
    t.update({ namespace: 'ns', kind: 'listener', name: 'only-a', secret: 's' }, { a: -Infinity });
    gauges[0]?.set({ namespace: 'ns', kind: 'listener', name: 'only-a', secret: 's' }, -Infinity);
    expect(`${t.render()}\n`).to.equal(await reg.metrics());
  });

  it('keeps HELP and TYPE without samples, drops a row with its last series', function () {
    const t = new ObjectSeries(families);
    const l = labels[0]!;
    t.update(l, { a: 1, b: 2 });
    t.update(l, { a: 3 }, ['a', 'b']);
    expect(t.value('a', l)).to.equal(3);
    expect(t.value('b', l)).to.equal(undefined);
    t.remove(l, ['a']);
    expect(t.render()).to.equal(`# HELP x_a A help with a \\\\ backslash\\nand a newline.\n# TYPE x_a gauge\n\n# HELP x_b B's help.\n# TYPE x_b gauge`);
  });

  it('renders again only after a value changed', function () {
    const t = new ObjectSeries(families);
    const l = labels[0]!;
    t.update(l, { a: 1 });
    const first = t.render();
    t.update(l, { a: 1 });
    expect(t.render()).to.equal(first);
    t.update(l, { a: 2 });
    expect(t.render()).to.contain('x_a{namespace="ns",kind="listener",name="one",secret="one-tls"} 2');
    t.remove(l);
    expect(t.render()).to.not.contain('name="one"');
  });

  it('the scrape carries the table: Metrics.registry.metrics() has the per-object families once', async function () {
    const m = new Metrics();
    m.setObject('listener', 'ns', 'a', 'a-tls', { notAfter: 100 });
    const t = await text(m);
    expect(t.match(/^# TYPE skupper_cert_rotator_certificate_not_after_timestamp_seconds gauge$/gm)).to.have.length(1);
    expect(t).to.contain('skupper_cert_rotator_certificate_not_after_timestamp_seconds{namespace="ns",kind="listener",name="a",secret="a-tls"} 100\n');
    expect(t.endsWith('\n')).to.equal(true);
  });

  it('GET /metrics writes the same text, the table from its kept bytes, with an exact Content-Length; a change is in the next scrape', async function () {
    const m = new Metrics();
    m.setObject('listener', 'ns', 'é', 'é-tls', { notAfter: 100 });
    const { server, address } = await serveMetrics(m.registry, { host: '127.0.0.1', port: 0 });
    try {
      const get = async (): Promise<{ body: string }> => {
        const res = await fetch(`http://${address}/metrics`);
        const body = Buffer.from(await res.arrayBuffer());
        expect(Number(res.headers.get('content-length')), 'Content-Length is the byte count').to.equal(body.length);
        return { body: body.toString('utf8') };
      };
      const first = await get();
      expect(first.body).to.contain('skupper_cert_rotator_certificate_not_after_timestamp_seconds{namespace="ns",kind="listener",name="é",secret="é-tls"} 100\n');
      expect(first.body).to.contain('# TYPE skupper_cert_rotator_reconcile_total counter');
      m.setObject('listener', 'ns', 'é', 'é-tls', { notAfter: 200 });
      expect((await get()).body).to.contain('name="é",secret="é-tls"} 200\n');
    } finally {
      await closeServer(server);
    }
  });

  it('keeps the table compressed once rendered; a scrape that takes gzip gets it as one gzip body, others plain, the same text', async function () {
    const m = new Metrics();
    for (let i = 0; i < 200; i++) m.setObject('listener', 'ns', `l-${i}`, `l-${i}-tls`, { notAfter: 1_800_000_000 + i, ready: 1 });
    const { server, address } = await serveMetrics(m.registry, { host: '127.0.0.1', port: 0 });
    const raw = (gzip: boolean): Promise<{ encoding: string | undefined; length: number; body: Buffer }> =>
      new Promise((resolve, reject) => {
        get(`http://${address}/metrics`, { headers: gzip ? { 'accept-encoding': 'gzip;q=1, identity;q=0.5' } : {} }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => { resolve({ encoding: res.headers['content-encoding'], length: Number(res.headers['content-length']), body: Buffer.concat(chunks) }); });
        }).on('error', reject);
      });
    // Node's own series differ between scrapes: compare the per-object lines.
    const table = (text: string): string[] => text.split('\n').filter((l) => l.startsWith('skupper_cert_rotator_certificate_'));
    try {
      const first = await raw(true);
      expect(first.encoding, 'the first scrape after a change renders: sent plain').to.equal(undefined);
      await m.objects.settled();
      expect(m.objects.isPacked).to.equal(true);
      const zipped = await raw(true);
      expect(zipped.encoding).to.equal('gzip');
      expect(zipped.length, 'Content-Length counts the bytes sent').to.equal(zipped.body.length);
      expect(zipped.body.length).to.be.below(first.body.length / 4);
      const plain = await raw(false);
      expect(plain.encoding).to.equal(undefined);
      expect(plain.length).to.equal(plain.body.length);
      const lines = table(first.body.toString('utf8'));
      expect(lines).to.have.length(400);
      expect(table(gunzipSync(zipped.body).toString('utf8'))).to.deep.equal(lines);
      expect(table(plain.body.toString('utf8'))).to.deep.equal(lines);
      expect(gunzipSync(zipped.body).toString('utf8')).to.contain('# TYPE skupper_cert_rotator_reconcile_total counter');
      m.setObject('listener', 'ns', 'l-0', 'l-0-tls', { notAfter: 5 });
      expect(m.objects.isPacked, 'a change drops the compressed copy').to.equal(false);
      expect((await raw(true)).body.toString('utf8')).to.contain('name="l-0",secret="l-0-tls"} 5\n');
    } finally {
      await closeServer(server);
    }
  });

  it('a compression that finishes after a change is not kept', async function () {
    const t = new ObjectSeries([{ key: 'a', name: 'x_a', help: 'a' }]);
    const l = { namespace: 'ns', kind: 'listener', name: 'one', secret: 'one-tls' };
    t.update(l, { a: 1 });
    t.table();
    const compressing = t.settled();
    t.update(l, { a: 2 });
    await compressing;
    expect(t.isPacked).to.equal(false);
    expect(t.render()).to.contain('} 2');
    await t.settled();
    expect(t.isPacked, 'the render of the new values is compressed').to.equal(true);
    expect(t.render()).to.contain('} 2');
  });

  it('reads Accept-Encoding as RFC 9110 says', function () {
    expect(acceptsGzip(undefined)).to.equal(false);
    expect(acceptsGzip('gzip')).to.equal(true);
    expect(acceptsGzip('deflate, GZIP;q=0.5')).to.equal(true);
    expect(acceptsGzip('gzip;q=0')).to.equal(false);
    expect(acceptsGzip('gzip; q=0.000, *')).to.equal(false);
    expect(acceptsGzip('br, *;q=0.1')).to.equal(true);
    expect(acceptsGzip('identity')).to.equal(false);
    expect(acceptsGzip('x-gzip')).to.equal(true);
  });
});
