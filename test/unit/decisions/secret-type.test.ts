import { expect } from 'chai';
import { secretType, secretTypeProblem } from '../../../src/decisions/secret-type.js';

describe('Secret types (Skupper uses kubernetes.io/tls only)', function () {
  it('kubernetes.io/tls has no problem', function () {
    expect(secretTypeProblem({ type: 'kubernetes.io/tls', metadata: { name: 'x', namespace: 'east' } })).to.equal(undefined);
  });

  for (const type of ['Opaque', 'kubernetes.io/basic-auth', 'example.com/custom']) {
    it(`${type}: says why and what to do`, function () {
      const msg = secretTypeProblem({ type, metadata: { name: 'x', namespace: 'east' } }) ?? '';
      expect(msg).to.include(`Secret east/x is of type ${type}`);
      expect(msg).to.include('Skupper only uses kubernetes.io/tls Secrets');
      expect(msg).to.include('recreate it with type kubernetes.io/tls');
    });
  }

  it('a Secret without a type is Opaque, as the API server defaults it', function () {
    expect(secretType({})).to.equal('Opaque');
    expect(secretType({ type: '' })).to.equal('Opaque');
  });
});
