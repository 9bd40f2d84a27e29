import { expect } from 'chai';
import { expiryOf, humanDuration, renderBlockedSites, renderTable, sortRows, type StatusRow } from '../../../src/commands/status.js';

const DAY = 86_400;
const HOUR = 3_600;
const NOW = new Date('2025-06-01T00:00:00Z');
const RED = '\x1b[31m';
const YELLOW = '\x1b[33m';
const GREEN = '\x1b[32m';
const RESET = '\x1b[0m';
const HEADER = ['NAMESPACE', 'KIND', 'NAME', 'SECRET', 'ISSUER', 'NOT-AFTER', 'TIME-LEFT', 'RENEWAL', 'STATE', 'LAST-ERROR'];

/** An instant as descriptions hold it: epoch milliseconds. */
function at(daysFromNow: number): number {
  return NOW.getTime() + daysFromNow * DAY * 1000;
}

function row(over: Partial<StatusRow> = {}): StatusRow {
  return { kind: 'listener', namespace: 'east', name: 'backend', managed: true, ready: true, state: 'Ready', problems: [], ...over };
}

/** Splits a rendered line into its cells using the column starts of the header. */
function cellsOf(header: string, line: string): string[] {
  const starts: number[] = [];
  let from = 0;
  for (const h of HEADER) {
    const s = header.indexOf(h, from);
    starts.push(s);
    from = s + h.length;
  }
  return starts.map((s, i) => line.slice(s, i + 1 < starts.length ? starts[i + 1] : undefined).trim());
}

