import { expect } from 'chai';
import {
  desiredListenerCertificate, type DesiredListener, type ListenerProblem,
} from '../../../src/decisions/listener-desired.js';
import { labelValue, secretNameFor } from '../../../src/decisions/names.js';
import type { Certificate } from '../../../src/model/certmanager.js';
import { DEFAULTS, listener } from './fixtures.js';

const CLUSTER_ISSUER = { 'cert-manager.io/cluster-issuer': 'site-ca' };

function managed(d: DesiredListener): Extract<DesiredListener, { kind: 'managed' }> {
  if (d.kind !== 'managed') throw new Error(`expected managed, got ${JSON.stringify(d)}`);
  return d;
}

function cert(opts: Parameters<typeof listener>[0]): Certificate {
  return managed(desiredListenerCertificate(listener(opts), DEFAULTS)).certificate;
}

function problems(opts: Parameters<typeof listener>[0]): ListenerProblem[] {
  const d = desiredListenerCertificate(listener(opts), DEFAULTS);
  if (d.kind !== 'invalid') throw new Error(`expected invalid, got ${JSON.stringify(d)}`);
  return d.problems;
}

/** Paths of every undefined value: the live object never has them, so they would break deep equality. */
function undefinedPaths(value: unknown, path = ''): string[] {
  if (value === undefined) return [path];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => undefinedPaths(v, `${path}.${k}`));
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

describe('secretNameFor', function () {
  it('spec.tlsCredentials if set, else <name>-listener-tls', function () {
    expect(secretNameFor(listener({ tlsCredentials: 'my-db-tls' }))).to.equal('my-db-tls');
    expect(secretNameFor(listener({}))).to.equal('backend-listener-tls');
    expect(secretNameFor(listener({ tlsCredentials: '' }))).to.equal('backend-listener-tls');
  });
});

