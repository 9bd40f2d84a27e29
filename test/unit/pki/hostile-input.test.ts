import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import { MAX_PROBLEMS } from '../../../src/pki/problems.js';
import { verifyServingSecret } from '../../../src/pki/verify.js';
import { MAX_CERTIFICATE_BYTES, MAX_CERTIFICATES, scanCertificates } from '../../../src/pki/certificate-scan.js';
import { coversHost } from '../../../src/pki/host-match.js';
import { parseSubjectAltName } from '../../../src/pki/subject-alt-name.js';
import { toPem } from '../../../src/pki/pem.js';
import { makeCA, makeLeaf } from '../../../cluster/certgen.js';
import { fastSelfSignedCA } from '../../../cluster/fastcert.js';

// Work bounds on tenant-controlled certificates (issue 12 §2): counts and
// messages are asserted exactly; times only against bounds that a linear
// implementation meets many times over on a loaded machine (milliseconds
// here), and that the quadratic code missed by far (tens of seconds).
const BOUND_MS = 10_000;

function timed<T>(f: () => T): { result: T; ms: number } {
  const t = performance.now();
  const result = f();
  return { result, ms: performance.now() - t };
}

describe('hostile certificates', function () {
  this.timeout(60_000);
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

  it(`parses at most ${MAX_CERTIFICATES} certificates of one text and says how many it left`, function () {
    let pem = '';
    let blocks = 0;
    let others = 0;
    const unread: number[] = [];
    for (let i = 0; i < MAX_CERTIFICATES + 50; i++) {
      pem += fastSelfSignedCA({ cn: `ca-${i}`, key }).certPem;
      blocks += 1;
      if (i >= MAX_CERTIFICATES) unread.push(blocks);
      // Blocks that are not certificates cost nothing to skip and do not count.
      if (i % 1000 === 0) {
        pem += '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n';
        blocks += 1;
        others += 1;
      }
    }
    const { certificates, problems } = scanCertificates(pem);
    expect(certificates).to.have.length(MAX_CERTIFICATES);
    const tooMany = problems.filter((p) => p.kind === 'too-many');
    expect(tooMany.map((p) => p.message)).to.deep.equal([
      `blocks ${unread[0]}–${unread.at(-1)}: 50 more certificate(s) not read; at most ${MAX_CERTIFICATES} certificates are read from one object`,
    ]);
    expect(problems.filter((p) => p.kind === 'not-certificate')).to.have.length(others);
  });

  it('10,000 garbage CERTIFICATE blocks: at most the cap are tried', function () {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIBAAAA\n-----END CERTIFICATE-----\n'.repeat(10_000);
    const { result, ms } = timed(() => scanCertificates(pem));
    expect(ms).to.be.below(BOUND_MS);
    const unparsable = result.problems.filter((p) => p.kind === 'unparsable');
    expect(unparsable).to.have.length(MAX_PROBLEMS + 1);
    expect(unparsable.at(-1)?.message).to.equal(`… and ${MAX_CERTIFICATES - MAX_PROBLEMS} more problem(s), not listed`);
    expect(result.problems.filter((p) => p.kind === 'too-many').map((p) => p.message)).to.deep.equal([
      `blocks ${MAX_CERTIFICATES + 1}–10000: ${10_000 - MAX_CERTIFICATES} more certificate(s) not read; at most ${MAX_CERTIFICATES} certificates are read from one object`,
    ]);
  });

  it('a certificate with 10,000 SANs: parsed, matched and reported in linear time', function () {
    const ca = makeCA({ cn: 'san-ca' });
    const dns = Array.from({ length: 10_000 }, (_, i) => `host-${i}.example.com`);
    const leaf = makeLeaf(ca, { cn: 'many', dns });
    const { result, ms } = timed(() => scanCertificates(leaf.certPem));
    expect(ms).to.be.below(BOUND_MS);
    const cert = result.certificates[0]!;
    expect(cert.dnsNames).to.have.length(10_000);
    expect(coversHost(cert, 'host-9999.example.com')).to.be.true;
    expect(coversHost(cert, 'elsewhere.example.com')).to.be.false;
    const gate = timed(() => verifyServingSecret({ tlsCrt: leaf.certPem, tlsKey: leaf.keyPem, caCrt: ca.certPem, hosts: ['elsewhere'], now: new Date() }));
    expect(gate.ms).to.be.below(BOUND_MS);
    expect(gate.result.failures.map((f) => f.reason)).to.deep.equal(['HostNotCovered']);
    expect(gate.result.failures[0]!.message).to.include('(9990 more)');
  });

  it('a certificate block larger than any TLS stack accepts is refused before Node parses it', function () {
    const big = toPem('CERTIFICATE', Buffer.alloc(MAX_CERTIFICATE_BYTES + 1, 0x30));
    const fine = fastSelfSignedCA({ cn: 'fine', key });
    const { certificates, problems } = scanCertificates(big + fine.certPem);
    expect(certificates.map((c) => c.commonName)).to.deep.equal(['fine']);
    expect(problems.map((p) => p.message)).to.deep.equal([`block 1 (CERTIFICATE): 257 KiB, larger than any certificate a TLS stack accepts (at most 256 KiB are read)`]);
  });

  it('parseSubjectAltName: 100,000 entries, quoted ones included', function () {
    const text = Array.from({ length: 100_000 }, (_, i) => (i % 2 === 0 ? `DNS:h${i}` : `DNS:"a\\u002c b${i}"`)).join(', ');
    const { result, ms } = timed(() => parseSubjectAltName(text));
    expect(ms).to.be.below(BOUND_MS);
    expect(result).to.have.length(100_000);
    expect(result[1]).to.deep.equal({ type: 'DNS', value: 'a, b1' });
  });

  it('a tangle of look-alike CAs in tls.crt and ca.crt: the trust-path search gives up within its budget', function () {
    // Intermediates share a name and a key, so each "issued" every other and the
    // leaf; anchors share the name but not the key, so every one needs a
    // signature check. Unbounded, that is about 40,000 signature checks (seconds).
    const shared = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const leaf = fastSelfSignedCA({ cn: 'look-alike', key: shared, serial: 1n });
    // 200 of each is far beyond the search budget; the parse of more is another test's subject.
    const n = 200;
    let chain = leaf.certPem;
    for (let i = 0; i < n - 1; i++) chain += fastSelfSignedCA({ cn: 'look-alike', key: shared, serial: BigInt(i + 2) }).certPem;
    let anchors = '';
    for (let i = 0; i < n; i++) anchors += fastSelfSignedCA({ cn: 'look-alike' }).certPem;
    const { result, ms } = timed(() => verifyServingSecret({ tlsCrt: chain, tlsKey: leaf.keyPem, caCrt: anchors, hosts: [], now: new Date() }));
    expect(ms).to.be.below(BOUND_MS);
    expect(result.failures.map((f) => f.reason)).to.deep.equal(['UntrustedChain']);
    // The work is read from the message, not the clock: it must stop at the budget.
    const m = /found within (\d+) issuer and (\d+) signature checks \(tls\.crt holds 200 certificates, ca\.crt 200\)/.exec(result.failures[0]!.message);
    expect(m, result.failures[0]!.message).to.not.equal(null);
    expect(Number(m![1]), 'issuer checks').to.be.at.most(4_000);
    expect(Number(m![2]), 'signature checks').to.be.at.most(64);
  });

  it('a tls.crt of 30,000 broken blocks: one failure listing ten and counting the rest', function () {
    const good = fastSelfSignedCA({ cn: 'fine', key });
    const tlsCrt = `${good.certPem}${'-----BEGIN CERTIFICATE-----\n'.repeat(30_000)}`;
    const { result, ms } = timed(() => verifyServingSecret({ tlsCrt, tlsKey: good.keyPem, caCrt: good.certPem, hosts: [], now: new Date() }));
    expect(ms).to.be.below(BOUND_MS);
    const invalid = result.failures.filter((f) => f.reason === 'InvalidCertificate');
    expect(invalid).to.have.length(1);
    // 100 problems kept by the splitter plus its count line; the gate lists ten of them.
    expect(invalid[0]!.message).to.include('… (91 more)');
    expect(invalid[0]!.message.length).to.be.below(1000);
  });
});

describe('coversHost with a huge host', function () {
  it('a host longer than any DNS name matches nothing, without comparing it to every SAN', function () {
    this.timeout(20_000);
    const cert = scanCertificates(makeLeaf(makeCA(), { dns: ['x.example.com'] }).certPem).certificates[0]!;
    // The SAN list a 1.5 MiB certificate could carry, without making one.
    const big = { hasSubjectAltName: cert.hasSubjectAltName, commonName: cert.commonName, ipAddresses: cert.ipAddresses, dnsNames: Array.from({ length: 10_000 }, (_, i) => `h${i}.example.com`) };
    const { result, ms } = timed(() => coversHost(big, `${'a'.repeat(1024 * 1024)}.example.com`));
    expect(result).to.be.false;
    expect(ms).to.be.below(BOUND_MS);
    expect(coversHost(big, 'h9999.example.com.')).to.be.true;
    expect(coversHost(big, `${'a'.repeat(63)}.example.com`)).to.be.false;
  });
});
