import { expect } from 'chai';
import { decodeHistory, encodeHistory, TRUST_HISTORY_ANNOTATION } from '../../../src/decisions/trust-history.js';
import type { HistoryEntry } from '../../../src/pki/bundle.js';

const FP_A = 'a'.repeat(64);
const FP_B = `0123456789abcdef${'b'.repeat(48)}`;
const FP_C = 'c'.repeat(64);

function entry(firstSeen: string, notAfter: string, leftSourcesAt?: string): HistoryEntry {
  return { firstSeen: new Date(firstSeen), notAfter: new Date(notAfter), ...(leftSourcesAt !== undefined ? { leftSourcesAt: new Date(leftSourcesAt) } : {}) };
}

function times(history: ReadonlyMap<string, HistoryEntry>): Record<string, { firstSeen: number; notAfter: number; leftSourcesAt?: number }> {
  const out: Record<string, { firstSeen: number; notAfter: number; leftSourcesAt?: number }> = {};
  for (const [fp, e] of history) {
    out[fp] = { firstSeen: e.firstSeen.getTime(), notAfter: e.notAfter.getTime(), ...(e.leftSourcesAt ? { leftSourcesAt: e.leftSourcesAt.getTime() } : {}) };
  }
  return out;
}

describe('trust history', function () {
  it('the annotation key', function () {
    expect(TRUST_HISTORY_ANNOTATION).to.equal('skupper-cert-rotator.io/trust-history');
  });

  describe('encodeHistory', function () {
    it('version 1 JSON with ISO times to the second, leftSourcesAt only when set', function () {
      const h = new Map([
        [FP_A, entry('2025-01-02T03:04:05.678Z', '2026-01-01T00:00:00Z')],
        [FP_B, entry('2024-06-01T00:00:00.999Z', '2025-12-31T23:59:59Z', '2025-03-04T05:06:07.001Z')],
      ]);
      const text = encodeHistory(h);
      expect(JSON.parse(text)).to.deep.equal({
        version: 1,
        certificates: {
          [FP_B]: { firstSeen: '2024-06-01T00:00:00Z', notAfter: '2025-12-31T23:59:59Z', leftSourcesAt: '2025-03-04T05:06:07Z' },
          [FP_A]: { firstSeen: '2025-01-02T03:04:05Z', notAfter: '2026-01-01T00:00:00Z' },
        },
      });
      expect(text).to.not.include('.000');
      expect(text).to.not.include('\n');
    });

    it('is canonical: insertion order does not matter, keys are sorted', function () {
      const a = entry('2025-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
      const b = entry('2025-02-01T00:00:00Z', '2026-02-01T00:00:00Z', '2025-03-01T00:00:00Z');
      const c = entry('2025-03-01T00:00:00Z', '2026-03-01T00:00:00Z');
      const one = encodeHistory(new Map([[FP_A, a], [FP_B, b], [FP_C, c]]));
      const two = encodeHistory(new Map([[FP_C, c], [FP_A, a], [FP_B, b]]));
      expect(one).to.equal(two);
      expect(Object.keys((JSON.parse(one) as { certificates: object }).certificates)).to.deep.equal([FP_B, FP_A, FP_C]);
    });

    it('milliseconds do not change the text', function () {
      const one = encodeHistory(new Map([[FP_A, entry('2025-01-01T00:00:00.000Z', '2026-01-01T00:00:00Z')]]));
      const two = encodeHistory(new Map([[FP_A, entry('2025-01-01T00:00:00.999Z', '2026-01-01T00:00:00.500Z')]]));
      expect(one).to.equal(two);
    });

    it('an empty history', function () {
      expect(JSON.parse(encodeHistory(new Map()))).to.deep.equal({ version: 1, certificates: {} });
    });
  });

  describe('decodeHistory', function () {
    it('round trip, to the second', function () {
      const h = new Map([
        [FP_A, entry('2025-01-02T03:04:05.678Z', '2026-01-01T00:00:00Z')],
        [FP_B, entry('2024-06-01T00:00:00.999Z', '2025-12-31T23:59:59Z', '2025-03-04T05:06:07.001Z')],
      ]);
      const decoded = decodeHistory(encodeHistory(h));
      expect(decoded.problem).to.equal(undefined);
      expect(times(decoded.history)).to.deep.equal({
        [FP_A]: { firstSeen: Date.parse('2025-01-02T03:04:05Z'), notAfter: Date.parse('2026-01-01T00:00:00Z') },
        [FP_B]: { firstSeen: Date.parse('2024-06-01T00:00:00Z'), notAfter: Date.parse('2025-12-31T23:59:59Z'), leftSourcesAt: Date.parse('2025-03-04T05:06:07Z') },
      });
      expect(decoded.history.get(FP_A)).to.not.have.property('leftSourcesAt');
      // And the decoded history encodes to the same bytes: a steady state writes nothing.
      expect(encodeHistory(decoded.history)).to.equal(encodeHistory(h));
    });

    it('undefined, empty or blank text: an empty history and no problem', function () {
      for (const text of [undefined, '', '  \n']) {
        const d = decodeHistory(text);
        expect(d.history.size, String(text)).to.equal(0);
        expect(d.problem, String(text)).to.equal(undefined);
        expect(d).to.not.have.property('problem');
      }
    });

    it('an empty certificates map is no problem', function () {
      const d = decodeHistory('{"version":1,"certificates":{}}');
      expect(d.history.size).to.equal(0);
      expect(d.problem).to.equal(undefined);
    });

    for (const text of ['{', 'not json', '{"version":1,"certificates":{"', '\u0000']) {
      it(`garbage ${JSON.stringify(text)} is a problem, not an exception`, function () {
        const d = decodeHistory(text);
        expect(d.history.size).to.equal(0);
        expect(d.problem).to.be.a('string').and.include(TRUST_HISTORY_ANNOTATION).and.include('not valid JSON');
      });
    }

    for (const text of ['{"version":2,"certificates":{}}', '{"certificates":{}}', '{"version":"1","certificates":{}}', 'null', '[]', '1', '"x"']) {
      it(`${text}: not a version 1 history`, function () {
        const d = decodeHistory(text);
        expect(d.history.size).to.equal(0);
        expect(d.problem).to.be.a('string').and.include('not a version 1 history');
      });
    }

    for (const text of ['{"version":1}', '{"version":1,"certificates":null}', '{"version":1,"certificates":"x"}']) {
      it(`${text}: no certificates map`, function () {
        const d = decodeHistory(text);
        expect(d.history.size).to.equal(0);
        expect(d.problem).to.be.a('string').and.include('no certificates map');
      });
    }

    it('bad entries are skipped and counted, good entries kept', function () {
      const good = { firstSeen: '2025-01-01T00:00:00Z', notAfter: '2026-01-01T00:00:00Z' };
      const text = JSON.stringify({
        version: 1,
        certificates: {
          [FP_A]: good,
          [FP_B]: { ...good, leftSourcesAt: '2025-06-01T00:00:00Z' },
          ['A'.repeat(64)]: good, // upper-case fingerprint
          ['a'.repeat(63)]: good, // too short
          [`${'c'.repeat(62)}:c`]: good,
          ['d'.repeat(64)]: { firstSeen: 'yesterday', notAfter: good.notAfter },
          ['e'.repeat(64)]: { firstSeen: good.firstSeen },
          ['f'.repeat(64)]: { ...good, leftSourcesAt: 'soon' },
          ['0'.repeat(64)]: { ...good, leftSourcesAt: null },
          ['1'.repeat(64)]: 'x',
          ['2'.repeat(64)]: null,
          ['3'.repeat(64)]: { firstSeen: 5, notAfter: good.notAfter },
        },
      });
      let d: ReturnType<typeof decodeHistory> | undefined;
      expect(() => { d = decodeHistory(text); }).to.not.throw();
      expect([...d!.history.keys()].sort()).to.deep.equal([FP_A, FP_B].sort());
      expect(d!.history.get(FP_B)!.leftSourcesAt!.toISOString()).to.equal('2025-06-01T00:00:00.000Z');
      expect(d!.problem).to.equal(`${TRUST_HISTORY_ANNOTATION}: 10 unreadable entries skipped`);
    });

    it('one bad entry: singular message', function () {
      const d = decodeHistory(JSON.stringify({ version: 1, certificates: { [FP_A]: { firstSeen: 'x', notAfter: 'y' } } }));
      expect(d.history.size).to.equal(0);
      expect(d.problem).to.equal(`${TRUST_HISTORY_ANNOTATION}: 1 unreadable entry skipped`);
    });

    describe('only ISO UTC times as encodeHistory writes them', function () {
      const good = { firstSeen: '2025-01-01T00:00:00Z', notAfter: '2026-01-01T00:00:00Z' };
      const BAD = [
        '202', // Date.parse: the year 202, which would end an overlap at once
        '1',
        'March 7',
        '2026-01-02T03:04:05', // no Z: Date.parse reads local time
        '2026-01-02',
        '2026-01-02 03:04:05Z',
        '2026-01-02T03:04:05+00:00',
        '2026-01-02T03:04:05.1234Z',
        '2026-01-02t03:04:05z',
        ' 2026-01-02T03:04:05Z',
        '+002026-01-02T03:04:05Z',
        '2026-13-01T00:00:00Z',
        'Fri, 02 Jan 2026 03:04:05 GMT',
      ];

      for (const bad of BAD) {
        for (const field of ['firstSeen', 'notAfter', 'leftSourcesAt'] as const) {
          it(`${JSON.stringify(bad)} as ${field} is skipped and counted`, function () {
            const text = JSON.stringify({ version: 1, certificates: { [FP_A]: good, [FP_B]: { ...good, [field]: bad } } });
            const d = decodeHistory(text);
            expect([...d.history.keys()]).to.deep.equal([FP_A]);
            expect(d.problem).to.equal(`${TRUST_HISTORY_ANNOTATION}: 1 unreadable entry skipped`);
          });
        }
      }

      it('all of them together are counted', function () {
        const certificates: Record<string, unknown> = { [FP_A]: good };
        BAD.forEach((bad, i) => { certificates[i.toString(16).padStart(64, '0')] = { ...good, leftSourcesAt: bad }; });
        const d = decodeHistory(JSON.stringify({ version: 1, certificates }));
        expect([...d.history.keys()]).to.deep.equal([FP_A]);
        expect(d.problem).to.equal(`${TRUST_HISTORY_ANNOTATION}: ${BAD.length} unreadable entries skipped`);
      });

      it('seconds with Z, and an optional fraction of up to three digits, are read exactly', function () {
        const d = decodeHistory(JSON.stringify({
          version: 1,
          certificates: {
            [FP_A]: { firstSeen: '2026-01-02T03:04:05Z', notAfter: '2027-01-02T03:04:05.678Z', leftSourcesAt: '2026-06-01T00:00:00.5Z' },
          },
        }));
        expect(d.problem).to.equal(undefined);
        expect(times(d.history)).to.deep.equal({
          [FP_A]: { firstSeen: Date.UTC(2026, 0, 2, 3, 4, 5), notAfter: Date.UTC(2027, 0, 2, 3, 4, 5, 678), leftSourcesAt: Date.UTC(2026, 5, 1, 0, 0, 0, 500) },
        });
      });
    });

    it('unknown extra fields are ignored', function () {
      const d = decodeHistory(JSON.stringify({ version: 1, note: 'hand edited', certificates: { [FP_A]: { firstSeen: '2025-01-01T00:00:00Z', notAfter: '2026-01-01T00:00:00Z', by: 'me' } } }));
      expect(d.problem).to.equal(undefined);
      expect(times(d.history)).to.deep.equal({ [FP_A]: { firstSeen: Date.parse('2025-01-01T00:00:00Z'), notAfter: Date.parse('2026-01-01T00:00:00Z') } });
    });
  });
});
