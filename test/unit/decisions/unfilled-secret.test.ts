// Only the empty claim counts as "not issued yet": a Secret holding either a
// certificate or a key is judged, or a broken issued Secret would go unreported.
import { expect } from 'chai';
import { isUnfilledSecret } from '../../../src/decisions/unfilled-secret.js';

describe('isUnfilledSecret', function () {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');

  it('is the claimed Secret (empty or absent tls.crt and tls.key), whatever ca.crt holds', function () {
    expect(isUnfilledSecret({ data: { 'tls.crt': '', 'tls.key': '' } })).to.equal(true);
    expect(isUnfilledSecret({ data: {} })).to.equal(true);
    expect(isUnfilledSecret({})).to.equal(true);
    expect(isUnfilledSecret({ data: { 'tls.crt': '', 'tls.key': '', 'ca.crt': b64('x') } })).to.equal(true);
  });

  it('is not a Secret holding a certificate or a key, nor no Secret', function () {
    expect(isUnfilledSecret({ data: { 'tls.crt': b64('pem'), 'tls.key': '' } })).to.equal(false);
    expect(isUnfilledSecret({ data: { 'tls.crt': '', 'tls.key': b64('key') } })).to.equal(false);
    expect(isUnfilledSecret(undefined)).to.equal(false);
  });
});
