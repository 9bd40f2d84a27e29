import { expect } from 'chai';
import type { V1Secret } from '@kubernetes/client-node';
import { isOwnedCertificate, ownedByNamed, secretIsOurs, secretOwnership, type SecretOwnership } from '../../../src/decisions/ownership.js';
import type { Certificate } from '../../../src/model/certmanager.js';

const OURS = { 'app.kubernetes.io/managed-by': 'skupper-cert-rotator' };
const LISTENER = { metadata: { name: 'web', uid: 'uid-web' } };

function cert(opts: { labels?: Record<string, string>; owners?: { kind: string; name: string; uid: string }[] } = {}): Certificate {
  return {
    apiVersion: 'cert-manager.io/v1', kind: 'Certificate',
    metadata: { name: 'web-listener-tls', namespace: 'east', ...(opts.labels ? { labels: opts.labels } : {}), ownerReferences: (opts.owners ?? []).map((o) => ({ apiVersion: 'skupper.io/v2alpha1', ...o })) },
    spec: { secretName: 'web-listener-tls', issuerRef: { name: 'ca', kind: 'ClusterIssuer', group: 'cert-manager.io' } },
  };
}

function secret(opts: { type?: string; labels?: Record<string, string>; annotations?: Record<string, string> } = {}): V1Secret {
  return {
    apiVersion: 'v1', kind: 'Secret',
    ...(opts.type !== undefined ? { type: opts.type } : {}),
    metadata: { name: 'web-listener-tls', namespace: 'east', ...(opts.labels ? { labels: opts.labels } : {}), ...(opts.annotations ? { annotations: opts.annotations } : {}) },
  };
}

describe('ownership rules (SPEC §4.1.6)', function () {
  describe('Certificates', function () {
    const table: [string, Certificate, boolean][] = [
      ['our label and an owner reference to this Listener (kind, name, uid)', cert({ labels: OURS, owners: [{ kind: 'Listener', name: 'web', uid: 'uid-web' }] }), true],
      ['our label, owner reference to an earlier Listener of the same name (other uid)', cert({ labels: OURS, owners: [{ kind: 'Listener', name: 'web', uid: 'uid-old' }] }), false],
      ['our label, owner reference to another Listener', cert({ labels: OURS, owners: [{ kind: 'Listener', name: 'api', uid: 'uid-api' }] }), false],
      ['our label, owner reference to a Connector of the same name', cert({ labels: OURS, owners: [{ kind: 'Connector', name: 'web', uid: 'uid-web' }] }), false],
      ['our label, no owner reference', cert({ labels: OURS }), false],
      ['owner reference to this Listener but no label (a user copied it)', cert({ owners: [{ kind: 'Listener', name: 'web', uid: 'uid-web' }] }), false],
      ['another manager\'s label', cert({ labels: { 'app.kubernetes.io/managed-by': 'helm' }, owners: [{ kind: 'Listener', name: 'web', uid: 'uid-web' }] }), false],
      ['a user\'s plain Certificate', cert(), false],
    ];
    for (const [what, c, owned] of table) {
      it(`${owned ? 'ours' : 'not ours'}: ${what}`, function () {
        expect(isOwnedCertificate(c, 'Listener', LISTENER)).to.equal(owned);
      });
    }

    it('ownedByNamed finds ours by owner name whatever the uid (the owner may be gone), never a user\'s', function () {
      const old = cert({ labels: OURS, owners: [{ kind: 'Listener', name: 'web', uid: 'uid-old' }] });
      const user = cert({ owners: [{ kind: 'Listener', name: 'web', uid: 'uid-old' }] });
      expect(ownedByNamed([old, user], 'Listener', 'web')).to.deep.equal([old]);
      expect(ownedByNamed([old], 'Connector', 'web')).to.deep.equal([]);
    });
  });

  describe('Secrets', function () {
    const ours = cert({ labels: OURS, owners: [{ kind: 'Listener', name: 'web', uid: 'uid-web' }] });
    const users = cert();
    const table: [string, V1Secret | undefined, Certificate | undefined, SecretOwnership][] = [
      ['no Secret', undefined, ours, 'absent'],
      ['our label (created by us, or our secretTemplate)', secret({ type: 'kubernetes.io/tls', labels: OURS }), undefined, 'ours'],
      ['written by cert-manager for our Certificate of that name', secret({ type: 'kubernetes.io/tls', annotations: { 'cert-manager.io/certificate-name': 'web-listener-tls' } }), ours, 'cert-manager'],
      ['written by cert-manager for a user\'s Certificate of that name', secret({ type: 'kubernetes.io/tls', annotations: { 'cert-manager.io/certificate-name': 'web-listener-tls' } }), users, 'foreign'],
      ['written by cert-manager for another Certificate', secret({ type: 'kubernetes.io/tls', annotations: { 'cert-manager.io/certificate-name': 'other' } }), ours, 'foreign'],
      ['cert-manager\'s, but we have no Certificate', secret({ type: 'kubernetes.io/tls', annotations: { 'cert-manager.io/certificate-name': 'web-listener-tls' } }), undefined, 'foreign'],
      ['a user\'s kubernetes.io/tls Secret', secret({ type: 'kubernetes.io/tls' }), ours, 'foreign'],
      ['a user\'s Opaque Secret', secret({ type: 'Opaque' }), ours, 'wrong-type'],
      ['an Opaque Secret with our label (never written: the type is wrong)', secret({ type: 'Opaque', labels: OURS }), ours, 'wrong-type'],
      ['a Secret without a type (the API server makes it Opaque)', secret({ labels: OURS }), ours, 'wrong-type'],
      ['a custom type', secret({ type: 'example.com/custom', labels: OURS }), ours, 'wrong-type'],
    ];
    for (const [what, s, c, want] of table) {
      it(`${want}: ${what}`, function () {
        expect(secretOwnership(s, c)).to.equal(want);
        expect(secretIsOurs(s, c)).to.equal(want === 'absent' || want === 'ours' || want === 'cert-manager');
      });
    }
  });
});
