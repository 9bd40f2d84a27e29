import { expect } from 'chai';
import type { V1Secret } from '@kubernetes/client-node';
import { decodeRecord, encodeRecord, planRoll, secretDigest } from '../../../src/decisions/roll-plan.js';

function secret(data: Record<string, string>, annotations: Record<string, string> = {}): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'backend-listener-tls', namespace: 'east', annotations },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
}

const BASE = { 'tls.crt': 'CERT-1', 'tls.key': 'KEY-1', 'ca.crt': 'CA-1' };

describe('roll/plan', () => {
  describe('secretDigest', () => {
    it('is a stable 16-character hex digest', () => {
      const a = secretDigest(secret(BASE));
      expect(a).to.match(/^[0-9a-f]{16}$/);
      expect(secretDigest(secret({ ...BASE }))).to.equal(a);
      expect(secretDigest(secret(BASE))).to.equal(a);
    });

    it('is the digest earlier versions recorded on Deployments (a new one would restart every router after an upgrade)', () => {
      // sha256 of "tls.crt\0<base64>\0tls.key\0…" in hex, first 16 characters, as computed before it was made a string of its own.
      const s: V1Secret = { metadata: { name: 'x' }, data: { 'tls.crt': 'Y2VydA==', 'tls.key': 'a2V5', 'ca.crt': 'Y2E=' } };
      expect(secretDigest(s)).to.equal('ce1f53490d52329f');
    });

    for (const key of ['tls.crt', 'tls.key', 'ca.crt'] as const) {
      it(`changes with ${key}`, () => {
        expect(secretDigest(secret({ ...BASE, [key]: 'OTHER' }))).to.not.equal(secretDigest(secret(BASE)));
      });

      it(`changes when ${key} is removed`, () => {
        const without = Object.fromEntries(Object.entries(BASE).filter(([k]) => k !== key));
        expect(secretDigest(secret(without))).to.not.equal(secretDigest(secret(BASE)));
      });
    }

    it('does not change with other keys, annotations or metadata', () => {
      const d = secretDigest(secret(BASE));
      expect(secretDigest(secret({ ...BASE, 'extra.txt': 'noise' }))).to.equal(d);
      expect(secretDigest(secret(BASE, { 'skupper.io/tls-prior-valid-revisions': '2' }))).to.equal(d);
      const renamed = secret(BASE);
      renamed.metadata = { name: 'other', namespace: 'west', resourceVersion: '42' };
      expect(secretDigest(renamed)).to.equal(d);
    });

    it('does not confuse values moved between keys', () => {
      const swapped = secretDigest(secret({ 'tls.crt': 'KEY-1', 'tls.key': 'CERT-1', 'ca.crt': 'CA-1' }));
      expect(swapped).to.not.equal(secretDigest(secret(BASE)));
    });

    it('treats a Secret without data like one with empty keys', () => {
      const empty: V1Secret = { metadata: { name: 'x' } };
      expect(secretDigest(empty)).to.equal(secretDigest(secret({ 'tls.crt': '', 'tls.key': '', 'ca.crt': '' })));
      expect(secretDigest(empty)).to.not.equal(secretDigest(secret(BASE)));
    });
  });

  describe('decodeRecord / encodeRecord', () => {
    it('round-trips a record', () => {
      const record = { 'east/backend-listener-tls': 'aaaa', 'east/db-connector-tls': 'bbbb' };
      expect(decodeRecord(encodeRecord(record))).to.deep.equal(record);
    });

    it('encodes with sorted keys, so insertion order does not matter', () => {
      const a = encodeRecord({ zeta: '1', alpha: '2', mid: '3' });
      expect(a).to.equal('{"alpha":"2","mid":"3","zeta":"1"}');
      expect(encodeRecord({ mid: '3', zeta: '1', alpha: '2' })).to.equal(a);
      expect(encodeRecord({})).to.equal('{}');
    });

    it('decodes garbage, absence and non-objects to {}', () => {
      for (const text of [undefined, '', 'not json', '{', '[]', '["a"]', 'null', '42', '"text"', 'true']) {
        expect(decodeRecord(text), String(text)).to.deep.equal({});
      }
    });

    it('drops entries whose value is not a string', () => {
      expect(decodeRecord('{"a":"x","b":1,"c":null,"d":{"e":"f"},"g":["h"]}')).to.deep.equal({ a: 'x' });
    });
  });

  describe('planRoll', () => {
    it('records a Secret seen for the first time without a restart', () => {
      const plan = planRoll({}, { a: 'd1' }, new Set(['a']));
      expect(plan.changed).to.deep.equal([]);
      expect(plan.record).to.deep.equal({ a: 'd1' });
      expect(plan.recordChanged).to.equal(true);
    });

    it('reports a changed digest', () => {
      const plan = planRoll({ a: 'd1', b: 'e1' }, { a: 'd2', b: 'e1' }, new Set(['a', 'b']));
      expect(plan.changed).to.deep.equal(['a']);
      expect(plan.record).to.deep.equal({ a: 'd2', b: 'e1' });
      expect(plan.recordChanged).to.equal(true);
    });

    it('sorts the changed Secrets', () => {
      const plan = planRoll({ z: '1', a: '1', m: '1' }, { z: '2', m: '2', a: '2' }, new Set(['a', 'm', 'z']));
      expect(plan.changed).to.deep.equal(['a', 'm', 'z']);
    });

    it('keeps the old record of a referenced Secret that is not verified now', () => {
      const plan = planRoll({ a: 'd1', b: 'e1' }, { b: 'e1' }, new Set(['a', 'b']));
      expect(plan.changed).to.deep.equal([]);
      expect(plan.record).to.deep.equal({ a: 'd1', b: 'e1' });
      expect(plan.recordChanged).to.equal(false);
      // ... so its next good revision still rolls.
      const later = planRoll(plan.record, { a: 'd2', b: 'e1' }, new Set(['a', 'b']));
      expect(later.changed).to.deep.equal(['a']);
    });

    it('forgets a Secret that is no longer referenced', () => {
      const plan = planRoll({ a: 'd1', gone: 'x' }, { a: 'd1' }, new Set(['a']));
      expect(plan.record).to.deep.equal({ a: 'd1' });
      expect(plan.record).to.not.have.property('gone');
      expect(plan.changed).to.deep.equal([]);
      expect(plan.recordChanged).to.equal(true);
    });

    it('reports no change when everything is identical, whatever the key order', () => {
      const plan = planRoll({ b: 'e1', a: 'd1' }, { a: 'd1', b: 'e1' }, new Set(['a', 'b']));
      expect(plan.changed).to.deep.equal([]);
      expect(plan.recordChanged).to.equal(false);
      expect(plan.record).to.deep.equal({ a: 'd1', b: 'e1' });
    });

    it('does not modify its inputs', () => {
      const recorded = { a: 'd1', gone: 'x' };
      const current = { a: 'd2' };
      planRoll(recorded, current, new Set(['a']));
      expect(recorded).to.deep.equal({ a: 'd1', gone: 'x' });
      expect(current).to.deep.equal({ a: 'd2' });
    });
  });
});
