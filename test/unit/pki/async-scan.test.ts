import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import { ParseCache } from '../../../src/pki/parse-cache.js';
import type { ParsedCertificate } from '../../../src/pki/certificate.js';
import { scanCertificates, scanCertificatesAsync } from '../../../src/pki/certificate-scan.js';
import { fastSelfSignedCA } from '../../../cluster/fastcert.js';

// The daemon parses tenant text through scanCertificatesAsync (issue 12): it
// must give exactly what the synchronous scan gives, whatever the slicing,
// and actually yield. Times are asserted only against generous bounds.

const summary = (r: { certificates: ParsedCertificate[]; problems: { kind: string; message: string }[] }): unknown => ({
  fingerprints: r.certificates.map((c) => c.fingerprint),
  problems: r.problems,
});

describe('scanCertificatesAsync', function () {
  this.timeout(60_000);
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  let mixed = '';

  before(function () {
    // Certificates with every kind of problem between them, so the order of
    // results and of problem messages is compared, not just counts.
    for (let i = 0; i < 300; i++) {
      mixed += fastSelfSignedCA({ cn: `ca-${i}`, key }).certPem;
      if (i % 7 === 0) mixed += 'stray text\n';
      if (i % 11 === 0) mixed += '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n';
      if (i % 13 === 0) mixed += '-----BEGIN CERTIFICATE-----\nMIIBAAAA\n-----END CERTIFICATE-----\n';
      if (i % 17 === 0) mixed += '-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n';
    }
    mixed += '-----BEGIN CERTIFICATE-----\nunterminated\n';
  });

  it('gives the same certificates and problems, in the same order, as the synchronous scan', async function () {
    const sync = scanCertificates(mixed);
    expect(sync.certificates).to.have.length(300);
    let pauses = 0;
    // A slice of 0 ms pauses after every step: the most interleaving there can be.
    const sliced = await scanCertificatesAsync(mixed, { sliceMs: 0, pause: async () => { pauses += 1; await new Promise<void>((r) => { setImmediate(r); }); } });
    expect(summary(sliced)).to.deep.equal(summary(sync));
    expect(pauses).to.be.greaterThan(300);
    const whole = await scanCertificatesAsync(mixed, { sliceMs: Infinity });
    expect(summary(whole)).to.deep.equal(summary(sync));
  });

  it('yields to the event loop while it parses: a timer runs in between', async function () {
    let ticks = 0;
    const timer = setInterval(() => { ticks += 1; }, 1);
    try {
      // A fake clock that advances 1 ms per reading makes every slice end after a few steps, on any machine.
      let t = 0;
      await scanCertificatesAsync(mixed, { sliceMs: 5, clock: () => (t += 1) });
    } finally {
      clearInterval(timer);
    }
    expect(ticks).to.be.greaterThan(0);
  });

  it('keeps each slice short on a 1,000-certificate text (generous bound for a loaded machine)', async function () {
    let pem = '';
    for (let i = 0; i < 1000; i++) pem += fastSelfSignedCA({ cn: `bulk-${i}`, key }).certPem;
    // CPU time per slice, not wall time: a loaded machine deschedules the
    // process at random, which says nothing about how long a slice holds the loop.
    const cpuMs = (since: NodeJS.CpuUsage): number => { const u = process.cpuUsage(since); return (u.user + u.system) / 1000; };
    const slices: number[] = [];
    let start = process.cpuUsage();
    const result = await scanCertificatesAsync(pem, {
      pause: async () => {
        slices.push(cpuMs(start));
        await new Promise<void>((r) => { setImmediate(r); });
        start = process.cpuUsage();
      },
    });
    slices.push(cpuMs(start));
    expect(result.certificates).to.have.length(1000);
    expect(result.problems).to.deep.equal([]);
    // About 200 ms of work in 10 ms slices; a slice is one step over 10 ms at most
    // (plus what the garbage collector's helper threads bill to the process).
    expect(slices.length).to.be.greaterThan(1);
    expect(Math.max(...slices)).to.be.below(250);
  });
});

describe('ParseCache.prepare', function () {
  const ca = fastSelfSignedCA({ cn: 'prepared' });
  const other = fastSelfSignedCA({ cn: 'other' });

  it('fills the cache, so the synchronous parse that follows is a hit', async function () {
    const cache = new ParseCache();
    const prepared = await cache.prepare('uid@1#ca.crt', ca.certPem);
    expect(prepared.certificates.map((c) => c.subject)).to.deep.equal(['CN=prepared']);
    expect([cache.hits, cache.misses]).to.deep.equal([0, 1]);
    expect(cache.has('uid@1#ca.crt')).to.equal(true);
    expect(cache.parse('uid@1#ca.crt', ca.certPem)).to.equal(prepared);
    expect([cache.hits, cache.misses]).to.deep.equal([1, 1]);
    // Prepared again: already there, nothing parsed.
    expect(await cache.prepare('uid@1#ca.crt', ca.certPem)).to.equal(prepared);
    expect(cache.misses).to.equal(1);
  });

  it('two prepares of the same id at once parse it once', async function () {
    const cache = new ParseCache();
    const [a, b] = await Promise.all([cache.prepare('id', ca.certPem), cache.prepare('id', other.certPem)]);
    expect(a).to.equal(b);
    expect(cache.misses).to.equal(1);
  });

  it('without an id, parses and caches nothing', async function () {
    const cache = new ParseCache();
    const r = await cache.prepare(undefined, ca.certPem);
    expect(r.certificates).to.have.length(1);
    expect(cache.has(undefined)).to.equal(false);
    expect([cache.hits, cache.misses]).to.deep.equal([0, 0]);
  });

  it('evicts as parse does', async function () {
    const cache = new ParseCache(1);
    await cache.prepare('a', ca.certPem);
    await cache.prepare('b', other.certPem);
    expect([cache.has('a'), cache.has('b')]).to.deep.equal([false, true]);
  });
});
