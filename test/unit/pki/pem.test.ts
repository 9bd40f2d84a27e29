import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { describeLabel, scanPem, splitPem, toPem } from '../../../src/pki/pem.js';
import { MAX_PROBLEMS } from '../../../src/pki/problems.js';

// Framing only, so random bytes stand in for DER.
function block(type: string, der: Buffer, width = 64): string {
  const b64 = der.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += width) lines.push(b64.slice(i, i + width));
  return `-----BEGIN ${type}-----\n${lines.join('\n')}\n-----END ${type}-----\n`;
}

describe('splitPem', function () {
  const a = randomBytes(300);
  const b = randomBytes(47);

  it('splits consecutive blocks and keeps their type, DER and position', function () {
    const { blocks, problems } = splitPem(block('CERTIFICATE', a) + block('EC PRIVATE KEY', b));
    expect(problems).to.deep.equal([]);
    expect(blocks.map((x) => x.type)).to.deep.equal(['CERTIFICATE', 'EC PRIVATE KEY']);
    expect(blocks[0]!.der.equals(a)).to.be.true;
    expect(blocks[1]!.der.equals(b)).to.be.true;
    expect(blocks.map((x) => x.index)).to.deep.equal([1, 2]);
  });

  it('accepts CRLF line endings and normalizes the PEM text to LF with 64 columns', function () {
    const crlf = block('CERTIFICATE', a, 76).replace(/\n/g, '\r\n');
    const { blocks, problems } = splitPem(crlf);
    expect(problems).to.deep.equal([]);
    expect(blocks).to.have.length(1);
    expect(blocks[0]!.der.equals(a)).to.be.true;
    expect(blocks[0]!.pem).to.equal(block('CERTIFICATE', a));
    expect(blocks[0]!.pem).not.to.include('\r');
    expect(blocks[0]!.pem.endsWith('-----END CERTIFICATE-----\n')).to.be.true;
  });

  it('splits blocks concatenated without a newline between END and BEGIN', function () {
    const glued = block('CERTIFICATE', a).trimEnd() + block('CERTIFICATE', b).trimEnd();
    expect(glued).to.include('-----END CERTIFICATE----------BEGIN CERTIFICATE-----');
    const { blocks, problems } = splitPem(glued);
    expect(problems).to.deep.equal([]);
    expect(blocks.map((x) => x.der.length)).to.deep.equal([a.length, b.length]);
  });

  it('reports text before, between and after blocks by position, without echoing it', function () {
    const input = `subject=CN=leaf\n${block('CERTIFICATE', a)}Bag Attributes: secret-ish\n${block('CERTIFICATE', b)}trailer`;
    const { blocks, problems } = splitPem(input);
    expect(blocks).to.have.length(2);
    expect(problems).to.have.length(3);
    expect(problems[0]).to.match(/before block 1/);
    expect(problems[1]).to.match(/before block 2/);
    expect(problems[2]).to.match(/after block 2/);
    for (const p of problems) expect(p).not.to.match(/subject=|Bag Attributes|trailer/);
  });

  it('classifies stray text apart from lost blocks', function () {
    const input = `junk\n${block('CERTIFICATE', a).replace(/\n[A-Za-z0-9+/]/, '\n!')}`;
    const { problems } = scanPem(input);
    expect(problems.map((p) => p.kind)).to.deep.equal(['stray-text', 'bad-block']);
  });

  it('skips a block with invalid base64, reports it by index, and keeps the next one', function () {
    const bad = block('PRIVATE KEY', a).replace(/\n[A-Za-z0-9+/]{10}/, '\n!!not base64!!');
    const { blocks, problems } = splitPem(bad + block('CERTIFICATE', b));
    expect(blocks).to.have.length(1);
    expect(blocks[0]!.index).to.equal(2);
    expect(problems).to.deep.equal(['block 1 (private key): invalid base64']);
  });

  it('rejects base64 whose length is not a multiple of four, and empty bodies', function () {
    const truncated = '-----BEGIN CERTIFICATE-----\nQUJDRA=\n-----END CERTIFICATE-----\n';
    const empty = '-----BEGIN CERTIFICATE-----\n\n-----END CERTIFICATE-----\n';
    expect(splitPem(truncated).blocks).to.have.length(0);
    expect(splitPem(truncated).problems).to.deep.equal(['block 1 (CERTIFICATE): invalid base64']);
    expect(splitPem(empty).problems).to.deep.equal(['block 1 (CERTIFICATE): invalid base64']);
  });

  it('reports a BEGIN/END label mismatch', function () {
    const mixed = block('CERTIFICATE', a).replace('END CERTIFICATE', 'END PRIVATE KEY');
    const { blocks, problems } = splitPem(mixed);
    expect(blocks).to.have.length(0);
    expect(problems).to.have.length(1);
    expect(problems[0]).to.include('block 1 (CERTIFICATE)').and.include('"private key" does not match');
  });

  it('reports a block without END and still reads the following block', function () {
    const cut = block('CERTIFICATE', a).replace('-----END CERTIFICATE-----\n', '');
    const { blocks, problems } = splitPem(cut + block('CERTIFICATE', b));
    expect(problems).to.deep.equal(['block 1 (CERTIFICATE): no END line']);
    expect(blocks).to.have.length(1);
    expect(blocks[0]!.der.equals(b)).to.be.true;
    expect(splitPem(cut).problems).to.deep.equal(['block 1 (CERTIFICATE): no END line']);
  });

  it('refuses legacy encrypted blocks with RFC 1421 headers', function () {
    const legacy = block('RSA PRIVATE KEY', a).replace('-----\n', '-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00\n\n');
    const { blocks, problems } = splitPem(legacy);
    expect(blocks).to.have.length(0);
    expect(problems[0]).to.match(/block 1 \(RSA private key\): has PEM headers/);
  });

  it('never includes the encoded data of a broken block in a problem', function () {
    const b64 = a.toString('base64');
    const broken = block('PRIVATE KEY', a).replace('END PRIVATE KEY', 'END CERTIFICATE');
    const { problems } = splitPem(`${b64.slice(0, 40)}\n${broken}`);
    expect(problems.length).to.be.greaterThan(0);
    for (const p of problems) {
      for (let i = 0; i + 12 <= b64.length; i += 4) expect(p).not.to.include(b64.slice(i, i + 12));
    }
  });

  it('returns nothing for empty or blank input, and one problem for text without blocks', function () {
    expect(splitPem('')).to.deep.equal({ blocks: [], problems: [] });
    expect(splitPem(' \r\n\t\n')).to.deep.equal({ blocks: [], problems: [] });
    const { blocks, problems } = splitPem('not pem at all');
    expect(blocks).to.have.length(0);
    expect(problems).to.deep.equal(['14 characters of non-PEM text and no PEM blocks']);
  });

  it('ignores a UTF-8 byte order mark', function () {
    const { blocks, problems } = splitPem(`\uFEFF${block('CERTIFICATE', a)}`);
    expect(problems).to.deep.equal([]);
    expect(blocks).to.have.length(1);
  });
});

