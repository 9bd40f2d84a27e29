import { expect } from 'chai';
import { classifyHost, hostToCover, listenerAddress, sansForHost, type HostClass } from '../../../src/decisions/listener-host.js';

function ok(host: string): HostClass {
  const c = classifyHost(host);
  if (c instanceof Error) throw new Error(`expected ${host} to be valid, got: ${c.message}`);
  return c;
}

function err(host: string | undefined): string {
  const c = classifyHost(host);
  if (!(c instanceof Error)) throw new Error(`expected ${String(host)} to be invalid, got ${JSON.stringify(c)}`);
  return c.message;
}

describe('classifyHost', function () {
  it('a bare name is a name, lower-cased', function () {
    expect(ok('backend')).to.deep.equal({ kind: 'name', name: 'backend' });
    expect(ok('BackEnd')).to.deep.equal({ kind: 'name', name: 'backend' });
  });

  it('a dotted name is an fqdn', function () {
    expect(ok('Web.Example.COM')).to.deep.equal({ kind: 'fqdn', name: 'web.example.com' });
  });

  it('IPv4 and IPv6 addresses are IPs, IPv6 in RFC 5952 form', function () {
    expect(ok('10.0.0.7')).to.deep.equal({ kind: 'ip', ip: '10.0.0.7' });
    expect(ok('2001:DB8:0:0:0:0:0:1')).to.deep.equal({ kind: 'ip', ip: '2001:db8::1' });
    expect(ok('::1')).to.deep.equal({ kind: 'ip', ip: '::1' });
  });

  it('an IPv4-mapped IPv6 address is the IPv4 address', function () {
    expect(ok('::ffff:10.1.2.3')).to.deep.equal({ kind: 'ip', ip: '10.1.2.3' });
  });

  it('a trailing dot is the absolute spelling of the same name', function () {
    expect(ok('Backend.East.')).to.deep.equal({ kind: 'fqdn', name: 'backend.east' });
    expect(ok('example.com.')).to.deep.equal(ok('EXAMPLE.com'));
    // Absolute, so no search-path forms: only the name itself.
    expect(ok('backend.')).to.deep.equal({ kind: 'fqdn', name: 'backend' });
  });

  it('the hex spelling of an IPv4-mapped address is the IPv4 address too', function () {
    expect(ok('::ffff:a00:1')).to.deep.equal({ kind: 'ip', ip: '10.0.0.1' });
    expect(ok('::FFFF:7F00:1')).to.deep.equal({ kind: 'ip', ip: '127.0.0.1' });
  });

  it('rejects an IPv6 zone', function () {
    expect(err('fe80::1%eth0')).to.match(/zone/);
  });

  it('rejects missing and empty hosts', function () {
    expect(err(undefined)).to.match(/not set/);
    expect(err('')).to.match(/empty/);
  });

  it("rejects '_' and says which character is wrong", function () {
    expect(err('my_service')).to.match(/"my_service".*"_" is not allowed/);
  });

  it('rejects 300 characters, naming the limit, without echoing all of it', function () {
    const m = err('a'.repeat(300));
    expect(m).to.match(/300 characters long; a DNS name has at most 253/);
    expect(m.length).to.be.below(200);
  });

  it('rejects a label over 63 characters', function () {
    expect(err(`${'a'.repeat(64)}.example.com`)).to.match(/64 characters long; a DNS label has at most 63/);
    expect(ok(`${'a'.repeat(63)}.example.com`).kind).to.equal('fqdn');
  });

  it('accepts exactly 253 characters and rejects 254', function () {
    const label = 'a'.repeat(63);
    const n253 = [label, label, label, 'a'.repeat(61)].join('.');
    expect(n253).to.have.length(253);
    expect(ok(n253).kind).to.equal('fqdn');
    expect(err(`${n253}a`)).to.match(/254 characters/);
  });

  it("rejects leading or trailing '-' and '.', empty labels and wildcards", function () {
    expect(err('-backend')).to.match(/must not start or end with '-'/);
    expect(err('backend-')).to.match(/must not start or end with '-'/);
    expect(err('.backend')).to.match(/must not start or end with '\.'/);
    expect(err('backend.east..')).to.match(/must not start or end with '\.'/);
    expect(err('a..b')).to.match(/empty label/);
    expect(err('*.example.com')).to.match(/wildcard/);
  });

  it('rejects a dotted name that is a mistyped IP address, and spaces', function () {
    expect(err('10.0.0.256')).to.match(/all-digit/);
    expect(err(' backend')).to.match(/" " is not allowed/);
  });

  it('does not turn non-ASCII letters into ASCII ones', function () {
    // U+212A KELVIN SIGN lower-cases to an ASCII 'k' with String#toLowerCase.
    expect(err('bac\u212Aend')).to.match(/is not allowed/);
  });
});

