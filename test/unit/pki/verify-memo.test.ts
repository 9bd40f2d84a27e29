// The gate's key and chain checks are remembered by the bytes they read: the
// same Secret revision verified again (by another controller) gives the same
// answer without loading the key again, and different bytes are never
// answered from the memory of others.
import { expect } from 'chai';
import { makeCA, makeLeaf } from '../../../cluster/certgen.js';
import { rememberedEntries } from '../../../src/pki/verify-memo.js';
import { verifyServingSecret } from '../../../src/pki/verify.js';

describe('verifyServingSecret remembers its key and chain checks by content', function () {
  const ca = makeCA({ cn: 'memo CA', days: 30 });
  const otherCa = makeCA({ cn: 'memo CA', days: 30 });
  const leaf = makeLeaf(ca, { cn: 'memo', dns: ['memo'], days: 10 });
  const stranger = makeLeaf(ca, { cn: 'memo', dns: ['memo'], days: 10 });
  const check = (tlsKey: string, caCrt = ca.certPem): string[] =>
    verifyServingSecret({ tlsCrt: leaf.certPem, tlsKey, caCrt, hosts: ['memo'], now: new Date() }).failures.map((f) => f.reason);

  it('a second verification of the same bytes adds no entry and gives the same answer', function () {
    const before = rememberedEntries();
    expect(check(leaf.keyPem)).to.deep.equal([]);
    const once = rememberedEntries();
    expect(once.keyChecks).to.equal(before.keyChecks + 1);
    expect(once.trustPaths).to.equal(before.trustPaths + 1);
    expect(check(leaf.keyPem)).to.deep.equal([]);
    expect(rememberedEntries()).to.deep.equal(once);
  });

  it('another key, or another CA, is checked on its own: a mismatch and an untrusted chain are still found', function () {
    expect(check(leaf.keyPem)).to.deep.equal([]);
    expect(check(stranger.keyPem), 'key of another certificate').to.deep.equal(['KeyMismatch']);
    expect(check(stranger.keyPem), 'remembered as a mismatch').to.deep.equal(['KeyMismatch']);
    expect(check(leaf.keyPem, otherCa.certPem), 'same subject, other key').to.deep.equal(['UntrustedChain']);
    expect(check('not a key'), 'unreadable').to.deep.equal(['InvalidKey']);
    expect(check(leaf.keyPem)).to.deep.equal([]);
  });
});