describe('desiredListenerCertificate', function () {
  it('backend in east with a ClusterIssuer: the whole Certificate', function () {
    const d = managed(desiredListenerCertificate(listener({ uid: 'uid-1' }), DEFAULTS));
    expect(d.secretName).to.equal('backend-listener-tls');
    expect(d.hosts).to.deep.equal(['backend']);
    expect(d.certificate).to.deep.equal({
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: {
        name: 'backend-listener-tls',
        namespace: 'east',
        labels: { 'app.kubernetes.io/managed-by': 'skupper-cert-rotator', 'skupper-cert-rotator.io/listener': 'backend' },
        ownerReferences: [{ apiVersion: 'skupper.io/v2alpha1', kind: 'Listener', name: 'backend', uid: 'uid-1', controller: true }],
      },
      spec: {
        secretName: 'backend-listener-tls',
        issuerRef: { name: 'site-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' },
        commonName: 'backend',
        dnsNames: ['backend', 'backend.east', 'backend.east.svc', 'backend.east.svc.cluster.local'],
        usages: ['server auth', 'digital signature', 'key encipherment'],
        privateKey: { rotationPolicy: 'Always' },
        secretTemplate: {
          labels: { 'app.kubernetes.io/managed-by': 'skupper-cert-rotator' },
          annotations: { 'skupper.io/tls-prior-valid-revisions': '1' },
        },
      },
    });
  });

  it('a Listener without opt-in annotations is unmanaged, even with a bad host', function () {
    expect(desiredListenerCertificate(listener({ annotations: {}, host: 'my_service' }), DEFAULTS)).to.deep.equal({ kind: 'unmanaged' });
  });

  it('a dotted host is used as given and lower-cased', function () {
    const d = managed(desiredListenerCertificate(listener({ host: 'Web.Example.com' }), DEFAULTS));
    expect(d.certificate.spec.dnsNames).to.deep.equal(['web.example.com']);
    expect(d.certificate.spec.commonName).to.equal('web.example.com');
    expect(d.hosts).to.deep.equal(['web.example.com']);
  });

  it('an IPv4 host goes to ipAddresses and commonName, with no dnsNames key', function () {
    const d = managed(desiredListenerCertificate(listener({ host: '10.0.0.7' }), DEFAULTS));
    expect(d.certificate.spec.ipAddresses).to.deep.equal(['10.0.0.7']);
    expect(d.certificate.spec.commonName).to.equal('10.0.0.7');
    expect(d.certificate.spec).to.not.have.property('dnsNames');
    expect(d.hosts).to.deep.equal(['10.0.0.7']);
  });

  it('an IPv6 host is normalized into ipAddresses and commonName', function () {
    const d = managed(desiredListenerCertificate(listener({ host: '2001:DB8:0:0:0:0:0:1' }), DEFAULTS));
    expect(d.certificate.spec.ipAddresses).to.deep.equal(['2001:db8::1']);
    expect(d.certificate.spec.commonName).to.equal('2001:db8::1');
    expect(d.hosts).to.deep.equal(['2001:db8::1']);
  });

  it('a 70-character fqdn has SANs but no commonName (X.509 limits CN to 64)', function () {
    const seventy = `${'a'.repeat(59)}.example.io`;
    expect(seventy).to.have.length(70);
    const c = cert({ host: seventy });
    expect(c.spec.dnsNames).to.deep.equal([seventy]);
    expect(c.spec).to.not.have.property('commonName');
    const sixtyFour = `${'a'.repeat(53)}.example.io`;
    expect(cert({ host: sixtyFour }).spec.commonName).to.equal(sixtyFour);
  });

  for (const [what, host] of [['my_service', 'my_service'], ['300 characters', 'a'.repeat(300)], ['empty', ''], ['missing', null]] as const) {
    it(`host ${what}: InvalidHost`, function () {
      const p = problems({ host });
      expect(p.map((x) => x.reason)).to.deep.equal(['InvalidHost']);
      expect(p[0]?.message).to.be.a('string').and.not.equal('');
    });
  }

  it('enabled "true" uses the daemon default issuer', function () {
    const c = cert({ annotations: { 'skupper-cert-rotator.io/enabled': 'true' } });
    expect(c.spec.issuerRef).to.deep.equal({ name: 'site-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' });
  });

  it('enabled "true" with no default issuer: NoIssuer', function () {
    const d = desiredListenerCertificate(listener({ annotations: { 'skupper-cert-rotator.io/enabled': 'true' } }), { ...DEFAULTS, defaultIssuer: '' });
    expect(d.kind === 'invalid' && d.problems.map((p) => p.reason)).to.deep.equal(['NoIssuer']);
  });

  it('an Issuer and an external issuer are referenced with all three fields', function () {
    expect(cert({ annotations: { 'cert-manager.io/issuer': 'local-ca' } }).spec.issuerRef).to.deep.equal({ name: 'local-ca', kind: 'Issuer', group: 'cert-manager.io' });
    const ext = cert({ annotations: { 'cert-manager.io/issuer': 'pca', 'cert-manager.io/issuer-kind': 'AWSPCAIssuer', 'cert-manager.io/issuer-group': 'awspca.cert-manager.io' } });
    expect(ext.spec.issuerRef).to.deep.equal({ name: 'pca', kind: 'AWSPCAIssuer', group: 'awspca.cert-manager.io' });
  });

  it('an unknown kind for cert-manager.io: UnknownIssuerKind', function () {
    const p = problems({ annotations: { 'cert-manager.io/issuer': 'x', 'cert-manager.io/issuer-kind': 'Wizard' } });
    expect(p.map((x) => x.reason)).to.deep.equal(['UnknownIssuerKind']);
  });

  it('spec.tlsCredentials names the Secret and the Certificate', function () {
    const d = managed(desiredListenerCertificate(listener({ tlsCredentials: 'my-db-tls' }), DEFAULTS));
    expect(d.secretName).to.equal('my-db-tls');
    expect(d.certificate.metadata.name).to.equal('my-db-tls');
    expect(d.certificate.spec.secretName).to.equal('my-db-tls');
  });

  describe('Secret names', function () {
    const bad: [string, string, RegExp][] = [
      ['ends in -profile', 'backend-profile', /-profile/],
      ['Skupper CA', 'skupper-site-ca', /Skupper's own/],
      ['Skupper router CA', 'skupper-router-ca', /Skupper's own/],
      ['Skupper service CA', 'skupper-service-ca', /Skupper's own/],
      ['reserved skupper-local- prefix', 'skupper-local-anything', /Skupper's own/],
      ['reserved skupper-site- prefix', 'skupper-site-mine', /Skupper's own/],
      ['not a Kubernetes name', 'My_Secret', /not a valid Kubernetes name/],
    ];
    for (const [what, name, message] of bad) {
      it(`${what}: InvalidSecretName`, function () {
        const p = problems({ tlsCredentials: name });
        expect(p.map((x) => x.reason)).to.deep.equal(['InvalidSecretName']);
        expect(p[0]?.message).to.match(message);
        expect(p[0]?.message).to.not.contain('derived from the Listener name');
      });
    }

    it('a derived name that is too long says how to fix it', function () {
      const p = problems({ name: 'l'.repeat(245) });
      expect(p.map((x) => x.reason)).to.deep.equal(['InvalidSecretName']);
      expect(p[0]?.message).to.contain('set spec.tlsCredentials');
    });

    it('a Listener named "x-profile" gets x-profile-listener-tls, which is fine', function () {
      expect(cert({ name: 'x-profile' }).metadata.name).to.equal('x-profile-listener-tls');
    });

    it('a name merely containing skupper is fine', function () {
      expect(cert({ tlsCredentials: 'my-skupper-site-tls' }).metadata.name).to.equal('my-skupper-site-tls');
    });
  });

  describe('annotations', function () {
    const withIssuer = (extra: Record<string, string>): Record<string, string> => ({ ...CLUSTER_ISSUER, ...extra });

    it('duration and renew-before are emitted the way Go prints them', function () {
      const c = cert({ annotations: withIssuer({ 'cert-manager.io/duration': '720h', 'cert-manager.io/renew-before': '90m' }) });
      expect(c.spec.duration).to.equal('720h0m0s');
      expect(c.spec.renewBefore).to.equal('1h30m0s');
    });

    it('renew-before alone is checked against cert-manager\'s default duration', function () {
      expect(cert({ annotations: withIssuer({ 'cert-manager.io/renew-before': '360h' }) }).spec.renewBefore).to.equal('360h0m0s');
      const p = problems({ annotations: withIssuer({ 'cert-manager.io/renew-before': '2160h' }) });
      expect(p.map((x) => x.message)).to.deep.equal(["cert-manager.io/renew-before (2160h0m0s) must be shorter than cert-manager's default duration 2160h0m0s"]);
    });

    it('private key: algorithm case-insensitive, canonical out, with size', function () {
      expect(cert({ annotations: withIssuer({ 'cert-manager.io/private-key-algorithm': 'ecdsa', 'cert-manager.io/private-key-size': '384' }) }).spec.privateKey)
        .to.deep.equal({ algorithm: 'ECDSA', size: 384, rotationPolicy: 'Always' });
      expect(cert({ annotations: withIssuer({ 'cert-manager.io/private-key-algorithm': 'rsa', 'cert-manager.io/private-key-size': '3072' }) }).spec.privateKey)
        .to.deep.equal({ algorithm: 'RSA', size: 3072, rotationPolicy: 'Always' });
      expect(cert({ annotations: withIssuer({ 'cert-manager.io/private-key-algorithm': 'ED25519' }) }).spec.privateKey)
        .to.deep.equal({ algorithm: 'Ed25519', rotationPolicy: 'Always' });
    });

    it('private key: Ed25519 ignores the size; a size alone means RSA', function () {
      expect(cert({ annotations: withIssuer({ 'cert-manager.io/private-key-algorithm': 'Ed25519', 'cert-manager.io/private-key-size': '256' }) }).spec.privateKey)
        .to.deep.equal({ algorithm: 'Ed25519', rotationPolicy: 'Always' });
      expect(cert({ annotations: withIssuer({ 'cert-manager.io/private-key-size': '4096' }) }).spec.privateKey)
        .to.deep.equal({ algorithm: 'RSA', size: 4096, rotationPolicy: 'Always' });
    });

    it('prior-valid-revisions from the annotation, else from the flag', function () {
      expect(cert({ annotations: withIssuer({ 'skupper-cert-rotator.io/prior-valid-revisions': '3' }) }).spec.secretTemplate?.annotations)
        .to.deep.equal({ 'skupper.io/tls-prior-valid-revisions': '3' });
      expect(cert({ annotations: withIssuer({ 'skupper-cert-rotator.io/prior-valid-revisions': '0' }) }).spec.secretTemplate?.annotations)
        .to.deep.equal({ 'skupper.io/tls-prior-valid-revisions': '0' });
      const d = managed(desiredListenerCertificate(listener({}), { ...DEFAULTS, priorValidRevisions: 5 }));
      expect(d.certificate.spec.secretTemplate?.annotations).to.deep.equal({ 'skupper.io/tls-prior-valid-revisions': '5' });
    });

    it('extra DNS names: trimmed, lower-cased, deduplicated, sorted after the host-derived names', function () {
      const c = cert({ annotations: withIssuer({ 'skupper-cert-rotator.io/extra-dns-names': ' zeta.example.com, *.apps.example.com ,backend.east, API.example.com,api.example.com,' }) });
      expect(c.spec.dnsNames).to.deep.equal([
        'backend', 'backend.east', 'backend.east.svc', 'backend.east.svc.cluster.local', '*.apps.example.com', 'api.example.com', 'zeta.example.com',
      ]);
    });

    it('extra DNS names next to an IP host', function () {
      const c = cert({ host: '10.0.0.7', annotations: withIssuer({ 'skupper-cert-rotator.io/extra-dns-names': 'db.example.com' }) });
      expect(c.spec.dnsNames).to.deep.equal(['db.example.com']);
      expect(c.spec.ipAddresses).to.deep.equal(['10.0.0.7']);
    });

    it('an IPv4-mapped IPv6 host is certified as the IPv4 address; a trailing-dot, upper-case host as its plain name', function () {
      for (const host of ['::ffff:10.0.0.7', '::FFFF:a00:7']) {
        const c = cert({ host, annotations: withIssuer({}) });
        expect(c.spec.ipAddresses).to.deep.equal(['10.0.0.7']);
        expect(c.spec.commonName).to.equal('10.0.0.7');
      }
      const d = cert({ host: 'Web.Example.COM.', annotations: withIssuer({ 'skupper-cert-rotator.io/extra-dns-names': 'Alt.Example.com.' }) });
      expect(d.spec.dnsNames).to.deep.equal(['web.example.com', 'alt.example.com']);
      expect(d.spec.commonName).to.equal('web.example.com');
    });

    const invalid: [string, Record<string, string>, RegExp][] = [
      ['duration not a Go duration', { 'cert-manager.io/duration': 'forever' }, /^cert-manager.io\/duration: invalid duration "forever"/],
      ['duration in days', { 'cert-manager.io/duration': '90d' }, /^cert-manager.io\/duration: /],
      ['duration under cert-manager\'s minimum', { 'cert-manager.io/duration': '30m' }, /minimum 1h0m0s/],
      ['duration beyond a Go duration', { 'cert-manager.io/duration': '3000000h' }, /too long/],
      ['renew-before not a duration', { 'cert-manager.io/renew-before': 'soon' }, /^cert-manager.io\/renew-before: /],
      ['renew-before under cert-manager\'s minimum', { 'cert-manager.io/renew-before': '1m' }, /minimum 5m0s/],
      ['renew-before equal to duration', { 'cert-manager.io/duration': '24h', 'cert-manager.io/renew-before': '1440m' }, /renew-before \(24h0m0s\) must be shorter than cert-manager.io\/duration \(24h0m0s\)/],
      ['renew-before longer than duration', { 'cert-manager.io/duration': '24h', 'cert-manager.io/renew-before': '48h' }, /must be shorter/],
      ['unknown algorithm', { 'cert-manager.io/private-key-algorithm': 'DSA' }, /"DSA" is not RSA, ECDSA or Ed25519/],
      ['RSA size not allowed', { 'cert-manager.io/private-key-algorithm': 'RSA', 'cert-manager.io/private-key-size': '1024' }, /1024 is not a valid RSA key size/],
      ['ECDSA size not allowed', { 'cert-manager.io/private-key-algorithm': 'ECDSA', 'cert-manager.io/private-key-size': '2048' }, /2048 is not a valid ECDSA key size/],
      ['size without algorithm checked as RSA', { 'cert-manager.io/private-key-size': '256' }, /256 is not a valid RSA key size/],
      ['size not a number', { 'cert-manager.io/private-key-size': 'big' }, /"big" is not a whole number/],
      ['prior-valid-revisions negative', { 'skupper-cert-rotator.io/prior-valid-revisions': '-1' }, /"-1" is not a non-negative integer/],
      ['prior-valid-revisions not an integer', { 'skupper-cert-rotator.io/prior-valid-revisions': '1.5' }, /not a non-negative integer/],
      ['extra DNS name with _', { 'skupper-cert-rotator.io/extra-dns-names': 'ok.example.com,bad_name.example.com' }, /"bad_name.example.com" is not a valid DNS name/],
      ['extra DNS name that is an IP', { 'skupper-cert-rotator.io/extra-dns-names': '10.0.0.8' }, /IP address/],
      ['extra DNS name with a wildcard not leftmost', { 'skupper-cert-rotator.io/extra-dns-names': 'a.*.example.com' }, /leftmost/],
      ['extra DNS name that is a bare wildcard', { 'skupper-cert-rotator.io/extra-dns-names': '*' }, /wildcard/],
      ['enabled not a boolean', { 'skupper-cert-rotator.io/enabled': 'on' }, /enabled must be "true" or "false"/],
      ['both issuer and cluster-issuer', { 'cert-manager.io/issuer': 'other' }, /both/],
    ];
    for (const [what, annotations, message] of invalid) {
      it(`${what}: InvalidAnnotation`, function () {
        const p = problems({ annotations: withIssuer(annotations) });
        expect(p.map((x) => x.reason)).to.deep.equal(['InvalidAnnotation']);
        expect(p[0]?.message).to.match(message);
      });
    }
  });

  it('collects every problem, not just the first', function () {
    const p = problems({
      host: 'bad_host',
      tlsCredentials: 'x-profile',
      annotations: {
        'cert-manager.io/issuer': 'x', 'cert-manager.io/issuer-kind': 'Wizard',
        'cert-manager.io/duration': 'forever', 'cert-manager.io/private-key-size': 'big',
        'skupper-cert-rotator.io/extra-dns-names': 'a_b,c_d',
      },
    });
    expect(p.map((x) => x.reason)).to.deep.equal([
      'UnknownIssuerKind', 'InvalidHost', 'InvalidSecretName', 'InvalidAnnotation', 'InvalidAnnotation', 'InvalidAnnotation', 'InvalidAnnotation',
    ]);
  });

  it('a bad duration does not also report renew-before against the default', function () {
    const p = problems({ annotations: { ...CLUSTER_ISSUER, 'cert-manager.io/duration': 'forever', 'cert-manager.io/renew-before': '3000h' } });
    expect(p).to.have.length(1);
  });

  it('the output is canonical: no undefined values, and it survives a JSON round trip unchanged', function () {
    const full = cert({
      host: '10.0.0.7',
      annotations: { ...CLUSTER_ISSUER, 'cert-manager.io/duration': '48h', 'cert-manager.io/private-key-algorithm': 'ECDSA' },
    });
    const minimal = cert({});
    for (const c of [full, minimal]) {
      expect(undefinedPaths(c)).to.deep.equal([]);
      expect(JSON.parse(JSON.stringify(c))).to.deep.equal(c);
    }
  });

  it('is deterministic: the same input twice gives deep-equal output, whatever the annotation order', function () {
    const annotations = { ...CLUSTER_ISSUER, 'skupper-cert-rotator.io/extra-dns-names': 'b.example.com,a.example.com', 'cert-manager.io/duration': '2160h' };
    const reversed = Object.fromEntries(Object.entries(annotations).reverse());
    const a = desiredListenerCertificate(listener({ annotations }), DEFAULTS);
    const b = desiredListenerCertificate(listener({ annotations }), DEFAULTS);
    const c = desiredListenerCertificate(listener({ annotations: { ...reversed, 'skupper-cert-rotator.io/extra-dns-names': 'a.example.com, b.example.com' } }), DEFAULTS);
    expect(a.kind).to.equal('managed');
    expect(b).to.deep.equal(a);
    expect(c).to.deep.equal(a);
    expect(JSON.stringify(a)).to.equal(JSON.stringify(b));
  });

  it('does not share arrays with its input or between calls', function () {
    const a = cert({});
    a.spec.usages?.push('client auth');
    expect(cert({}).spec.usages).to.deep.equal(['server auth', 'digital signature', 'key encipherment']);
  });

  describe('listener label', function () {
    it('is the name when it fits', function () {
      expect(labelValue('backend')).to.equal('backend');
      expect(labelValue('a'.repeat(63))).to.equal('a'.repeat(63));
    });

    it('is a valid, distinct, hash-suffixed value for names over 63 characters; the owner reference keeps the full name', function () {
      const long1 = `${'a'.repeat(60)}.b-${'c'.repeat(20)}`;
      const long2 = `${'a'.repeat(60)}.b-${'d'.repeat(20)}`;
      const v1 = labelValue(long1);
      const v2 = labelValue(long2);
      for (const v of [v1, v2]) {
        expect(v.length).to.be.at.most(63);
        expect(v).to.match(LABEL_VALUE);
      }
      expect(v1).to.not.equal(v2);
      expect(labelValue(long1)).to.equal(v1);
      const c = cert({ name: long1, tlsCredentials: 'long-tls' });
      expect(c.metadata.labels?.['skupper-cert-rotator.io/listener']).to.equal(v1);
      expect(c.metadata.ownerReferences?.[0]?.name).to.equal(long1);
    });

    it('stays valid when the cut ends in a dot or dash', function () {
      const name = `${'a'.repeat(51)}.-${'x'.repeat(30)}`;
      expect(labelValue(name)).to.match(LABEL_VALUE);
    });
  });

  it('the owner reference is a controller reference without blockOwnerDeletion', function () {
    const refs = cert({ uid: 'u-9' }).metadata.ownerReferences;
    expect(refs).to.deep.equal([{ apiVersion: 'skupper.io/v2alpha1', kind: 'Listener', name: 'backend', uid: 'u-9', controller: true }]);
  });
});
