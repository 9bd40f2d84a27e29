import { expect } from 'chai';
import {
  DEFAULT_SOURCE_KEY, MAX_TRUST_SOURCES, parseTrustSources, sourceId, type SourceProblem, type TrustSource,
} from '../../../src/decisions/trust-sources.js';

const NS = 'east';

function parse(raw: string, namespace = NS): { sources: TrustSource[]; problems: SourceProblem[] } {
  const r = parseTrustSources(raw, namespace);
  if (r === undefined) throw new Error(`expected a result for ${JSON.stringify(raw)}`);
  return r;
}

/** The sources of an annotation that must parse cleanly. */
function ok(raw: string, namespace = NS): TrustSource[] {
  const r = parse(raw, namespace);
  expect(r.problems, `problems for ${JSON.stringify(raw)}`).to.deep.equal([]);
  return r.sources;
}

/** The single problem of an annotation with one bad item. */
function problem(raw: string, namespace = NS): SourceProblem {
  const r = parse(raw, namespace);
  expect(r.sources, `sources for ${JSON.stringify(raw)}`).to.deep.equal([]);
  expect(r.problems, `problems for ${JSON.stringify(raw)}`).to.have.length(1);
  return r.problems[0]!;
}

describe('parseTrustSources', function () {
  it('absent annotation: undefined (the Connector is not ours)', function () {
    expect(parseTrustSources(undefined, NS)).to.equal(undefined);
  });

  for (const raw of ['', '   ', ',', ' , ,\t', '\n']) {
    it(`value ${JSON.stringify(raw)} names no source: InvalidAnnotation`, function () {
      const r = parse(raw);
      expect(r.sources).to.deep.equal([]);
      expect(r.problems).to.have.length(1);
      expect(r.problems[0]!.reason).to.equal('InvalidAnnotation');
      expect(r.problems[0]!.message).to.include('skupper-cert-rotator.io/trust');
    });
  }

  describe('kinds', function () {
    it('secret/NAME with the default key ca.crt', function () {
      expect(DEFAULT_SOURCE_KEY).to.equal('ca.crt');
      expect(ok('secret/backend-ca')).to.deep.equal([{ kind: 'secret', name: 'backend-ca', key: 'ca.crt', text: 'secret/backend-ca' }]);
    });

    it('configmap/NAME with the default key ca.crt', function () {
      expect(ok('configmap/trust-bundle')).to.deep.equal([{ kind: 'configmap', name: 'trust-bundle', key: 'ca.crt', text: 'configmap/trust-bundle' }]);
    });

    it('issuer/NAME has no key', function () {
      const sources = ok('issuer/backend-ca');
      expect(sources).to.deep.equal([{ kind: 'issuer', name: 'backend-ca', text: 'issuer/backend-ca' }]);
      expect(sources[0]).to.not.have.property('key');
    });

    it('clusterissuer/NAME has no key', function () {
      const sources = ok('clusterissuer/site-ca');
      expect(sources).to.deep.equal([{ kind: 'clusterissuer', name: 'site-ca', text: 'clusterissuer/site-ca' }]);
      expect(sources[0]).to.not.have.property('key');
    });

    it('dotted names are valid object names', function () {
      expect(ok('secret/ca.example.com')).to.deep.equal([{ kind: 'secret', name: 'ca.example.com', key: 'ca.crt', text: 'secret/ca.example.com' }]);
    });

    it('the kind is case-insensitive; the text keeps the spelling', function () {
      expect(ok('Secret/backend-ca')).to.deep.equal([{ kind: 'secret', name: 'backend-ca', key: 'ca.crt', text: 'Secret/backend-ca' }]);
      expect(ok('CONFIGMAP/b')).to.deep.equal([{ kind: 'configmap', name: 'b', key: 'ca.crt', text: 'CONFIGMAP/b' }]);
      expect(ok('Issuer/i')).to.deep.equal([{ kind: 'issuer', name: 'i', text: 'Issuer/i' }]);
      expect(ok('ClusterIssuer/c')).to.deep.equal([{ kind: 'clusterissuer', name: 'c', text: 'ClusterIssuer/c' }]);
    });

    it('an unknown kind is refused and named in the message', function () {
      const p = problem('certificate/backend-ca');
      expect(p.reason).to.equal('InvalidAnnotation');
      expect(p.message).to.include('unknown kind').and.include('"certificate"');
    });

    it('a kind-like item without a slash is refused', function () {
      const p = problem('backend-ca');
      expect(p.reason).to.equal('InvalidAnnotation');
      expect(p.message).to.include('KIND/NAME');
    });

    it('an empty kind is refused', function () {
      expect(problem('/backend-ca').message).to.include('unknown kind');
    });
  });

  describe('#KEY', function () {
    it('secret/NAME#KEY reads that key', function () {
      expect(ok('secret/backend-ca#tls.crt')).to.deep.equal([{ kind: 'secret', name: 'backend-ca', key: 'tls.crt', text: 'secret/backend-ca#tls.crt' }]);
    });

    it('configmap/NAME#KEY reads that key', function () {
      expect(ok('configmap/bundle#root_CA-2.pem')).to.deep.equal([{ kind: 'configmap', name: 'bundle', key: 'root_CA-2.pem', text: 'configmap/bundle#root_CA-2.pem' }]);
    });

    it('a key of 253 characters is accepted, 254 is not', function () {
      const long = 'k'.repeat(253);
      expect(ok(`secret/x#${long}`)[0]).to.include({ key: long });
      expect(problem(`secret/x#${long}k`).message).to.include('invalid key');
    });

    for (const key of ['', 'a b', 'a/b', 'ca.crt#x', 'ä']) {
      it(`invalid key ${JSON.stringify(key)} is refused`, function () {
        const p = problem(`secret/backend-ca#${key}`);
        expect(p.reason).to.equal('InvalidAnnotation');
        expect(p.message).to.include('invalid key');
      });
    }

    it('issuer and clusterissuer take no #KEY', function () {
      for (const raw of ['issuer/backend-ca#ca.crt', 'clusterissuer/site-ca#tls.crt', 'Issuer/x#']) {
        const p = problem(raw);
        expect(p.reason, raw).to.equal('InvalidAnnotation');
        expect(p.message, raw).to.include('takes no #KEY');
      }
    });
  });

  describe('namespaces', function () {
    it("KIND/NS/NAME with the Connector's own namespace is accepted as KIND/NAME", function () {
      expect(ok('secret/east/backend-ca#tls.crt')).to.deep.equal([{ kind: 'secret', name: 'backend-ca', key: 'tls.crt', text: 'secret/east/backend-ca#tls.crt' }]);
      expect(ok('configmap/east/bundle')).to.deep.equal([{ kind: 'configmap', name: 'bundle', key: 'ca.crt', text: 'configmap/east/bundle' }]);
      expect(ok('issuer/east/backend-ca')).to.deep.equal([{ kind: 'issuer', name: 'backend-ca', text: 'issuer/east/backend-ca' }]);
    });

    it('another namespace is refused as CrossNamespaceRefused', function () {
      for (const raw of ['secret/west/backend-ca', 'configmap/west/bundle#x.pem', 'issuer/kube-system/ca']) {
        const p = problem(raw);
        expect(p.reason, raw).to.equal('CrossNamespaceRefused');
        expect(p.message, raw).to.include('"east"');
      }
      expect(problem('secret/west/backend-ca').message).to.include('"west"');
    });

    it('the same item is accepted or refused depending on the Connector namespace', function () {
      expect(ok('secret/west/backend-ca', 'west')).to.have.length(1);
      expect(problem('secret/west/backend-ca', 'east').reason).to.equal('CrossNamespaceRefused');
    });

    it('a namespace that is not a valid name (upper case) is malformed, not cross-namespace', function () {
      expect(problem('secret/EAST/backend-ca').reason).to.equal('InvalidAnnotation');
    });

    for (const raw of ['secret//x', 'secret/ /x', 'secret/EAST/x', 'configmap//x#k.pem', 'issuer/ /x', 'secret/-east/x', 'secret/east_1/x']) {
      it(`${JSON.stringify(raw)}: an invalid namespace, InvalidAnnotation not CrossNamespaceRefused`, function () {
        const p = problem(raw);
        expect(p.reason).to.equal('InvalidAnnotation');
        expect(p.message).to.include('invalid namespace').and.include(JSON.stringify(raw));
        expect(p.message).to.not.include('refers to namespace');
      });
    }

    it('the invalid namespace is named in the message', function () {
      expect(problem('secret//x').message).to.include('invalid namespace ""');
      expect(problem('secret/ /x').message).to.include('invalid namespace " "');
      expect(problem('secret/EAST/x').message).to.include('invalid namespace "EAST"');
    });

    it('an invalid namespace in a list does not drop the good items', function () {
      const r = parse('secret//x, secret/a, secret/ /y');
      expect(r.sources.map((s) => s.text)).to.deep.equal(['secret/a']);
      expect(r.problems.map((p) => p.reason)).to.deep.equal(['InvalidAnnotation', 'InvalidAnnotation']);
    });

    it('the own namespace with an empty name is an invalid name', function () {
      const p = problem('secret/east/');
      expect(p.reason).to.equal('InvalidAnnotation');
      expect(p.message).to.include('invalid name ""');
    });

    it('clusterissuer/NS/NAME is refused even in the own namespace (cluster-scoped)', function () {
      for (const raw of ['clusterissuer/east/site-ca', 'clusterissuer/west/site-ca']) {
        const p = problem(raw);
        expect(p.reason, raw).to.equal('InvalidAnnotation');
        expect(p.message, raw).to.include('cluster-scoped');
      }
    });

    it('too many slashes are refused', function () {
      for (const raw of ['secret/east/backend/ca', 'issuer/a/b/c/d', 'configmap/east/x/#k']) {
        const p = problem(raw);
        expect(p.reason, raw).to.equal('InvalidAnnotation');
        expect(p.message, raw).to.include('too many "/"');
      }
    });
  });

  describe('names', function () {
    for (const name of ['', 'Backend-CA', 'backend_ca', '-backend', 'backend-', 'a..b', 'x'.repeat(254)]) {
      it(`invalid name ${JSON.stringify(name.length > 20 ? `${name.slice(0, 10)}…(${name.length})` : name)} is refused`, function () {
        const p = problem(`secret/${name}`);
        expect(p.reason).to.equal('InvalidAnnotation');
        expect(p.message).to.include('invalid name');
      });
    }

    it('a name of 253 characters is accepted', function () {
      const name = 'x'.repeat(253);
      expect(ok(`configmap/${name}`)[0]).to.include({ name });
    });

    it('an invalid name after a valid own namespace is refused', function () {
      expect(problem('secret/east/Bad_Name').message).to.include('invalid name');
    });
  });

  describe('lists', function () {
    it('keeps the order given', function () {
      const sources = ok('secret/b,configmap/a,issuer/c,clusterissuer/d');
      expect(sources.map((s) => s.text)).to.deep.equal(['secret/b', 'configmap/a', 'issuer/c', 'clusterissuer/d']);
    });

    it('removes duplicates, keeping the first spelling', function () {
      const sources = ok('secret/x, secret/x#ca.crt, Secret/x, secret/east/x, secret/x');
      expect(sources).to.deep.equal([{ kind: 'secret', name: 'x', key: 'ca.crt', text: 'secret/x' }]);
    });

    it('different keys, kinds or names are not duplicates', function () {
      const sources = ok('secret/x,secret/x#tls.crt,configmap/x,issuer/x,clusterissuer/x,secret/y');
      expect(sources.map(sourceId)).to.deep.equal([
        'secret/x#ca.crt', 'secret/x#tls.crt', 'configmap/x#ca.crt', 'issuer/x', 'clusterissuer/x', 'secret/y#ca.crt',
      ]);
    });

    it('issuer duplicates are removed too', function () {
      expect(ok('issuer/a, Issuer/a, issuer/east/a')).to.have.length(1);
    });

    it('ignores spaces, trailing and repeated commas', function () {
      const sources = ok('  secret/a ,, configmap/b#k.pem ,\n issuer/c,  ');
      expect(sources).to.deep.equal([
        { kind: 'secret', name: 'a', key: 'ca.crt', text: 'secret/a' },
        { kind: 'configmap', name: 'b', key: 'k.pem', text: 'configmap/b#k.pem' },
        { kind: 'issuer', name: 'c', text: 'issuer/c' },
      ]);
    });

    it('one bad item does not drop the good ones', function () {
      const r = parse('secret/a, bogus/b, secret/west/c, configmap/d#bad key, issuer/e');
      expect(r.sources.map((s) => s.text)).to.deep.equal(['secret/a', 'issuer/e']);
      expect(r.problems.map((p) => p.reason)).to.deep.equal(['InvalidAnnotation', 'CrossNamespaceRefused', 'InvalidAnnotation']);
      expect(r.problems[0]!.message).to.include('bogus/b');
      expect(r.problems[1]!.message).to.include('secret/west/c');
      expect(r.problems[2]!.message).to.include('configmap/d#bad key');
    });

    it('a long bad item is shortened in the message', function () {
      const raw = `secret/${'X'.repeat(300)}`;
      const p = problem(raw);
      expect(p.message.length).to.be.below(300);
      expect(p.message).to.include('…');
    });
  });
});

