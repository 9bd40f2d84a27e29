import { expect } from 'chai';
import { parseSubjectAltName } from '../../../src/pki/subject-alt-name.js';

describe('parseSubjectAltName', function () {
  it('reads plain, value-quoted and entry-quoted forms', function () {
    const text = 'DNS:a, DNS:"b\\u002c DNS:c", "DNS:d\\u002c e", IP Address:10.0.0.1, email:x@y';
    expect(parseSubjectAltName(text)).to.deep.equal([
      { type: 'DNS', value: 'a' },
      { type: 'DNS', value: 'b, DNS:c' },
      { type: 'DNS', value: 'd, e' },
      { type: 'IP Address', value: '10.0.0.1' },
      { type: 'email', value: 'x@y' },
    ]);
  });

  it('drops an entry whose quoting is broken rather than guessing', function () {
    expect(parseSubjectAltName('DNS:a, DNS:"b, DNS:c')).to.deep.equal([{ type: 'DNS', value: 'a' }]);
    expect(parseSubjectAltName(undefined)).to.deep.equal([]);
  });
});
