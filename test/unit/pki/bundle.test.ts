import { expect } from 'chai';
import { encodeHistory } from '../../../src/decisions/trust-history.js';
import { buildBundle, type Bundle, type BundleInput, type HistoryEntry, type SourceCertificates } from '../../../src/pki/bundle.js';
import type { ParsedCertificate } from '../../../src/pki/certificate.js';
import { parseCertificates } from '../../../src/pki/certificate-scan.js';
import { makeCA, makeLeaf, type Issued } from '../../../cluster/certgen.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const OVERLAP = 7 * DAY_MS;

function parsed(issued: Issued): ParsedCertificate {
  const { certificates, problems } = parseCertificates(issued.certPem);
  expect(problems).to.deep.equal([]);
  expect(certificates).to.have.length(1);
  return certificates[0]!;
}

function src(source: string, ...certificates: ParsedCertificate[]): SourceCertificates {
  return { source, certificates };
}

function subjects(b: Bundle): string[] {
  return b.entries.map((e) => e.certificate.subject);
}

/** The subjects in the PEM itself, in order: what the router actually reads. */
function pemSubjects(pem: string): string[] {
  return parseCertificates(pem).certificates.map((c) => c.subject);
}

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((x, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [x, ...rest]));
}

describe('buildBundle', function () {
  this.timeout(60_000);

  let now: Date;
  let A: ParsedCertificate;
  let B: ParsedCertificate;
  let C: ParsedCertificate;
  let expired: ParsedCertificate;
  let future: ParsedCertificate;
  let short: ParsedCertificate;
  let leaf: ParsedCertificate;
  let twinOld: ParsedCertificate;
  let twinNew: ParsedCertificate;
  let same1: ParsedCertificate;
  let same2: ParsedCertificate;

  function build(input: Partial<BundleInput> & { sources: SourceCertificates[] }): Bundle {
    return buildBundle({ previous: [], history: new Map(), now, overlapMs: OVERLAP, ...input });
  }

  function at(ms: number): Date {
    return new Date(now.getTime() + ms);
  }

  before(function () {
    now = new Date();
    const t = now.getTime();
    const caA = makeCA({ cn: 'ca-a' });
    A = parsed(caA);
    B = parsed(makeCA({ cn: 'ca-b' }));
    C = parsed(makeCA({ cn: 'ca-c' }));
    expired = parsed(makeCA({ cn: 'ca-expired', notBefore: new Date(t - 10 * DAY_MS), notAfter: new Date(t - DAY_MS) }));
    future = parsed(makeCA({ cn: 'ca-future', notBefore: new Date(t + DAY_MS), notAfter: new Date(t + 40 * DAY_MS) }));
    short = parsed(makeCA({ cn: 'ca-short', notBefore: new Date(t - DAY_MS), notAfter: new Date(t + 2 * DAY_MS) }));
    leaf = parsed(makeLeaf(caA, { cn: 'pinned-backend' }));
    twinOld = parsed(makeCA({ cn: 'ca-twin', notBefore: new Date(t - 2 * DAY_MS) }));
    twinNew = parsed(makeCA({ cn: 'ca-twin', notBefore: new Date(t - DAY_MS) }));
    const sameStart = new Date(Math.floor(t / 1000) * 1000 - 3 * DAY_MS);
    same1 = parsed(makeCA({ cn: 'ca-same', notBefore: sameStart }));
    same2 = parsed(makeCA({ cn: 'ca-same', notBefore: sameStart }));
    expect(same1.fingerprint).to.not.equal(same2.fingerprint);
    expect(same1.notBefore.getTime()).to.equal(same2.notBefore.getTime());
  });

  it('empty input: empty bundle', function () {
    const b = build({ sources: [] });
    expect(b.pem).to.equal('');
    expect(b.entries).to.deep.equal([]);
    expect(b.history.size).to.equal(0);
    expect(b.dropped).to.deep.equal([]);
    expect(b.notCA).to.deep.equal([]);
    expect(b).to.not.have.property('earliestNotAfter');
    expect(b).to.not.have.property('nextChange');
  });

  it('sources without certificates: empty bundle', function () {
    const b = build({ sources: [src('secret/a'), src('issuer/b')] });
    expect(b.pem).to.equal('');
    expect(b.entries).to.deep.equal([]);
  });

  describe('dedupe and order', function () {
    it('the same certificate in two sources is one entry listing both sources', function () {
      const b = build({ sources: [src('secret/y', A, B), src('issuer/x', A)] });
      expect(subjects(b)).to.deep.equal(['CN=ca-a', 'CN=ca-b']);
      expect(b.entries[0]!.sources).to.deep.equal(['issuer/x', 'secret/y']);
      expect(b.entries[1]!.sources).to.deep.equal(['secret/y']);
      expect(b.entries.every((e) => e.retainedUntil === undefined)).to.be.true;
      expect(b.pem).to.equal(A.pem + B.pem);
      expect(pemSubjects(b.pem)).to.deep.equal(['CN=ca-a', 'CN=ca-b']);
      expect([...b.history.keys()].sort()).to.deep.equal([A.fingerprint, B.fingerprint].sort());
    });

    it('the same certificate twice in one source is one entry with that source once', function () {
      const b = build({ sources: [src('secret/x', A, A)] });
      expect(b.entries).to.have.length(1);
      expect(b.entries[0]!.sources).to.deep.equal(['secret/x']);
      expect(b.pem).to.equal(A.pem);
    });

    it('the order is by subject, then notBefore, then fingerprint, whatever the source order', function () {
      const certs = [C, twinNew, same2, A, twinOld, same1, B];
      const [first, second] = [same1, same2].sort((x, y) => (x.fingerprint < y.fingerprint ? -1 : 1));
      const expected = [A, B, C, first!, second!, twinOld, twinNew].map((c) => c.pem).join('');
      const b = build({ sources: [src('s', ...certs)] });
      expect(b.pem).to.equal(expected);
      expect(subjects(b)).to.deep.equal(['CN=ca-a', 'CN=ca-b', 'CN=ca-c', 'CN=ca-same', 'CN=ca-same', 'CN=ca-twin', 'CN=ca-twin']);
      expect(b.entries[5]!.certificate.fingerprint).to.equal(twinOld.fingerprint);
    });

    it('pem bytes are independent of the order of sources and of certificates inside a source', function () {
      const reference = build({ sources: [src('s1', A, same1), src('s2', B, twinNew), src('s3', A, C, same2)] });
      const s1 = [A, same1];
      const s2 = [B, twinNew];
      const s3 = [A, C, same2];
      const seen = new Set<string>();
      for (const order of permutations([0, 1, 2])) {
        for (const inner of [false, true]) {
          const lists = [s1, s2, s3].map((l) => (inner ? [...l].reverse() : l));
          const sources = order.map((i) => src(`s${i + 1}`, ...lists[i]!));
          const b = build({ sources });
          seen.add(b.pem);
          expect(b.entries.map((e) => e.sources)).to.deep.equal(reference.entries.map((e) => e.sources));
          expect(encodeHistory(b.history)).to.equal(encodeHistory(reference.history));
        }
      }
      expect([...seen]).to.deep.equal([reference.pem]);
      expect(reference.entries.find((e) => e.certificate.fingerprint === A.fingerprint)!.sources).to.deep.equal(['s1', 's3']);
    });

    it('removing a duplicate source changes neither the pem nor the encoded history', function () {
      const both = build({ sources: [src('issuer/ca', A, B), src('secret/copy', A)] });
      const one = build({ sources: [src('issuer/ca', A, B)] });
      expect(one.pem).to.equal(both.pem);
      expect(encodeHistory(one.history)).to.equal(encodeHistory(both.history));

      // And as the next reconcile sees it: last bundle and history carried over.
      const next = build({ sources: [src('issuer/ca', A, B)], previous: parseCertificates(both.pem).certificates, history: both.history, now: at(HOUR_MS) });
      expect(next.pem).to.equal(both.pem);
      expect(encodeHistory(next.history)).to.equal(encodeHistory(both.history));
      expect(next.dropped).to.deep.equal([]);
      expect(next.entries.every((e) => e.sources.length > 0)).to.be.true;
    });
  });

  describe('validity', function () {
    it('expired certificates in sources are dropped as expired, once', function () {
      const b = build({ sources: [src('s1', A, expired), src('s2', expired)] });
      expect(subjects(b)).to.deep.equal(['CN=ca-a']);
      expect(b.pem).to.equal(A.pem);
      expect(b.dropped).to.deep.equal([{ fingerprint: expired.fingerprint, subject: 'CN=ca-expired', reason: 'expired' }]);
      expect(b.history.has(expired.fingerprint)).to.be.false;
    });

    it('an expired certificate in previous is dropped as expired, not retained', function () {
      const history = new Map<string, HistoryEntry>([[expired.fingerprint, { firstSeen: at(-9 * DAY_MS), notAfter: expired.notAfter, leftSourcesAt: at(-HOUR_MS) }]]);
      const b = build({ sources: [src('s', A)], previous: [A, expired], history });
      expect(b.pem).to.equal(A.pem);
      expect(b.dropped).to.deep.equal([{ fingerprint: expired.fingerprint, subject: 'CN=ca-expired', reason: 'expired' }]);
      expect(b.history.has(expired.fingerprint)).to.be.false;
      expect([...b.history.keys()]).to.deep.equal([A.fingerprint]);
    });

    it('an expired certificate both in a source and in previous is reported once', function () {
      const b = build({ sources: [src('s', expired)], previous: [expired] });
      expect(b.pem).to.equal('');
      expect(b.dropped).to.have.length(1);
      expect(b.dropped[0]!.reason).to.equal('expired');
    });

    it('a certificate expires at its notAfter', function () {
      expect(build({ sources: [src('s', short)], now: new Date(short.notAfter.getTime() - 1000) }).pem).to.equal(short.pem);
      const b = build({ sources: [src('s', short)], now: short.notAfter });
      expect(b.pem).to.equal('');
      expect(b.dropped.map((d) => d.reason)).to.deep.equal(['expired']);
    });

    it('a not-yet-valid CA is kept (pre-distribution of the next CA)', function () {
      const b = build({ sources: [src('s', A, future)] });
      expect(subjects(b)).to.deep.equal(['CN=ca-a', 'CN=ca-future']);
      expect(b.pem).to.equal(A.pem + future.pem);
      expect(b.dropped).to.deep.equal([]);
    });
  });

  describe('history and overlap', function () {
    it('a certificate in previous but in no source is retained for the overlap from now', function () {
      const b = build({ sources: [src('s', A)], previous: [A, B] });
      expect(subjects(b)).to.deep.equal(['CN=ca-a', 'CN=ca-b']);
      expect(b.pem).to.equal(A.pem + B.pem);
      const kept = b.entries[1]!;
      expect(kept.sources).to.deep.equal([]);
      expect(kept.retainedUntil!.getTime()).to.equal(now.getTime() + OVERLAP);
      const h = b.history.get(B.fingerprint)!;
      expect(h.leftSourcesAt!.getTime()).to.equal(now.getTime());
      expect(h.firstSeen.getTime()).to.equal(now.getTime());
      expect(h.notAfter.getTime()).to.equal(B.notAfter.getTime());
      expect(b.entries[0]!.retainedUntil).to.equal(undefined);
      expect(b.history.get(A.fingerprint)!.leftSourcesAt).to.equal(undefined);
      expect(b.dropped).to.deep.equal([]);
    });

    it('the retention ends at notAfter when that comes before the overlap', function () {
      const b = build({ sources: [src('s', A)], previous: [A, short] });
      const kept = b.entries.find((e) => e.certificate.fingerprint === short.fingerprint)!;
      expect(kept.retainedUntil!.getTime()).to.equal(short.notAfter.getTime());
      expect(b.history.get(short.fingerprint)!.leftSourcesAt!.getTime()).to.equal(now.getTime());
    });

    it('the retained certificate stays until the overlap ends, then is dropped as overlap-ended', function () {
      const first = build({ sources: [src('s', A)], previous: [A, B] });
      const carry = (t: number): Bundle => build({ sources: [src('s', A)], previous: parseCertificates(first.pem).certificates, history: first.history, now: at(t) });

      const during = carry(OVERLAP - 1000);
      expect(during.pem).to.equal(A.pem + B.pem);
      expect(during.entries[1]!.retainedUntil!.getTime()).to.equal(now.getTime() + OVERLAP);
      expect(during.history.get(B.fingerprint)!.leftSourcesAt!.getTime()).to.equal(now.getTime());
      expect(encodeHistory(during.history)).to.equal(encodeHistory(first.history));

      const after = carry(OVERLAP + 1000);
      expect(after.pem).to.equal(A.pem);
      expect(after.dropped).to.deep.equal([{ fingerprint: B.fingerprint, subject: 'CN=ca-b', reason: 'overlap-ended' }]);
      expect(after.history.has(B.fingerprint)).to.be.false;
    });

    it('leftSourcesAt from the history is kept: the overlap runs from it, not from now', function () {
      const left = at(-5 * DAY_MS);
      const history = new Map<string, HistoryEntry>([
        [A.fingerprint, { firstSeen: at(-20 * DAY_MS), notAfter: A.notAfter }],
        [B.fingerprint, { firstSeen: at(-20 * DAY_MS), notAfter: B.notAfter, leftSourcesAt: left }],
      ]);
      const b = build({ sources: [src('s', A)], previous: [A, B], history });
      const kept = b.entries.find((e) => e.certificate.fingerprint === B.fingerprint)!;
      expect(kept.retainedUntil!.getTime()).to.equal(left.getTime() + OVERLAP);
      const h = b.history.get(B.fingerprint)!;
      expect(h.leftSourcesAt!.getTime()).to.equal(left.getTime());
      expect(h.firstSeen.getTime()).to.equal(at(-20 * DAY_MS).getTime());
      expect(b.nextChange!.getTime()).to.equal(left.getTime() + OVERLAP);
    });

    it('a history leftSourcesAt older than the overlap drops the certificate now', function () {
      const history = new Map<string, HistoryEntry>([[B.fingerprint, { firstSeen: at(-20 * DAY_MS), notAfter: B.notAfter, leftSourcesAt: at(-OVERLAP - 1000) }]]);
      const b = build({ sources: [src('s', A)], previous: [A, B], history });
      expect(b.pem).to.equal(A.pem);
      expect(b.dropped).to.deep.equal([{ fingerprint: B.fingerprint, subject: 'CN=ca-b', reason: 'overlap-ended' }]);
      expect(b.history.has(B.fingerprint)).to.be.false;
    });

    it('a certificate twice in previous whose overlap has ended is dropped once', function () {
      const zero = build({ sources: [src('s', A)], previous: [A, B, B], overlapMs: 0 });
      expect(zero.pem).to.equal(A.pem);
      expect(zero.dropped).to.deep.equal([{ fingerprint: B.fingerprint, subject: 'CN=ca-b', reason: 'overlap-ended' }]);
      expect(zero.history.has(B.fingerprint)).to.be.false;

      const history = new Map<string, HistoryEntry>([[B.fingerprint, { firstSeen: at(-20 * DAY_MS), notAfter: B.notAfter, leftSourcesAt: at(-OVERLAP - 1000) }]]);
      const ended = build({ sources: [src('s', A)], previous: [B, A, B, B], history });
      expect(ended.pem).to.equal(A.pem);
      expect(ended.dropped).to.deep.equal([{ fingerprint: B.fingerprint, subject: 'CN=ca-b', reason: 'overlap-ended' }]);

      // Nothing left at all: still one report per certificate.
      const empty = build({ sources: [], previous: [B, C, B, C], overlapMs: 0 });
      expect(empty.pem).to.equal('');
      expect(empty.dropped.map((d) => d.fingerprint).sort()).to.deep.equal([B.fingerprint, C.fingerprint].sort());
    });

    it('a certificate twice in previous still in its overlap is retained once', function () {
      const b = build({ sources: [src('s', A)], previous: [A, B, B] });
      expect(b.pem).to.equal(A.pem + B.pem);
      expect(b.entries).to.have.length(2);
      expect(b.dropped).to.deep.equal([]);
    });

    it('an expired certificate twice in previous is dropped once', function () {
      const b = build({ sources: [src('s', A)], previous: [expired, A, expired] });
      expect(b.pem).to.equal(A.pem);
      expect(b.dropped).to.deep.equal([{ fingerprint: expired.fingerprint, subject: 'CN=ca-expired', reason: 'expired' }]);
    });

    it('a zero overlap drops a departed certificate at once', function () {
      const b = build({ sources: [src('s', A)], previous: [A, B], overlapMs: 0 });
      expect(b.pem).to.equal(A.pem);
      expect(b.dropped.map((d) => d.reason)).to.deep.equal(['overlap-ended']);
    });

    it('firstSeen is kept from the history for known certificates and is now for new ones', function () {
      const history = new Map<string, HistoryEntry>([[A.fingerprint, { firstSeen: at(-10 * DAY_MS), notAfter: A.notAfter }]]);
      const b = build({ sources: [src('s', A, C)], previous: [A], history });
      expect(b.history.get(A.fingerprint)!.firstSeen.getTime()).to.equal(at(-10 * DAY_MS).getTime());
      expect(b.history.get(C.fingerprint)!.firstSeen.getTime()).to.equal(now.getTime());
      expect(b.history.get(C.fingerprint)!.notAfter.getTime()).to.equal(C.notAfter.getTime());
    });

    it('the history keeps only certificates in the bundle', function () {
      const history = new Map<string, HistoryEntry>([
        [A.fingerprint, { firstSeen: at(-10 * DAY_MS), notAfter: A.notAfter }],
        // In the history but neither in a source nor in the previous bundle: its bytes are gone.
        [C.fingerprint, { firstSeen: at(-10 * DAY_MS), notAfter: C.notAfter, leftSourcesAt: at(-DAY_MS) }],
      ]);
      const b = build({ sources: [src('s', A)], previous: [A], history });
      expect([...b.history.keys()]).to.deep.equal([A.fingerprint]);
      expect(b.pem).to.equal(A.pem);
    });

    it('a certificate that comes back into a source loses leftSourcesAt', function () {
      const history = new Map<string, HistoryEntry>([[B.fingerprint, { firstSeen: at(-10 * DAY_MS), notAfter: B.notAfter, leftSourcesAt: at(-DAY_MS) }]]);
      const b = build({ sources: [src('s', A, B)], previous: [A, B], history });
      const entry = b.entries.find((e) => e.certificate.fingerprint === B.fingerprint)!;
      expect(entry.sources).to.deep.equal(['s']);
      expect(entry.retainedUntil).to.equal(undefined);
      const h = b.history.get(B.fingerprint)!;
      expect(h.leftSourcesAt).to.equal(undefined);
      expect(h.firstSeen.getTime()).to.equal(at(-10 * DAY_MS).getTime());
      expect(JSON.parse(encodeHistory(b.history))).to.not.have.nested.property(`certificates.${B.fingerprint}.leftSourcesAt`);
    });

    it('does not modify the input history', function () {
      const entryB: HistoryEntry = { firstSeen: at(-10 * DAY_MS), notAfter: B.notAfter, leftSourcesAt: at(-DAY_MS) };
      const history = new Map<string, HistoryEntry>([[B.fingerprint, entryB]]);
      const before = encodeHistory(history);
      const b = build({ sources: [src('s', A, B)], previous: [A, B], history });
      expect(b.history).to.not.equal(history);
      expect(encodeHistory(history)).to.equal(before);
      expect(entryB.leftSourcesAt).to.not.equal(undefined);
    });
  });

  describe('reporting', function () {
    it('notCA lists leaf certificates, which stay in the bundle', function () {
      const b = build({ sources: [src('s', leaf, A)] });
      expect(b.notCA.map((e) => e.certificate.fingerprint)).to.deep.equal([leaf.fingerprint]);
      expect(b.notCA[0]!.sources).to.deep.equal(['s']);
      expect(b.pem).to.equal(A.pem + leaf.pem);
      expect(build({ sources: [src('s', A, B)] }).notCA).to.deep.equal([]);
    });

    it('earliestNotAfter and nextChange: the soonest expiry', function () {
      const b = build({ sources: [src('s', A, short, future)] });
      expect(b.earliestNotAfter!.getTime()).to.equal(short.notAfter.getTime());
      expect(b.nextChange!.getTime()).to.equal(short.notAfter.getTime());
      const c = build({ sources: [src('s', future)] });
      expect(c.earliestNotAfter!.getTime()).to.equal(future.notAfter.getTime());
      expect(c.nextChange!.getTime()).to.equal(future.notAfter.getTime());
    });

    it('nextChange: the end of an overlap when it comes before any expiry', function () {
      const b = build({ sources: [src('s', A)], previous: [A, B] });
      expect(b.nextChange!.getTime()).to.equal(now.getTime() + OVERLAP);
      expect(b.earliestNotAfter!.getTime()).to.equal(Math.min(A.notAfter.getTime(), B.notAfter.getTime()));
      expect(b.nextChange!.getTime()).to.be.below(b.earliestNotAfter!.getTime());
    });

    it('nextChange of a retained certificate that expires before its overlap ends is its notAfter', function () {
      const b = build({ sources: [src('s', A)], previous: [A, short] });
      expect(b.nextChange!.getTime()).to.equal(short.notAfter.getTime());
      expect(b.earliestNotAfter!.getTime()).to.equal(short.notAfter.getTime());
    });
  });
});
