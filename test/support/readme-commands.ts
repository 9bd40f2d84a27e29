// The shell commands README.md tells a user to run, as the exact strings it
// shows, and who runs each of them: CI, an integration test (which takes the
// command text from here, never from a copy), or nobody, with the reason.
// The extraction (`extractCommands`, `stepsOf`) is pure.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../cluster/paths.js';

export type CommandSource = 'block' | 'table' | 'inline';

export interface ReadmeCommand {
  /** The command as the README shows it, without a trailing `# comment`. */
  text: string;
  /** 1-based line in the markdown. */
  line: number;
  /** The nearest `#`… heading above it, e.g. `## The two commands`. */
  section: string;
  /** A fenced ```bash/```sh block, the first column of a `| command |` table, or inline code elsewhere that starts like a command. */
  source: CommandSource;
}

const SHELL_FENCES = new Set(['bash', 'sh', 'shell']);
/** Inline code that starts like this is a command: an optional `VAR=value` prefix, then a program a user runs. */
const COMMAND_START = /^(?:[A-Z_][A-Z0-9_]*=\S*\s+)*(?:npm|npx|node|kubectl|skupper-cert-rotator)\s+\S/;

/** Everything before the first `#` that starts a word outside quotes, trimmed. */
export function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"') i++;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '\\') i++;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i).trim();
  }
  return line.trim();
}

/** The parts of a command joined by `&&` outside quotes, each trimmed: what runs one after the other. */
export function stepsOf(command: string): string[] {
  const steps: string[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '&' && command[i + 1] === '&') {
      steps.push(command.slice(start, i).trim());
      start = i + 2;
      i++;
    }
  }
  steps.push(command.slice(start).trim());
  return steps.filter((s) => s !== '');
}

/** The inline code spans of `text` (which may run over lines), each with its offset in `text`. */
function codeSpans(text: string): { span: string; at: number }[] {
  const spans: { span: string; at: number }[] = [];
  const re = /(`+)([\s\S]*?[^`])\1(?!`)/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) spans.push({ span: m[2]!.replace(/\s+/g, ' ').trim(), at: m.index });
  return spans;
}

/** The cells of a markdown table row, or undefined for a line that is not one. */
function tableCells(line: string): string[] | undefined {
  const t = line.trim();
  if (!t.startsWith('|')) return undefined;
  return t.replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());
}

/** Every command in `markdown`, in document order, duplicates included (each where it appears). */
export function extractCommands(markdown: string): ReadmeCommand[] {
  const lines = markdown.split('\n');
  const out: ReadmeCommand[] = [];
  let section = '';
  let fence: { marker: string; shell: boolean } | undefined;
  let pending: { text: string; line: number } | undefined;
  /** Whether the table being read has `command` as its first header cell. */
  let commandTable: boolean | undefined;
  /** The lines of the paragraph being read: a code span may run over a line break. */
  let paragraph: { text: string; line: number }[] = [];
  const inline = (text: string, line: number): void => {
    for (const { span, at } of codeSpans(text)) {
      if (COMMAND_START.test(span)) out.push({ text: span, line: line + (text.slice(0, at).match(/\n/g)?.length ?? 0), section, source: 'inline' });
    }
  };
  const flush = (): void => {
    if (paragraph.length > 0) inline(paragraph.map((p) => p.text).join('\n'), paragraph[0]!.line);
    paragraph = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const lineNo = i + 1;
    const fenceMatch = /^\s*(```+|~~~+)\s*([\w-]*)/.exec(raw);
    if (fence) {
      if (fenceMatch && fenceMatch[1]!.startsWith(fence.marker) && fenceMatch[2] === '') {
        fence = undefined;
        pending = undefined;
        continue;
      }
      if (!fence.shell) continue;
      // A trailing backslash continues the command on the next line.
      const continued = /\\\s*$/.test(raw);
      const piece = continued ? raw.replace(/\\\s*$/, '') : raw;
      if (pending) pending.text += ` ${piece.trim()}`;
      else pending = { text: piece, line: lineNo };
      if (continued) continue;
      const text = stripComment(pending.text).replace(/\s+/g, ' ');
      if (text !== '') out.push({ text, line: pending.line, section, source: 'block' });
      pending = undefined;
      continue;
    }
    if (fenceMatch) {
      flush();
      fence = { marker: fenceMatch[1]!, shell: SHELL_FENCES.has(fenceMatch[2]!.toLowerCase()) };
      continue;
    }
    if (/^#{1,6}\s/.test(raw)) {
      flush();
      section = raw.trim();
      commandTable = undefined;
      continue;
    }
    const cells = tableCells(raw);
    if (cells === undefined) {
      commandTable = undefined;
      if (raw.trim() === '') flush();
      else paragraph.push({ text: raw, line: lineNo });
      continue;
    }
    flush();
    if (commandTable === undefined) commandTable = cells[0]?.toLowerCase() === 'command';
    if (cells.every((c) => /^:?-+:?$/.test(c))) continue;
    if (commandTable) {
      for (const { span } of codeSpans(cells[0] ?? '')) out.push({ text: span, line: lineNo, section, source: 'table' });
      inline(cells.slice(1).join(' | '), lineNo);
    } else {
      inline(cells.join(' | '), lineNo);
    }
  }
  flush();
  return out;
}

