// The versions the TypeScript side reports and the Go wrapper modules build must agree.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { goModulesDir } from '../../cluster/paths.js';
import { versions } from '../../cluster/versions.js';

function required(module: string, path: string): string | undefined {
  const gomod = readFileSync(join(goModulesDir, module, 'go.mod'), 'utf8');
  const m = new RegExp(`^\\s*(?:require\\s+)?${path.replace(/[./]/g, '\\$&')}\\s+(v\\S+)`, 'm').exec(gomod);
  return m?.[1];
}

describe('pinned versions', function () {
  it('kube wrapper requires k8s.io/kubernetes at versions.kubernetes and maps staging modules to the same minor.patch', function () {
    expect(required('kube', 'k8s.io/kubernetes')).to.equal(versions.kubernetes);
    const gomod = readFileSync(join(goModulesDir, 'kube', 'go.mod'), 'utf8');
    const replaces = [...gomod.matchAll(/^replace (k8s\.io\/\S+) => \S+ (v\S+)$/gm)];
    expect(replaces.length).to.be.greaterThan(30);
    const staging = versions.kubernetes.replace(/^v1\./, 'v0.');
    for (const r of replaces) expect(r[2], r[1]).to.equal(staging);
  });
  it('etcd and cert-manager wrappers pin the same versions', function () {
    expect(required('etcd', 'go.etcd.io/etcd/server/v3')).to.equal(versions.etcd);
    expect(required('cert-manager', 'github.com/cert-manager/cert-manager')).to.equal(versions.certManager);
  });
  it('promtool wrapper pins versions.prometheus', function () {
    expect(required('prometheus', 'github.com/prometheus/prometheus')).to.equal(versions.prometheus);
  });
  it('helm wrapper pins versions.helm', function () {
    expect(required('helm', 'helm.sh/helm/v3')).to.equal(versions.helm);
  });
});