describe('parseTrustSources: bounded fan-out', function () {
  const list = (n: number, item = (i: number): string => `secret/ca-${i}`): string => Array.from({ length: n }, (_, i) => item(i)).join(',');

  it(`accepts ${MAX_TRUST_SOURCES} sources`, function () {
    expect(ok(list(MAX_TRUST_SOURCES))).to.have.length(MAX_TRUST_SOURCES);
  });

  it('refuses one more with a single problem that says the cap and the count', function () {
    const p = problem(list(MAX_TRUST_SOURCES + 1));
    expect(p.reason).to.equal('InvalidAnnotation');
    expect(p.message).to.include(`names ${MAX_TRUST_SOURCES + 1} sources`).and.include(`at most ${MAX_TRUST_SOURCES}`);
  });

  it('counts items as given, duplicates and invalid ones included, and ignores empty ones', function () {
    expect(problem(list(MAX_TRUST_SOURCES + 1, () => 'secret/same')).message).to.include(`names ${MAX_TRUST_SOURCES + 1} sources`);
    expect(ok(`${list(MAX_TRUST_SOURCES)},, ,`)).to.have.length(MAX_TRUST_SOURCES);
  });

  it('100,000 invalid items: one problem, not one per item, in linear time', function () {
    const raw = list(100_000, () => 'bogus');
    const t = performance.now();
    const p = problem(raw);
    // Generous for a loaded machine: the split takes milliseconds; one parse and problem per item took far longer.
    expect(performance.now() - t).to.be.below(10_000);
    expect(p.message).to.include('names 100000 sources');
  });
});

describe('sourceId', function () {
  it('KIND/NAME#KEY for secret and configmap, KIND/NAME for issuers', function () {
    expect(sourceId({ kind: 'secret', name: 'a', key: 'ca.crt', text: 'whatever' })).to.equal('secret/a#ca.crt');
    expect(sourceId({ kind: 'configmap', name: 'a', key: 'k', text: 'x' })).to.equal('configmap/a#k');
    expect(sourceId({ kind: 'issuer', name: 'a', text: 'x' })).to.equal('issuer/a');
    expect(sourceId({ kind: 'clusterissuer', name: 'a', text: 'x' })).to.equal('clusterissuer/a');
  });

  it('is independent of the spelling', function () {
    const [a] = ok('Secret/east/x');
    const [b] = ok('secret/x#ca.crt');
    expect(a!.text).to.not.equal(b!.text);
    expect(sourceId(a!)).to.equal(sourceId(b!));
  });
});