export const README = join(repoRoot, 'README.md');

export function readmeCommands(): ReadmeCommand[] {
  return extractCommands(readFileSync(README, 'utf8'));
}

/** One step of a README command (see stepsOf), with every place it appears. */
export interface ReadmeStep {
  text: string;
  in: ReadmeCommand[];
}

export function stepsOfCommands(commands: readonly ReadmeCommand[]): ReadmeStep[] {
  const byText = new Map<string, ReadmeStep>();
  for (const c of commands) {
    for (const s of stepsOf(c.text)) {
      const step = byText.get(s) ?? { text: s, in: [] };
      step.in.push(c);
      byText.set(s, step);
    }
  }
  return [...byText.values()];
}

export type Runner =
  /** .ci/run runs the README line that holds it (the test command of "## The two commands"). */
  | { by: 'ci'; how: string }
  /** A step of package.json's `test` script (which CI runs), not the README text itself. */
  | { by: 'npm test'; how: string }
  /** Integration tests run the README text, which they get with `readmeStep(id)`. */
  | { by: 'test'; id: string; files: readonly string[]; how: string }
  | { by: 'not run'; reason: string };

/**
 * Who runs each step of each README command, keyed by the step's exact text.
 * A README command without an entry here fails test/unit/readme-commands.test.ts.
 */