describe('commands/status', () => {
  describe('humanDuration', () => {
    it('shows days and hours, dropping minutes', () => {
      expect(humanDuration(29 * DAY + 23 * HOUR + 59 * 60)).to.equal('29d 23h');
    });

    it('shows hours and minutes below a day', () => {
      expect(humanDuration(5 * HOUR + 3 * 60 + 20)).to.equal('5h 3m');
    });

    it('shows minutes alone below an hour', () => {
      expect(humanDuration(12 * 60 + 5)).to.equal('12m');
    });

    it('shows seconds below a minute', () => {
      expect(humanDuration(45)).to.equal('45s');
      expect(humanDuration(0)).to.equal('0s');
    });

    it('leaves out a zero second unit', () => {
      expect(humanDuration(2 * DAY)).to.equal('2d');
      expect(humanDuration(2 * DAY + 30 * 60)).to.equal('2d');
      expect(humanDuration(5 * HOUR)).to.equal('5h');
    });

    it('rounds fractional seconds', () => {
      expect(humanDuration(59.6)).to.equal('1m');
      expect(humanDuration(44.4)).to.equal('44s');
    });

    it('says how long ago a negative duration expired', () => {
      expect(humanDuration(-3 * DAY - 100)).to.equal('expired 3d ago');
      expect(humanDuration(-90)).to.equal('expired 1m ago');
      expect(humanDuration(-(5 * HOUR + 3 * 60))).to.equal('expired 5h 3m ago');
    });
  });

  describe('expiryOf', () => {
    it('takes the earlier of the leaf and the bundle', () => {
      expect(expiryOf({ notAfter: at(30), bundleNotAfter: at(10) })?.getTime()).to.equal(at(10));
      expect(expiryOf({ notAfter: at(5), bundleNotAfter: at(10) })?.getTime()).to.equal(at(5));
    });

    it('uses whichever date is present', () => {
      expect(expiryOf({ notAfter: at(3) })?.getTime()).to.equal(at(3));
      expect(expiryOf({ bundleNotAfter: at(4) })?.getTime()).to.equal(at(4));
    });

    it('is undefined without dates', () => {
      expect(expiryOf({})).to.equal(undefined);
    });
  });

  describe('sortRows', () => {
    it('puts the soonest expiry first, counting the bundle, and rows without dates last by namespace, kind and name', () => {
      const rows = [
        row({ name: 'no-date-b', namespace: 'west' }),
        row({ name: 'late', notAfter: at(60) }),
        row({ name: 'bundle-soon', notAfter: at(90), bundleNotAfter: at(2) }),
        row({ name: 'no-date-a', namespace: 'west', kind: 'connector' }),
        row({ name: 'leaf-soon', notAfter: at(5), bundleNotAfter: at(100) }),
        row({ name: 'no-date-c', namespace: 'east' }),
        row({ name: 'expired', notAfter: at(-1) }),
      ];
      const input = [...rows];
      const sorted = sortRows(rows);
      expect(sorted.map((r) => r.name)).to.deep.equal(['expired', 'bundle-soon', 'leaf-soon', 'late', 'no-date-c', 'no-date-a', 'no-date-b']);
      // A copy: the input keeps its order.
      expect(rows).to.deep.equal(input);
      expect(sorted).to.not.equal(rows);
    });

    it('orders equal expiries by namespace, kind and name', () => {
      const sorted = sortRows([
        row({ namespace: 'b', name: 'x', notAfter: at(1) }),
        row({ namespace: 'a', name: 'y', notAfter: at(1) }),
        row({ namespace: 'a', name: 'x', notAfter: at(1), kind: 'listener' }),
        row({ namespace: 'a', name: 'z', notAfter: at(1), kind: 'connector' }),
      ]);
      expect(sorted.map((r) => `${r.namespace}/${r.kind}/${r.name}`)).to.deep.equal(['a/connector/z', 'a/listener/x', 'a/listener/y', 'b/listener/x']);
    });
  });

  describe('renderTable', () => {
    const full = row({
      namespace: 'east',
      name: 'backend',
      secret: 'backend-listener-tls',
      issuer: 'ClusterIssuer/ca',
      notAfter: at(30),
      bundleNotAfter: at(90),
      renewalTime: at(20),
    });
    const bare = row({ kind: 'connector', namespace: 'a-much-longer-namespace', name: 'db', managed: false, ready: false, state: 'NoTLS' });

    it('starts with the header and aligns every column', () => {
      const out = renderTable([full, bare], NOW, false);
      expect(out.endsWith('\n')).to.equal(true);
      const lines = out.trimEnd().split('\n');
      expect(lines).to.have.length(3);
      const header = lines[0]!;
      expect(header.split(/\s+/)).to.deep.equal(HEADER);
      expect(cellsOf(header, lines[1]!)).to.deep.equal([
        'east', 'listener', 'backend', 'backend-listener-tls', 'ClusterIssuer/ca', '2025-07-01T00:00:00Z', '30d', '2025-06-21T00:00:00Z', 'Ready', '-',
      ]);
      expect(cellsOf(header, lines[2]!)).to.deep.equal(['a-much-longer-namespace', 'connector', 'db', '-', '-', '-', '-', '-', 'NoTLS', '-']);
      // The widest value sets the column: the next column starts two spaces after it.
      expect(header.indexOf('KIND')).to.equal('a-much-longer-namespace'.length + 2);
      for (const line of lines) expect(line).to.equal(line.trimEnd());
    });

    it('shows the earlier bundle expiry and the time left to it', () => {
      const out = renderTable([row({ notAfter: at(30), bundleNotAfter: at(2) })], NOW, false);
      const [header, line] = out.trimEnd().split('\n');
      const cells = cellsOf(header!, line!);
      expect(cells[5]).to.equal('2025-06-03T00:00:00Z');
      expect(cells[6]).to.equal('2d');
    });

    it('shows an expired row with the time since expiry', () => {
      const out = renderTable([row({ notAfter: at(-3), state: 'Expired', ready: false })], NOW, false);
      expect(out).to.include('expired 3d ago');
    });

    it('keeps milliseconds that are not zero', () => {
      const out = renderTable([row({ notAfter: at(1) + 250 })], NOW, false);
      expect(out).to.include('2025-06-02T00:00:00.250Z');
    });

    it('cuts a long LAST-ERROR to 80 characters ending in ...', () => {
      const long = `InvalidHost: ${'x'.repeat(200)}`;
      const out = renderTable([row({ lastError: long, state: 'Invalid' })], NOW, false);
      const line = out.trimEnd().split('\n')[1]!;
      const err = line.slice(line.indexOf('InvalidHost'));
      expect(err).to.have.length(80);
      expect(err.endsWith('...')).to.equal(true);
      expect(err.slice(0, 77)).to.equal(long.slice(0, 77));
    });

    it('keeps an 80-character LAST-ERROR whole', () => {
      const exact = `E: ${'y'.repeat(77)}`;
      expect(exact).to.have.length(80);
      const out = renderTable([row({ lastError: exact })], NOW, false);
      expect(out).to.include(exact);
      expect(out).to.not.include('...');
    });

    it('has no escape codes without colour', () => {
      const out = renderTable([row({ notAfter: at(-1), state: 'Expired' }), row({ notAfter: at(1) }), row({ notAfter: at(60) })], NOW, false);
      expect(out).to.not.include('\x1b[');
    });

    it('colours Expired red, a soon expiry yellow and a far Ready one green', () => {
      const rows = [
        row({ name: 'gone', notAfter: at(-1), state: 'Expired', ready: false }),
        row({ name: 'soon', notAfter: at(3) }),
        row({ name: 'bundle-soon', notAfter: at(60), bundleNotAfter: at(6.9) }),
        row({ name: 'far', notAfter: at(60) }),
        row({ name: 'missing', state: 'SecretMissing', ready: false }),
        row({ name: 'waiting', state: 'Issuing', ready: false }),
      ];
      const lines = renderTable(rows, NOW, true).trimEnd().split('\n');
      expect(lines[0]).to.not.include('\x1b[');
      const byName = (n: string): string => lines.find((l) => l.includes(` ${n} `) || l.includes(` ${n}`)) ?? '';
      expect(byName('gone').startsWith(RED)).to.equal(true);
      expect(byName('gone').endsWith(RESET)).to.equal(true);
      expect(byName('soon').startsWith(YELLOW)).to.equal(true);
      expect(byName('bundle-soon').startsWith(YELLOW)).to.equal(true);
      expect(byName('far').startsWith(GREEN)).to.equal(true);
      expect(byName('far').endsWith(RESET)).to.equal(true);
      expect(byName('missing').startsWith(RED)).to.equal(true);
      expect(byName('waiting')).to.not.include('\x1b[');
    });

    it('renders only the header for no rows', () => {
      expect(renderTable([], NOW, true)).to.equal(`${HEADER.join('  ')}\n`);
    });
  });

  describe('renderBlockedSites', () => {
    const site = { namespace: 'east', blockers: [{ namespace: 'east', kind: 'listener' as const, name: 'ghost', secret: 'ghost-tls', cause: 'missing' as const }] };

    it('prints nothing when no site is blocked', () => {
      expect(renderBlockedSites([], true)).to.equal('');
    });

    it('prints, after a blank line below the table, one line per blocked namespace naming the culprit; red on a terminal', () => {
      const plain = renderBlockedSites([site], false);
      expect(plain).to.equal('\nSITE CONFIG BLOCKED in namespace east: listener/ghost names Secret ghost-tls (missing); Skupper serves no certificate change in east until it exists as kubernetes.io/tls\n');
      const coloured = renderBlockedSites([site], true).trim();
      expect(coloured.startsWith(RED)).to.equal(true);
      expect(coloured.endsWith(RESET)).to.equal(true);
    });
  });
});
