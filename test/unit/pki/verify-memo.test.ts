// The gate's key and chain checks are remembered by the bytes they read: the
// same Secret revision verified again (by another controller) gives the same
// answer without loading the key again, and different bytes are never
// answered from the memory of others. The answers live with the parsed leaf,
// and the same certificate parsed again is the same object while it is in use.
import { expect } from 'chai';
import { makeCA, makeLeaf } from '../../../cluster/certgen.js';
import { scanCertificates } from '../../../src/pki/certificate-scan.js';
import { rememberedFor, rememberedKeyCheck } from '../../../src/pki/verify-memo.js';
import { verifyServingSecret } from '../../../src/pki/verify.js';

describe('verifyServingSecret remembers its key and chain checks by content', function () {
  const ca = makeCA({ cn: 'memo CA', days: 30 });
  const otherCa = makeCA({ cn: 'memo CA', days: 30 });
  const leaf = makeLeaf(ca, { cn: 'memo', dns: ['memo'], days: 10 });
  const stranger = makeLeaf(ca, { cn: 'memo', dns: ['memo'], days: 10 });
  const check = (tlsKey: string, caCrt = ca.certPem): string[] =>
    verifyServingSecret({ tlsCrt: leaf.certPem, tlsKey, caCrt, hosts: ['memo'], now: new Date() }).failures.map((f) => f.reason);

  it('a second verification of the same bytes adds no entry and gives the same answer', function () {
    // Held here, as the parse cache holds it in the daemon: every parse of these bytes meanwhile is this object.
    const parsed = scanCertificates(leaf.certPem).certificates[0];
    if (!parsed) throw new Error('the leaf did not parse');
    expect(scanCertificates(leaf.certPem).certificates[0], 'parsed again while in use').to.equal(parsed);
    const before = rememberedFor(parsed);
    expect(check(leaf.keyPem)).to.deep.equal([]);
    expect(rememberedFor(parsed), 'a key check and a trust path').to.equal(before + 2);
    expect(check(leaf.keyPem)).to.deep.equal([]);
    expect(rememberedFor(parsed)).to.equal(before + 2);
    // Another key is another answer under the same leaf, and only so many are kept.
    for (let i = 0; i < 20; i++) expect(check(`not a key ${i}`)).to.deep.equal(['InvalidKey']);
    expect(rememberedFor(parsed)).to.equal(8);
  });

  it('the answer asked for most recently outlives others: a leaf\'s own key is not pushed out by a run of wrong ones', function () {
    const parsed = scanCertificates(leaf.certPem).certificates[0];
    if (!parsed) throw new Error('the leaf did not parse');
    let checks = 0;
    const keyCheck = (key: string): void => { rememberedKeyCheck(key, parsed, () => { checks += 1; return []; }); };
    keyCheck('own key');
    for (let i = 0; i < 30; i++) {
      keyCheck(`wrong key ${i}`);
      keyCheck('own key');
    }
    expect(checks, 'the own key checked once, each wrong key once').to.equal(31);
    keyCheck('wrong key 0');
    expect(checks, 'an old wrong key was forgotten').to.equal(32);
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