describe('describeLabel', function () {
  it('names key blocks without the "PRIVATE KEY" that secret scanners look for', function () {
    expect(describeLabel('PRIVATE KEY')).to.equal('private key');
    expect(describeLabel('RSA PRIVATE KEY')).to.equal('RSA private key');
    expect(describeLabel('ENCRYPTED PRIVATE KEY')).to.equal('encrypted private key');
    expect(describeLabel('CERTIFICATE')).to.equal('CERTIFICATE');
    expect(describeLabel('X'.repeat(100))).to.have.length(41);
  });
});

describe('toPem', function () {
  it('round-trips through splitPem with lines of at most 64 characters', function () {
    for (const size of [1, 48, 49, 1000]) {
      const der = randomBytes(size);
      const pem = toPem('CERTIFICATE', der);
      expect(pem.split('\n').every((l) => l.length <= 64 || l.startsWith('-----'))).to.be.true;
      const { blocks } = splitPem(pem);
      expect(blocks[0]!.der.equals(der)).to.be.true;
      expect(blocks[0]!.pem).to.equal(pem);
    }
  });
});

// Linear time on hostile input (issue 12 §2). The bounds are far above what a
// linear scan needs on a loaded 2-core machine (tens of ms) and far below what
// the old quadratic splitter took (about 20 s for 1 MB of unterminated BEGIN lines).
describe('scanPem on hostile input', function () {
  this.timeout(20_000);
  const MiB = 1024 * 1024;
  // Far above what linear code takes on a loaded machine, far below what the quadratic code took (20 s for 1 MB).
  const BOUND_MS = 10_000;

  function timed<T>(f: () => T): { result: T; ms: number } {
    const t = performance.now();
    const result = f();
    return { result, ms: performance.now() - t };
  }

  function repeatTo(unit: string, bytes: number): string {
    return unit.repeat(Math.ceil(bytes / unit.length));
  }

  it('1.5 MiB of BEGIN lines without END: the first 100 reported, the rest counted, in linear time', function () {
    const line = '-----BEGIN CERTIFICATE-----\n';
    const text = repeatTo(line, 1.5 * MiB);
    const { result, ms } = timed(() => scanPem(text));
    expect(ms).to.be.below(BOUND_MS);
    expect(result.blocks).to.have.length(0);
    expect(result.problems).to.have.length(MAX_PROBLEMS + 1);
    expect(result.problems.slice(0, MAX_PROBLEMS).every((p) => p.kind === 'bad-block' && p.message.endsWith(': no END line'))).to.be.true;
    expect(result.problems[MAX_PROBLEMS]).to.deep.equal({ kind: 'bad-block', message: `… and ${text.length / line.length - MAX_PROBLEMS} more problem(s), not listed` });
  });

  it('a harmless problem first does not hide lost blocks in the count', function () {
    const text = `${'junk\n-----BEGIN A-----\nAAAA\n-----END A-----\n'.repeat(MAX_PROBLEMS)}junk\n${'-----BEGIN B-----\n'.repeat(3)}`;
    const { problems } = scanPem(text);
    expect(problems.slice(0, MAX_PROBLEMS).every((p) => p.kind === 'stray-text')).to.be.true;
    expect(problems[MAX_PROBLEMS]).to.deep.equal({ kind: 'bad-block', message: '… and 4 more problem(s), not listed' });
  });

  it('BEGIN lines whose only END is at the very end: one block read, the rest reported', function () {
    const line = '-----BEGIN CERTIFICATE-----\n';
    const count = Math.ceil(MiB / line.length);
    const text = `${line.repeat(count)}AAAA\n-----END CERTIFICATE-----\n`;
    const { result, ms } = timed(() => scanPem(text));
    expect(ms).to.be.below(BOUND_MS);
    expect(result.blocks.map((b) => b.index)).to.deep.equal([count]);
    expect(result.problems.at(-1)?.message).to.equal(`… and ${count - 1 - MAX_PROBLEMS} more problem(s), not listed`);
  });

  it('BEGIN markers without closing dashes, and a 1 MiB label line, in linear time', function () {
    for (const text of [repeatTo('-----BEGIN X\n', 1.5 * MiB), `-----BEGIN ${'A'.repeat(MiB)}`, repeatTo('-----BEGIN -----END ', 1.5 * MiB)]) {
      const { result, ms } = timed(() => scanPem(text));
      expect(ms).to.be.below(BOUND_MS);
      expect(result.blocks).to.have.length(0);
    }
  });

  it('1 MiB of base64 and of junk inside one block', function () {
    const b64 = randomBytes(768 * 1024).toString('base64').replace(/.{64}/g, '$&\n');
    const good = timed(() => scanPem(`-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`));
    expect(good.ms).to.be.below(BOUND_MS);
    expect(good.result.blocks).to.have.length(1);
    const junk = timed(() => scanPem(`-----BEGIN CERTIFICATE-----\n${b64.replace(/\n/g, '!')}\n-----END CERTIFICATE-----\n`));
    expect(junk.ms).to.be.below(BOUND_MS);
    expect(junk.result.problems.map((p) => p.message)).to.deep.equal(['block 1 (CERTIFICATE): invalid base64']);
    const headerish = timed(() => scanPem(`-----BEGIN CERTIFICATE-----\n${'A'.repeat(MiB)}\n-----END CERTIFICATE-----\n`));
    expect(headerish.ms).to.be.below(BOUND_MS);
  });

  it('does the same work per character whatever the size: 8 times the input, well under 30 times the time', function () {
    // Ratios of minimum times over several runs; quadratic work would give 64.
    const line = '-----BEGIN CERTIFICATE-----\n';
    const best = (text: string): number => Math.min(...[0, 1, 2, 3, 4].map(() => timed(() => scanPem(text)).ms));
    const small = best(repeatTo(line, MiB / 8));
    const large = best(repeatTo(line, MiB));
    expect(large / Math.max(small, 0.5)).to.be.below(30);
  });
});
