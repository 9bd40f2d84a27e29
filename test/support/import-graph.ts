// The import graph of the repository's TypeScript, read with the TypeScript
// parser (not regexes: an import in a comment or a string is not an edge).
// `importsOf` and `findCycles` are pure; `buildImportGraph` reads the files.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, posix, relative, sep } from 'node:path';
import ts from 'typescript';

export interface ImportRef {
  specifier: string;
  /** Erased at runtime: `import type`, `export type`, every named binding `type`, or `import('x').T` in a type. */
  typeOnly: boolean;
  /** 1-based line of the import in the importing file. */
  line: number;
}

export type Target = 'file' | 'builtin' | 'package' | 'unresolved';

export interface ImportEdge extends ImportRef {
  /** Repository-relative posix path of the importing file. */
  from: string;
  /** Repository-relative posix path for files; the specifier for builtins and packages. */
  to: string;
  target: Target;
}

export interface ImportGraph {
  /** Repository-relative posix paths of every scanned file, sorted. */
  files: string[];
  /** Line count (as `wc -l` counts) of every scanned file. */
  lines: Map<string, number>;
  edges: ImportEdge[];
  /** Dynamic imports or requires whose argument is not a string literal: edges the graph cannot see. */
  opaque: { from: string; line: number; text: string }[];
}

function literalText(node: ts.Node | undefined): string | undefined {
  return node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : undefined;
}

/** Every module specifier `text` imports or re-exports, statically or through `import()`/`require()`. */
export function importsOf(fileName: string, text: string): { refs: ImportRef[]; opaque: { line: number; text: string }[] } {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const refs: ImportRef[] = [];
  const opaque: { line: number; text: string }[] = [];
  const lineOf = (n: ts.Node): number => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const add = (spec: string, typeOnly: boolean, at: ts.Node): void => { refs.push({ specifier: spec, typeOnly, line: lineOf(at) }); };

  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const spec = literalText(node.moduleSpecifier);
      const clause = node.importClause;
      const named = clause?.namedBindings;
      const allNamedTypes = clause !== undefined && clause.name === undefined && named !== undefined && ts.isNamedImports(named)
        && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
      if (spec !== undefined) add(spec, clause !== undefined && (clause.phaseModifier === ts.SyntaxKind.TypeKeyword || allNamedTypes), node);
    } else if (ts.isExportDeclaration(node)) {
      const spec = literalText(node.moduleSpecifier);
      const clause = node.exportClause;
      const allNamedTypes = clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly);
      if (spec !== undefined) add(spec, node.isTypeOnly || allNamedTypes, node);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const spec = literalText(node.moduleReference.expression);
      if (spec !== undefined) add(spec, node.isTypeOnly, node);
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      const spec = ts.isLiteralTypeNode(arg) ? literalText(arg.literal) : undefined;
      if (spec !== undefined) add(spec, true, node);
    } else if (ts.isCallExpression(node)) {
      const isImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      if (isImport || isRequire) {
        const spec = literalText(node.arguments[0]);
        if (spec !== undefined) add(spec, false, node);
        else opaque.push({ line: lineOf(node), text: node.getText(sf).slice(0, 120) });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return { refs, opaque };
}

const builtins = new Set(builtinModules);

export function isBuiltin(spec: string): boolean {
  return spec.startsWith('node:') || builtins.has(spec) || builtins.has(spec.split('/')[0] ?? '');
}

/**
 * Where a specifier in `from` (repository-relative) leads. Relative specifiers
 * name the emitted `.js`; the source is the `.ts` beside it. `exists` decides
 * which candidate is a file (injected so the resolution is testable).
 */
export function resolveSpecifier(from: string, spec: string, exists: (path: string) => boolean): { to: string; target: Target } {
  if (spec.startsWith('.') || spec.startsWith('/')) {
    const base = posix.normalize(posix.join(posix.dirname(from), spec));
    const stem = base.replace(/\.(js|mjs|cjs|jsx)$/, '');
    const ext = /\.(mjs|cjs)$/.exec(base)?.[1];
    const candidates = ext === 'mjs' ? [`${stem}.mts`, base] : ext === 'cjs' ? [`${stem}.cts`, base]
      : base !== stem ? [`${stem}.ts`, `${stem}.tsx`, `${stem}.d.ts`, base]
        : [base, `${base}.ts`, `${base}.d.ts`, `${base}/index.ts`];
    const hit = candidates.find((c) => !c.startsWith('../') && exists(c));
    return hit !== undefined ? { to: hit, target: 'file' } : { to: base, target: 'unresolved' };
  }
  if (isBuiltin(spec)) return { to: spec, target: 'builtin' };
  return { to: spec, target: 'package' };
}

function toPosix(p: string): string {
  return p.split(sep).join('/');
}

/** Every `.ts` file under `dirs` (repository-relative), skipping node_modules and dot-directories. */
export function listTsFiles(root: string, dirs: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && entry.name.endsWith('.ts')) out.push(toPosix(relative(root, full)));
    }
  };
  for (const d of dirs) if (existsSync(join(root, d)) && statSync(join(root, d)).isDirectory()) walk(join(root, d));
  return out.sort();
}

