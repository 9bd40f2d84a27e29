// The PrometheusRule's promises to the person paged: every alert has a
// severity, a summary, a description and a runbook link that lands on a
// section of docs/runbooks.md (GitHub's anchor for a "## Name" heading).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { repoRoot } from '../../cluster/paths.js';
import { alertRuleGroups } from '../support/promtool.js';

const RUNBOOK_BASE = 'https://github.com/skupper-cert-rotator/skupper-cert-rotator/blob/main/docs/runbooks.md#';

function anchors(markdown: string): Set<string> {
  return new Set([...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((m) => (m[1] ?? '').trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-')));
}

describe('alert rules', function () {
  const alerts = alertRuleGroups().groups.flatMap((g) => g.rules).filter((r) => r.alert !== undefined);
  const sections = anchors(readFileSync(join(repoRoot, 'docs', 'runbooks.md'), 'utf8'));

  it('covers the alerts of SPEC §6 and the leadership alerts', function () {
    expect(alerts.map((a) => a.alert)).to.include.members([
      'SkupperCertExpiringSoon', 'SkupperCertExpiringVerySoon', 'SkupperCertRenewalOverdue', 'SkupperCertNotReady', 'SkupperCertHostNotCovered',
      'SkupperCABundleExpiring', 'SkupperServedCertificateStale', 'SkupperBackendTrustFailing', 'SkupperCertRotatorAbsent', 'SkupperCertRotatorReconcileErrors',
      'SkupperCertRotatorNoLeader', 'SkupperCertRotatorMultipleLeaders',
    ]);
  });

  it('covers what Skupper does not say (issue 14): a Listener Secret without ca.crt, a site blocked by a tlsCredentials', function () {
    expect(alerts.map((a) => a.alert)).to.include.members(['SkupperListenerCAMissing', 'SkupperSiteConfigBlocked']);
  });

  for (const a of alerts) {
    it(`${a.alert ?? '?'} has severity, summary, description and a runbook section`, function () {
      expect(a.labels?.severity).to.be.oneOf(['warning', 'critical']);
      expect(a.annotations?.summary).to.be.a('string').and.not.equal('');
      expect(a.annotations?.description).to.be.a('string').and.not.equal('');
      const url = a.annotations?.runbook_url ?? '';
      expect(url.startsWith(RUNBOOK_BASE), url).to.equal(true);
      const anchor = url.slice(RUNBOOK_BASE.length);
      expect(anchor).to.equal((a.alert ?? '').toLowerCase());
      expect(sections.has(anchor), `docs/runbooks.md has no "## ${a.alert ?? ''}" section`).to.equal(true);
    });
  }
});
