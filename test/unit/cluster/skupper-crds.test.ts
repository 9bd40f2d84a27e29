// The Skupper CRDs the local control plane installs are Skupper's own files,
// committed byte-for-byte: the manifest next to them holds their sha256, and
// where the upstream archive is present (cluster/skupper/sources.ts searchDirs:
// $SKUPPER_CERT_ROTATOR_THIRD_PARTY, ../shared/third_party beside the project, the
// download cache) they are compared with it.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { skupperCrdDir } from '../../../cluster/paths.js';
import { sourceArchives, topDir } from '../../../cluster/skupper/sources.js';
import { requireThirdParty } from '../../support/third-party.js';
import { Resources } from '../../../src/model/resources.js';

const skupper = sourceArchives.skupper;
/** Where the CRDs are in the Skupper source. */
const CRD_PATH = 'config/crd/bases';
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
const committedYaml = (): string[] => readdirSync(skupperCrdDir).filter((n) => n.endsWith('.yaml')).sort();

/** The SHA256SUMS manifest (`sha256sum` output: hash, two spaces, name) as name -> hash. */
function manifest(): Map<string, string> {
  const lines = readFileSync(join(skupperCrdDir, 'SHA256SUMS'), 'utf8').split('\n').filter((l) => l !== '');
  const out = new Map<string, string>();
  for (const line of lines) {
    const m = /^([0-9a-f]{64}) {2}([A-Za-z0-9_.-]+)$/.exec(line);
    expect(m, `SHA256SUMS line ${JSON.stringify(line)}`).to.not.equal(null);
    if (m?.[1] === undefined || m[2] === undefined) continue;
    expect(out.has(m[2]), `${m[2]} listed twice`).to.equal(false);
    out.set(m[2], m[1]);
  }
  return out;
}

describe('cluster/crds: Skupper CRDs from the Skupper source', function () {
  it(`lives in a folder named after the pinned Skupper source (${topDir(skupper)}, tag ${skupper.ref})`, function () {
    expect(basename(skupperCrdDir)).to.equal(topDir(skupper));
  });

  it('every committed file matches SHA256SUMS, which names exactly the committed CRDs', function () {
    const sums = manifest();
    expect([...sums.keys()].sort()).to.deep.equal(committedYaml());
    expect(readdirSync(skupperCrdDir).sort(), 'nothing but the CRDs and their manifest').to.deep.equal([...committedYaml(), 'SHA256SUMS'].sort());
    for (const [name, hash] of sums) expect(sha256(readFileSync(join(skupperCrdDir, name))), name).to.equal(hash);
  });

  it('holds 12 CustomResourceDefinitions of group skupper.io, among them the Listener and Connector the daemon reads', function () {
    const names: string[] = [];
    for (const f of committedYaml()) {
      const docs = (k8s.loadAllYaml(readFileSync(join(skupperCrdDir, f), 'utf8')) as (k8s.V1CustomResourceDefinition | null)[]).filter((d) => d !== null);
      expect(docs, f).to.have.length(1);
      const crd = docs[0];
      expect(crd?.kind, f).to.equal('CustomResourceDefinition');
      expect(crd?.spec.group, f).to.equal('skupper.io');
      names.push(crd?.metadata?.name ?? '');
    }
    expect(names).to.have.length(12);
    for (const r of [Resources.listener, Resources.connector]) expect(names).to.include(`${r.plural}.${r.group}`);
  });

  it(`are byte-identical to ${CRD_PATH}/ of ${skupper.file} (tag ${skupper.ref}, sha256 checked), all of it`, function () {
    this.timeout(60_000);
    const archive = requireThirdParty(skupper.file);
    expect(sha256(readFileSync(archive)), `sha256 of ${archive}`).to.equal(skupper.sha256);
    const tmp = mkdtempSync(join(tmpdir(), 'skupper-crds-'));
    try {
      const member = `${topDir(skupper)}/${CRD_PATH}`;
      const res = spawnSync('tar', ['-xzf', archive, '-C', tmp, member], { encoding: 'utf8' });
      if (res.error) throw res.error;
      expect(res.status, `tar -xzf ${archive} ${member}: ${res.stderr}`).to.equal(0);
      const upstreamDir = join(tmp, member);
      const upstream = readdirSync(upstreamDir).sort();
      for (const n of upstream) expect(statSync(join(upstreamDir, n)).isFile(), `${member}/${n} is a file`).to.equal(true);
      expect(upstream, `the files of ${member}`).to.have.length(12);
      expect(committedYaml(), `committed vs ${member}`).to.deep.equal(upstream);
      for (const n of upstream) {
        const want = readFileSync(join(upstreamDir, n));
        expect(readFileSync(join(skupperCrdDir, n)).equals(want), `${n} differs from upstream`).to.equal(true);
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
