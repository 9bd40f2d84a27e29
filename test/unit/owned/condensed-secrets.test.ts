// A Listener's Secret cached without its tls.crt and tls.key texts must be
// judged, rolled and read exactly as the same Secret with its texts: every
// check here compares the two.
import { expect } from 'chai';
import type { V1Secret } from '@kubernetes/client-node';
import { makeCA, makeLeaf, makeKey, type Issued } from '../../../cluster/certgen.js';
import { CERT_MANAGER_CERTIFICATE_NAME, Labels, MANAGED_BY_LABEL, MANAGED_BY_VALUE, SKUPPER_PRIOR_VALID_REVISIONS } from '../../../src/model/annotations.js';
import { condensedTls } from '../../../src/model/condensed-tls.js';
import { ParseCache } from '../../../src/pki/parse-cache.js';
import { MAX_CONDENSED_CHARS, condenseSecret, isCondensable } from '../../../src/owned/condensed-secrets.js';
import { prepareSecretCertificates, servingLeaf } from '../../../src/owned/secret-certificates.js';
import { verifyCachedSecret } from '../../../src/decisions/cached-secret-verdict.js';
import { secretDigest } from '../../../src/decisions/roll-plan.js';
import { isUnfilledSecret } from '../../../src/decisions/unfilled-secret.js';
import { TRUST_HISTORY_ANNOTATION } from '../../../src/decisions/trust-history.js';
import { resolveSource, type ResolvedSource } from '../../../src/controllers/connector/resolve.js';
import type { TrustSource } from '../../../src/decisions/trust-sources.js';
import type { Issuer } from '../../../src/model/certmanager.js';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { FakeCache } from '../../support/fake-cache.js';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
let serial = 0;

/** A Listener's Secret as cert-manager writes it for our Certificate (a fresh uid and resourceVersion each). */
function listenerSecret(crt: string, key: string, ca: string, edit: (s: V1Secret) => void = () => undefined): V1Secret {
  serial += 1;
  const s: V1Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: {
      name: `web-${serial}`, namespace: 'east', uid: `uid-${serial}`, resourceVersion: String(100 + serial),
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [Labels.listener]: 'web' },
      annotations: { [CERT_MANAGER_CERTIFICATE_NAME]: `web-${serial}`, [SKUPPER_PRIOR_VALID_REVISIONS]: '1' },
    },
    data: { 'tls.crt': b64(crt), 'tls.key': b64(key), 'ca.crt': b64(ca) },
  };
  edit(s);
  return s;
}

function without(record: Record<string, string> | undefined, key: string): Record<string, string> {
  return Object.fromEntries(Object.entries(record ?? {}).filter(([k]) => k !== key));
}

/** The same Secret, a copy that keeps its texts (never condensed: not the informer's object). */
function withTexts(s: V1Secret): V1Secret {
  return JSON.parse(JSON.stringify(s)) as V1Secret;
}

