import { expect } from 'chai';
import { droppedSummary, MAX_WEAK_LISTED, weakCertificatesMessage } from '../../../src/decisions/trust-report.js';
import type { DroppedCertificate } from '../../../src/pki/bundle.js';

const weak = (i: number): DroppedCertificate => ({ fingerprint: `w${i}`, subject: `CN=weak-${i}`, reason: 'weak', detail: 'RSA key of 1024 bits (at least 2048 are needed)' });
const expired = (i: number): DroppedCertificate => ({ fingerprint: `e${i}`, subject: `CN=old-${i}`, reason: 'expired' });

describe('connector/report', function () {
  it('names the weak CAs with the reason each is refused', function () {
    const msg = weakCertificatesMessage([weak(1), expired(1)]);
    expect(msg).to.equal('the trust sources hold 1 CA certificate(s) that TLS stacks refuse, left out of the bundle: "CN=weak-1" (RSA key of 1024 bits (at least 2048 are needed)); '
      + 'replace them with a CA of RSA 2048+ or ECDSA P-256/P-384 signed with SHA-256 or stronger');
  });

  it(`lists at most ${MAX_WEAK_LISTED} and counts the rest`, function () {
    const msg = weakCertificatesMessage(Array.from({ length: 2000 }, (_, i) => weak(i)));
    expect(msg).to.include('hold 2000 CA certificate(s)');
    expect(msg).to.include('"CN=weak-2"');
    expect(msg).not.to.include('"CN=weak-3"');
    expect(msg).to.include(' and 1997 more;');
  });

  it('counts expired and weak drops for the empty-bundle message', function () {
    expect(droppedSummary([])).to.equal('');
    expect(droppedSummary([expired(1), expired(2)])).to.equal(' (2 expired)');
    expect(droppedSummary([weak(1)])).to.equal(' (1 weak)');
    expect(droppedSummary([expired(1), weak(1), weak(2), { fingerprint: 'o', subject: 'CN=o', reason: 'overlap-ended' }])).to.equal(' (1 expired, 2 weak)');
  });
});
