import { expect } from 'chai';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import type { V1Secret } from '@kubernetes/client-node';
import {
  describeConnector, describeListener,
  type DescribeConfig, type Lookup,
} from '../../../src/decisions/expiry-status.js';
import { prepareSecretCertificates } from '../../../src/owned/secret-certificates.js';
import type { Certificate } from '../../../src/model/certmanager.js';
import { ParseCache } from '../../../src/pki/parse-cache.js';
import type { Connector, Listener } from '../../../src/model/skupper.js';
import { makeCA, makeLeaf, type Issued } from '../../../cluster/certgen.js';

const DAY_MS = 86_400_000;
const NS = 'east';
const CONFIG: DescribeConfig = {
  clusterDomain: 'cluster.local',
  defaultIssuer: '',
  defaultIssuerKind: 'ClusterIssuer',
  priorValidRevisions: 1,
  trustOverlapMs: 3_600_000,
};
const TRUST = 'skupper-cert-rotator.io/trust';
const BACKEND_SANS = ['backend', 'backend.east', 'backend.east.svc', 'backend.east.svc.cluster.local'];

function b64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}

function secret(name: string, data: Record<string, string>): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { name, namespace: NS },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
  };
}

function certificate(name: string, opts: { issuerKind?: string; issuerName?: string; ready?: boolean; renewalTime?: string; revision?: number } = {}): Certificate {
  return {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name, namespace: NS, generation: 1 },
    spec: { secretName: name, issuerRef: { kind: opts.issuerKind ?? 'ClusterIssuer', name: opts.issuerName ?? 'ca', group: 'cert-manager.io' } },
    status: {
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True', observedGeneration: 1 }],
      ...(opts.renewalTime !== undefined ? { renewalTime: opts.renewalTime } : {}),
      ...(opts.revision !== undefined ? { revision: opts.revision } : {}),
    },
  };
}

function lookup(secrets: V1Secret[], certificates: Certificate[] = []): Lookup {
  const s = new Map(secrets.map((x) => [`${x.metadata?.namespace ?? ''}/${x.metadata?.name ?? ''}`, x]));
  const c = new Map(certificates.map((x) => [`${x.metadata.namespace}/${x.metadata.name}`, x]));
  return {
    secret: (ns, n) => s.get(`${ns}/${n}`),
    certificate: (ns, n) => c.get(`${ns}/${n}`),
  };
}

function listener(opts: { name?: string; host?: string; tlsCredentials?: string; annotations?: Record<string, string> } = {}): Listener {
  const name = opts.name ?? 'backend';
  return {
    apiVersion: 'skupper.io/v2alpha1',
    kind: 'Listener',
    metadata: { name, namespace: NS, uid: '6f1c2f0e-0000-4000-8000-00000000000a', ...(opts.annotations ? { annotations: opts.annotations } : {}) },
    spec: {
      routingKey: name,
      port: 8080,
      host: opts.host ?? 'backend',
      ...(opts.tlsCredentials !== undefined ? { tlsCredentials: opts.tlsCredentials } : {}),
    },
  };
}

function connector(opts: { name?: string; tlsCredentials?: string; useClientCert?: boolean; annotations?: Record<string, string> } = {}): Connector {
  const name = opts.name ?? 'db';
  return {
    apiVersion: 'skupper.io/v2alpha1',
    kind: 'Connector',
    metadata: { name, namespace: NS, uid: '6f1c2f0e-0000-4000-8000-00000000000b', ...(opts.annotations ? { annotations: opts.annotations } : {}) },
    spec: {
      routingKey: name,
      port: 5432,
      host: 'db.internal',
      ...(opts.tlsCredentials !== undefined ? { tlsCredentials: opts.tlsCredentials } : {}),
      ...(opts.useClientCert !== undefined ? { useClientCert: opts.useClientCert } : {}),
    },
  };
}