describe('condensed Listener Secrets', function () {
  let ca: Issued;
  let leaf: Issued;
  const now = new Date();

  before(function () {
    ca = makeCA({ cn: 'site-ca' });
    leaf = makeLeaf(ca, { cn: 'web.east', dns: ['web.east', 'web'] });
  });

  it('keeps ca.crt and drops tls.crt and tls.key, with the same digest and leaf as the texts give', async function () {
    const parser = new ParseCache();
    const original = listenerSecret(leaf.certPem, leaf.keyPem, ca.certPem);
    const full = withTexts(original);
    const cached = condenseSecret(original, parser);
    expect(Object.keys(cached.data ?? {})).to.deep.equal(['ca.crt']);
    expect(condensedTls(cached)).to.not.equal(undefined);
    expect(condensedTls(full)).to.equal(undefined);
    expect(secretDigest(cached)).to.equal(secretDigest(full));
    expect(isUnfilledSecret(cached)).to.equal(false);
    const fromTexts = await servingLeaf(new ParseCache(), full);
    expect((await servingLeaf(parser, cached))?.fingerprint).to.be.a('string').and.equal(fromTexts?.fingerprint);
    // A spread copy is a new object the facts are not kept for: its (absent) texts are read as missing.
    expect(condensedTls(Object.assign({}, cached))).to.equal(undefined);
  });

  it('is judged by the gate exactly as the Secret with its texts', async function () {
    const other = makeLeaf(ca, { cn: 'other', dns: ['other'] });
    const otherCa = makeCA({ cn: 'other-ca' });
    const expired = makeLeaf(ca, { cn: 'web.east', dns: ['web.east'], expired: true });
    const cases: Array<[string, V1Secret]> = [
      ['good', listenerSecret(leaf.certPem, leaf.keyPem, ca.certPem)],
      ['key of another certificate', listenerSecret(leaf.certPem, other.keyPem, ca.certPem)],
      ['key that is no key', listenerSecret(leaf.certPem, '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', ca.certPem)],
      ['a fresh key', listenerSecret(leaf.certPem, makeKey('ec'), ca.certPem)],
      ['host not covered', listenerSecret(other.certPem, other.keyPem, ca.certPem)],
      ['untrusted', listenerSecret(leaf.certPem, leaf.keyPem, otherCa.certPem)],
      ['tls.crt that is no certificate', listenerSecret('not a certificate', leaf.keyPem, ca.certPem)],
      ['expired', listenerSecret(expired.certPem, expired.keyPem, ca.certPem)],
    ];
    const failing = new Set<string>();
    for (const [what, secret] of cases) {
      const full = withTexts(secret);
      const parser = new ParseCache();
      const cached = condenseSecret(secret, parser);
      expect(condensedTls(cached), what).to.not.equal(undefined);
      await prepareSecretCertificates(parser, cached);
      const a = verifyCachedSecret(cached, ['web.east'], now, parser);
      const b = verifyCachedSecret(full, ['web.east'], now, new ParseCache());
      expect(a.failures, what).to.deep.equal(b.failures);
      expect(a.ok, what).to.equal(b.ok);
      expect(a.leaf?.fingerprint, what).to.equal(b.leaf?.fingerprint);
      if (!a.ok) failing.add(what);
    }
    // The comparison means something only if both outcomes were seen.
    expect(failing.has('good')).to.equal(false);
    for (const what of ['key of another certificate', 'key that is no key', 'a fresh key', 'host not covered', 'untrusted', 'tls.crt that is no certificate', 'expired']) {
      expect(failing.has(what), what).to.equal(true);
    }
  });

  it('condenses only a Listener Secret cert-manager wrote for our Certificate, holding both texts', function () {
    const make = (edit: (s: V1Secret) => void): V1Secret => listenerSecret(leaf.certPem, leaf.keyPem, ca.certPem, edit);
    expect(isCondensable(make(() => undefined))).to.equal(true);
    const kept: Array<[string, V1Secret]> = [
      ['not ours', make((s) => { s.metadata!.labels = without(s.metadata!.labels, MANAGED_BY_LABEL); })],
      ['Opaque', make((s) => { s.type = 'Opaque'; })],
      ['not written by cert-manager', make((s) => { s.metadata!.annotations = without(s.metadata!.annotations, CERT_MANAGER_CERTIFICATE_NAME); })],
      ["a Connector client certificate's (no Skupper annotation)", make((s) => { s.metadata!.annotations = without(s.metadata!.annotations, SKUPPER_PRIOR_VALID_REVISIONS); })],
      ["a Connector's", make((s) => { s.metadata!.labels![Labels.connector] = 'db'; })],
      ['a bundle Secret', make((s) => { s.metadata!.annotations![TRUST_HISTORY_ANNOTATION] = ''; })],
      ['the empty claim', make((s) => { s.data = { 'tls.crt': '', 'tls.key': '' }; })],
      ['no tls.key', make((s) => { s.data = without(s.data, 'tls.key'); })],
      ['a big tls.crt', make((s) => { s.data!['tls.crt'] = b64(leaf.certPem.repeat(Math.ceil(MAX_CONDENSED_CHARS / leaf.certPem.length))); })],
      ['never from the API server (no uid)', make((s) => { delete s.metadata!.uid; })],
    ];
    for (const [what, secret] of kept) {
      const before = JSON.stringify(secret);
      const parser = new ParseCache();
      const cached = condenseSecret(secret, parser);
      expect(isCondensable(secret), what).to.equal(false);
      expect(condensedTls(cached), what).to.equal(undefined);
      expect(JSON.stringify(cached), what).to.equal(before);
      expect(parser.size, what).to.equal(0);
    }
    // Blank once decoded: left for the gate, which says it is missing.
    const blank = make((s) => { s.data!['tls.key'] = b64('  \n'); });
    const cached = condenseSecret(blank, new ParseCache());
    expect(condensedTls(cached)).to.equal(undefined);
    expect(verifyCachedSecret(cached, [], now).failures.map((f) => f.reason)).to.include('MissingKey');
  });

  it('reads a revision seen before from the parse cache (a relist), not parsing it again', function () {
    const parser = new ParseCache();
    const first = listenerSecret(leaf.certPem, leaf.keyPem, ca.certPem);
    const again = withTexts(first);
    condenseSecret(first, parser);
    const misses = parser.misses;
    const relisted = condenseSecret(again, parser);
    expect(parser.misses).to.equal(misses);
    expect(parser.hits).to.be.greaterThan(0);
    expect(condensedTls(relisted)?.chain).to.equal(condensedTls(first)?.chain);
  });

  it('is read as a trust source as the Secret with its texts (tls.crt certificates, tls.key none)', async function () {
    const resolveIn = async (secret: V1Secret, key: string): Promise<ResolvedSource> => {
      const secrets = new FakeCache<V1Secret>();
      secrets.add(secret);
      const source: TrustSource = { kind: 'secret', name: secret.metadata?.name ?? '', key, text: `secret/${secret.metadata?.name ?? ''}:${key}` };
      return resolveSource(source, {
        namespace: 'east', clusterResourceNamespace: 'cert-manager', clusterIssuers: false, parser: new ParseCache(),
        caches: { secrets: secrets.as(), opaqueSecrets: new FakeCache<V1Secret>().as(), configMaps: new FakeCache<V1ConfigMap>().as(), issuers: new FakeCache<Issuer>().as(), clusterIssuers: new FakeCache<Issuer>().as() },
      });
    };
    const chainLeaf = listenerSecret(leaf.certPem + ca.certPem, leaf.keyPem, ca.certPem);
    const full = withTexts(chainLeaf);
    const cached = condenseSecret(chainLeaf, new ParseCache());
    expect(condensedTls(cached)).to.not.equal(undefined);
    const fingerprints = (r: ResolvedSource): string[] => (r.ok ? r.certificates.map((c) => c.fingerprint) : []);
    const crtCached = await resolveIn(cached, 'tls.crt');
    expect(fingerprints(crtCached)).to.have.length(2);
    expect(fingerprints(crtCached)).to.deep.equal(fingerprints(await resolveIn(full, 'tls.crt')));
    for (const secret of [cached, full]) {
      const key = await resolveIn(secret, 'tls.key');
      expect(key.ok).to.equal(false);
      expect(key.ok ? '' : key.reason).to.equal('TrustSourceInvalid');
      const missing = await resolveIn(secret, 'nothing.pem');
      expect(missing.ok ? '' : missing.reason).to.equal('TrustSourceMissing');
    }
  });
});
