import { expect } from 'chai';
import { crc32, gunzipSync, inflateRawSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { deflatePrefix, gzipParts, inflatePrefix, inflatePrefixSync } from '../../src/telemetry/deflated-prefix.js';

describe('deflated prefix: a kept compressed part continued per request as one gzip member', function () {
  const cases: [string, Buffer, Buffer][] = [
    ['text then text', Buffer.from('a{x="1"} 1\n'.repeat(5_000)), Buffer.from('\n\n# HELP b b\nb 2\n')],
    ['empty prefix', Buffer.alloc(0), Buffer.from('rest\n')],
    ['empty rest', Buffer.from('only the kept part'), Buffer.alloc(0)],
    // Random bytes do not compress: DEFLATE stores them, and a stored block must still end so that more can follow.
    ['incompressible, over 64 KiB', randomBytes(200_000), randomBytes(70_000)],
  ];
  for (const [what, prefixBytes, rest] of cases) {
    it(`${what}: gunzip gives both parts, and the body is exactly one member`, async function () {
      const prefix = await deflatePrefix(prefixBytes);
      expect(prefix.length).to.equal(prefixBytes.length);
      expect(prefix.crc).to.equal(crc32(prefixBytes));
      const body = Buffer.concat(gzipParts(prefix, rest));
      const whole = Buffer.concat([prefixBytes, rest]);
      expect(gunzipSync(body).equals(whole)).to.equal(true);
      // One member: the DEFLATE data between the 10-byte header and the 8-byte trailer is one stream that ends there,
      // and the trailer holds the CRC and length of everything (a client that reads one member reads all).
      expect(inflateRawSync(body.subarray(10, body.length - 8)).equals(whole)).to.equal(true);
      expect(body.readUInt32LE(body.length - 8)).to.equal(crc32(whole));
      expect(body.readUInt32LE(body.length - 4)).to.equal(whole.length);
      expect((await inflatePrefix(prefix)).equals(prefixBytes)).to.equal(true);
      expect(inflatePrefixSync(prefix).equals(prefixBytes)).to.equal(true);
    });
  }

  it('the kept part of repetitive metric text is a small fraction of it', async function () {
    const lines = Array.from({ length: 2_000 }, (_, i) => `x_not_after{namespace="tenant-${i % 50}",kind="listener",name="l-${i}",secret="l-${i}-listener-tls"} ${1_800_000_000 + i}\n`);
    const plain = Buffer.from(lines.join(''));
    const prefix = await deflatePrefix(plain);
    expect(prefix.data.length).to.be.below(plain.length / 8);
  });
});
