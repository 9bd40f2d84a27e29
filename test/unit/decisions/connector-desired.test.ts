import { expect } from 'chai';
import {
  CLIENT_USAGES, desiredConnector,
  type ConnectorDefaults, type ConnectorProblem, type DesiredConnector,
} from '../../../src/decisions/connector-desired.js';
import { clientCertificateName, connectorSecretName } from '../../../src/decisions/names.js';
import type { Connector } from '../../../src/model/skupper.js';

const HOUR_MS = 3_600_000;
const DEFAULTS: ConnectorDefaults = { defaultIssuer: 'site-ca', defaultIssuerKind: 'ClusterIssuer', trustOverlapMs: 720 * HOUR_MS };
const TRUST = 'skupper-cert-rotator.io/trust';
const ENABLED = 'skupper-cert-rotator.io/enabled';
const OVERLAP = 'skupper-cert-rotator.io/trust-overlap';

interface ConnectorOptions {
  name?: string;
  namespace?: string;
  uid?: string | null;
  annotations?: Record<string, string>;
  tlsCredentials?: string;
  useClientCert?: boolean;
}

function connector(opts: ConnectorOptions = {}): Connector {
  const name = opts.name ?? 'backend';
  return {
    apiVersion: 'skupper.io/v2alpha1',
    kind: 'Connector',
    metadata: {
      name,
      namespace: opts.namespace ?? 'east',
      // null = no uid, as an object built in memory would have
      ...(opts.uid === null ? {} : { uid: opts.uid ?? '6f1c2f0e-0000-4000-8000-000000000002' }),
      annotations: opts.annotations ?? { [TRUST]: 'secret/backend-ca' },
    },
    spec: {
      routingKey: name,
      port: 8443,
      host: 'backend.internal',
      ...(opts.tlsCredentials !== undefined ? { tlsCredentials: opts.tlsCredentials } : {}),
      ...(opts.useClientCert !== undefined ? { useClientCert: opts.useClientCert } : {}),
    },
  };
}

function desired(opts: ConnectorOptions = {}, defaults: ConnectorDefaults = DEFAULTS): DesiredConnector {
  return desiredConnector(connector(opts), defaults);
}

function managed(opts: ConnectorOptions = {}, defaults: ConnectorDefaults = DEFAULTS): Extract<DesiredConnector, { kind: 'managed' }> {
  const d = desired(opts, defaults);
  if (d.kind !== 'managed') throw new Error(`expected managed, got ${JSON.stringify(d)}`);
  return d;
}

function problems(opts: ConnectorOptions = {}, defaults: ConnectorDefaults = DEFAULTS): ConnectorProblem[] {
  const d = desired(opts, defaults);
  if (d.kind !== 'invalid') throw new Error(`expected invalid, got ${JSON.stringify(d)}`);
  expect(d.problems).to.have.length.above(0);
  return d.problems;
}

describe('connectorSecretName', function () {
  it('spec.tlsCredentials if set, else <name>-connector-tls', function () {
    expect(connectorSecretName(connector({ tlsCredentials: 'my-backend-ca' }))).to.equal('my-backend-ca');
    expect(connectorSecretName(connector())).to.equal('backend-connector-tls');
    expect(connectorSecretName(connector({ tlsCredentials: '' }))).to.equal('backend-connector-tls');
    expect(connectorSecretName(connector({ name: 'db' }))).to.equal('db-connector-tls');
  });
});

describe('clientCertificateName', function () {
  it('<name>-connector-client, whatever spec.tlsCredentials says', function () {
    expect(clientCertificateName(connector())).to.equal('backend-connector-client');
    expect(clientCertificateName(connector({ name: 'db', tlsCredentials: 'x' }))).to.equal('db-connector-client');
  });
});