export const WHO_RUNS: Readonly<Record<string, Runner>> = {
  'npm ci': { by: 'ci', how: '.ci/run runs the README test command, `npm ci` included' },
  'npm test': { by: 'ci', how: '.ci/run runs the README test command' },
  'npm run test:unit': { by: 'npm test', how: 'package.json scripts.test runs it' },
  'npm run test:integration': { by: 'npm test', how: 'package.json scripts.test runs the same mocha configuration (.mocharc.integration.json) through scripts/suites.ts' },
  'npm exec -- node --version': {
    by: 'test', id: 'node version', files: ['test/unit/node-version.test.ts'],
    how: 'runs it and checks that it prints the Node version the tests run on',
  },
  'npm ci --ignore-scripts': {
    by: 'not run',
    reason: 'reinstalls node_modules under the running tests; it is npm ci without the Node 24 download, for a machine that has Node 24: the Dockerfile build stage runs npm ci --ignore-scripts, which test/integration/image.test.ts builds with podman',
  },
  'npm run build': {
    by: 'test', id: 'build', files: ['test/integration/readme.test.ts'],
    how: 'runs it and checks that it writes dist/src/cli.js',
  },
  'npm start -- --help': {
    by: 'test', id: 'help', files: ['test/integration/readme.test.ts'],
    how: 'runs it and checks that every flag and its variable are listed',
  },
  'kubectl apply -k manifests/overlays/with-monitoring': {
    by: 'test', id: 'install', files: ['test/integration/readme.test.ts'],
    how: 'runs it with --dry-run=server appended, against the test cluster with the Prometheus Operator CRDs',
  },
  'helm install skupper-cert-rotator charts/skupper-cert-rotator --namespace skupper-cert-rotator --create-namespace': {
    by: 'test', id: 'helm install', files: ['test/integration/helm-chart.test.ts'],
    how: 'runs it with the helm of the binary cache, --dry-run=server and --take-ownership appended (the base\'s objects of the same names may exist), against the test cluster',
  },
  'npm run cluster:build': {
    by: 'test', id: 'cluster:build', files: ['test/integration/readme.test.ts'],
    how: 'runs it (the binaries are cached by then) and checks each of the seven is in the cache',
  },
  'npm run cluster:up': {
    by: 'test', id: 'cluster:up', files: ['test/integration/cluster-cli.test.ts'],
    how: 'runs it in a private state directory, twice (the second reports the running cluster)',
  },
  'npm run cluster:down': {
    by: 'test', id: 'cluster:down', files: ['test/integration/cluster-cli.test.ts', 'test/integration/readme.test.ts'],
    how: 'runs it after cluster:up and after npm run local, and checks no process is left',
  },
  'npm run local': {
    by: 'test', id: 'local', files: ['test/integration/readme.test.ts'],
    how: 'runs it in a private state directory until the sample Listener is wired, checks /healthz and /metrics, then Ctrl-C (SIGINT to its process group)',
  },
  'npm start -- run --kubeconfig ~/.kube/config --namespaces east,west': {
    by: 'test', id: 'run against a cluster', files: ['test/integration/readme.test.ts'],
    how: "runs it with HOME pointing at a directory whose .kube/config is npm run local's cluster, until a Listener in west is wired",
  },
  'npm start': {
    by: 'test', id: 'start', files: ['test/integration/readme.test.ts'],
    how: "runs it with KUBECONFIG set to npm run local's cluster, until a Listener in namespace default is wired",
  },
  'skupper-cert-rotator status': {
    by: 'test', id: 'status', files: ['test/integration/readme.test.ts'],
    how: "runs it with the built CLI on PATH as skupper-cert-rotator, against npm run local's cluster",
  },
  'npm run bench:parse': {
    by: 'test', id: 'bench:parse', files: ['test/integration/readme.test.ts'],
    how: 'runs it with one round (`-- 1`, the rounds argument it takes) and checks both tables are printed',
  },
  'npm run bench:scrape': {
    by: 'test', id: 'bench:scrape', files: ['test/integration/readme.test.ts'],
    how: 'runs it with 2,000 objects and 3 scrapes per path (`-- 2000 3`) and checks the size, that the kept table is a fraction of it, and the ratios of both paths are printed',
  },
  'npm run bench:resync': {
    by: 'test', id: 'bench:resync', files: ['test/integration/readme.test.ts'],
    how: 'runs it at 300 and 2,500 Secrets (`-- 300,2500`; 2,500 is above the old fixed cache bound) and checks a resync re-parses nothing and costs under half the first pass',
  },
  'npm run bench:heap -- FILE': {
    by: 'test', id: 'bench:heap', files: ['test/integration/readme.test.ts'],
    how: 'runs it on a heap snapshot of a process holding 20,000 objects of a class of its own, alone and as the growth between two snapshots (`--per`)',
  },
  'npm run bench:cpu -- FILE': {
    by: 'test', id: 'bench:cpu', files: ['test/integration/readme.test.ts'],
    how: 'runs it on a --cpu-prof profile of a process that spends a second in a function of its own, and checks that function and its caller carry the time',
  },
  'npm run bench:bundle': {
    by: 'test', id: 'bench:bundle', files: ['test/integration/readme.test.ts'],
    how: 'runs it with one round (`-- 1`) and checks the table is printed',
  },
  'skupper-cert-rotator renew': {
    by: 'not run',
    reason: 'names the command, without the object it needs (renew listener/NAME -n NS); test/integration/renewal.test.ts runs it with one',
  },
  'npm run test:faults': { by: 'npm test', how: 'package.json scripts.test runs the same mocha configuration (.mocharc.faults.json) through scripts/suites.ts, beside the integration suite' },
  'npm run bench': {
    by: 'not run',
    reason: 'the full benchmark (N = 100, 1,000 and 5,000 through both controllers, 5-minute steady windows, 10,000 tracked Secrets; over half an hour) on its own control plane; test/integration/bench-perf.test.ts runs the same runPerf() with N = 20, a 10 s window and 20 Secrets',
  },
  'npm run image -- --smoke': {
    by: 'test', id: 'image', files: ['test/integration/image.test.ts'],
    how: 'runs it (as root, where podman runs) and then tests the image it tagged: its files and labels, and the daemon in it against the test cluster',
  },
  'docker build -t skupper-cert-rotator .': {
    by: 'not run',
    reason: 'no Docker engine or registry here; npm run image builds the same Dockerfile with podman against local stand-ins of its base images',
  },
  'npm run drill': {
    by: 'not run',
    reason: 'the full rotation drill (100 Listener and 3 CA rotations, about 2.5 minutes) on its own control plane; test/integration/skupper-drill.test.ts runs the same runDrill() with 5 and 1',
  },
  'npm run test:loaded': {
    by: 'not run',
    reason: 'the whole integration suite (8+ minutes) under a CPU hog: it cannot run inside that suite',
  },
  'npm run fuzz': {
    by: 'not run',
    reason: 'a long fuzz run (200 Listeners, 5 rounds) on its own control plane; the suite runs the same describe with 24 Listeners and 2 rounds, and the unit test checks the script\'s --grep names it',
  },
  "npx mocha --config .mocharc.integration.json --grep 'Renewal triggers'": {
    by: 'not run',
    reason: 'part of the integration suite on its own control plane (minutes); the unit test checks the --grep names a describe',
  },
  'TEST_KUBECONFIG=.local/kubeconfig npm run test:integration': {
    by: 'not run',
    reason: 'the whole integration suite against a developer\'s running cluster (8+ minutes)',
  },
  'npm run dashboard:render': {
    by: 'not run',
    reason: 'records a 4-minute demo with a real Prometheus and rewrites docs/dashboard.svg and .png',
  },
  'npm run docs:architecture': {
    by: 'not run',
    reason: 'rewrites docs/architecture.svg in the checkout; a unit test renders it in memory and fails when the committed picture differs',
  },
  'npm run chart:sync': {
    by: 'not run',
    reason: 'rewrites the generated files of charts/skupper-cert-rotator in the checkout; test/unit/helm-chart.test.ts checks that the committed files are what it would write',
  },
  'npm run docs:config': {
    by: 'not run',
    reason: 'rewrites docs/configuration.md in the checkout; test/unit/config-docs.test.ts checks that the committed file is what it would write',
  },
};

/** The text of the one README step whose WHO_RUNS entry has `id`, as the README shows it. */
export function readmeStep(id: string): string {
  const steps = stepsOfCommands(readmeCommands()).filter((s) => {
    const r = WHO_RUNS[s.text];
    return r?.by === 'test' && r.id === id;
  });
  if (steps.length !== 1) {
    throw new Error(`README.md has ${steps.length} commands whose WHO_RUNS entry (test/support/readme-commands.ts) has id ${JSON.stringify(id)}: ${steps.map((s) => s.text).join('; ')}`);
  }
  return steps[0]!.text;
}