describe('sansForHost', function () {
  it('bare name backend in east gives the four search-path forms', function () {
    expect(sansForHost(ok('backend'), 'east', 'cluster.local')).to.deep.equal({
      dnsNames: ['backend', 'backend.east', 'backend.east.svc', 'backend.east.svc.cluster.local'],
      ipAddresses: [],
    });
  });

  it('uses the configured cluster domain', function () {
    expect(sansForHost(ok('db'), 'west', 'corp.internal').dnsNames).to.include('db.west.svc.corp.internal');
  });

  it('a dotted name is used as given', function () {
    expect(sansForHost(ok('web.example.com'), 'east', 'cluster.local')).to.deep.equal({ dnsNames: ['web.example.com'], ipAddresses: [] });
  });

  it('an IP goes to ipAddresses only', function () {
    expect(sansForHost(ok('10.0.0.7'), 'east', 'cluster.local')).to.deep.equal({ dnsNames: [], ipAddresses: ['10.0.0.7'] });
    expect(sansForHost(ok('2001:db8::1'), 'east', 'cluster.local')).to.deep.equal({ dnsNames: [], ipAddresses: ['2001:db8::1'] });
  });

  it('drops only the forms that would exceed 253 characters', function () {
    const h = 'a'.repeat(63);
    const ns = 'n'.repeat(63);
    const domain = `${'d'.repeat(63)}.${'e'.repeat(50)}`; // h.ns.svc.domain = 63+1+63+5+114 = 246: fits
    expect(sansForHost(ok(h), ns, domain).dnsNames).to.have.length(4);
    const longer = `${'d'.repeat(63)}.${'e'.repeat(63)}`; // 259: too long
    const { dnsNames } = sansForHost(ok(h), ns, longer);
    expect(dnsNames).to.deep.equal([h, `${h}.${ns}`, `${h}.${ns}.svc`]);
    for (const n of dnsNames) expect(n.length).to.be.at.most(253);
  });
});

describe('hostToCover and listenerAddress', function () {
  const cases: { host: string; cover: string; address: string }[] = [
    { host: 'backend', cover: 'backend', address: 'backend.east.svc' },
    { host: 'BackEnd', cover: 'backend', address: 'backend.east.svc' },
    { host: 'Web.Example.COM.', cover: 'web.example.com', address: 'web.example.com' },
    { host: '::ffff:127.0.0.1', cover: '127.0.0.1', address: '127.0.0.1' },
    { host: '::ffff:7f00:1', cover: '127.0.0.1', address: '127.0.0.1' },
    { host: '2001:DB8:0:0:0:0:0:1', cover: '2001:db8::1', address: '2001:db8::1' },
    // An IPv6 host has no dot, yet it is no Service name.
    { host: 'fd00::1', cover: 'fd00::1', address: 'fd00::1' },
  ];
  for (const c of cases) {
    it(`${c.host} is covered as ${c.cover} and dialled at ${c.address}`, function () {
      expect(hostToCover(c.host)).to.equal(c.cover);
      expect(listenerAddress(c.host, 'east')).to.equal(c.address);
    });
  }

  it('an unusable host stays as written, so nothing covers it', function () {
    expect(hostToCover('my_service')).to.equal('my_service');
    expect(hostToCover(undefined)).to.equal(undefined);
    expect(hostToCover('')).to.equal(undefined);
  });
});
