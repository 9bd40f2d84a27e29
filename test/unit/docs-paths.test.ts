// The docs name files and folders of this repository; a move (the layout of
// issue 13 moved most of them) must not leave a doc pointing at nothing.
import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../cluster/paths.js';

const ROOTS = ['src', 'test', 'cluster', 'scripts', 'bench', 'manifests', 'charts', 'dashboards', 'docs', '.ci'];
const PATH = new RegExp(`(?:\`|\\]\\()((?:${ROOTS.map((r) => r.replace('.', '\\.')).join('|')})/[A-Za-z0-9_./*<>-]*)`, 'g');

function docs(): string[] {
  const inDocs = readdirSync(join(repoRoot, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join('docs', f));
  return ['README.md', 'manifests/README.md', 'charts/skupper-cert-rotator/README.md', 'dashboards/README.md', 'cluster/crds/README.md', ...inDocs].filter((f) => existsSync(join(repoRoot, f)));
}

/** Repository paths a Markdown text names in code spans or links (globs and placeholders left out). */
export function namedPaths(markdown: string): string[] {
  const found = new Set<string>();
  for (const m of markdown.matchAll(PATH)) {
    const p = (m[1] ?? '').replace(/[.,:;)]+$/, '').replace(/#.*$/, '');
    if (p.includes('*') || p.includes('<') || p.endsWith('/...')) continue;
    found.add(p);
  }
  return [...found];
}

describe('docs name only paths that exist', function () {
  it('finds the paths a text names (self-check of the extraction)', function () {
    expect(namedPaths('see `src/kube/keys.ts`, [x](docs/rotation.md#windows) and `test/**/*.ts`')).to.deep.equal(['src/kube/keys.ts', 'docs/rotation.md']);
  });

  for (const doc of docs()) {
    it(doc, function () {
      const text = readFileSync(join(repoRoot, doc), 'utf8');
      const missing = namedPaths(text).filter((p) => !existsSync(join(repoRoot, p)));
      expect(missing, `${doc} names paths that do not exist (moved? update the doc)`).to.deep.equal([]);
    });
  }
});