function notAfterOf(pem: string): Date {
  return new Date(new X509Certificate(pem).validTo);
}

function notBeforeOf(pem: string): Date {
  return new Date(new X509Certificate(pem).validFrom);
}

function fingerprintOf(pem: string): string {
  return new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase();
}

describe('expiry/describe', function () {
  this.timeout(60_000);

  let ca: Issued;
  let shortCa: Issued;
  let leaf: Issued;
  let expiredLeaf: Issued;
  let clientLeaf: Issued;
  let now: Date;

  before(() => {
    ca = makeCA({ cn: 'site-ca', days: 90 });
    shortCa = makeCA({ cn: 'short-ca', days: 20 });
    leaf = makeLeaf(ca, { cn: 'backend', dns: BACKEND_SANS, days: 30 });
    expiredLeaf = makeLeaf(ca, { cn: 'backend', dns: BACKEND_SANS, expired: true });
    clientLeaf = makeLeaf(ca, { cn: 'db', days: 10 });
    now = new Date();
  });

  const servingSecret = (name: string, l: Issued = leaf, caPem: string = ca.certPem): V1Secret =>
    secret(name, { 'tls.crt': l.certPem, 'tls.key': l.keyPem, 'ca.crt': caPem });

  describe('describeListener', () => {
    it('describes a hand-made Listener with a good Secret as unmanaged and Ready, with dates, fingerprint and bundle', () => {
      const caCrt = `${ca.certPem}${shortCa.certPem}`;
      const s = describeListener(listener({ tlsCredentials: 'hand-made' }), lookup([servingSecret('hand-made', leaf, caCrt)]), CONFIG, now);
      expect(s.kind).to.equal('listener');
      expect(s.namespace).to.equal(NS);
      expect(s.name).to.equal('backend');
      expect(s.managed).to.equal(false);
      expect(s.secret).to.equal('hand-made');
      expect(s.state).to.equal('Ready');
      expect(s.ready).to.equal(true);
      expect(s.problems).to.deep.equal([]);
      expect(s.notAfter).to.equal(notAfterOf(leaf.certPem).getTime());
      expect(s.notBefore).to.equal(notBeforeOf(leaf.certPem).getTime());
      expect(s.leafFingerprint).to.equal(fingerprintOf(leaf.certPem));
      expect(s.leafFingerprint).to.match(/^[0-9a-f]{64}$/);
      expect(s.hostCovered).to.equal(true);
      expect(s.bundleCertificates).to.equal(2);
      // The earliest CA of the bundle, not the first one.
      expect(s.bundleNotAfter).to.equal(notAfterOf(shortCa.certPem).getTime());
      expect(s.bundleNotAfter!).to.be.lessThan(notAfterOf(ca.certPem).getTime());
      expect(s).not.to.have.property('issuer');
      expect(s).not.to.have.property('certificate');
      expect(s).not.to.have.property('renewalTime');
    });

    it('reports a host the leaf does not cover as hostCovered false and Invalid', () => {
      const s = describeListener(listener({ host: 'other.example.com', tlsCredentials: 'hand-made' }), lookup([servingSecret('hand-made')]), CONFIG, now);
      expect(s.hostCovered).to.equal(false);
      expect(s.state).to.equal('Invalid');
      expect(s.ready).to.equal(false);
      expect(s.problems.join('\n')).to.include('other.example.com');
    });

    it('reports an expired leaf as Expired', () => {
      const s = describeListener(listener({ tlsCredentials: 'hand-made' }), lookup([servingSecret('hand-made', expiredLeaf)]), CONFIG, now);
      expect(s.state).to.equal('Expired');
      expect(s.ready).to.equal(false);
      expect(s.notAfter!).to.be.lessThan(now.getTime());
      expect(s.problems.some((p) => p.includes('expired'))).to.equal(true);
    });

    it('reports an unparsable tls.crt as Invalid with a problem message', () => {
      const bad = secret('hand-made', { 'tls.crt': 'this is not a certificate', 'tls.key': leaf.keyPem, 'ca.crt': ca.certPem });
      const s = describeListener(listener({ tlsCredentials: 'hand-made' }), lookup([bad]), CONFIG, now);
      expect(s.state).to.equal('Invalid');
      expect(s.ready).to.equal(false);
      expect(s.problems).to.not.be.empty;
      expect(s.problems[0]).to.include('tls.crt');
      expect(s).not.to.have.property('notAfter');
      expect(s).not.to.have.property('leafFingerprint');
      expect(s).not.to.have.property('hostCovered');
      expect(s.bundleCertificates).to.equal(1);
    });

    it('reports a hand-made Listener whose Secret does not exist as SecretMissing', () => {
      const s = describeListener(listener({ tlsCredentials: 'gone' }), lookup([]), CONFIG, now);
      expect(s.managed).to.equal(false);
      expect(s.secret).to.equal('gone');
      expect(s.state).to.equal('SecretMissing');
      expect(s.ready).to.equal(false);
      expect(s.problems).to.deep.equal(['Secret gone not found']);
    });

    it('reports a Listener without tlsCredentials or annotations as NoTLS', () => {
      const s = describeListener(listener(), lookup([servingSecret('backend-listener-tls')]), CONFIG, now);
      expect(s.managed).to.equal(false);
      expect(s.state).to.equal('NoTLS');
      expect(s.ready).to.equal(false);
      expect(s.problems).to.deep.equal([]);
      expect(s).not.to.have.property('secret');
    });

    it('reports a Listener with unusable annotations as Invalid with their problems', () => {
      const s = describeListener(listener({ annotations: { 'cert-manager.io/cluster-issuer': 'ca', 'cert-manager.io/issuer': 'other' } }), lookup([]), CONFIG, now);
      expect(s.state).to.equal('Invalid');
      expect(s.managed).to.equal(false);
      expect(s.problems).to.have.length(1);
      expect(s.problems[0]).to.include('both');
    });

    it('describes a managed Listener with a Ready Certificate, its issuer, renewal time and revision', () => {
      const renewal = new Date(now.getTime() + 20 * DAY_MS);
      const renewalTime = renewal.toISOString().replace(/\.\d{3}Z$/, 'Z');
      const l = listener({ annotations: { 'cert-manager.io/cluster-issuer': 'ca' } });
      const s = describeListener(l, lookup([servingSecret('backend-listener-tls')], [certificate('backend-listener-tls', { renewalTime, revision: 3 })]), CONFIG, now);
      expect(s.managed).to.equal(true);
      expect(s.secret).to.equal('backend-listener-tls');
      expect(s.certificate).to.equal('backend-listener-tls');
      expect(s.issuer).to.equal('ClusterIssuer/ca');
      expect(s.renewalTime).to.equal(Date.parse(renewalTime));
      expect(s.revision).to.equal(3);
      expect(s.ready).to.equal(true);
      expect(s.state).to.equal('Ready');
      expect(s.hostCovered).to.equal(true);
      expect(s.notAfter).to.equal(notAfterOf(leaf.certPem).getTime());
    });

    it('takes the issuer from the live Certificate over the annotations', () => {
      const l = listener({ annotations: { 'cert-manager.io/cluster-issuer': 'ca' } });
      const live = certificate('backend-listener-tls', { issuerKind: 'Issuer', issuerName: 'old-ca' });
      const s = describeListener(l, lookup([servingSecret('backend-listener-tls')], [live]), CONFIG, now);
      expect(s.issuer).to.equal('Issuer/old-ca');
    });

    it('ignores an unparsable renewalTime', () => {
      const l = listener({ annotations: { 'cert-manager.io/cluster-issuer': 'ca' } });
      const s = describeListener(l, lookup([servingSecret('backend-listener-tls')], [certificate('backend-listener-tls', { renewalTime: 'soon' })]), CONFIG, now);
      expect(s).not.to.have.property('renewalTime');
      expect(s.ready).to.equal(true);
    });

    it('reports a managed Listener without its Secret as Issuing, with the issuer from the annotations', () => {
      const l = listener({ annotations: { 'cert-manager.io/cluster-issuer': 'ca' } });
      const s = describeListener(l, lookup([]), CONFIG, now);
      expect(s.managed).to.equal(true);
      expect(s.state).to.equal('Issuing');
      expect(s.ready).to.equal(false);
      expect(s.secret).to.equal('backend-listener-tls');
      expect(s.issuer).to.equal('ClusterIssuer/ca');
      expect(s.problems).to.deep.equal([]);
    });

    it('is not ready while the managed Certificate is not Ready', () => {
      const l = listener({ annotations: { 'cert-manager.io/cluster-issuer': 'ca' } });
      const s = describeListener(l, lookup([servingSecret('backend-listener-tls')], [certificate('backend-listener-tls', { ready: false })]), CONFIG, now);
      expect(s.managed).to.equal(true);
      expect(s.ready).to.equal(false);
      // The Secret itself passes the gate.
      expect(s.state).to.equal('Ready');
      expect(s.problems).to.deep.equal([]);
    });

    it('reports a failing Secret of a managed Listener whose Certificate is not Ready as Issuing', () => {
      const l = listener({ annotations: { 'cert-manager.io/cluster-issuer': 'ca' } });
      const bad = secret('backend-listener-tls', { 'tls.crt': leaf.certPem, 'tls.key': '', 'ca.crt': ca.certPem });
      const s = describeListener(l, lookup([bad], [certificate('backend-listener-tls', { ready: false })]), CONFIG, now);
      expect(s.state).to.equal('Issuing');
      expect(s.ready).to.equal(false);
      expect(s.problems.some((p) => p.includes('tls.key'))).to.equal(true);
    });
  });

  describe('a Listener Secret without ca.crt (Skupper refuses the listener: issue 14)', () => {
    const MANAGED = { 'cert-manager.io/cluster-issuer': 'ca' };
    const noCa = (name: string, caCrt?: string): V1Secret =>
      secret(name, { 'tls.crt': leaf.certPem, 'tls.key': leaf.keyPem, ...(caCrt !== undefined ? { 'ca.crt': caCrt } : {}) });
    // An empty kubernetes.io/tls Secret, as the Listener controller claims the name before cert-manager issues.
    const claimed = (name: string): V1Secret => secret(name, { 'tls.crt': '', 'tls.key': '' });

    for (const [what, caCrt] of [['absent', undefined], ['empty', ''], ['only whitespace', ' \n\t\n']] as const) {
      it(`hand-made, ca.crt ${what}: Invalid, with what Skupper does and what to do`, () => {
        const s = describeListener(listener({ tlsCredentials: 'hand' }), lookup([noCa('hand', caCrt)]), CONFIG, now);
        expect(s.state).to.equal('Invalid');
        expect(s.ready).to.equal(false);
        expect(s.caMissing).to.be.a('string');
        expect(s.problems).to.deep.equal([s.caMissing]);
        expect(s.caMissing).to.contain('Secret east/hand has no ca.crt (missing or empty)');
        expect(s.caMissing).to.contain('the Skupper router refuses this listener ("Failed to configure TLS caCertFile")');
        expect(s.caMissing).to.contain('says only "Not Matched"');
        expect(s.caMissing).to.contain('add the CA certificate that issued tls.crt to ca.crt of Secret east/hand');
      });
    }

    it('hand-made with other problems too: each is listed, the CA one in its place', () => {
      const s = describeListener(listener({ tlsCredentials: 'hand', host: 'elsewhere' }), lookup([noCa('hand', '')]), CONFIG, now);
      expect(s.problems).to.have.length(2);
      expect(s.problems[0]).to.equal(s.caMissing);
      expect(s.problems[1]).to.contain('do not cover host');
    });

    it('a ca.crt that holds no certificate is the gate\'s InvalidCA, not a missing one', () => {
      const s = describeListener(listener({ tlsCredentials: 'hand' }), lookup([noCa('hand', 'not a certificate')]), CONFIG, now);
      expect(s.state).to.equal('Invalid');
      expect(s).to.not.have.property('caMissing');
    });

    it('managed, never wired, while the Certificate issues into the claimed empty Secret: no false alarm', () => {
      const l = listener({ annotations: MANAGED });
      for (const cert of [undefined, certificate('backend-listener-tls', { ready: false })]) {
        const s = describeListener(l, lookup([claimed('backend-listener-tls')], cert ? [cert] : []), CONFIG, now);
        expect(s.state).to.equal('Issuing');
        expect(s).to.not.have.property('caMissing');
      }
      // The Ready Certificate's event arrived before the Secret's (separate watches): still the claim, not a verdict.
      const lagged = describeListener(l, lookup([claimed('backend-listener-tls')], [certificate('backend-listener-tls')]), CONFIG, now);
      expect(lagged.state).to.equal('Issuing');
      expect(lagged).to.not.have.property('caMissing');
      // spec.tlsCredentials preset to the name the daemon is to issue into: still only a claim.
      const preset = listener({ annotations: MANAGED, tlsCredentials: 'backend-listener-tls' });
      const s = describeListener(preset, lookup([claimed('backend-listener-tls')], [certificate('backend-listener-tls', { ready: false })]), CONFIG, now);
      expect(s).to.not.have.property('caMissing');
    });

    it('managed, issued without ca.crt and not wired: says it is not wired and names the issuer fix', () => {
      const l = listener({ annotations: MANAGED });
      const s = describeListener(l, lookup([noCa('backend-listener-tls', '')], [certificate('backend-listener-tls')]), CONFIG, now);
      expect(s.state).to.equal('Invalid');
      expect(s.caMissing).to.contain('so it is not wired: the Skupper router would refuse this listener');
      expect(s.caMissing).to.contain('use an issuer that puts its CA into ca.crt');
      expect(s.caMissing).to.contain('skupper-cert-rotator renew listener/backend -n east');
    });

    it('managed and wired: reported while Skupper uses it, even while a reissue is under way', () => {
      const l = listener({ annotations: MANAGED, tlsCredentials: 'backend-listener-tls' });
      const ready = describeListener(l, lookup([noCa('backend-listener-tls')], [certificate('backend-listener-tls')]), CONFIG, now);
      expect(ready.caMissing).to.contain('the Skupper router refuses this listener');
      const reissuing = describeListener(l, lookup([noCa('backend-listener-tls')], [certificate('backend-listener-tls', { ready: false })]), CONFIG, now);
      expect(reissuing.state).to.equal('Issuing');
      expect(reissuing.caMissing).to.equal(ready.caMissing);
    });

    it('not for a Secret of a type Skupper ignores (that is its problem), nor for a Connector', () => {
      const opaque = Object.assign(noCa('hand', ''), { type: 'Opaque' });
      const s = describeListener(listener({ tlsCredentials: 'hand' }), lookup([opaque]), CONFIG, now);
      expect(s.secretType).to.equal('Opaque');
      expect(s).to.not.have.property('caMissing');
      const c = describeConnector(connector({ tlsCredentials: 'db-ca' }), lookup([secret('db-ca', { 'ca.crt': '' })]), CONFIG, now);
      expect(c.state).to.equal('Invalid');
      expect(c).to.not.have.property('caMissing');
    });
  });

  describe('one truth about hosts and Secret types', () => {
    let ipLeaf: Issued;
    let nameLeaf: Issued;
    before(() => {
      ipLeaf = makeLeaf(ca, { cn: '127.0.0.1', ips: ['127.0.0.1'], days: 30 });
      nameLeaf = makeLeaf(ca, { cn: 'web.example.com', dns: ['web.example.com'], days: 30 });
    });
    const hosts: [string, () => Issued][] = [
      ['::ffff:127.0.0.1', () => ipLeaf],
      ['::ffff:7f00:1', () => ipLeaf],
      ['0:0:0:0:0:FFFF:127.0.0.1', () => ipLeaf],
      ['Web.Example.COM', () => nameLeaf],
      ['web.example.com.', () => nameLeaf],
    ];
    for (const [host, issued] of hosts) {
      it(`host ${host}: covered and Ready, hand-made or managed`, () => {
        const hand = describeListener(listener({ host, tlsCredentials: 'hand' }), lookup([servingSecret('hand', issued())]), CONFIG, now);
        expect(hand.problems).to.deep.equal([]);
        expect([hand.state, hand.hostCovered]).to.deep.equal(['Ready', true]);
        const managed = describeListener(listener({ host, annotations: { 'cert-manager.io/cluster-issuer': 'ca' } }),
          lookup([servingSecret('backend-listener-tls', issued())], [certificate('backend-listener-tls')]), CONFIG, now);
        expect([managed.state, managed.hostCovered, managed.ready]).to.deep.equal(['Ready', true, true]);
      });
    }

    it('a Secret that is not kubernetes.io/tls is Invalid, says why and what to do, even with good data', () => {
      const opaque: V1Secret = Object.assign(servingSecret('hand'), { type: 'Opaque' });
      const s = describeListener(listener({ tlsCredentials: 'hand' }), lookup([opaque]), CONFIG, now);
      expect([s.state, s.ready, s.secretType]).to.deep.equal(['Invalid', false, 'Opaque']);
      expect(s.problems[0]).to.match(/Secret east\/hand is of type Opaque; Skupper only uses kubernetes.io\/tls Secrets: recreate it with type kubernetes.io\/tls/);
      const c = describeConnector(connector({ tlsCredentials: 'hand' }), lookup([opaque]), CONFIG, now);
      expect([c.state, c.ready, c.secretType]).to.deep.equal(['Invalid', false, 'Opaque']);
    });

    it('a Secret of a type the caches do not hold is Invalid, not missing', () => {
      const l: Lookup = { ...lookup([]), otherSecretType: (ns, n) => (ns === NS && n === 'hand' ? 'kubernetes.io/basic-auth' : undefined) };
      const s = describeListener(listener({ tlsCredentials: 'hand' }), l, CONFIG, now);
      expect([s.state, s.secretType]).to.deep.equal(['Invalid', 'kubernetes.io/basic-auth']);
      expect(describeListener(listener({ tlsCredentials: 'other' }), l, CONFIG, now).state).to.equal('SecretMissing');
    });
  });

  describe('describeConnector', () => {
    it('describes a managed Connector with a CA-only bundle Secret as Ready with the bundle size', () => {
      const c = connector({ annotations: { [TRUST]: 'secret/x' } });
      const bundle = secret('db-connector-tls', { 'ca.crt': `${ca.certPem}${shortCa.certPem}`, 'tls.crt': '', 'tls.key': '' });
      const s = describeConnector(c, lookup([bundle]), CONFIG, now);
      expect(s.kind).to.equal('connector');
      expect(s.managed).to.equal(true);
      expect(s.secret).to.equal('db-connector-tls');
      expect(s.state).to.equal('Ready');
      expect(s.ready).to.equal(true);
      expect(s.problems).to.deep.equal([]);
      expect(s.bundleCertificates).to.equal(2);
      expect(s.bundleNotAfter).to.equal(notAfterOf(shortCa.certPem).getTime());
      expect(s).not.to.have.property('notAfter');
      expect(s).not.to.have.property('client');
    });

    it('reports an empty ca.crt as Invalid', () => {
      const c = connector({ annotations: { [TRUST]: 'secret/x' } });
      const bundle = secret('db-connector-tls', { 'ca.crt': '', 'tls.crt': '', 'tls.key': '' });
      const s = describeConnector(c, lookup([bundle]), CONFIG, now);
      expect(s.state).to.equal('Invalid');
      expect(s.ready).to.equal(false);
      expect(s.bundleCertificates).to.equal(0);
      expect(s).not.to.have.property('bundleNotAfter');
      expect(s.problems).to.have.length(1);
      expect(s.problems[0]).to.include('ca.crt');
    });

    it('reports a managed Connector without its bundle Secret as Issuing', () => {
      const c = connector({ annotations: { [TRUST]: 'secret/x' } });
      const s = describeConnector(c, lookup([]), CONFIG, now);
      expect(s.state).to.equal('Issuing');
      expect(s.ready).to.equal(false);
      expect(s.problems).to.deep.equal([]);
    });

    it('describes the managed client certificate of a useClientCert Connector', () => {
      const renewalTime = new Date(now.getTime() + 5 * DAY_MS).toISOString();
      const c = connector({ useClientCert: true, annotations: { [TRUST]: 'secret/x', 'cert-manager.io/issuer': 'ci' } });
      const bundle = secret('db-connector-tls', { 'ca.crt': shortCa.certPem, 'tls.crt': clientLeaf.certPem, 'tls.key': clientLeaf.keyPem });
      const clientSecret = secret('db-connector-client', { 'ca.crt': ca.certPem, 'tls.crt': clientLeaf.certPem, 'tls.key': clientLeaf.keyPem });
      const clientCert = certificate('db-connector-client', { issuerKind: 'Issuer', issuerName: 'ci', renewalTime });
      const s = describeConnector(c, lookup([bundle, clientSecret], [clientCert]), CONFIG, now);
      expect(s.managed).to.equal(true);
      expect(s.certificate).to.equal('db-connector-client');
      expect(s.issuer).to.equal('Issuer/ci');
      expect(s.client).to.not.equal(undefined);
      expect(s.client?.certificate).to.equal('db-connector-client');
      expect(s.client?.ready).to.equal(true);
      expect(s.client?.notAfter).to.equal(notAfterOf(clientLeaf.certPem).getTime());
      expect(s.client?.notBefore).to.equal(notBeforeOf(clientLeaf.certPem).getTime());
      expect(s.client?.renewalTime).to.equal(Date.parse(renewalTime));
      expect(s.renewalTime).to.equal(Date.parse(renewalTime));
      // The leaf the router presents, although it does not chain to the backend CA in ca.crt.
      expect(s.notAfter).to.equal(notAfterOf(clientLeaf.certPem).getTime());
      expect(s.state).to.equal('Ready');
      expect(s.ready).to.equal(true);
    });

    it('takes the client issuer from the annotations while the client Certificate does not exist yet', () => {
      const c = connector({ useClientCert: true, annotations: { [TRUST]: 'secret/x', 'cert-manager.io/issuer': 'ci' } });
      const s = describeConnector(c, lookup([]), CONFIG, now);
      expect(s.issuer).to.equal('Issuer/ci');
      expect(s.client?.ready).to.equal(false);
      expect(s.client).not.to.have.property('notAfter');
      expect(s.state).to.equal('Issuing');
    });

    it('is not ready while the client Certificate is not Ready', () => {
      const c = connector({ useClientCert: true, annotations: { [TRUST]: 'secret/x', 'cert-manager.io/issuer': 'ci' } });
      const bundle = secret('db-connector-tls', { 'ca.crt': shortCa.certPem, 'tls.crt': clientLeaf.certPem, 'tls.key': clientLeaf.keyPem });
      const clientSecret = secret('db-connector-client', { 'ca.crt': ca.certPem, 'tls.crt': clientLeaf.certPem, 'tls.key': clientLeaf.keyPem });
      const clientCert = certificate('db-connector-client', { issuerKind: 'Issuer', issuerName: 'ci', ready: false });
      const s = describeConnector(c, lookup([bundle, clientSecret], [clientCert]), CONFIG, now);
      expect(s.client?.ready).to.equal(false);
      expect(s.ready).to.equal(false);
    });

    it('reports a useClientCert bundle without a client certificate as Issuing while the client is not ready', () => {
      const c = connector({ useClientCert: true, annotations: { [TRUST]: 'secret/x', 'cert-manager.io/issuer': 'ci' } });
      const bundle = secret('db-connector-tls', { 'ca.crt': shortCa.certPem, 'tls.crt': '', 'tls.key': '' });
      const s = describeConnector(c, lookup([bundle]), CONFIG, now);
      expect(s.state).to.equal('Issuing');
      expect(s.ready).to.equal(false);
      expect(s.problems.some((p) => p.includes('tls.crt'))).to.equal(true);
    });

    it('describes a hand-made Connector with tlsCredentials as unmanaged', () => {
      const c = connector({ tlsCredentials: 'db-ca' });
      const s = describeConnector(c, lookup([secret('db-ca', { 'ca.crt': ca.certPem })]), CONFIG, now);
      expect(s.managed).to.equal(false);
      expect(s.secret).to.equal('db-ca');
      expect(s.state).to.equal('Ready');
      expect(s.ready).to.equal(true);
      expect(s.bundleCertificates).to.equal(1);
      expect(s.bundleNotAfter).to.equal(notAfterOf(ca.certPem).getTime());
      expect(s).not.to.have.property('client');
      expect(s).not.to.have.property('issuer');
    });

    it('reports a weak CA in the ca.crt of a Connector without a client certificate as Invalid', () => {
      // The router's OpenSSL refuses an RSA-1024 CA; tls.crt of a CA-only Secret is empty and not judged.
      const weakKey = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
      const weak = makeCA({ cn: 'weak-ca', keyType: 'rsa', keyPem: weakKey });
      const c = connector({ tlsCredentials: 'db-ca' });
      const s = describeConnector(c, lookup([secret('db-ca', { 'ca.crt': `${ca.certPem}${weak.certPem}`, 'tls.crt': '', 'tls.key': '' })]), CONFIG, now);
      expect(s.state).to.equal('Invalid');
      expect(s.ready).to.equal(false);
      expect(s.bundleCertificates).to.equal(2);
      expect(s.problems).to.have.length(1);
      expect(s.problems[0]).to.match(/^weak key .*ca\.crt certificate "CN=weak-ca": RSA key of 1024 bits/);
      expect(s.problems[0]).not.to.include('site-ca');
    });

    it('reads certificates through the lookup\'s parse cache when it has one', async () => {
      const parser = new ParseCache();
      const bundle = secret('db-ca', { 'ca.crt': ca.certPem });
      bundle.metadata = { name: 'db-ca', namespace: NS, uid: 'u1', resourceVersion: '7' };
      await prepareSecretCertificates(parser, bundle);
      expect([parser.hits, parser.misses]).to.deep.equal([0, 1]);
      const s = describeConnector(connector({ tlsCredentials: 'db-ca' }), { ...lookup([bundle]), parser }, CONFIG, now);
      expect(s.state).to.equal('Ready');
      expect([parser.hits, parser.misses]).to.deep.equal([1, 1]);
    });

    it('reports a hand-made Connector whose Secret is missing as SecretMissing, and one without TLS as NoTLS', () => {
      const missing = describeConnector(connector({ tlsCredentials: 'gone' }), lookup([]), CONFIG, now);
      expect(missing.state).to.equal('SecretMissing');
      expect(missing.problems).to.deep.equal(['Secret gone not found']);
      const plain = describeConnector(connector(), lookup([]), CONFIG, now);
      expect(plain.state).to.equal('NoTLS');
      expect(plain.managed).to.equal(false);
    });
  });
});
