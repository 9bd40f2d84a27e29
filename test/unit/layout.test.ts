// The layout rules of "The house", checked on the import graph of every .ts
// file in src/, cluster/, scripts/, bench/ and test/ (read with the TypeScript
// parser). Each rule fails with every offending `file:line → import`.
import { expect } from 'chai';
import { repoRoot } from '../../cluster/paths.js';
import {
  buildImportGraph, describeEdge, findCycles, importsOf, lineCount, resolveSpecifier,
  type ImportEdge, type ImportGraph,
} from '../support/import-graph.js';

const SCANNED = ['src', 'cluster', 'scripts', 'bench', 'test'] as const;
const MAX_LINES = 300;

const under = (p: string, dir: string): boolean => p.startsWith(`${dir}/`);
const isProductionScript = (p: string): boolean => ['cluster', 'scripts', 'bench'].some((d) => under(p, d));
const isTest = (p: string): boolean => under(p, 'test');
/** Edges that lead to a file of the repository (or to a relative path that should be one). */
const localEdges = (g: ImportGraph): ImportEdge[] => g.edges.filter((e) => e.target === 'file' || e.target === 'unresolved');
/** `listener` for src/controllers/listener/x.ts, `.` for a file directly in src/controllers/, undefined outside. */
function controllerFolder(p: string): string | undefined {
  if (!under(p, 'src/controllers')) return undefined;
  const rest = p.slice('src/controllers/'.length);
  return rest.includes('/') ? rest.slice(0, rest.indexOf('/')) : '.';
}
/** `fs` for `node:fs/promises`, `fs/promises`, `fs`. */
const builtinName = (spec: string): string => spec.replace(/^node:/, '').split('/')[0] ?? spec;

/** What src/decisions/ must not import: the I/O of the daemon. */
const DECISION_FORBIDDEN_DIRS = ['src/kube', 'src/controllers', 'src/owned', 'src/tracking', 'src/daemon', 'src/commands', 'src/telemetry'];
const DECISION_FORBIDDEN_FILES = ['src/cli.ts'];
const DECISION_FORBIDDEN_BUILTINS = ['fs', 'net', 'http', 'https', 'http2', 'child_process', 'tls', 'dgram', 'dns'];
/** npm packages that do I/O: their types may describe a decision's input (erased at runtime), their values may not be used. */
const DECISION_IO_PACKAGES = ['@kubernetes/client-node', 'prom-client', 'pino'];

interface Rule {
  title: string;
  /** What to do about a violation. */
  fix: string;
  violations: (g: ImportGraph) => string[];
}

