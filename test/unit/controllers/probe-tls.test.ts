import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { addressKey, parseAddressMap, probeTls } from '../../../src/controllers/probe/tls.js';
import { makeCA, makeLeaf, type Issued } from '../../../cluster/certgen.js';
import { createServer as createTlsServer } from 'node:tls';
import { startTlsServer } from '../../support/tls.js';

describe('probe/tls', () => {
  describe('parseAddressMap', () => {
    it('parses several entries', () => {
      const map = parseAddressMap('backend.east:8080=127.0.0.1:18080, db.west:5432=localhost:15432');
      expect(map.size).to.equal(2);
      expect(map.get('backend.east:8080')).to.deep.equal({ host: '127.0.0.1', port: 18080 });
      expect(map.get('db.west:5432')).to.deep.equal({ host: 'localhost', port: 15432 });
    });

    it('keeps an IPv4 host as is and parses the port as a number', () => {
      const map = parseAddressMap('10.0.0.1:443=192.168.1.20:8443');
      const to = map.get('10.0.0.1:443');
      expect(to).to.deep.equal({ host: '192.168.1.20', port: 8443 });
      expect(typeof to?.port).to.equal('number');
    });

    it('ignores malformed items and empty ones', () => {
      const map = parseAddressMap('a:1=b:2,,noequals, =c:3,d:4=,e:5=nohost,f:6=host:port,g:7=h:8 ,');
      expect([...map.keys()]).to.deep.equal(['a:1', 'g:7']);
      expect(map.get('g:7')).to.deep.equal({ host: 'h', port: 8 });
    });

    it('keys addresses by the host in its one spelling', () => {
      const map = parseAddressMap('Web.East.SVC.:8080=127.0.0.1:1,[::ffff:10.0.0.1]:443=127.0.0.1:2,[2001:DB8::0:1]:443=127.0.0.1:3');
      expect(map.get(addressKey('web.east.svc', 8080))).to.deep.equal({ host: '127.0.0.1', port: 1 });
      expect(map.get(addressKey('10.0.0.1', 443))).to.deep.equal({ host: '127.0.0.1', port: 2 });
      expect(map.get(addressKey('::ffff:a00:1', 443))).to.deep.equal({ host: '127.0.0.1', port: 2 });
      expect(map.get(addressKey('2001:db8::1', 443))).to.deep.equal({ host: '127.0.0.1', port: 3 });
    });

    it('is empty for an empty string', () => {
      expect(parseAddressMap('').size).to.equal(0);
      expect(parseAddressMap(' , ').size).to.equal(0);
    });

    it('lets a later entry for the same address win', () => {
      expect(parseAddressMap('a:1=b:2,a:1=c:3').get('a:1')).to.deep.equal({ host: 'c', port: 3 });
    });
  });

  describe('probeTls', function () {
    this.timeout(60_000);

    let ca: Issued;
    let otherCa: Issued;
    let leaf: Issued;
    let port: number;
    let close: () => Promise<void>;

    before(async () => {
      ca = makeCA({ cn: 'probe-ca' });
      otherCa = makeCA({ cn: 'unrelated-ca' });
      leaf = makeLeaf(ca, { cn: 'backend.test', dns: ['backend.test'] });
      ({ port, close } = await startTlsServer({ cert: leaf.certPem, key: leaf.keyPem }));
    });

    after(async () => {
      await close();
    });

    const target = (servername = 'backend.test'): { host: string; port: number; servername: string } => ({ host: '127.0.0.1', port, servername });

    it('connects and reports the fingerprint of the served leaf', async () => {
      const r = await probeTls(target(), { timeoutMs: 5000 });
      expect(r.connected).to.equal(true);
      expect(r.leafFingerprint).to.equal(new X509Certificate(leaf.certPem).fingerprint256.replace(/:/g, '').toLowerCase());
      // Without a CA nothing is judged.
      expect(r).to.not.have.property('authorized');
      expect(r).to.not.have.property('error');
      expect(r.ms).to.be.a('number').and.to.be.at.least(0);
    });

    it('is authorized against the issuing CA for a name in the SANs', async () => {
      const r = await probeTls(target(), { ca: ca.certPem, timeoutMs: 5000 });
      expect(r.connected).to.equal(true);
      expect(r.authorized).to.equal(true);
      expect(r).to.not.have.property('error');
    });

    it('is not authorized against an unrelated CA, and says why', async () => {
      const r = await probeTls(target(), { ca: otherCa.certPem, timeoutMs: 5000 });
      expect(r.connected).to.equal(true);
      expect(r.authorized).to.equal(false);
      expect(r.error).to.be.a('string').and.to.not.equal('');
      expect(r.leafFingerprint).to.match(/^[0-9a-f]{64}$/);
    });

    it('is not authorized for a name outside the SANs unless hostname verification is off', async () => {
      const strict = await probeTls(target('elsewhere.test'), { ca: ca.certPem, timeoutMs: 5000 });
      expect(strict.connected).to.equal(true);
      expect(strict.authorized).to.equal(false);
      expect(strict.error).to.be.a('string').and.to.not.equal('');
      const lax = await probeTls(target('elsewhere.test'), { ca: ca.certPem, verifyHostname: false, timeoutMs: 5000 });
      expect(lax.authorized).to.equal(true);
    });

    it('ends its connection politely: a TLS 1.3 server sees every probe\'s handshake complete, none fail', async () => {
      const completed: string[] = [];
      const failed: string[] = [];
      const server = createTlsServer({ cert: leaf.certPem, key: leaf.keyPem, minVersion: 'TLSv1.3' }, (socket) => {
        socket.on('error', () => undefined);
        completed.push(socket.getProtocol() ?? '?');
      });
      server.on('tlsClientError', (err: Error) => { failed.push(err.message); });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const serverPort = (server.address() as AddressInfo).port;
      try {
        for (let i = 0; i < 10; i++) {
          const r = await probeTls({ host: '127.0.0.1', port: serverPort, servername: 'backend.test' }, { ca: ca.certPem, timeoutMs: 5000 });
          expect(r.authorized).to.equal(true);
        }
        // The server learns of each probe's last message after the probe has its answer.
        const deadline = Date.now() + 10_000;
        while (completed.length + failed.length < 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        expect(failed, 'handshakes the server saw fail').to.deep.equal([]);
        expect(completed).to.deep.equal(Array(10).fill('TLSv1.3'));
      } finally {
        await new Promise<void>((resolve) => server.close(() => { resolve(); }));
      }
    });

    it('reports a closed port as not connected with an error', async () => {
      // Take a free port and release it again.
      const probe = createServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      const closedPort = (probe.address() as AddressInfo).port;
      await new Promise<void>((resolve) => probe.close(() => { resolve(); }));
      const r = await probeTls({ host: '127.0.0.1', port: closedPort, servername: 'backend.test' }, { timeoutMs: 5000 });
      expect(r.connected).to.equal(false);
      expect(r.error).to.be.a('string').and.to.not.equal('');
      expect(r).to.not.have.property('leafFingerprint');
    });

    describe('against a server that never answers TLS', () => {
      let silent: Server;
      let silentPort: number;
      const sockets = new Set<Socket>();

      before(async () => {
        silent = createServer((socket) => {
          sockets.add(socket);
          socket.on('error', () => undefined);
          socket.on('close', () => sockets.delete(socket));
        });
        await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
        silentPort = (silent.address() as AddressInfo).port;
      });

      after(async () => {
        for (const s of sockets) s.destroy();
        await new Promise<void>((resolve) => silent.close(() => { resolve(); }));
      });

      it('times out', async () => {
        const r = await probeTls({ host: '127.0.0.1', port: silentPort, servername: 'backend.test' }, { timeoutMs: 300 });
        expect(r.connected).to.equal(false);
        expect(r.error).to.include('timed out');
        expect(r.ms).to.be.at.least(250);
        expect(r.ms).to.be.below(5000);
      });
    });
  });
});
