// The subset of Dockerfile and .dockerignore syntax that our Dockerfile uses,
// parsed strictly so test/integration/dockerfile.test.ts can replay it without
// a Docker engine. Anything the replay could not reproduce faithfully (another
// instruction, a flag, variable expansion, globs, heredocs, shell-form
// ENTRYPOINT) throws, naming the line: a Dockerfile edit the test does not
// understand fails the test instead of being silently skipped.
import { posix } from 'node:path';

export type Instruction =
  | { kind: 'WORKDIR'; line: number; path: string }
  | { kind: 'COPY'; line: number; from?: string; sources: string[]; dest: string }
  | { kind: 'RUN'; line: number; command: string }
  | { kind: 'USER'; line: number; user: string; group?: string }
  | { kind: 'ENV'; line: number; vars: [string, string][] }
  | { kind: 'LABEL'; line: number; labels: [string, string][] }
  | { kind: 'EXPOSE'; line: number; ports: string[] }
  | { kind: 'ENTRYPOINT' | 'CMD'; line: number; argv: string[] };

export interface Stage {
  index: number;
  /** The `AS` name, if any. */
  name?: string;
  image: string;
  line: number;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** Parser directives such as `# syntax=`. */
  directives: Record<string, string>;
  stages: Stage[];
}

/** What the stage's image configuration holds once every instruction ran. */
export interface StageConfig {
  workdir: string;
  user?: string;
  group?: string;
  env: Record<string, string>;
  labels: Record<string, string>;
  exposed: string[];
  /** Undefined when the stage inherits the base image's. */
  entrypoint?: string[];
  cmd?: string[];
}

export class DockerfileError extends Error {
  constructor(readonly line: number, message: string) {
    super(`Dockerfile line ${line}: ${message}`);
    this.name = 'DockerfileError';
  }
}

const TEACH = 'the replay in test/integration/dockerfile.test.ts cannot reproduce it; teach test/support/dockerfile.ts first';
const FLAGS: Partial<Record<string, readonly string[]>> = { COPY: ['from'] };

