import { expect } from 'chai';
import { clientCertificateName, connectorSecretName, connectorSecretNames, listenerSecretNames, secretNameFor, secretNamesUsedBy } from '../../../src/decisions/names.js';
import { listener } from './fixtures.js';

describe('secretNamesUsedBy: the Secret and Certificate names an object may use', function () {
  it('a Listener\'s default name alone when spec.tlsCredentials is unset or empty', function () {
    expect(listenerSecretNames(listener())).to.deep.equal(['backend-listener-tls']);
    expect(listenerSecretNames(listener({ tlsCredentials: '' }))).to.deep.equal(['backend-listener-tls']);
    expect(secretNamesUsedBy('listener', listener())).to.deep.equal(['backend-listener-tls']);
  });

  it('a Connector\'s two default names, sorted', function () {
    expect(connectorSecretNames(listener())).to.deep.equal(['backend-connector-client', 'backend-connector-tls']);
    expect(secretNamesUsedBy('connector', listener({ tlsCredentials: '' }))).to.deep.equal(['backend-connector-client', 'backend-connector-tls']);
  });

  it('adds spec.tlsCredentials once, in sorted place, and never twice when it is a default name', function () {
    expect(listenerSecretNames(listener({ tlsCredentials: 'aaa-own' }))).to.deep.equal(['aaa-own', 'backend-listener-tls']);
    expect(listenerSecretNames(listener({ tlsCredentials: 'backend-listener-tls' }))).to.deep.equal(['backend-listener-tls']);
    expect(connectorSecretNames(listener({ tlsCredentials: 'zz-own' }))).to.deep.equal(['backend-connector-client', 'backend-connector-tls', 'zz-own']);
    expect(connectorSecretNames(listener({ tlsCredentials: 'backend-connector-client' }))).to.deep.equal(['backend-connector-client', 'backend-connector-tls']);
  });

  it('holds the names every other naming function gives for that kind, preset or not', function () {
    for (const tlsCredentials of [undefined, 'zz-preset']) {
      const obj = listener({ name: 'web', ...(tlsCredentials !== undefined ? { tlsCredentials } : {}) });
      const unset = listener({ name: 'web' });
      const forListener = secretNamesUsedBy('listener', obj);
      for (const n of [secretNameFor(obj), secretNameFor(unset)]) expect(forListener).to.include(n);
      const forConnector = secretNamesUsedBy('connector', obj);
      for (const n of [connectorSecretName(obj), connectorSecretName(unset), clientCertificateName(obj)]) expect(forConnector).to.include(n);
    }
  });
});
