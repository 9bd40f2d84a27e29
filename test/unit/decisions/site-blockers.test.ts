import { expect } from 'chai';
import type { Connector, Listener } from '../../../src/model/skupper.js';
import {
  blockedSites, blockerMessage, referencedSecrets, secretPresence, siteBlockers, siteLine,
  type SecretPresence, type SiteBlocker,
} from '../../../src/decisions/site-blockers.js';

function listener(namespace: string, name: string, tlsCredentials?: string, annotations: Record<string, string> = {}): Listener {
  return {
    apiVersion: 'skupper.io/v2alpha1', kind: 'Listener', metadata: { name, namespace, annotations },
    spec: { routingKey: name, host: name, port: 8080, ...(tlsCredentials !== undefined ? { tlsCredentials } : {}) },
  };
}

function connector(namespace: string, name: string, tlsCredentials?: string, useClientCert = false): Connector {
  return {
    apiVersion: 'skupper.io/v2alpha1', kind: 'Connector', metadata: { name, namespace },
    spec: { routingKey: name, host: `${name}.example`, port: 5432, useClientCert, ...(tlsCredentials !== undefined ? { tlsCredentials } : {}) },
  };
}

/** Secrets by "namespace/name": a type, null for none, absent for never read. */
function presence(known: Record<string, string | null>): (ns: string, name: string) => SecretPresence {
  return (ns, name) => {
    const key = `${ns}/${name}`;
    return key in known ? secretPresence(undefined, known[key]) : { kind: 'unknown' };
  };
}

describe('site blockers: a tlsCredentials Skupper cannot read stalls the whole site (issue 14)', function () {
  describe('secretPresence', () => {
    it('a cached Secret is judged by its type, whatever a read said', () => {
      expect(secretPresence({ type: 'kubernetes.io/tls' }, null)).to.deep.equal({ kind: 'tls' });
      expect(secretPresence({ type: 'Opaque' }, undefined)).to.deep.equal({ kind: 'wrong-type', type: 'Opaque' });
      // No type at all is Opaque, as the API server says.
      expect(secretPresence({}, undefined)).to.deep.equal({ kind: 'wrong-type', type: 'Opaque' });
    });

    it('an uncached one by the direct read: none is missing, never read is unknown, a late kubernetes.io/tls is fine', () => {
      expect(secretPresence(undefined, null)).to.deep.equal({ kind: 'missing' });
      expect(secretPresence(undefined, undefined)).to.deep.equal({ kind: 'unknown' });
      expect(secretPresence(undefined, 'kubernetes.io/tls')).to.deep.equal({ kind: 'tls' });
      expect(secretPresence(undefined, 'example.com/custom')).to.deep.equal({ kind: 'wrong-type', type: 'example.com/custom' });
    });
  });

  describe('siteBlockers', () => {
    it('names every Listener and Connector, managed or hand-made, whose tlsCredentials is missing or of another type', () => {
      const blockers = siteBlockers(
        [
          listener('east', 'ghost', 'ghost-tls'),
          listener('east', 'good', 'good-tls'),
          listener('east', 'plain'),
          listener('east', 'empty', ''),
          listener('east', 'managed', 'managed-listener-tls', { 'cert-manager.io/issuer': 'ca' }),
        ],
        [connector('east', 'db', 'db-opaque'), connector('east', 'fine', 'good-tls'), connector('west', 'ca-only', 'gone')],
        presence({ 'east/ghost-tls': null, 'east/good-tls': 'kubernetes.io/tls', 'east/managed-listener-tls': null, 'east/db-opaque': 'Opaque', 'west/gone': null }),
      );
      expect(blockers).to.deep.equal([
        { namespace: 'east', kind: 'connector', name: 'db', secret: 'db-opaque', cause: 'wrong-type', type: 'Opaque' },
        { namespace: 'east', kind: 'listener', name: 'ghost', secret: 'ghost-tls', cause: 'missing' },
        { namespace: 'east', kind: 'listener', name: 'managed', secret: 'managed-listener-tls', cause: 'missing' },
        // A Connector without useClientCert gets the profile "<secret>-profile", but the named Secret must exist.
        { namespace: 'west', kind: 'connector', name: 'ca-only', secret: 'gone', cause: 'missing' },
      ]);
    });

    it('reports nothing about a name nothing is known of yet (not cached, not read)', () => {
      expect(siteBlockers([listener('east', 'a', 'a-tls')], [], presence({}))).to.deep.equal([]);
    });

    it('each object that names a missing Secret is a culprit, also when several name the same one', () => {
      const blockers = siteBlockers([listener('east', 'a', 'shared'), listener('east', 'b', 'shared')], [], presence({ 'east/shared': null }));
      expect(blockers.map((b) => b.name)).to.deep.equal(['a', 'b']);
      expect(referencedSecrets([listener('east', 'a', 'shared'), listener('east', 'b', 'shared'), listener('east', 'c')])).to.deep.equal([{ namespace: 'east', name: 'shared' }]);
    });
  });

  describe('what is said', () => {
    const missing: SiteBlocker = { namespace: 'east', kind: 'listener', name: 'ghost', secret: 'ghost-tls', cause: 'missing' };
    const wrong: SiteBlocker = { namespace: 'east', kind: 'connector', name: 'db', secret: 'db-opaque', cause: 'wrong-type', type: 'Opaque' };

    it('the culprit\'s Event names the Secret, says it blocks every Listener and Connector of the namespace, and what to do', () => {
      expect(blockerMessage(missing)).to.equal(
        'spec.tlsCredentials names Secret east/ghost-tls, which does not exist. Skupper\'s kube-adaptor stops applying TLS configuration for the whole site until it can read it: '
        + 'no renewed or new certificate of any Listener or Connector in namespace east is served meanwhile. To fix: create Secret ghost-tls (type kubernetes.io/tls) or remove spec.tlsCredentials; '
          + 'if the site is unblocked by removing the reference instead of providing the Secret, renew again what was renewed meanwhile (skupper-cert-rotator renew)',
      );
      expect(blockerMessage(wrong)).to.contain('names Secret east/db-opaque, which is of type Opaque, not kubernetes.io/tls, so Skupper ignores it.');
      expect(blockerMessage(wrong)).to.contain('recreate Secret db-opaque with type kubernetes.io/tls');
    });

    it('status: one line per blocked namespace, in namespace order, naming the culprits', () => {
      const sites = blockedSites([{ ...missing, namespace: 'west' }, missing, wrong]);
      expect(sites.map((s) => s.namespace)).to.deep.equal(['east', 'west']);
      const east = sites[0];
      if (!east) throw new Error('no east');
      expect(siteLine(east)).to.equal('SITE CONFIG BLOCKED in namespace east: listener/ghost names Secret ghost-tls (missing), connector/db names Secret db-opaque (type Opaque); '
        + 'Skupper serves no certificate change in east until they exist as kubernetes.io/tls');
    });

    it('a line stays bounded however many culprits a namespace has', () => {
      const many = Array.from({ length: 25 }, (_, i) => ({ ...missing, name: `l${i}` }));
      const line = siteLine({ namespace: 'east', blockers: many });
      expect(line).to.contain('… (15 more)');
      expect(line.match(/names Secret/g)).to.have.length(10);
    });
  });
});