const rules: Rule[] = [
  {
    title: '1. no file in src/ imports from test/, cluster/, scripts/ or bench/',
    fix: 'the product cannot depend on its tooling: move what it needs into src/',
    violations: (g) => localEdges(g).filter((e) => under(e.from, 'src') && ['test', 'cluster', 'scripts', 'bench'].some((d) => under(e.to, d))).map(describeEdge),
  },
  {
    title: '2. no production script (cluster/, scripts/, bench/) imports from test/',
    fix: 'move what both need out of test/ (into cluster/ or src/)',
    violations: (g) => localEdges(g).filter((e) => isProductionScript(e.from) && isTest(e.to)).map(describeEdge),
  },
  {
    title: '3. no controller folder imports another, and only src/daemon/ (and tests) import src/controllers/',
    fix: 'shared logic goes to src/decisions/ (pure) or src/owned/ (I/O); wiring goes to src/daemon/',
    violations: (g) => localEdges(g).filter((e) => {
      const target = controllerFolder(e.to);
      if (target === undefined || isTest(e.from) || under(e.from, 'src/daemon')) return false;
      return controllerFolder(e.from) !== target || target === '.';
    }).map(describeEdge),
  },
  {
    title: '4. src/kube/ imports only src/kube/, src/util/, node builtins and npm packages',
    fix: 'src/kube/ is generic Kubernetes machinery: take product types and services (logger, metrics, version, config) as parameters or interfaces declared in src/kube/',
    violations: (g) => g.edges.filter((e) => under(e.from, 'src/kube') && (e.target === 'file' || e.target === 'unresolved') && !under(e.to, 'src/kube') && !under(e.to, 'src/util')).map(describeEdge),
  },
  {
    title: '4a. src/util/ imports only src/util/, node builtins and npm packages',
    fix: 'src/util/ holds small generic helpers that src/kube/ may use too: nothing of the product goes in them',
    violations: (g) => g.edges.filter((e) => under(e.from, 'src/util') && (e.target === 'file' || e.target === 'unresolved') && !under(e.to, 'src/util')).map(describeEdge),
  },
  {
    title: '5. src/decisions/ is pure: no I/O module (src/kube, controllers, owned, tracking, daemon, commands, telemetry; fs, net, http(s), child_process, tls …)',
    fix: 'pass what a decision needs as plain data; do the I/O in a controller or src/owned/',
    violations: (g) => g.edges.filter((e) => {
      if (!under(e.from, 'src/decisions')) return false;
      if (e.target === 'file' || e.target === 'unresolved') return DECISION_FORBIDDEN_DIRS.some((d) => under(e.to, d)) || DECISION_FORBIDDEN_FILES.includes(e.to);
      if (e.target === 'builtin') return DECISION_FORBIDDEN_BUILTINS.includes(builtinName(e.specifier));
      return !e.typeOnly && DECISION_IO_PACKAGES.some((p) => e.specifier === p || e.specifier.startsWith(`${p}/`));
    }).map(describeEdge),
  },
  {
    title: `6. no file in src/ is over ${MAX_LINES} lines`,
    fix: 'split it along what its parts decide or do',
    violations: (g) => g.files.filter((f) => under(f, 'src') && (g.lines.get(f) ?? 0) > MAX_LINES).map((f) => `${f}: ${g.lines.get(f) ?? 0} lines`),
  },
  {
    title: '7. no test file (*.test.ts) is imported, and nothing outside test/ imports test/',
    fix: 'spec files are entry points only: move what is shared into test/support/',
    violations: (g) => localEdges(g).filter((e) => e.to.endsWith('.test.ts') || (!isTest(e.from) && isTest(e.to))).map(describeEdge),
  },
  {
    title: '8. no import cycle among src/ files',
    fix: 'break each cycle: move what both sides share into a third module (type-only edges count: they are coupling too)',
    violations: (g) => {
      const src = g.files.filter((f) => under(f, 'src'));
      const edges = g.edges.filter((e) => e.target === 'file');
      return findCycles(src, edges).map((cycle) => cycle.map((f, i) => {
        const next = cycle[(i + 1) % cycle.length]!;
        const e = edges.filter((x) => x.from === f && x.to === next);
        return `${f}:${e.map((x) => x.line).join(',')}${e.every((x) => x.typeOnly) ? ' (type-only)' : ''}`;
      }).concat(cycle[0]!).join(' → '));
    },
  },
];

function message(rule: Rule, found: string[]): string {
  return `${rule.title}: ${found.length} violation(s) (${rule.fix}):\n  ${found.join('\n  ')}\n`;
}

/** A graph of made-up files, for checking that each rule can fail and does not fail on what it allows. */
function syntheticGraph(files: Record<string, number>, edges: [string, string, boolean?][]): ImportGraph {
  return {
    files: Object.keys(files).sort(),
    lines: new Map(Object.entries(files)),
    edges: edges.map(([from, spec, typeOnly]) => {
      const r = resolveSpecifier(from, spec, (p) => p in files);
      return { from, specifier: spec, typeOnly: typeOnly ?? false, line: 1, ...r };
    }),
    opaque: [],
  };
}