export function lineCount(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return text.length > 0 && !text.endsWith('\n') ? n + 1 : n;
}

export function buildImportGraph(root: string, dirs: readonly string[]): ImportGraph {
  const files = listTsFiles(root, dirs);
  const lines = new Map<string, number>();
  const edges: ImportEdge[] = [];
  const opaque: ImportGraph['opaque'] = [];
  const exists = (p: string): boolean => existsSync(join(root, p)) && statSync(join(root, p)).isFile();
  for (const from of files) {
    const text = readFileSync(join(root, from), 'utf8');
    lines.set(from, lineCount(text));
    const found = importsOf(from, text);
    for (const o of found.opaque) opaque.push({ from, ...o });
    for (const ref of found.refs) edges.push({ from, ...ref, ...resolveSpecifier(from, ref.specifier, exists) });
  }
  return { files, lines, edges, opaque };
}

/** `a.ts:12 → b.ts (type-only)`: one edge, as the messages list it. */
export function describeEdge(e: ImportEdge): string {
  return `${e.from}:${e.line} → ${e.to}${e.typeOnly ? ' (type-only)' : ''}`;
}

/**
 * The import cycles among `nodes`: for every strongly connected component with
 * more than one file (or a file importing itself), the shortest cycle through
 * each of its files, without repeats. Each cycle is listed from its smallest
 * file name and does not repeat the first file at the end.
 */
export function findCycles(nodes: readonly string[], edges: readonly { from: string; to: string }[]): string[][] {
  const inSet = new Set(nodes);
  const adj = new Map<string, string[]>(nodes.map((n) => [n, []]));
  for (const e of edges) if (inSet.has(e.from) && inSet.has(e.to)) adj.get(e.from)!.push(e.to);
  for (const [k, v] of adj) adj.set(k, [...new Set(v)].sort());

  // Tarjan's strongly connected components, iterative.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  for (const start of [...nodes].sort()) {
    if (idx.has(start)) continue;
    const work: { node: string; next: number }[] = [{ node: start, next: 0 }];
    idx.set(start, index); low.set(start, index); index++; stack.push(start); onStack.add(start);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const succ = adj.get(top.node)!;
      if (top.next < succ.length) {
        const w = succ[top.next++]!;
        if (!idx.has(w)) {
          idx.set(w, index); low.set(w, index); index++; stack.push(w); onStack.add(w);
          work.push({ node: w, next: 0 });
        } else if (onStack.has(w)) {
          low.set(top.node, Math.min(low.get(top.node)!, idx.get(w)!));
        }
      } else {
        work.pop();
        const parent = work[work.length - 1];
        if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(top.node)!));
        if (low.get(top.node) === idx.get(top.node)) {
          const comp: string[] = [];
          let w: string;
          do { w = stack.pop()!; onStack.delete(w); comp.push(w); } while (w !== top.node);
          components.push(comp);
        }
      }
    }
  }

  const cycles: string[][] = [];
  const seen = new Set<string>();
  for (const comp of components) {
    const members = new Set(comp);
    const selfLoop = comp.length === 1 && adj.get(comp[0]!)!.includes(comp[0]!);
    if (comp.length < 2 && !selfLoop) continue;
    for (const start of [...comp].sort()) {
      // Breadth-first from start's successors back to start, inside the component.
      const prev = new Map<string, string>();
      const queue = [start];
      let found = false;
      for (let i = 0; i < queue.length && !found; i++) {
        const u = queue[i]!;
        for (const w of adj.get(u)!) {
          if (!members.has(w)) continue;
          if (w === start) { prev.set(start, u); found = true; break; }
          if (!prev.has(w)) { prev.set(w, u); queue.push(w); }
        }
      }
      if (!found) continue;
      const path = [start];
      for (let u = prev.get(start)!; u !== start; u = prev.get(u)!) path.push(u);
      const cycle = [start, ...path.slice(1).reverse()];
      const least = cycle.indexOf([...cycle].sort()[0]!);
      const canonical = [...cycle.slice(least), ...cycle.slice(0, least)];
      const key = canonical.join('\n');
      if (!seen.has(key)) { seen.add(key); cycles.push(canonical); }
    }
  }
  return cycles.sort((a, b) => a.length - b.length || a.join().localeCompare(b.join()));
}
