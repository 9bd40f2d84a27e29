import { expect } from 'chai';
import { normalizeHost, normalizeIp, sameHost, type NormalizedHost } from '../../../src/host/normalize.js';

describe('host normalisation (src/host/normalize.ts)', function () {
  const table: [string, NormalizedHost][] = [
    // IPv4 as written
    ['10.0.0.1', { kind: 'ip', text: '10.0.0.1' }],
    ['255.255.255.255', { kind: 'ip', text: '255.255.255.255' }],
    // IPv4-mapped IPv6, in both spellings and any case, is the IPv4 address (Go's x509 writes 4 bytes)
    ['::ffff:10.0.0.1', { kind: 'ip', text: '10.0.0.1' }],
    ['::ffff:a00:1', { kind: 'ip', text: '10.0.0.1' }],
    ['::FFFF:0A00:0001', { kind: 'ip', text: '10.0.0.1' }],
    ['0:0:0:0:0:ffff:127.0.0.1', { kind: 'ip', text: '127.0.0.1' }],
    // IPv6: RFC 5952 (lower case, no leading zeros, longest zero run, first on a tie)
    ['0:0:0:0:0:0:0:1', { kind: 'ip', text: '::1' }],
    ['::', { kind: 'ip', text: '::' }],
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', { kind: 'ip', text: '2001:db8::1' }],
    ['2001:db8:0:0:1:0:0:1', { kind: 'ip', text: '2001:db8::1:0:0:1' }],
    ['2001:db8:0:1:1:1:1:1', { kind: 'ip', text: '2001:db8:0:1:1:1:1:1' }],
    ['1:0:0:2:0:0:0:3', { kind: 'ip', text: '1:0:0:2::3' }],
    // Not mapped: ::ffff:0:a00:1 (SIIT) and ::a00:1 (IPv4-compatible) stay IPv6
    ['::ffff:0:a00:1', { kind: 'ip', text: '::ffff:0:a00:1' }],
    ['::10.0.0.1', { kind: 'ip', text: '::a00:1' }],
    // DNS names: ASCII lower case, one trailing dot dropped
    ['backend', { kind: 'dns', text: 'backend', absolute: false }],
    ['BackEnd', { kind: 'dns', text: 'backend', absolute: false }],
    ['example.com.', { kind: 'dns', text: 'example.com', absolute: true }],
    ['EXAMPLE.Com.', { kind: 'dns', text: 'example.com', absolute: true }],
    // Not IP literals: left for the name rules to refuse
    ['010.0.0.1', { kind: 'dns', text: '010.0.0.1', absolute: false }],
    ['10.0.0.256', { kind: 'dns', text: '10.0.0.256', absolute: false }],
    ['fe80::1%eth0', { kind: 'dns', text: 'fe80::1%eth0', absolute: false }],
    ['1.2.3.4::', { kind: 'dns', text: '1.2.3.4::', absolute: false }],
    ['example.com..', { kind: 'dns', text: 'example.com.', absolute: true }],
    ['.', { kind: 'dns', text: '.', absolute: false }],
  ];
  for (const [input, want] of table) {
    it(`${JSON.stringify(input)} → ${want.kind} ${want.text}`, function () {
      expect(normalizeHost(input)).to.deep.equal(want);
    });
  }

  for (const bad of ['backend', '10.0.0.256', '010.0.0.1', '10.0.0', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '::1%eth0', '12345::1', '1.2.3.4::', '[::1]', '']) {
    it(`normalizeIp refuses ${JSON.stringify(bad)}`, function () {
      expect(normalizeIp(bad)).to.equal(undefined);
    });
  }

  it('sameHost compares by value and never mixes an IP with a name', function () {
    expect(sameHost('::ffff:10.0.0.1', '10.0.0.1')).to.equal(true);
    expect(sameHost('2001:DB8::0:1', '2001:db8::1')).to.equal(true);
    expect(sameHost('Example.com.', 'example.com')).to.equal(true);
    expect(sameHost('10.0.0.1', '10.0.0.2')).to.equal(false);
    expect(sameHost('::1', '127.0.0.1')).to.equal(false);
  });
});
