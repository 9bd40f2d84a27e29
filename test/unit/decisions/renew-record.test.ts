import { expect } from 'chai';
import { keepRenewRecord } from '../../../src/decisions/renew-record.js';
import { Annotations } from '../../../src/model/annotations.js';
import type { Certificate } from '../../../src/model/certmanager.js';

function cert(annotations?: Record<string, string>): Certificate {
  return {
    apiVersion: 'cert-manager.io/v1', kind: 'Certificate',
    metadata: { name: 'web-listener-tls', namespace: 'east', ...(annotations ? { annotations } : {}) },
    spec: { secretName: 'web-listener-tls', issuerRef: { name: 'ca', kind: 'Issuer', group: 'cert-manager.io' }, dnsNames: ['web'] },
  };
}

describe('decisions/renew-record: an update keeps the record of handled renew requests', function () {
  it('keeps the recorded value and revision, not the renew value the object carries now (a request arriving with the same edit stays a request)', function () {
    const desired = cert({ [Annotations.renewHandled]: 'please-2', other: 'x' });
    const existing = cert({ [Annotations.renewHandled]: 'please-1', [Annotations.renewHandledRevision]: '4' });
    expect(keepRenewRecord(desired, existing).metadata.annotations).to.deep.equal({ other: 'x', [Annotations.renewHandled]: 'please-1', [Annotations.renewHandledRevision]: '4' });
  });

  it('adds no record when the Certificate has none (the value present at creation is recorded only by the create)', function () {
    const out = keepRenewRecord(cert({ [Annotations.renewHandled]: 'now' }), cert());
    expect(out.metadata).to.not.have.property('annotations');
    expect(keepRenewRecord(cert({ [Annotations.renewHandled]: 'now', keep: 'y' }), cert()).metadata.annotations).to.deep.equal({ keep: 'y' });
  });

  it('carries the record even when the desired object names no renew value any more', function () {
    const out = keepRenewRecord(cert(), cert({ [Annotations.renewHandled]: 'old' }));
    expect(out.metadata.annotations).to.deep.equal({ [Annotations.renewHandled]: 'old' });
    expect(out.spec).to.deep.equal(cert().spec);
  });
});
