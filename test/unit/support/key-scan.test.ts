import { generateKeyPairSync } from 'node:crypto';
import { expect } from 'chai';
import { indexNeedles, keyNeedles, scanText } from '../../support/key-scan.js';

describe('key-material scan (the integration suite\'s last check)', function () {
  const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const data = Buffer.from(pem).toString('base64');
  const needle = keyNeedles('secret ns/x tls.key', pem, data);
  const index = indexNeedles(needle ? [needle] : []);

  it('finds a PEM marker, a key body logged without its markers, and the Secret data value', function () {
    expect(needle?.pieces).to.have.length(2);
    const body = pem.split('\n').slice(1, -2).join('');
    expect(scanText('log', `{"msg":"oops","key":"${pem.replace(/\n/g, '\\n')}"}`, new Map())).to.have.length(1);
    expect(scanText('log', `leaked ${body} here`, index).map((f) => f.what)).to.deep.equal(['material of secret ns/x tls.key']);
    expect(scanText('log', `{"data":{"tls.key":"${data}"}}`, index).map((f) => f.what)).to.deep.equal(['material of secret ns/x tls.key']);
  });

  it('does not flag what the daemon is meant to say', function () {
    expect(scanText('log', 'block 2 (private key): not a certificate; tls.key does not match tls.crt', index)).to.deep.equal([]);
    expect(scanText('metrics', 'skupper_cert_rotator_certificate_ready{namespace="ns",kind="listener",name="x",secret="x-tls"} 1', index)).to.deep.equal([]);
  });
});
