import { expect } from 'chai';
import { issuingCondition } from '../../../src/controllers/renewal/trigger.js';
import { CERT_MANAGER_API_VERSION, type Certificate } from '../../../src/model/certmanager.js';

function certificate(generation?: number): Certificate {
  return {
    apiVersion: CERT_MANAGER_API_VERSION,
    kind: 'Certificate',
    metadata: { name: 'web', namespace: 'ns', ...(generation !== undefined ? { generation } : {}) },
    spec: { secretName: 'web-tls', issuerRef: { name: 'ca', kind: 'Issuer', group: 'cert-manager.io' } },
  };
}

describe('issuingCondition', function () {
  const now = new Date('2026-05-01T12:34:56.789Z');

  it('is the condition cmctl renew writes', function () {
    const c = issuingCondition(certificate(7), 'window', now);
    expect(c.type).to.equal('Issuing');
    expect(c.status).to.equal('True');
    expect(c.reason).to.equal('ManuallyTriggered');
  });

  it('carries the generation as observedGeneration', function () {
    expect(issuingCondition(certificate(7), 'window', now).observedGeneration).to.equal(7);
  });

  it('keeps a generation of 0', function () {
    expect(issuingCondition(certificate(0), 'window', now).observedGeneration).to.equal(0);
  });

  it('has no observedGeneration when the generation is unknown', function () {
    const c = issuingCondition(certificate(), 'window', now);
    expect(c).not.to.have.property('observedGeneration');
  });

  it('truncates lastTransitionTime to whole seconds in RFC 3339 with Z', function () {
    expect(issuingCondition(certificate(1), 'window', now).lastTransitionTime).to.equal('2026-05-01T12:34:56Z');
  });

  it('does not round up at .999', function () {
    const c = issuingCondition(certificate(1), 'window', new Date('2026-12-31T23:59:59.999Z'));
    expect(c.lastTransitionTime).to.equal('2026-12-31T23:59:59Z');
  });

  it('formats an instant already on a whole second the same way', function () {
    const c = issuingCondition(certificate(1), 'window', new Date('2026-05-01T00:00:00.000Z'));
    expect(c.lastTransitionTime).to.equal('2026-05-01T00:00:00Z');
  });

  it('names the trigger in the message', function () {
    for (const trigger of ['window', 'manual', 'overdue', 'mismatch'] as const) {
      const c = issuingCondition(certificate(1), trigger, now);
      expect(c.message).to.be.a('string').and.contain(`(${trigger})`);
    }
  });

  it('has exactly the expected fields', function () {
    expect(issuingCondition(certificate(2), 'manual', now)).to.deep.equal({
      type: 'Issuing',
      status: 'True',
      reason: 'ManuallyTriggered',
      message: 'Certificate re-issuance triggered by skupper-cert-rotator (manual)',
      lastTransitionTime: '2026-05-01T12:34:56Z',
      observedGeneration: 2,
    });
  });
});