describe('Layout: the import graph keeps the rules of the house', function () {
  let graph: ImportGraph;

  before(function () {
    this.timeout(60_000);
    graph = buildImportGraph(repoRoot, SCANNED);
  });

  describe('the graph is real (self-checks)', function () {
    it('parses imports with the TypeScript parser: comments and strings are not imports, type-only is told apart', function () {
      const text = [
        "// import { a } from './commented.js';",
        "/* export * from './block-commented.js'; */",
        "import { b } from './b.js';",
        "import type { C } from './c.js';",
        "import { type D, type E } from './de.js';",
        "import { type F, g } from './fg.js';",
        "import './side-effect.js';",
        "export { h } from './h.js';",
        "export type { I } from './i.js';",
        "export * from './star.js';",
        "const s = \"import { x } from './in-string.js'\";",
        "const t = `require('./in-template.js')`;",
        "const lazy = await import('./lazy.js');",
        "type J = import('./j.js').J;",
        "const r = require('node:fs');",
        'const dyn = await import(s);',
      ].join('\n');
      const { refs, opaque } = importsOf('x.ts', text);
      expect(refs.map((r) => `${r.specifier}${r.typeOnly ? ' type' : ''}`)).to.deep.equal([
        './b.js', './c.js type', './de.js type', './fg.js', './side-effect.js', './h.js', './i.js type', './star.js', './lazy.js', './j.js type', 'node:fs',
      ]);
      expect(refs.find((r) => r.specifier === './lazy.js')?.line).to.equal(13);
      expect(opaque.map((o) => o.line)).to.deep.equal([16]);
    });

    it('resolves .js specifiers to the .ts sources, and tells builtins from packages', function () {
      const exists = (p: string): boolean => ['src/a/b.ts', 'src/c/index.ts', 'data.json'].includes(p);
      expect(resolveSpecifier('src/x/y.ts', '../a/b.js', exists)).to.deep.equal({ to: 'src/a/b.ts', target: 'file' });
      expect(resolveSpecifier('src/x/y.ts', '../c', exists)).to.deep.equal({ to: 'src/c/index.ts', target: 'file' });
      expect(resolveSpecifier('src/x/y.ts', '../../data.json', exists)).to.deep.equal({ to: 'data.json', target: 'file' });
      expect(resolveSpecifier('src/x/y.ts', './gone.js', exists)).to.deep.equal({ to: 'src/x/gone.js', target: 'unresolved' });
      expect(resolveSpecifier('src/x/y.ts', 'node:fs/promises', exists).target).to.equal('builtin');
      expect(resolveSpecifier('src/x/y.ts', 'child_process', exists).target).to.equal('builtin');
      expect(resolveSpecifier('src/x/y.ts', '@kubernetes/client-node', exists).target).to.equal('package');
      expect(lineCount('a\nb\n')).to.equal(2);
      expect(lineCount('a\nb')).to.equal(2);
      expect(lineCount('')).to.equal(0);
    });

    it('sees the whole repository: every directory, >100 edges, known edges present', function () {
      for (const d of SCANNED) expect(graph.files.some((f) => under(f, d)), `a .ts file under ${d}/`).to.equal(true);
      expect(graph.files.length).to.be.greaterThan(150);
      expect(graph.edges.length).to.be.greaterThan(100);
      const has = (from: string, to: string): boolean => graph.edges.some((e) => e.from === from && e.to === to && e.target === 'file');
      expect(has('src/cli.ts', 'src/daemon/main.ts'), 'src/cli.ts → src/daemon/main.ts').to.equal(true);
      expect(has('test/integration/hooks.ts', 'test/support/cluster.ts'), 'test/integration/hooks.ts → test/support/cluster.ts').to.equal(true);
      expect(has('test/unit/layout.test.ts', 'test/support/import-graph.ts'), 'this file → its helper').to.equal(true);
      expect(graph.edges.some((e) => e.from === 'src/kube/api.ts' && e.target === 'builtin'), 'src/kube/api.ts imports a node builtin').to.equal(true);
      expect(graph.edges.some((e) => e.target === 'package' && e.specifier === '@kubernetes/client-node'), 'some file imports @kubernetes/client-node').to.equal(true);
    });

    it('resolves every relative import to a file, and has no import it cannot follow', function () {
      const unresolved = graph.edges.filter((e) => e.target === 'unresolved').map(describeEdge);
      expect(unresolved.length, `imports of files that do not exist:\n  ${unresolved.join('\n  ')}\n`).to.equal(0);
      const opaque = graph.opaque.map((o) => `${o.from}:${o.line} ${o.text}`);
      expect(opaque.length, `import()/require() of a computed specifier hides an edge:\n  ${opaque.join('\n  ')}\n`).to.equal(0);
    });

    it('finds cycles, and only cycles', function () {
      const nodes = ['a', 'b', 'c', 'd', 'e', 'f'];
      const cycles = findCycles(nodes, [
        { from: 'a', to: 'b' }, { from: 'b', to: 'c' }, { from: 'c', to: 'a' }, { from: 'c', to: 'd' },
        { from: 'd', to: 'e' }, { from: 'e', to: 'd' }, { from: 'f', to: 'f' }, { from: 'a', to: 'outside' },
      ]);
      expect(cycles).to.deep.equal([['f'], ['d', 'e'], ['a', 'b', 'c']]);
      expect(findCycles(nodes, [{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }, { from: 'a', to: 'c' }])).to.deep.equal([]);
    });

    it('each rule fails on a graph that breaks it, and passes one that keeps it', function () {
      const bad = syntheticGraph({
        'src/a.ts': 10, 'src/big.ts': MAX_LINES + 1, 'src/kube/k.ts': 1, 'src/telemetry/log.ts': 1, 'src/decisions/d.ts': 1, 'src/util/u.ts': 1,
        'src/controllers/listener/c.ts': 1, 'src/controllers/roll/r.ts': 1, 'src/commands/status.ts': 1, 'src/b.ts': 1,
        'cluster/x.ts': 1, 'test/support/s.ts': 1, 'test/unit/u.test.ts': 1,
      }, [
        ['src/a.ts', '../cluster/x.js'], // 1
        ['cluster/x.ts', '../test/support/s.js'], // 2, 7
        ['src/controllers/listener/c.ts', '../roll/r.js'], // 3
        ['src/commands/status.ts', '../controllers/listener/c.js'], // 3
        ['src/kube/k.ts', '../telemetry/log.js', true], // 4
        ['src/util/u.ts', '../kube/k.js'], // 4a
        ['src/decisions/d.ts', '../kube/k.js'], // 5
        ['src/decisions/d.ts', 'node:fs'], // 5
        ['src/decisions/d.ts', '@kubernetes/client-node'], // 5
        ['test/support/s.ts', '../unit/u.test.js'], // 7
        ['src/a.ts', './b.js'], ['src/b.ts', './a.js', true], // 8
      ]);
      const good = syntheticGraph({
        'src/a.ts': MAX_LINES, 'src/kube/k.ts': 1, 'src/kube/j.ts': 1, 'src/decisions/d.ts': 1, 'src/model/m.ts': 1, 'src/util/u.ts': 1, 'src/util/v.ts': 1,
        'src/controllers/listener/c.ts': 1, 'src/controllers/listener/d.ts': 1, 'src/daemon/main.ts': 1, 'cluster/x.ts': 1, 'test/support/s.ts': 1, 'test/unit/u.test.ts': 1,
      }, [
        ['src/kube/k.ts', './j.js'], ['src/kube/k.ts', 'node:http'], ['src/kube/k.ts', '@kubernetes/client-node'], ['src/kube/k.ts', '../util/u.js'], ['src/util/u.ts', './v.js'],
        ['src/decisions/d.ts', '../model/m.js'], ['src/decisions/d.ts', 'node:crypto'], ['src/decisions/d.ts', '@kubernetes/client-node', true],
        ['src/controllers/listener/c.ts', './d.js'], ['src/controllers/listener/c.ts', '../../decisions/d.js'], ['src/daemon/main.ts', '../controllers/listener/c.js'],
        ['test/unit/u.test.ts', '../../src/controllers/listener/c.js'], ['test/unit/u.test.ts', '../support/s.js'], ['test/support/s.ts', '../../cluster/x.js'],
        ['src/a.ts', './kube/k.js'], ['src/a.ts', './decisions/d.js'],
      ]);
      const expected: Record<string, number> = { '1': 1, '2': 1, '3': 2, '4': 1, '4a': 1, '5': 3, '6': 1, '7': 2, '8': 1 };
      for (const rule of rules) {
        const n = rule.title.slice(0, rule.title.indexOf('.'));
        expect(rule.violations(bad), `rule ${n} on the bad graph`).to.have.length(expected[n]!);
        expect(rule.violations(good), `rule ${n} on the good graph`).to.deep.equal([]);
      }
    });
  });

  describe('the rules', function () {
    for (const rule of rules) {
      it(rule.title, function () {
        const found = rule.violations(graph);
        expect(found.length, message(rule, found)).to.equal(0);
      });
    }
  });
});