export function parseDockerfile(text: string): Dockerfile {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const directives: Record<string, string> = {};
  let i = 0;
  // Directives are only recognised before the first comment, blank line or instruction.
  for (; i < lines.length; i++) {
    const m = /^#\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(.*?)\s*$/.exec(lines[i] ?? '');
    if (!m) break;
    const name = (m[1] ?? '').toLowerCase();
    const value = m[2] ?? '';
    if (name === 'syntax') {
      // A labs or third-party frontend accepts syntax this parser does not know.
      if (!/^(docker\.io\/)?docker\/dockerfile:1(\.\d+){0,2}$/.test(value)) throw new DockerfileError(i + 1, `syntax directive "${value}" is not the stable docker/dockerfile:1 frontend; ${TEACH}`);
    } else if (name === 'escape' || name === 'check') {
      throw new DockerfileError(i + 1, `parser directive "${name}" is not supported; ${TEACH}`);
    } else {
      break; // Docker reads an unknown directive as a comment, which ends the directives.
    }
    if (name in directives) throw new DockerfileError(i + 1, `directive "${name}" given twice`);
    directives[name] = value;
  }

  const stages: Stage[] = [];
  while (i < lines.length) {
    const first = lines[i] ?? '';
    if (/^\s*(#|$)/.test(first)) { i++; continue; }
    const lineNo = i + 1;
    let logical = '';
    let current = first;
    for (;;) {
      const cont = /\\[ \t]*$/.exec(current);
      if (!cont) { logical += current; i++; break; }
      logical += current.slice(0, cont.index);
      i++;
      // Comment lines (and blank lines) inside a continuation are dropped, as Docker does.
      while (i < lines.length && /^\s*(#|$)/.test(lines[i] ?? '')) i++;
      if (i >= lines.length) break;
      current = lines[i] ?? '';
    }
    parseInstruction(logical, lineNo, stages);
  }
  if (stages.length === 0) throw new DockerfileError(1, 'no FROM instruction');
  return { directives, stages };
}

function parseInstruction(logical: string, line: number, stages: Stage[]): void {
  const m = /^\s*(\S+)\s*([\s\S]*?)\s*$/.exec(logical);
  const keyword = (m?.[1] ?? '').toUpperCase();
  let rest = m?.[2] ?? '';
  const fail = (msg: string): never => { throw new DockerfileError(line, `${keyword}: ${msg}`); };

  const flags: Record<string, string> = {};
  for (let f = /^--([A-Za-z-]+)(=(\S*))?(\s+|$)/.exec(rest); f; f = /^--([A-Za-z-]+)(=(\S*))?(\s+|$)/.exec(rest)) {
    const name = f[1] ?? '';
    if (!(FLAGS[keyword] ?? []).includes(name)) fail(`flag --${name} is not supported; ${TEACH}`);
    if (!f[3]) fail(`flag --${name} needs a value`);
    flags[name] = f[3] ?? '';
    rest = rest.slice(f[0].length);
  }
  if (rest === '') fail('missing arguments');

  if (keyword === 'FROM') {
    const words = rest.split(/\s+/);
    const image = words[0] ?? '';
    if (image.includes('$')) fail(`variables are not supported; ${TEACH}`);
    let name: string | undefined;
    if (words.length === 3 && words[1]?.toLowerCase() === 'as') name = words[2];
    else if (words.length !== 1) fail('expected "FROM image [AS name]"');
    if (name !== undefined) {
      if (!/^[a-z][a-z0-9_.-]*$/.test(name)) fail(`invalid stage name "${name}"`);
      if (stages.some((s) => s.name === name)) fail(`stage name "${name}" used twice`);
    }
    stages.push({ index: stages.length, ...(name !== undefined ? { name } : {}), image, line, instructions: [] });
    return;
  }
  const stage = stages.at(-1);
  if (!stage) fail(`before the first FROM; ${TEACH}`);
  const push = (ins: Instruction): void => { stage?.instructions.push(ins); };
  const noVars = (s: string): void => { if (s.includes('$')) fail(`variable expansion is not supported; ${TEACH}`); };
  const execForm = (): string[] => {
    let parsed: unknown;
    try { parsed = JSON.parse(rest); } catch { parsed = undefined; }
    if (!Array.isArray(parsed) || !parsed.every((a): a is string => typeof a === 'string')) {
      return fail(`only the exec form (a JSON array of strings) is supported: the shell form needs a shell the runtime image does not have; ${TEACH}`);
    }
    parsed.forEach(noVars);
    return parsed;
  };

  switch (keyword) {
    case 'WORKDIR': {
      noVars(rest);
      if (/\s/.test(rest)) fail('expected one path');
      push({ kind: 'WORKDIR', line, path: rest });
      return;
    }
    case 'COPY': {
      if (rest.startsWith('[')) fail(`the JSON form is not supported; ${TEACH}`);
      noVars(rest);
      const words = rest.split(/\s+/);
      const dest = words.pop() ?? '';
      if (words.length === 0) fail('expected "COPY source... dest"');
      for (const src of words) {
        if (/[*?[\]]/.test(src)) fail(`wildcards are not supported ("${src}"); ${TEACH}`);
        if (flags.from === undefined && posix.normalize(src).startsWith('..')) fail(`"${src}" is outside the build context`);
      }
      if (words.length > 1 && !dest.endsWith('/')) fail('with several sources the destination must end with "/"');
      const from = flags.from;
      if (from !== undefined && !stages.slice(0, -1).some((s) => s.name === from)) {
        fail(`--from=${from} is not an earlier stage of this Dockerfile (an external image cannot be replayed); ${TEACH}`);
      }
      push({ kind: 'COPY', line, ...(from !== undefined ? { from } : {}), sources: words, dest });
      return;
    }
    case 'RUN': {
      if (rest.startsWith('[')) fail(`the exec form is not supported; ${TEACH}`);
      if (/<<-?\s*["']?[A-Za-z_]/.test(rest)) fail(`heredocs are not supported; ${TEACH}`);
      push({ kind: 'RUN', line, command: rest });
      return;
    }
    case 'USER': {
      noVars(rest);
      const u = /^([A-Za-z0-9_][A-Za-z0-9_.-]*)(?::([A-Za-z0-9_][A-Za-z0-9_.-]*))?$/.exec(rest);
      if (!u) fail(`expected "user[:group]", got "${rest}"`);
      push({ kind: 'USER', line, user: u?.[1] ?? '', ...(u?.[2] !== undefined ? { group: u[2] } : {}) });
      return;
    }
    case 'ENV':
    case 'LABEL': {
      const pairs = nameValuePairs(rest, keyword === 'ENV' ? /^[A-Za-z_][A-Za-z0-9_]*$/ : /^[A-Za-z0-9][A-Za-z0-9._\-/]*$/, fail);
      push(keyword === 'ENV' ? { kind: 'ENV', line, vars: pairs } : { kind: 'LABEL', line, labels: pairs });
      return;
    }
    case 'EXPOSE': {
      noVars(rest);
      const ports = rest.split(/\s+/);
      for (const p of ports) {
        const pm = /^(\d+)(\/(tcp|udp))?$/.exec(p);
        const n = Number(pm?.[1]);
        if (!pm || n < 1 || n > 65535) fail(`expected "port[/tcp|udp]", got "${p}"`);
      }
      push({ kind: 'EXPOSE', line, ports });
      return;
    }
    case 'ENTRYPOINT':
    case 'CMD':
      push({ kind: keyword, line, argv: execForm() });
      return;
    default:
      fail(`instruction is not supported; ${TEACH}`);
  }
}

/** `KEY=value` words as ENV and LABEL take them; quotes removed, no variable expansion. */
function nameValuePairs(rest: string, keyPattern: RegExp, fail: (msg: string) => never): [string, string][] {
  const words: string[] = [];
  let word = '';
  let quote: '"' | "'" | undefined;
  for (let k = 0; k < rest.length; k++) {
    const ch = rest[k] ?? '';
    if (quote === undefined && /\s/.test(ch)) {
      if (word !== '') words.push(word);
      word = '';
      continue;
    }
    word += ch;
    if (ch === '\\' && quote !== "'" && k + 1 < rest.length) word += rest[++k] ?? '';
    else if (ch === quote) quote = undefined;
    else if (quote === undefined && (ch === '"' || ch === "'")) quote = ch;
  }
  if (quote !== undefined) fail(`unterminated ${quote} quote`);
  if (word !== '') words.push(word);

  return words.map((raw): [string, string] => {
    const eq = raw.indexOf('=');
    if (eq <= 0) fail(`expected KEY=value, got "${raw}" (the legacy "KEY value" form is not supported)`);
    const key = raw.slice(0, eq);
    if (!keyPattern.test(key)) fail(`invalid key "${key}"`);
    return [key, unquote(raw.slice(eq + 1), fail)];
  });
}

function unquote(raw: string, fail: (msg: string) => never): string {
  let out = '';
  let quote: '"' | "'" | undefined;
  for (let k = 0; k < raw.length; k++) {
    const ch = raw[k] ?? '';
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else out += ch;
    } else if (ch === '$') {
      fail(`variable expansion is not supported; ${TEACH}`);
    } else if (ch === '\\') {
      const next = raw[++k] ?? '';
      // Inside double quotes a backslash only escapes ", \ and $ (as in sh).
      out += quote === '"' && !['"', '\\', '$'].includes(next) ? `\\${next}` : next;
    } else if (ch === '"') {
      quote = quote === '"' ? undefined : '"';
    } else if (ch === "'" && quote === undefined) {
      quote = "'";
    } else {
      out += ch;
    }
  }
  return out;
}

export function stageConfig(stage: Stage): StageConfig {
  const cfg: StageConfig = { workdir: '/', env: {}, labels: {}, exposed: [] };
  for (const ins of stage.instructions) {
    switch (ins.kind) {
      case 'WORKDIR': cfg.workdir = posix.resolve(cfg.workdir, ins.path); break;
      case 'USER': cfg.user = ins.user; if (ins.group !== undefined) cfg.group = ins.group; else delete cfg.group; break;
      case 'ENV': for (const [k, v] of ins.vars) cfg.env[k] = v; break;
      case 'LABEL': for (const [k, v] of ins.labels) cfg.labels[k] = v; break;
      case 'EXPOSE': cfg.exposed.push(...ins.ports); break;
      case 'ENTRYPOINT': cfg.entrypoint = ins.argv; break;
      case 'CMD': cfg.cmd = ins.argv; break;
      case 'COPY': case 'RUN': break;
    }
  }
  return cfg;
}

/** A Node.js base image the replay can stand in for with the local `node`. */
export interface NodeImage {
  major: number;
  /** Small runtime images: no compilers, docs or (for distroless) shell. */
  flavour: 'distroless' | 'slim' | 'full';
  /** Where the image keeps the node binary, as an ENTRYPOINT would name it. */
  nodePaths: string[];
}

export function nodeImage(image: string): NodeImage | undefined {
  const digest = '(@sha256:[0-9a-f]{64})?';
  const distroless = new RegExp(`^gcr\\.io/distroless/nodejs(\\d+)-debian\\d+(:(latest|nonroot|debug|debug-nonroot))?${digest}$`).exec(image);
  if (distroless) return { major: Number(distroless[1]), flavour: 'distroless', nodePaths: ['/nodejs/bin/node'] };
  const official = new RegExp(`^(docker\\.io/)?(library/)?node:(\\d+)(\\.\\d+){0,2}(-([a-z0-9]+))?(-slim)?${digest}$`).exec(image);
  if (official) {
    const slim = official[7] !== undefined || official[6] === 'slim';
    return { major: Number(official[3]), flavour: slim ? 'slim' : 'full', nodePaths: ['/usr/local/bin/node', 'node'] };
  }
  return undefined;
}

/**
 * Why the local Node (`version`, as in process.versions.node) cannot stand in
 * for the node of every stage's image, or undefined when it can: the replay
 * proves what the image does only on the image's major.
 */
export function standInMismatch(df: Dockerfile, version: string): string | undefined {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  const wrong = df.stages.flatMap((s) => {
    const m = nodeImage(s.image)?.major;
    return m === major ? [] : [`line ${s.line}: FROM ${s.image} runs ${m === undefined ? 'no Node the replay knows' : `Node ${m}`}`];
  });
  return wrong.length === 0 ? undefined : `the replay stands in the local Node ${version} for the image's node, but ${wrong.join('; ')}`;
}

/** Whether some release of Node `major` satisfies an engines range such as ">=20.19.0 <23". */
export function nodeMajorInRange(major: number, range: string): boolean {
  type V = [number, number, number];
  const cmp = (a: V, b: V): number => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
  const comparators = range.trim().split(/\s+/).map((c) => {
    const m = /^(>=|>|<=|<)v?(\d+)(?:\.(\d+)\.(\d+))?$/.exec(c);
    // Partial versions only where they read unambiguously (<23, >=20); ||, ^, ~ and x-ranges are not needed here.
    if (!m || (m[3] === undefined && (m[1] === '<=' || m[1] === '>'))) throw new Error(`engines range "${range}": unsupported comparator "${c}"`);
    return { op: m[1] ?? '', v: [Number(m[2]), Number(m[3] ?? 0), Number(m[4] ?? 0)] as V };
  });
  const ok = (v: V): boolean => comparators.every(({ op, v: b }) => {
    const c = cmp(v, b);
    return op === '>=' ? c >= 0 : op === '>' ? c > 0 : op === '<=' ? c <= 0 : c < 0;
  });
  // The satisfying versions of one major form an interval; it starts at x.0.0 or at a lower bound.
  const candidates: V[] = [[major, 0, 0], ...comparators.filter((c) => c.op.startsWith('>')).map((c): V => (c.op === '>' ? [c.v[0], c.v[1], c.v[2] + 1] : c.v))];
  return candidates.some((v) => v[0] === major && ok(v));
}

/** .dockerignore rules (moby/patternmatcher semantics for the pattern subset we use). */
export interface Dockerignore {
  /** `path` relative to the build context, "/"-separated. */
  ignored(path: string): boolean;
  /** Whether any `!` exception exists, so an ignored directory may still hold included files. */
  hasExceptions: boolean;
}

export function parseDockerignore(text: string): Dockerignore {
  const rules: { re: RegExp; exclude: boolean }[] = [];
  text.split('\n').forEach((rawLine, idx) => {
    if (rawLine.startsWith('#')) return;
    let p = rawLine.trim();
    if (p === '') return;
    const exception = p.startsWith('!');
    if (exception) p = p.slice(1).trim();
    if (/[[\\]/.test(p)) throw new Error(`.dockerignore line ${idx + 1}: character classes and escapes are not supported by test/support/dockerfile.ts`);
    p = posix.normalize(p).replace(/^\/+/, '').replace(/\/+$/, '');
    let re = '^';
    for (let k = 0; k < p.length; k++) {
      const ch = p[k] ?? '';
      if (ch === '*') {
        if (p[k + 1] === '*') {
          k++;
          if (p[k + 1] === '/') k++;
          re += k + 1 >= p.length ? '.*' : '(.*/)?';
        } else {
          re += '[^/]*';
        }
      } else if (ch === '?') {
        re += '[^/]';
      } else {
        re += ch.replace(/[.+^${}()|]/g, '\\$&');
      }
    }
    rules.push({ re: new RegExp(`${re}$`), exclude: !exception });
  });
  return {
    hasExceptions: rules.some((r) => !r.exclude),
    ignored(path: string): boolean {
      const parts = posix.normalize(path).split('/');
      const prefixes = parts.map((_, n) => parts.slice(0, n + 1).join('/'));
      let ignored = false;
      // A rule matching the path or any parent directory decides; the last such rule wins.
      for (const r of rules) if (prefixes.some((p) => r.re.test(p))) ignored = r.exclude;
      return ignored;
    },
  };
}