describe('desiredConnector', function () {
  describe('opt-in', function () {
    it('without the trust annotation: unmanaged', function () {
      expect(desired({ annotations: {} })).to.deep.equal({ kind: 'unmanaged' });
      expect(desired({ annotations: { 'cert-manager.io/issuer': 'ca' }, useClientCert: true })).to.deep.equal({ kind: 'unmanaged' });
      expect(desired({ annotations: { [ENABLED]: 'true' }, useClientCert: true })).to.deep.equal({ kind: 'unmanaged' });
    });

    it('enabled: "false" opts out even with a trust annotation, good or bad', function () {
      expect(desired({ annotations: { [TRUST]: 'secret/backend-ca', [ENABLED]: 'false' } })).to.deep.equal({ kind: 'unmanaged' });
      expect(desired({ annotations: { [TRUST]: 'bogus', [ENABLED]: ' false\n' }, name: 'x-profile', useClientCert: true })).to.deep.equal({ kind: 'unmanaged' });
    });

    it('a Connector without annotations at all is unmanaged', function () {
      const c = connector();
      delete c.metadata.annotations;
      expect(desiredConnector(c, DEFAULTS)).to.deep.equal({ kind: 'unmanaged' });
    });

    it('with the trust annotation: managed with the default Secret and overlap, no client certificate', function () {
      expect(desired()).to.deep.equal({
        kind: 'managed',
        secretName: 'backend-connector-tls',
        sources: [{ kind: 'secret', name: 'backend-ca', key: 'ca.crt', text: 'secret/backend-ca' }],
        overlapMs: 720 * HOUR_MS,
      });
    });

    it('sources are parsed in the Connector namespace', function () {
      expect(managed({ namespace: 'west', annotations: { [TRUST]: 'secret/west/ca, issuer/i' } }).sources.map((s) => s.name)).to.deep.equal(['ca', 'i']);
      const p = problems({ namespace: 'east', annotations: { [TRUST]: 'secret/west/ca' } });
      expect(p.map((x) => x.reason)).to.deep.equal(['CrossNamespaceRefused']);
    });
  });

  describe('Secret name', function () {
    it('spec.tlsCredentials is used as the bundle Secret', function () {
      expect(managed({ tlsCredentials: 'backend-trust' }).secretName).to.equal('backend-trust');
    });

    it('a derived name ending in -profile is not possible, but a Connector named so is fine', function () {
      // <name>-connector-tls never ends in -profile; the name itself may.
      expect(managed({ name: 'db-profile' }).secretName).to.equal('db-profile-connector-tls');
    });

    it('spec.tlsCredentials ending in -profile is refused (reserved by Skupper)', function () {
      const p = problems({ tlsCredentials: 'backend-profile' });
      expect(p.map((x) => x.reason)).to.deep.equal(['InvalidSecretName']);
      expect(p[0]!.message).to.include('-profile');
      expect(p[0]!.message).to.not.include('derived from the Connector name');
    });

    it("Skupper's own Secret names are refused", function () {
      for (const tlsCredentials of ['skupper-site-ca', 'skupper-local-client', 'skupper-router-ca']) {
        expect(problems({ tlsCredentials }).map((x) => x.reason), tlsCredentials).to.deep.equal(['InvalidSecretName']);
      }
    });

    it('a derived name that collides with a Skupper prefix is refused with a hint', function () {
      const p = problems({ name: 'skupper-site-db' });
      expect(p.map((x) => x.reason)).to.deep.equal(['InvalidSecretName']);
      expect(p[0]!.message).to.include('skupper-site-db-connector-tls').and.include('derived from the Connector name');
    });

    it('a derived name that is too long is refused with a hint', function () {
      const name = 'a'.repeat(240); // + "-connector-tls" = 254 characters
      const p = problems({ name });
      expect(p.map((x) => x.reason)).to.deep.equal(['InvalidSecretName']);
      expect(p[0]!.message).to.include('derived from the Connector name');
      // 239 characters still fit.
      expect(managed({ name: 'a'.repeat(239) }).secretName).to.have.length(253);
    });

    it('an invalid spec.tlsCredentials is refused without the derived-name hint', function () {
      const p = problems({ tlsCredentials: 'Backend_TLS' });
      expect(p.map((x) => x.reason)).to.deep.equal(['InvalidSecretName']);
      expect(p[0]!.message).to.include('Backend_TLS').and.not.include('derived');
    });
  });

  describe('trust-overlap', function () {
    it('a valid duration replaces the default', function () {
      expect(managed({ annotations: { [TRUST]: 'issuer/ca', [OVERLAP]: '48h' } }).overlapMs).to.equal(48 * HOUR_MS);
      expect(managed({ annotations: { [TRUST]: 'issuer/ca', [OVERLAP]: ' 1h30m ' } }).overlapMs).to.equal(1.5 * HOUR_MS);
    });

    it('the daemon default applies without the annotation', function () {
      expect(managed({}, { ...DEFAULTS, trustOverlapMs: 5 * HOUR_MS }).overlapMs).to.equal(5 * HOUR_MS);
    });

    for (const raw of ['', 'two days', '2d', '-1h', '1h30']) {
      it(`invalid duration ${JSON.stringify(raw)}: InvalidAnnotation naming the annotation`, function () {
        const p = problems({ annotations: { [TRUST]: 'issuer/ca', [OVERLAP]: raw } });
        expect(p.map((x) => x.reason)).to.deep.equal(['InvalidAnnotation']);
        expect(p[0]!.message).to.include(OVERLAP);
      });
    }
  });

  describe('useClientCert', function () {
    it('with cert-manager.io/issuer: the whole client Certificate', function () {
      const d = managed({ uid: 'uid-7', useClientCert: true, annotations: { [TRUST]: 'issuer/backend-ca', 'cert-manager.io/issuer': 'client-ca' } });
      expect(d.secretName).to.equal('backend-connector-tls');
      expect(d.client).to.deep.equal({
        apiVersion: 'cert-manager.io/v1',
        kind: 'Certificate',
        metadata: {
          name: 'backend-connector-client',
          namespace: 'east',
          labels: { 'app.kubernetes.io/managed-by': 'skupper-cert-rotator', 'skupper-cert-rotator.io/connector': 'backend' },
          ownerReferences: [{ apiVersion: 'skupper.io/v2alpha1', kind: 'Connector', name: 'backend', uid: 'uid-7', controller: true }],
        },
        spec: {
          secretName: 'backend-connector-client',
          issuerRef: { name: 'client-ca', kind: 'Issuer', group: 'cert-manager.io' },
          commonName: 'backend',
          usages: ['client auth', 'digital signature', 'key encipherment'],
          privateKey: { rotationPolicy: 'Always' },
          secretTemplate: { labels: { 'app.kubernetes.io/managed-by': 'skupper-cert-rotator' } },
        },
      });
      expect(CLIENT_USAGES).to.include('client auth').and.not.include('server auth');
    });

    it('the usages are a copy, not the shared constant', function () {
      const d = managed({ useClientCert: true, annotations: { [TRUST]: 'issuer/ca', 'cert-manager.io/issuer': 'client-ca' } });
      expect(d.client!.spec.usages).to.not.equal(CLIENT_USAGES);
      expect(d.client!.spec.usages).to.deep.equal([...CLIENT_USAGES]);
    });

    it('with cert-manager.io/cluster-issuer: a ClusterIssuer reference', function () {
      const d = managed({ useClientCert: true, annotations: { [TRUST]: 'issuer/ca', 'cert-manager.io/cluster-issuer': 'site-ca' } });
      expect(d.client!.spec.issuerRef).to.deep.equal({ name: 'site-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' });
    });

    it('an external issuer kind and group are passed through', function () {
      const d = managed({
        useClientCert: true,
        annotations: { [TRUST]: 'issuer/ca', 'cert-manager.io/issuer': 'pca', 'cert-manager.io/issuer-kind': 'AWSPCAClusterIssuer', 'cert-manager.io/issuer-group': 'awspca.cert-manager.io' },
      });
      expect(d.client!.spec.issuerRef).to.deep.equal({ name: 'pca', kind: 'AWSPCAClusterIssuer', group: 'awspca.cert-manager.io' });
    });

    it('no owner reference without a uid', function () {
      for (const uid of [null, '']) {
        const d = managed({ uid, useClientCert: true, annotations: { [TRUST]: 'issuer/ca', 'cert-manager.io/issuer': 'client-ca' } });
        expect(d.client!.metadata).to.not.have.property('ownerReferences');
      }
    });

    it('duration, renew-before and key annotations shape the client Certificate', function () {
      const d = managed({
        useClientCert: true,
        annotations: {
          [TRUST]: 'issuer/ca', 'cert-manager.io/issuer': 'client-ca',
          'cert-manager.io/duration': '720h', 'cert-manager.io/renew-before': '240h',
          'cert-manager.io/private-key-algorithm': 'ECDSA', 'cert-manager.io/private-key-size': '384',
        },
      });
      expect(d.client!.spec).to.deep.include({ duration: '720h0m0s', renewBefore: '240h0m0s', privateKey: { algorithm: 'ECDSA', size: 384, rotationPolicy: 'Always' } });
    });

    it('a bad certificate annotation makes the Connector invalid', function () {
      const p = problems({ useClientCert: true, annotations: { [TRUST]: 'issuer/ca', 'cert-manager.io/issuer': 'client-ca', 'cert-manager.io/duration': '1m' } });
      expect(p.map((x) => x.reason)).to.deep.equal(['InvalidAnnotation']);
      expect(p[0]!.message).to.include('cert-manager.io/duration');
    });

    it('a long Connector name: commonName cut to 64, label value valid', function () {
      const name = 'n'.repeat(100);
      const d = managed({ name, tlsCredentials: 'trust', useClientCert: true, annotations: { [TRUST]: 'issuer/ca', 'cert-manager.io/issuer': 'client-ca' } });
      expect(d.client!.spec.commonName).to.equal('n'.repeat(64));
      const label = d.client!.metadata.labels!['skupper-cert-rotator.io/connector']!;
      expect(label.length).to.be.at.most(63);
      expect(label).to.not.equal(name);
      expect(d.client!.metadata.name).to.equal(`${name}-connector-client`);
    });

    it('without any issuer: NoIssuer', function () {
      const p = problems({ useClientCert: true });
      expect(p.map((x) => x.reason)).to.deep.equal(['NoIssuer']);
      expect(p[0]!.message).to.include('useClientCert');
    });

    it('enabled "true" uses the daemon default issuer', function () {
      const d = managed({ useClientCert: true, annotations: { [TRUST]: 'secret/ca', [ENABLED]: 'true' } });
      expect(d.client!.spec.issuerRef).to.deep.equal({ name: 'site-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' });
      const i = managed({ useClientCert: true, annotations: { [TRUST]: 'secret/ca', [ENABLED]: 'true' } }, { ...DEFAULTS, defaultIssuer: 'ns-ca', defaultIssuerKind: 'Issuer' });
      expect(i.client!.spec.issuerRef).to.deep.equal({ name: 'ns-ca', kind: 'Issuer', group: 'cert-manager.io' });
    });

    it('enabled "true" without a daemon default issuer: NoIssuer', function () {
      const p = problems({ useClientCert: true, annotations: { [TRUST]: 'secret/ca', [ENABLED]: 'true' } }, { ...DEFAULTS, defaultIssuer: '' });
      expect(p.map((x) => x.reason)).to.deep.equal(['NoIssuer']);
    });

    it('an annotated issuer wins over the default', function () {
      const d = managed({ useClientCert: true, annotations: { [TRUST]: 'secret/ca', [ENABLED]: 'true', 'cert-manager.io/issuer': 'mine' } });
      expect(d.client!.spec.issuerRef).to.deep.equal({ name: 'mine', kind: 'Issuer', group: 'cert-manager.io' });
    });

    it('an unknown cert-manager issuer kind: UnknownIssuerKind', function () {
      const p = problems({ useClientCert: true, annotations: { [TRUST]: 'secret/ca', 'cert-manager.io/issuer': 'x', 'cert-manager.io/issuer-kind': 'Vault' } });
      expect(p.map((x) => x.reason)).to.deep.equal(['UnknownIssuerKind']);
    });

    describe('the client Certificate name <name>-connector-client', function () {
      const CLIENT = { [TRUST]: 'issuer/ca', 'cert-manager.io/issuer': 'client-ca' };

      it('too long (240-character Connector name, valid spec.tlsCredentials): InvalidSecretName', function () {
        const name = 'a'.repeat(240); // + "-connector-client" = 257 characters
        const p = problems({ name, tlsCredentials: 'trust', useClientCert: true, annotations: CLIENT });
        expect(p.map((x) => x.reason)).to.deep.equal(['InvalidSecretName']);
        expect(p[0]!.message).to.include('-connector-client').and.not.include('derived from the Connector name');
        // The bundle Secret name alone is fine: without useClientCert the Connector is managed.
        expect(managed({ name, tlsCredentials: 'trust', annotations: CLIENT }).secretName).to.equal('trust');
      });

      it('253 characters fit, 254 do not', function () {
        const fits = managed({ name: 'b'.repeat(236), tlsCredentials: 'trust', useClientCert: true, annotations: CLIENT });
        expect(fits.client!.metadata.name).to.have.length(253);
        expect(fits.client!.spec.secretName).to.have.length(253);
        const p = problems({ name: 'b'.repeat(237), tlsCredentials: 'trust', useClientCert: true, annotations: CLIENT });
        expect(p.map((x) => x.reason)).to.deep.equal(['InvalidSecretName']);
      });

      it("a Connector named with a Skupper prefix: the client Secret would be one of Skupper's names", function () {
        for (const name of ['skupper-site-db', 'skupper-local-db']) {
          const p = problems({ name, tlsCredentials: 'db-trust', useClientCert: true, annotations: CLIENT });
          expect(p.map((x) => x.reason), name).to.deep.equal(['InvalidSecretName']);
          expect(p[0]!.message, name).to.include(`${name}-connector-client`).and.include("Skupper's own Secret names");
          // Without a client certificate only the (chosen) bundle Secret name matters.
          expect(managed({ name, tlsCredentials: 'db-trust', annotations: CLIENT }).secretName, name).to.equal('db-trust');
        }
      });

      it('with both names bad, both are reported', function () {
        const p = problems({ name: 'skupper-site-db', useClientCert: true, annotations: CLIENT });
        expect(p.map((x) => x.reason)).to.deep.equal(['InvalidSecretName', 'InvalidSecretName']);
        expect(p[0]!.message).to.include('skupper-site-db-connector-tls');
        expect(p[1]!.message).to.include('skupper-site-db-connector-client');
      });
    });

    it('issuer annotations are ignored without useClientCert', function () {
      const d = managed({ useClientCert: false, annotations: { [TRUST]: 'secret/ca', 'cert-manager.io/issuer': 'Bad_Name', 'cert-manager.io/duration': 'x' } });
      expect(d).to.not.have.property('client');
    });
  });

  describe('enabled annotation values', function () {
    for (const raw of ['False', 'yes', 'TRUE', '1', '']) {
      it(`${JSON.stringify(raw)} is InvalidAnnotation even without useClientCert`, function () {
        const p = problems({ annotations: { [TRUST]: 'secret/ca', [ENABLED]: raw } });
        expect(p.map((x) => x.reason)).to.deep.equal(['InvalidAnnotation']);
        expect(p[0]!.message).to.include(ENABLED).and.include(JSON.stringify(raw));
      });

      it(`${JSON.stringify(raw)} with useClientCert and an issuer annotation is reported once`, function () {
        const p = problems({ useClientCert: true, annotations: { [TRUST]: 'secret/ca', [ENABLED]: raw, 'cert-manager.io/issuer': 'client-ca' } });
        expect(p.map((x) => x.reason)).to.deep.equal(['InvalidAnnotation']);
        expect(p[0]!.message).to.include(ENABLED);
      });
    }

    it('an invalid value with useClientCert and no issuer annotation is reported once, without NoIssuer', function () {
      const p = problems({ useClientCert: true, annotations: { [TRUST]: 'secret/ca', [ENABLED]: 'yes' } });
      expect(p.map((x) => x.reason)).to.deep.equal(['InvalidAnnotation']);
    });

    it('an invalid value is reported next to other problems', function () {
      const p = problems({ annotations: { [TRUST]: 'secret/ca', [ENABLED]: 'False', [OVERLAP]: 'soon' } });
      expect(p.map((x) => x.reason)).to.deep.equal(['InvalidAnnotation', 'InvalidAnnotation']);
      expect(p.map((x) => x.message).join('\n')).to.include(ENABLED).and.include(OVERLAP);
    });

    it('"false" (trimmed) is still unmanaged; "true" (trimmed) is fine with or without useClientCert', function () {
      expect(desired({ annotations: { [TRUST]: 'secret/ca', [ENABLED]: 'false' } })).to.deep.equal({ kind: 'unmanaged' });
      expect(desired({ annotations: { [TRUST]: 'secret/ca', [ENABLED]: ' false ' }, useClientCert: true })).to.deep.equal({ kind: 'unmanaged' });
      expect(managed({ annotations: { [TRUST]: 'secret/ca', [ENABLED]: 'true' } })).to.not.have.property('client');
      expect(managed({ annotations: { [TRUST]: 'secret/ca', [ENABLED]: ' true\n' } }).secretName).to.equal('backend-connector-tls');
      expect(managed({ useClientCert: true, annotations: { [TRUST]: 'secret/ca', [ENABLED]: 'true', 'cert-manager.io/issuer': 'client-ca' } }).client!.spec.issuerRef.name).to.equal('client-ca');
    });
  });

  describe('problems', function () {
    it('source problems make the result invalid, even when other sources are good', function () {
      const d = desired({ annotations: { [TRUST]: 'secret/good, bogus/bad' } });
      expect(d.kind).to.equal('invalid');
      expect(d).to.not.have.property('sources');
      if (d.kind === 'invalid') expect(d.problems.map((x) => x.reason)).to.deep.equal(['InvalidAnnotation']);
    });

    it('an empty trust annotation is invalid, not unmanaged', function () {
      expect(problems({ annotations: { [TRUST]: ' ' } }).map((x) => x.reason)).to.deep.equal(['InvalidAnnotation']);
    });

    it('every problem is reported at once', function () {
      const p = problems({
        tlsCredentials: 'x-profile',
        useClientCert: true,
        annotations: { [TRUST]: 'secret/west/ca, nope', [OVERLAP]: 'soon' },
      });
      expect(p.map((x) => x.reason)).to.have.members(['CrossNamespaceRefused', 'InvalidAnnotation', 'InvalidSecretName', 'InvalidAnnotation', 'NoIssuer']);
      expect(p).to.have.length(5);
    });
  });
});
