// The pure parts of building a real Skupper site from source (cluster/skupper/):
// the checksum table, the cache keys, the skip lines, the patches against the
// pristine source, and .ci/run installing what the C build needs.
import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { repoRoot } from '../../../cluster/paths.js';
import { skupperGoBinaries, skupperGoKey } from '../../../cluster/skupper/go.js';
import { debianBuildPackages, missingPackagesMessage, protonKey, routerKey } from '../../../cluster/skupper/native.js';
import { applyPatches, skupperPatches, type Patch } from '../../../cluster/skupper/patches.js';
import { requireThirdParty } from '../../support/third-party.js';
import { downloadUrl, searchDirs, sha256File, skipMessage, sourceArchives, topDir, unpack, verify } from '../../../cluster/skupper/sources.js';

const archivePath = (file: string): string | undefined => searchDirs().map((d) => join(d.dir, file)).find((p) => existsSync(p));

/** Every non-test .go file under `dirs` of the tree, relative to it. */
function goFiles(root: string, dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f.endsWith('.go') && !f.endsWith('_test.go')) out.push(relative(root, p));
    }
  };
  for (const d of dirs) walk(join(root, d));
  return out;
}

describe('Skupper site build (cluster/skupper/)', function () {
  let tmp: string;
  beforeEach(function () { tmp = mkdtempSync(join(tmpdir(), 'skupper-build-')); });
  afterEach(function () { rmSync(tmp, { recursive: true, force: true }); });

  describe('the checksum table', function () {
    it('holds a sha256, a full commit and GitHub archive URL of each archive', function () {
      for (const a of Object.values(sourceArchives)) {
        expect(a.sha256, a.file).to.match(/^[0-9a-f]{64}$/);
        expect(a.commit, a.file).to.match(/^[0-9a-f]{40}$/);
        expect(a.commit.startsWith(a.ref) || a.ref === a.version, a.file).to.equal(true);
        // GitHub names the archive's top directory <repo>-<ref>: the archives here have that name.
        expect(topDir(a), a.file).to.equal(`${a.repo}-${a.ref}`);
        expect(downloadUrl(a)).to.equal(`https://github.com/${a.owner}/${a.repo}/archive/${a.ref}.tar.gz`);
      }
    });

    it('agrees with SOURCES.md beside the project (where it is)', function () {
      const sources = requireThirdParty('SOURCES.md');
      const text = readFileSync(sources, 'utf8');
      for (const a of Object.values(sourceArchives)) {
        const row = text.split('\n').find((l) => l.includes(`\`${a.file}\``));
        expect(row, `${a.file} in SOURCES.md`).to.be.a('string');
        expect(row).to.contain(a.sha256).and.to.contain(a.commit).and.to.contain(`github.com/${a.owner}/${a.repo}`);
      }
    });

    it('accepts the archives found and refuses any other bytes, naming both checksums', async function () {
      for (const a of Object.values(sourceArchives)) await verify(a, requireThirdParty(a.file));
      const fake = join(tmp, sourceArchives.router.file);
      writeFileSync(fake, 'not the router');
      const err = await verify(sourceArchives.router, fake).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(Error);
      expect((err as Error).message).to.contain(await sha256File(fake)).and.to.contain(sourceArchives.router.sha256).and.to.contain('refusing to use it');
    });
  });

  describe('the cache keys', function () {
    const patches: Patch[] = [{ name: 'a.patch', text: 'diff 1\n' }, { name: 'b.patch', text: 'diff 2\n' }];
    const controller = skupperGoBinaries.controller;

    it('change when a patch changes (its text, its name, one more) and not otherwise', function () {
      const key = skupperGoKey(controller, patches, 'go1.26.8');
      expect(skupperGoKey(controller, patches.map((p) => ({ ...p })), 'go1.26.8')).to.equal(key);
      expect(key).to.match(/^[0-9a-f]{12}$/);
      const variants = [
        [{ ...patches[0]!, text: 'diff 1 changed\n' }, patches[1]!],
        [{ ...patches[0]!, name: 'c.patch' }, patches[1]!],
        [...patches, { name: 'd.patch', text: '' }],
        [patches[0]!],
      ];
      for (const v of variants) expect(skupperGoKey(controller, v, 'go1.26.8'), JSON.stringify(v)).to.not.equal(key);
    });

    it('change with the Go toolchain, differ per binary, and the router follows Proton and the C toolchain', function () {
      expect(skupperGoKey(controller, patches, 'go1.27.0')).to.not.equal(skupperGoKey(controller, patches, 'go1.26.8'));
      expect(skupperGoKey(skupperGoBinaries.kubeAdaptor, patches, 'go1.26.8')).to.not.equal(skupperGoKey(controller, patches, 'go1.26.8'));
      const gcc12 = ['cc (Debian 12.2.0-14) 12.2.0', 'cmake version 3.25.1', 'Python 3.11.2'];
      const gcc14 = ['cc (Debian 14.2.0-19) 14.2.0', 'cmake version 3.25.1', 'Python 3.11.2'];
      expect(protonKey(gcc14)).to.not.equal(protonKey(gcc12));
      expect(routerKey(gcc14)).to.not.equal(routerKey(gcc12));
    });

    it('covers the committed patches (the build reads every *.patch of cluster/skupper/patches/)', function () {
      const names = skupperPatches().map((p) => p.name);
      expect(names).to.deep.equal(['profile-paths.patch', 'router-address.patch', 'router-ports.patch']);
    });
  });

  describe('the skip lines', function () {
    it('archives missing: one line with what is missing, where it looked and how to provide them', function () {
      const missing = [sourceArchives.router, sourceArchives.proton];
      const line = skipMessage(missing, ['/a/third_party', '/b/downloads'], 'fetch failed: getaddrinfo ENOTFOUND github.com');
      expect(line).to.not.contain('\n');
      for (const s of ['skupper-router-3.5.1.tar.gz', 'qpid-proton-e5d5c2b.tar.gz', '/a/third_party', '/b/downloads', 'ENOTFOUND', 'SKUPPER_CERT_ROTATOR_THIRD_PARTY', downloadUrl(sourceArchives.proton)]) {
        expect(line).to.contain(s);
      }
      expect(line).to.not.contain(sourceArchives.skupper.file);
    });

    it('searches $SKUPPER_CERT_ROTATOR_THIRD_PARTY first, then beside the project (and beside a local clone\'s origin), then the download cache', function () {
      const dirs = searchDirs({ SKUPPER_CERT_ROTATOR_THIRD_PARTY: '/x/y' }).map((d) => d.dir);
      expect(dirs[0]).to.equal('/x/y');
      expect(dirs[1]).to.equal(join(repoRoot, '..', 'shared', 'third_party'));
      expect(dirs.length, dirs.join(', ')).to.be.oneOf([3, 4]);
      if (dirs.length === 4) expect(dirs[2]).to.match(/[/\\]shared[/\\]third_party$/);
      expect(dirs[dirs.length - 1]).to.match(/skupper[/\\]downloads$/);
      expect(searchDirs({}).map((d) => d.dir)).to.deep.equal(dirs.slice(1));
    });

    it('C build packages missing: one line with the apt-get command to run (sudo unless root)', function () {
      const line = missingPackagesMessage(['libsasl2-dev', 'libunwind-dev'], false);
      expect(line).to.not.contain('\n');
      expect(line).to.contain('sudo apt-get install -y libsasl2-dev libunwind-dev');
      expect(missingPackagesMessage(['libsasl2-dev'], true)).to.contain(' apt-get install -y libsasl2-dev').and.not.contain('sudo');
    });

    it('.ci/run installs the same Debian packages the C build checks, with dpkg -s per package', function () {
      const ci = readFileSync(join(repoRoot, '.ci', 'run'), 'utf8');
      const m = /^skupper_build_packages=\(([^)]*)\)$/m.exec(ci);
      expect(m, '.ci/run: skupper_build_packages=(...)').to.not.equal(null);
      expect(m![1]!.trim().split(/\s+/)).to.deep.equal([...debianBuildPackages]);
      expect(ci).to.match(/dpkg -s "\$p"/);
    });
  });

  describe('the patches', function () {
    it('apply to the pristine skupper-2.2.1 and leave no fixed certificate path, router address or Listener port pool in what the controller and adaptor run', function () {
      const archive = requireThirdParty(sourceArchives.skupper.file);
      const src = unpack(sourceArchives.skupper, archive, tmp);
      applyPatches(src, skupperPatches(), 'skupper-2.2.1');
      const read = (f: string): string => readFileSync(join(src, f), 'utf8');
      expect(read('internal/kube/site/site.go')).to.contain('var SSL_PROFILE_PATH = qdr.SslProfilePath()').and.not.contain('const SSL_PROFILE_PATH');
      expect(read('internal/qdr/qdr.go')).to.contain('var SSL_PROFILE_PATH = SslProfilePath()');
      expect(read('internal/qdr/profile_paths.go')).to.contain('"SKUPPER_SSL_PROFILE_PATH", "/etc/skupper-router-certs"');
      expect(read('internal/kube/adaptor/router_address.go')).to.contain('"SKUPPER_ROUTER_AMQP_ADDRESS"');
      expect(read('internal/qdr/port_mapping.go')).to.contain('pool:     listenerPortPool(),').and.not.contain('ports.NewFreePorts()');
      expect(read('internal/qdr/listener_ports.go')).to.contain('os.Getenv("SKUPPER_LISTENER_PORT_RANGE")');
      // Whatever the controller and the adaptor are built from: the upstream literals are left only as defaults.
      const files = goFiles(src, ['cmd/controller', 'cmd/kube-adaptor', 'internal/kube', 'internal/qdr', 'internal/site', 'internal/flow']);
      const holding = (s: string): string[] => files.filter((f) => read(f).includes(s)).sort();
      expect(holding('"/etc/skupper-router-certs"')).to.deep.equal(['cmd/kube-adaptor/main.go', 'internal/qdr/profile_paths.go']); // main.go: SKUPPER_CONFIG_DIR's default
      expect(holding('"/etc/skupper-router-proxies"')).to.deep.equal(['internal/qdr/profile_paths.go']);
      expect(holding('localhost:5672')).to.deep.equal(['internal/kube/adaptor/router_address.go']);
      expect(holding('ports.NewFreePorts()')).to.deep.equal(['internal/qdr/listener_ports.go']);
    });

    it('fail loudly, naming the patch and the file, when an upstream line they change is not there', function () {
      const archive = archivePath(sourceArchives.skupper.file);
      let src: string;
      if (archive === undefined) {
        // No archive here: a tree with the files but not their upstream text.
        src = join(tmp, 'skupper-2.2.1');
        for (const f of ['internal/qdr/qdr.go', 'internal/kube/site/site.go']) {
          mkdirSync(join(src, f, '..'), { recursive: true });
          writeFileSync(join(src, f), 'package x\n');
        }
      } else {
        src = unpack(sourceArchives.skupper, archive, tmp);
        const qdr = join(src, 'internal/qdr/qdr.go');
        const text = readFileSync(qdr, 'utf8');
        expect(text).to.contain('const SSL_PROFILE_PATH = "/etc/skupper-router-certs"');
        writeFileSync(qdr, text.replace('const SSL_PROFILE_PATH = "/etc/skupper-router-certs"', 'const SSL_PROFILE_PATH = "/etc/elsewhere"'));
      }
      const before = readFileSync(join(src, 'internal/kube/site/site.go'), 'utf8');
      expect(() => { applyPatches(src, skupperPatches(), 'skupper-2.2.1'); }).to.throw(/profile-paths\.patch does not apply to skupper-2\.2\.1.*not found[\s\S]*internal\/(qdr\/qdr|kube\/site\/site)\.go[\s\S]*update the patch/);
      // All hunks of a patch or none: the file that did match is untouched.
      expect(readFileSync(join(src, 'internal/kube/site/site.go'), 'utf8')).to.equal(before);
      expect(existsSync(join(src, 'internal/qdr/profile_paths.go'))).to.equal(false);
    });
  });
});
