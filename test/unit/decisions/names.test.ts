import { expect } from 'chai';
import { clientCertificateName, connectorSecretName, secretNameFor, secretNamesUsedBy } from '../../../src/decisions/names.js';
import { listener } from './fixtures.js';

describe('secretNamesUsedBy: the Secret and Certificate names an object may use', function () {
  it('the three default names, sorted, when spec.tlsCredentials is unset or empty', function () {
    const expected = ['backend-connector-client', 'backend-connector-tls', 'backend-listener-tls'];
    expect(secretNamesUsedBy(listener())).to.deep.equal(expected);
    expect(secretNamesUsedBy(listener({ tlsCredentials: '' }))).to.deep.equal(expected);
  });

  it('adds spec.tlsCredentials once, in sorted place, and never twice when it is a default name', function () {
    expect(secretNamesUsedBy(listener({ tlsCredentials: 'aaa-own' }))).to.deep.equal(['aaa-own', 'backend-connector-client', 'backend-connector-tls', 'backend-listener-tls']);
    expect(secretNamesUsedBy(listener({ tlsCredentials: 'backend-listener-tls' }))).to.deep.equal(['backend-connector-client', 'backend-connector-tls', 'backend-listener-tls']);
  });

  it('holds the names every other naming function gives, preset or not', function () {
    for (const tlsCredentials of [undefined, 'zz-preset']) {
      const obj = listener({ name: 'web', ...(tlsCredentials !== undefined ? { tlsCredentials } : {}) });
      const names = secretNamesUsedBy(obj);
      const unset = listener({ name: 'web' });
      for (const n of [secretNameFor(obj), connectorSecretName(obj), secretNameFor(unset), connectorSecretName(unset), clientCertificateName(obj)]) expect(names).to.include(n);
    }
  });
});
