import { expect } from 'chai';
import { issuerFromAnnotations, type IssuerResult } from '../../../src/decisions/issuer.js';

const DEFAULTS = { defaultIssuer: 'site-ca', defaultIssuerKind: 'ClusterIssuer' as const };

function invalid(r: IssuerResult): { reason: string; message: string } {
  if (r.kind !== 'invalid') throw new Error(`expected invalid, got ${JSON.stringify(r)}`);
  return { reason: r.reason, message: r.message };
}

describe('issuerFromAnnotations', function () {
  it('no annotations, or only unrelated ones: none', function () {
    expect(issuerFromAnnotations(undefined, DEFAULTS)).to.deep.equal({ kind: 'none' });
    expect(issuerFromAnnotations({ 'example.com/owner': 'team-a' }, DEFAULTS)).to.deep.equal({ kind: 'none' });
  });

  it('issuer-kind or issuer-group alone does not opt in', function () {
    expect(issuerFromAnnotations({ 'cert-manager.io/issuer-kind': 'Issuer' }, DEFAULTS)).to.deep.equal({ kind: 'none' });
  });

  it('cert-manager.io/issuer: an Issuer of cert-manager.io', function () {
    expect(issuerFromAnnotations({ 'cert-manager.io/issuer': 'local-ca' }, DEFAULTS)).to.deep.equal({
      kind: 'ok', choice: { ref: { name: 'local-ca', kind: 'Issuer', group: 'cert-manager.io' }, source: 'annotation' },
    });
  });

  it('cert-manager.io/cluster-issuer: a ClusterIssuer of cert-manager.io', function () {
    expect(issuerFromAnnotations({ 'cert-manager.io/cluster-issuer': 'site-ca' }, DEFAULTS)).to.deep.equal({
      kind: 'ok', choice: { ref: { name: 'site-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' }, source: 'annotation' },
    });
  });

  it('issuer with issuer-kind ClusterIssuer', function () {
    const r = issuerFromAnnotations({ 'cert-manager.io/issuer': 'site-ca', 'cert-manager.io/issuer-kind': 'ClusterIssuer' }, DEFAULTS);
    expect(r).to.deep.equal({ kind: 'ok', choice: { ref: { name: 'site-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' }, source: 'annotation' } });
  });

  it('an external issuer: any CamelCase kind in another group', function () {
    const r = issuerFromAnnotations({
      'cert-manager.io/issuer': 'pca', 'cert-manager.io/issuer-kind': 'AWSPCAClusterIssuer', 'cert-manager.io/issuer-group': 'awspca.cert-manager.io',
    }, DEFAULTS);
    expect(r).to.deep.equal({ kind: 'ok', choice: { ref: { name: 'pca', kind: 'AWSPCAClusterIssuer', group: 'awspca.cert-manager.io' }, source: 'annotation' } });
  });

  it('trims values', function () {
    const r = issuerFromAnnotations({ 'cert-manager.io/issuer': 'local-ca\n' }, DEFAULTS);
    expect(r.kind === 'ok' && r.choice.ref.name).to.equal('local-ca');
  });

  it('unknown kind for the cert-manager.io group: UnknownIssuerKind', function () {
    const r = invalid(issuerFromAnnotations({ 'cert-manager.io/issuer': 'x', 'cert-manager.io/issuer-kind': 'Wizard' }, DEFAULTS));
    expect(r.reason).to.equal('UnknownIssuerKind');
    expect(r.message).to.contain('"Wizard"');
    // Kinds are case-sensitive, as in Kubernetes.
    expect(invalid(issuerFromAnnotations({ 'cert-manager.io/issuer': 'x', 'cert-manager.io/issuer-kind': 'issuer' }, DEFAULTS)).reason).to.equal('UnknownIssuerKind');
  });

  it('a malformed kind for an external group: InvalidAnnotation', function () {
    const r = invalid(issuerFromAnnotations({ 'cert-manager.io/issuer': 'x', 'cert-manager.io/issuer-kind': 'my-kind', 'cert-manager.io/issuer-group': 'example.com' }, DEFAULTS));
    expect(r.reason).to.equal('InvalidAnnotation');
    expect(r.message).to.contain('issuer-kind');
  });

  const invalidCases: [string, Record<string, string>, RegExp][] = [
    ['both issuer and cluster-issuer', { 'cert-manager.io/issuer': 'a', 'cert-manager.io/cluster-issuer': 'b' }, /both/],
    ['empty issuer name', { 'cert-manager.io/issuer': '' }, /issuer is empty/],
    ['empty cluster-issuer name', { 'cert-manager.io/cluster-issuer': '  ' }, /cluster-issuer is empty/],
    ['issuer name not a DNS subdomain', { 'cert-manager.io/issuer': 'My_Issuer' }, /"My_Issuer" is not a valid issuer name/],
    ['group not a DNS subdomain', { 'cert-manager.io/issuer': 'x', 'cert-manager.io/issuer-group': 'Not A Group' }, /issuer-group: "Not A Group"/],
    ['empty group', { 'cert-manager.io/issuer': 'x', 'cert-manager.io/issuer-group': '' }, /issuer-group is empty/],
    ['empty kind', { 'cert-manager.io/issuer': 'x', 'cert-manager.io/issuer-kind': '' }, /issuer-kind is empty/],
    ['cluster-issuer with issuer-kind', { 'cert-manager.io/cluster-issuer': 'x', 'cert-manager.io/issuer-kind': 'Issuer' }, /cannot be combined/],
    ['cluster-issuer with issuer-group', { 'cert-manager.io/cluster-issuer': 'x', 'cert-manager.io/issuer-group': 'example.com' }, /cannot be combined/],
    ['enabled is not a boolean', { 'skupper-cert-rotator.io/enabled': 'yes' }, /must be "true" or "false", not "yes"/],
    ['enabled with a kind but no issuer', { 'skupper-cert-rotator.io/enabled': 'true', 'cert-manager.io/issuer-kind': 'Issuer' }, /need cert-manager.io\/issuer/],
  ];
  for (const [what, annotations, message] of invalidCases) {
    it(`${what}: InvalidAnnotation`, function () {
      const r = invalid(issuerFromAnnotations(annotations, DEFAULTS));
      expect(r.reason).to.equal('InvalidAnnotation');
      expect(r.message).to.match(message);
    });
  }

  it('enabled "true" alone: the daemon default', function () {
    expect(issuerFromAnnotations({ 'skupper-cert-rotator.io/enabled': 'true' }, DEFAULTS)).to.deep.equal({
      kind: 'ok', choice: { ref: { name: 'site-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' }, source: 'default' },
    });
    const asIssuer = issuerFromAnnotations({ 'skupper-cert-rotator.io/enabled': 'true' }, { defaultIssuer: 'ns-ca', defaultIssuerKind: 'Issuer' });
    expect(asIssuer.kind === 'ok' && asIssuer.choice.ref).to.deep.equal({ name: 'ns-ca', kind: 'Issuer', group: 'cert-manager.io' });
  });

  it('enabled "true" with an issuer annotation: the annotation wins', function () {
    const r = issuerFromAnnotations({ 'skupper-cert-rotator.io/enabled': 'true', 'cert-manager.io/issuer': 'local-ca' }, DEFAULTS);
    expect(r.kind === 'ok' && r.choice).to.deep.equal({ ref: { name: 'local-ca', kind: 'Issuer', group: 'cert-manager.io' }, source: 'annotation' });
  });

  it('enabled "true" without a default issuer: NoIssuer', function () {
    const r = invalid(issuerFromAnnotations({ 'skupper-cert-rotator.io/enabled': 'true' }, { defaultIssuer: '', defaultIssuerKind: 'ClusterIssuer' }));
    expect(r.reason).to.equal('NoIssuer');
    expect(r.message).to.contain('--default-issuer');
  });

  it('enabled "false": none, even next to an issuer annotation (explicit opt-out)', function () {
    expect(issuerFromAnnotations({ 'skupper-cert-rotator.io/enabled': 'false' }, DEFAULTS)).to.deep.equal({ kind: 'none' });
    expect(issuerFromAnnotations({ 'skupper-cert-rotator.io/enabled': 'false', 'cert-manager.io/cluster-issuer': 'site-ca' }, DEFAULTS)).to.deep.equal({ kind: 'none' });
  });
});
