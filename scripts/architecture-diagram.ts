// Writes docs/architecture.svg from the committed text source
// docs/architecture.diagram.txt: `npm run docs:architecture`. A unit test
// renders it in memory and fails when the committed picture differs, so the
// picture cannot drift from its source. No external tools (no graphviz, no
// browser): the layout below is simple enough to be deterministic, and the
// same source always gives the same bytes.
//
// The source format, one statement a line ('#' starts a comment line):
//
//   title "Text"                       the heading of the picture
//   note "Text"                        a line under the heading (repeatable)
//   lane ID "Label" ["Description"] [#rrggbb]
//                                      a horizontal band; lanes are drawn top to bottom
//   node ID [at COLUMN] "Title" ["Line" ...]
//                                      a box in the lane above it; COLUMN (1-based) defaults to
//                                      the column after the lane's previous node
//   edge FROM -> TO ["Label"] [via CORRIDOR]
//   edge FROM --> TO ["Label"] [via CORRIDOR]
//                                      an arrow between nodes of two different lanes: `->` is
//                                      drawn solid (a write), `-->` dashed (a read or a watch);
//                                      an arrow that crosses lanes runs down the gap CORRIDOR
//                                      (0 = left of column 1, n = right of column n)
//
// Layout: nodes sit in a grid (lanes are rows, COLUMN is the column), every
// column as wide as its widest box. Arrows run in orthogonal segments: out of
// a box, along their own track in the gap below (or above) its lane, down (or
// up) a gap between columns when they cross lanes, and into the target box.
// Each horizontal track has its own height with room for its label above it,
// so labels never overlap each other or a box.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DIAGRAM_SOURCE_PATH = join(ROOT, 'docs', 'architecture.diagram.txt');
export const DIAGRAM_SVG_PATH = join(ROOT, 'docs', 'architecture.svg');
export const REGENERATE_COMMAND = 'npm run docs:architecture';

// ---------------------------------------------------------------- the model

export interface Lane {
  id: string;
  label: string;
  description?: string;
  color?: string;
  line: number;
}

export interface DiagramNode {
  id: string;
  /** Index into Diagram.lanes. */
  lane: number;
  /** 1-based grid column. */
  column: number;
  title: string;
  lines: string[];
  line: number;
}

export interface Edge {
  from: string;
  to: string;
  label: string;
  dashed: boolean;
  /** The gap between columns the arrow runs down when it crosses lanes (0 = left of column 1). */
  via?: number;
  line: number;
}

export interface Diagram {
  title: string;
  notes: string[];
  lanes: Lane[];
  nodes: DiagramNode[];
  edges: Edge[];
}

/** A mistake in the source, with the (1-based) line it is on. */
export class DiagramError extends Error {
  constructor(readonly line: number, readonly detail: string, readonly file = 'docs/architecture.diagram.txt') {
    super(`${file}:${line}: ${detail}`);
    this.name = 'DiagramError';
  }
}

// ---------------------------------------------------------------- the parser

interface Token {
  text: string;
  quoted: boolean;
}

/** Splits a line into bare words and "quoted strings" (\" and \\ escape inside quotes). */
export function tokenize(text: string, line: number, file?: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '"') {
      let out = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw new DiagramError(line, `unterminated string starting at column ${i + 1}`, file);
        const d = text[j] ?? '';
        if (d === '\\' && (text[j + 1] === '"' || text[j + 1] === '\\')) {
          out += text[j + 1] ?? '';
          j += 2;
        } else if (d === '"') {
          break;
        } else {
          out += d;
          j++;
        }
      }
      const after = text[j + 1];
      if (after !== undefined && after !== ' ' && after !== '\t') throw new DiagramError(line, `a space must follow the string that ends at column ${j + 1}`, file);
      tokens.push({ text: out, quoted: true });
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < text.length && text[j] !== ' ' && text[j] !== '\t') {
      if (text[j] === '"') throw new DiagramError(line, `a quote inside the word starting at column ${i + 1}; put a space before the string`, file);
      j++;
    }
    tokens.push({ text: text.slice(i, j), quoted: false });
    i = j;
  }
  return tokens;
}

const ID = /^[A-Za-z][A-Za-z0-9_-]*$/;
const COLOR = /^#[0-9a-fA-F]{6}$/;
const STATEMENTS = ['title', 'note', 'lane', 'node', 'edge'];

/** Reads the source; every mistake is a DiagramError naming its line. */
export function parseDiagram(source: string, file?: string): Diagram {
  const diagram: Diagram = { title: '', notes: [], lanes: [], nodes: [], edges: [] };
  const laneIds = new Map<string, number>();
  const nodeIds = new Map<string, number>();
  const lastColumn = new Map<number, number>();
  const lines = source.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    const fail = (detail: string): never => {
      throw new DiagramError(line, detail, file);
    };
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const tokens = tokenize(trimmed, line, file);
    const [head, ...rest] = tokens;
    if (!head || head.quoted || !STATEMENTS.includes(head.text)) fail(`unknown statement "${head?.text ?? ''}" (expected one of: ${STATEMENTS.join(', ')})`);
    const word = (t: Token | undefined, what: string): string => (t && !t.quoted ? t.text : fail(`expected ${what}${t ? `, found "${t.text}"` : ' at the end of the line'}`));
    const string = (t: Token | undefined, what: string): string => (t?.quoted ? t.text : fail(`expected ${what} in double quotes${t ? `, found ${t.text}` : ' at the end of the line'}`));
    const id = (t: Token | undefined, what: string): string => {
      const text = word(t, what);
      return ID.test(text) ? text : fail(`${what} "${text}" is not a name (a letter, then letters, digits, - or _)`);
    };
    const end = (t: Token | undefined): void => {
      if (t) fail(`unexpected ${t.quoted ? `"${t.text}"` : t.text} at the end of the statement`);
    };
    const number = (t: Token | undefined, what: string, min: number): number => {
      const text = word(t, what);
      const n = /^\d+$/.test(text) ? Number(text) : NaN;
      return Number.isSafeInteger(n) && n >= min ? n : fail(`${what} must be a whole number ≥ ${min}, found "${text}"`);
    };

    switch (head?.text) {
      case 'title': {
        if (diagram.title !== '') fail('a second title');
        diagram.title = string(rest[0], 'the title');
        end(rest[1]);
        return;
      }
      case 'note': {
        diagram.notes.push(string(rest[0], 'the note'));
        end(rest[1]);
        return;
      }
      case 'lane': {
        const laneId = id(rest[0], 'the lane name');
        if (laneIds.has(laneId)) fail(`lane "${laneId}" is declared twice (first on line ${diagram.lanes[laneIds.get(laneId) ?? 0]?.line ?? 0})`);
        const label = string(rest[1], 'the lane label');
        let k = 2;
        const lane: Lane = { id: laneId, label, line };
        if (rest[k]?.quoted) lane.description = rest[k++]?.text ?? '';
        const c = rest[k];
        if (c && !c.quoted) {
          if (!COLOR.test(c.text)) fail(`the lane colour must look like #1f6feb, found "${c.text}"`);
          lane.color = c.text.toLowerCase();
          k++;
        }
        end(rest[k]);
        laneIds.set(laneId, diagram.lanes.length);
        diagram.lanes.push(lane);
        return;
      }
      case 'node': {
        const lane = diagram.lanes.length - 1;
        if (lane < 0) fail('a node before any lane: declare the lane first (lane ID "Label")');
        const nodeId = id(rest[0], 'the node name');
        if (nodeIds.has(nodeId)) fail(`node "${nodeId}" is declared twice (first on line ${diagram.nodes[nodeIds.get(nodeId) ?? 0]?.line ?? 0})`);
        let k = 1;
        let column = (lastColumn.get(lane) ?? 0) + 1;
        if (rest[k] && !rest[k]?.quoted) {
          if (word(rest[k], '"at"') !== 'at') fail(`expected "at COLUMN" or the node title, found "${rest[k]?.text ?? ''}"`);
          column = number(rest[k + 1], 'the column', 1);
          k += 2;
        }
        const clash = diagram.nodes.find((n) => n.lane === lane && n.column === column);
        if (clash) fail(`node "${nodeId}" is in column ${column} of lane "${diagram.lanes[lane]?.id ?? ''}", where node "${clash.id}" (line ${clash.line}) already is`);
        const title = string(rest[k], 'the node title');
        const extra: string[] = [];
        for (const t of rest.slice(k + 1)) extra.push(string(t, 'a line of the node'));
        lastColumn.set(lane, column);
        nodeIds.set(nodeId, diagram.nodes.length);
        diagram.nodes.push({ id: nodeId, lane, column, title, lines: extra, line });
        return;
      }
      case 'edge': {
        const from = id(rest[0], 'the node the arrow starts at');
        const arrow = word(rest[1], '-> or -->');
        if (arrow !== '->' && arrow !== '-->') fail(`expected -> (a write) or --> (a read), found "${arrow}"`);
        const to = id(rest[2], 'the node the arrow points to');
        let k = 3;
        const label = rest[k]?.quoted ? rest[k++]?.text ?? '' : '';
        const edge: Edge = { from, to, label, dashed: arrow === '-->', line };
        if (rest[k]) {
          if (word(rest[k], '"via"') !== 'via') fail(`expected "via CORRIDOR" after the label, found "${rest[k]?.text ?? ''}"`);
          edge.via = number(rest[k + 1], 'the corridor', 0);
          k += 2;
        }
        end(rest[k]);
        diagram.edges.push(edge);
        return;
      }
    }
  });
  validate(diagram, nodeIds, file);
  return diagram;
}

/** What can only be checked once everything is read: edges name declared nodes of two different lanes. */
function validate(d: Diagram, nodeIds: Map<string, number>, file?: string): void {
  if (d.lanes.length === 0) throw new DiagramError(1, 'no lane declared (lane ID "Label")', file);
  for (const lane of d.lanes) {
    if (!d.nodes.some((n) => d.lanes[n.lane] === lane)) throw new DiagramError(lane.line, `lane "${lane.id}" has no node`, file);
  }
  const columns = Math.max(...d.nodes.map((n) => n.column));
  for (const e of d.edges) {
    for (const end of [e.from, e.to]) {
      if (!nodeIds.has(end)) {
        const hint = d.lanes.some((l) => l.id === end) ? ` ("${end}" is a lane; arrows join nodes)` : '';
        throw new DiagramError(e.line, `the arrow names node "${end}", which is not declared${hint}`, file);
      }
    }
    const a = d.nodes[nodeIds.get(e.from) ?? 0];
    const b = d.nodes[nodeIds.get(e.to) ?? 0];
    if (a && b && a.lane === b.lane) throw new DiagramError(e.line, `"${e.from}" and "${e.to}" are both in lane "${d.lanes[a.lane]?.id ?? ''}": arrows join nodes of two different lanes`, file);
    if (e.via !== undefined && a && b && Math.abs(a.lane - b.lane) < 2) throw new DiagramError(e.line, `"via" is for arrows that cross a lane; "${e.from}" and "${e.to}" are in neighbouring lanes`, file);
    if (e.via !== undefined && e.via > columns) throw new DiagramError(e.line, `corridor ${e.via} does not exist: the grid has ${columns} column(s), so corridors 0 to ${columns}`, file);
  }
}

// ---------------------------------------------------------------- text metrics

// Advance widths (em) of DejaVu Sans, the widest of the fallback fonts: boxes
// sized for it are roomy in Helvetica or Arial.
const EM: Record<string, number> = {
  a: 0.613, b: 0.635, c: 0.55, d: 0.635, e: 0.615, f: 0.352, g: 0.635, h: 0.634, i: 0.278, j: 0.278, k: 0.579, l: 0.278, m: 0.974,
  n: 0.634, o: 0.612, p: 0.635, q: 0.635, r: 0.411, s: 0.521, t: 0.392, u: 0.634, v: 0.592, w: 0.818, x: 0.592, y: 0.592, z: 0.525,
  A: 0.684, B: 0.686, C: 0.698, D: 0.77, E: 0.632, F: 0.575, G: 0.775, H: 0.752, I: 0.295, J: 0.295, K: 0.656, L: 0.557, M: 0.863,
  N: 0.748, O: 0.787, P: 0.603, Q: 0.787, R: 0.695, S: 0.635, T: 0.611, U: 0.732, V: 0.684, W: 0.989, X: 0.685, Y: 0.611, Z: 0.685,
  ' ': 0.318, '.': 0.318, ',': 0.318, ':': 0.337, ';': 0.337, '-': 0.361, _: 0.5, '/': 0.337, '(': 0.39, ')': 0.39, '[': 0.39, ']': 0.39,
  '<': 0.838, '>': 0.838, '=': 0.838, '+': 0.838, '·': 0.318, '§': 0.5, '#': 0.838, '@': 1, '"': 0.46, "'": 0.275, '*': 0.5,
  '≤': 0.838, '≥': 0.838, '→': 0.838, '…': 1, '%': 0.95, '&': 0.78, '|': 0.337, '{': 0.636, '}': 0.636, '!': 0.4, '?': 0.531, '×': 0.838,
};

/** Estimated width in px of `text` at `size` px (bold is about 10 % wider). */
export function textWidth(text: string, size: number, bold = false): number {
  let em = 0;
  for (const c of text) em += EM[c] ?? (c >= '0' && c <= '9' ? 0.636 : 0.7);
  return em * size * (bold ? 1.1 : 1);
}

// ---------------------------------------------------------------- layout

const FONT = "'Helvetica Neue', Helvetica, Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif";
const MARGIN = 24;
const TITLE_SIZE = 20;
const NOTE_SIZE = 13;
const LANE_SIZE = 13;
const NODE_TITLE_SIZE = 14;
const NODE_LINE_SIZE = 12;
const LABEL_SIZE = 12;
const NODE_PAD_X = 12;
const NODE_PAD_Y = 9;
const NODE_LINE_GAP = 4;
const MIN_NODE_WIDTH = 132;
const LANE_HEADER = 26;
const LANE_PAD = 12;
/** Vertical distance between two horizontal tracks: a label fits above each. */
const SLOT = 22;
const GUTTER_TOP = 6;
const GUTTER_BOTTOM = 16;
/** Horizontal distance between two vertical tracks in a corridor. */
const TRACK = 10;
const CORRIDOR_MIN = 30;
const ARROW = 8;
const PALETTE = ['#1f6feb', '#1a7f37', '#8250df', '#bf8700', '#0e7490', '#57606a'];

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A piece of text as drawn: `x` is where the anchor is; `box` is its estimated extent. */
export interface PlacedText {
  text: string;
  x: number;
  y: number;
  size: number;
  bold: boolean;
  anchor: 'start' | 'middle' | 'end';
  color: string;
  halo: boolean;
  box: Box;
  role: 'title' | 'note' | 'lane' | 'node' | 'label';
}

export interface PlacedEdge {
  edge: Edge;
  points: { x: number; y: number }[];
  color: string;
}

export interface Layout {
  width: number;
  height: number;
  bands: { lane: Lane; box: Box; color: string }[];
  boxes: { node: DiagramNode; box: Box; color: string }[];
  edges: PlacedEdge[];
  texts: PlacedText[];
}

function textBox(text: string, x: number, baseline: number, size: number, bold: boolean, anchor: PlacedText['anchor']): Box {
  const w = textWidth(text, size, bold);
  const left = anchor === 'start' ? x : anchor === 'middle' ? x - w / 2 : x - w;
  // Ascent about 0.8 em above the baseline, descent about 0.22 em below.
  return { x: left, y: baseline - size * 0.8, w, h: size * 1.02 };
}

/** One horizontal piece of an arrow, in the gap between two lanes. */
export interface Segment {
  edge: number;
  gutter: number;
  x1: number;
  x2: number;
  /** Where the vertical pieces meet it: going up from it (to the lane above) or down. */
  ends: { x: number; up: boolean }[];
  label?: { text: string; from: number; to: number };
  slot: number;
}

function laneColor(d: Diagram, lane: number): string {
  return d.lanes[lane]?.color ?? PALETTE[lane % PALETTE.length] ?? '#57606a';
}

/** Mixes `hex` with white: `amount` 0 gives white, 1 the colour itself. */
function tint(hex: string, amount: number): string {
  return mix(hex, (c) => 255 - (255 - c) * amount);
}

/** Darkens `hex`: `factor` 1 gives the colour itself, 0 black. */
function shade(hex: string, factor: number): string {
  return mix(hex, (c) => c * factor);
}

function mix(hex: string, f: (channel: number) => number): string {
  const v = (i: number): string => Math.min(255, Math.max(0, Math.round(f(parseInt(hex.slice(i, i + 2), 16))))).toString(16).padStart(2, '0');
  return `#${v(1)}${v(3)}${v(5)}`;
}

function nodeSize(n: DiagramNode): { w: number; h: number } {
  const w = Math.max(textWidth(n.title, NODE_TITLE_SIZE, true), ...n.lines.map((l) => textWidth(l, NODE_LINE_SIZE)));
  const h = NODE_PAD_Y * 2 + NODE_TITLE_SIZE + n.lines.length * (NODE_LINE_SIZE + NODE_LINE_GAP);
  return { w: Math.max(MIN_NODE_WIDTH, Math.ceil(w + 2 * NODE_PAD_X)), h };
}

/** The corridor an arrow that crosses lanes runs down: given, or the gap next to its start towards its end. */
function corridorOf(e: Edge, a: DiagramNode, b: DiagramNode): number {
  if (e.via !== undefined) return e.via;
  return b.column >= a.column ? a.column : a.column - 1;
}

/** Crossings caused by putting segment `si` on a track above `sj` (a label crossed counts 3). */
function aboveCost(si: Segment, sj: Segment): number {
  const within = (x: number, a: number, b: number): boolean => x > Math.min(a, b) + 0.5 && x < Math.max(a, b) - 0.5;
  let c = 0;
  for (const v of sj.ends) if (v.up) c += (within(v.x, si.x1, si.x2) ? 1 : 0) + (si.label && within(v.x, si.label.from, si.label.to) ? 3 : 0);
  for (const v of si.ends) if (!v.up) c += (within(v.x, sj.x1, sj.x2) ? 1 : 0) + (sj.label && within(v.x, sj.label.from, sj.label.to) ? 3 : 0);
  return c;
}

const EXACT_ORDER_LIMIT = 16;

/**
 * Orders the tracks of one gutter top to bottom so that few vertical pieces
 * cross other tracks or their labels: the best order by dynamic programming
 * over subsets for up to EXACT_ORDER_LIMIT tracks, else each track inserted
 * where it costs least, in declaration order. Ties keep declaration order.
 */
export function orderSegments(segs: Segment[]): Segment[] {
  const n = segs.length;
  if (n <= 1) return segs;
  const cost = segs.map((si) => segs.map((sj) => (si === sj ? 0 : aboveCost(si, sj))));
  const c = (i: number, j: number): number => cost[i]?.[j] ?? 0;
  if (n > EXACT_ORDER_LIMIT) {
    const order: number[] = [];
    for (let k = 0; k < n; k++) {
      let bestAt = 0;
      let bestCost = Infinity;
      for (let at = 0; at <= order.length; at++) {
        let total = 0;
        order.forEach((i, p) => { total += p < at ? c(i, k) : c(k, i); });
        if (total < bestCost) {
          bestCost = total;
          bestAt = at;
        }
      }
      order.splice(bestAt, 0, k);
    }
    return order.map((k) => segs[k] as Segment);
  }
  const full = (1 << n) - 1;
  const best = new Float64Array(full + 1).fill(Infinity);
  const choice = new Int8Array(full + 1).fill(-1);
  best[0] = 0;
  for (let set = 0; set < full; set++) {
    const base = best[set] ?? Infinity;
    if (base === Infinity) continue;
    for (let k = 0; k < n; k++) {
      if (set & (1 << k)) continue;
      let add = 0;
      for (let i = 0; i < n; i++) if (set & (1 << i)) add += c(i, k);
      const next = set | (1 << k);
      if (base + add < (best[next] ?? Infinity)) {
        best[next] = base + add;
        choice[next] = k;
      }
    }
  }
  const order: number[] = [];
  for (let set = full; set !== 0;) {
    const k = choice[set] ?? 0;
    order.unshift(k);
    set &= ~(1 << k);
  }
  return order.map((k) => segs[k] as Segment);
}

/** Room kept between two pieces that share a track. */
const SHARE_GAP = 12;

function extent(s: Segment): [number, number] {
  const xs = [s.x1, s.x2, ...(s.label ? [s.label.from, s.label.to] : [])];
  return [Math.min(...xs) - SHARE_GAP / 2, Math.max(...xs) + SHARE_GAP / 2];
}

/**
 * Gives each segment (in `ordered`, top to bottom) a track: the first one
 * below every earlier segment it overlaps (line or label), so pieces that are
 * side by side share a height and the order between overlapping ones holds.
 * Returns the number of tracks used.
 */
export function assignSlots(ordered: Segment[]): number {
  let used = 0;
  ordered.forEach((s, j) => {
    const [a, b] = extent(s);
    let slot = 1;
    for (const t of ordered.slice(0, j)) {
      const [c, d] = extent(t);
      if (c < b && a < d) slot = Math.max(slot, t.slot + 1);
    }
    s.slot = slot;
    used = Math.max(used, slot);
  });
  return used;
}

/** The horizontal plan: columns, the corridors between them, and where each arrow meets its boxes. */
interface Grid {
  columns: number;
  colX: number[];
  colWidth: number[];
  width: number;
  /** Both ends of every edge, by edge index. */
  ends: { a: DiagramNode; b: DiagramNode }[];
  /** The x of the corridor track of each arrow that crosses lanes, by edge index. */
  trackX: Map<number, number>;
}

function placed(text: string, x: number, y: number, size: number, o: { bold?: boolean; anchor?: PlacedText['anchor']; color: string; halo?: boolean; role: PlacedText['role'] }): PlacedText {
  const bold = o.bold ?? false;
  const anchor = o.anchor ?? 'start';
  return { text, x, y, size, bold, anchor, color: o.color, halo: o.halo ?? false, box: textBox(text, x, y, size, bold, anchor), role: o.role };
}

/** Columns as wide as their widest box, with corridors between them as wide as the arrows running down them need. */
function placeColumns(d: Diagram): Grid {
  const byId = new Map(d.nodes.map((n) => [n.id, n]));
  const columns = Math.max(...d.nodes.map((n) => n.column));
  const colWidth = Array.from({ length: columns }, (_, c) => Math.max(MIN_NODE_WIDTH, ...d.nodes.filter((n) => n.column === c + 1).map((n) => nodeSize(n).w)));
  const ends = d.edges.map((e) => ({ a: byId.get(e.from) as DiagramNode, b: byId.get(e.to) as DiagramNode }));
  const corridorTracks = Array.from({ length: columns + 1 }, () => [] as number[]);
  d.edges.forEach((e, i) => {
    const { a, b } = ends[i] as Grid['ends'][number];
    if (Math.abs(a.lane - b.lane) > 1) corridorTracks[corridorOf(e, a, b)]?.push(i);
  });
  const corridorWidth = corridorTracks.map((t, k) => Math.max(k === 0 || k === columns ? CORRIDOR_MIN / 2 : CORRIDOR_MIN, t.length * TRACK + 2 * TRACK));
  const colX: number[] = [];
  let x = MARGIN + (corridorWidth[0] ?? 0);
  for (let c = 0; c < columns; c++) {
    colX.push(x);
    x += (colWidth[c] ?? 0) + (corridorWidth[c + 1] ?? 0);
  }
  const trackX = new Map<number, number>();
  corridorTracks.forEach((tracks, k) => {
    const start = k === 0 ? MARGIN : (colX[k - 1] ?? 0) + (colWidth[k - 1] ?? 0);
    const w = corridorWidth[k] ?? 0;
    tracks.forEach((edge, j) => trackX.set(edge, start + w / 2 + (j - (tracks.length - 1) / 2) * TRACK));
  });
  return { columns, colX, colWidth, width: Math.ceil(x + MARGIN), ends, trackX };
}

/**
 * Where arrows leave and enter boxes (`${edge}/start`, `${edge}/finish`). All the ports facing one
 * gutter in one column (the bottom of the box above, the top of the box below) are spread together
 * over the column's width, ordered by where each arrow goes, so no two arrows ever run down the same
 * x. An arrow straight down (or up) one column keeps one x for both ends.
 */
function placePorts(d: Diagram, g: Grid): Map<string, number> {
  const center = (n: DiagramNode): number => (g.colX[n.column - 1] ?? 0) + (g.colWidth[n.column - 1] ?? 0) / 2;
  const pools = new Map<string, { edge: number; ends: ('start' | 'finish')[]; toward: number }[]>();
  d.edges.forEach((_, i) => {
    const { a, b } = g.ends[i] as Grid['ends'][number];
    const down = b.lane > a.lane;
    const via = g.trackX.get(i);
    const put = (gutter: number, column: number, end: 'start' | 'finish', toward: number): void => {
      const key = `${gutter}/${column}`;
      const list = pools.get(key) ?? [];
      const same = list.find((p) => p.edge === i);
      if (same) same.ends.push(end);
      else list.push({ edge: i, ends: [end], toward });
      pools.set(key, list);
    };
    put(down ? a.lane : a.lane - 1, a.column, 'start', via ?? center(b));
    put(down ? b.lane - 1 : b.lane, b.column, 'finish', via ?? center(a));
  });
  const portX = new Map<string, number>();
  for (const [key, list] of pools) {
    const column = Number(key.slice(key.indexOf('/') + 1));
    const x0 = g.colX[column - 1] ?? 0;
    const w = g.colWidth[column - 1] ?? 0;
    const sorted = [...list].sort((p, q) => p.toward - q.toward || p.edge - q.edge);
    sorted.forEach((att, j) => {
      for (const end of att.ends) portX.set(`${att.edge}/${end}`, x0 + (w * (j + 1)) / (sorted.length + 1));
    });
  }
  return portX;
}

/** The horizontal pieces of every arrow (gutter k lies between lanes k and k + 1), in edge order. */
function routeSegments(d: Diagram, g: Grid, portX: Map<string, number>): Segment[] {
  const segments: Segment[] = [];
  d.edges.forEach((_, i) => {
    const { a, b } = g.ends[i] as Grid['ends'][number];
    const down = b.lane > a.lane;
    const start = portX.get(`${i}/start`) ?? 0;
    const finish = portX.get(`${i}/finish`) ?? 0;
    const via = g.trackX.get(i);
    const mid = via ?? finish;
    // A vertical piece comes from the source's lane into the first piece; the next leaves towards the target.
    segments.push({ edge: i, gutter: down ? a.lane : a.lane - 1, x1: start, x2: mid, ends: [{ x: start, up: down }, { x: mid, up: !down }], slot: 0 });
    if (via !== undefined) segments.push({ edge: i, gutter: down ? b.lane - 1 : b.lane, x1: via, x2: finish, ends: [{ x: via, up: down }, { x: finish, up: !down }], slot: 0 });
  });
  return segments;
}

/** Where vertical pieces run through gutter `gutter`: the ends of its segments, and corridors passing through it. */
function verticalsIn(segments: Segment[], gutter: number): number[] {
  const xs = segments.filter((t) => t.gutter === gutter).flatMap((t) => t.ends.map((v) => v.x));
  segments.forEach((t, k) => {
    const next = segments[k + 1];
    if (next?.edge === t.edge && Math.min(t.gutter, next.gutter) < gutter && gutter < Math.max(t.gutter, next.gutter)) xs.push(t.x2);
  });
  return xs;
}

/**
 * Puts each label on a piece of its arrow. Centred on the longest piece when it fits there (slid along
 * it to where fewest vertical pieces of other arrows cross it); else it starts where the arrow leaves
 * its box and runs along the first piece (a downward arrow's next vertical goes down, away from the
 * text), or, for an upward arrow, sits beside the vertical it turns into.
 */
function placeLabels(d: Diagram, g: Grid, segments: Segment[]): void {
  const fits = (from: number, w: number): boolean => from >= MARGIN / 2 && from + w <= g.width - MARGIN / 2;
  const len = (t: Segment): number => Math.abs(t.x2 - t.x1);
  d.edges.forEach((e, i) => {
    const mine = segments.filter((t) => t.edge === i);
    const first = mine[0];
    if (e.label === '' || !first) return;
    const w = textWidth(e.label, LABEL_SIZE);
    const longest = mine.reduce((p, q) => (len(q) > len(p) ? q : p));
    const { a, b } = g.ends[i] as Grid['ends'][number];
    let on = first;
    let from: number;
    if (len(longest) >= w + 16) {
      on = longest;
      const xs = verticalsIn(segments, on.gutter);
      const centre = (on.x1 + on.x2) / 2 - w / 2;
      const lo = Math.min(on.x1, on.x2) + 8;
      const hi = Math.max(on.x1, on.x2) - 8 - w;
      const crossed = (f: number): number => xs.filter((x) => x > f - 3 && x < f + w + 3).length;
      const candidates = [centre, ...xs.flatMap((x) => [x + 6, x - 6 - w])].filter((f) => f >= lo && f <= hi);
      from = candidates.reduce((best, f) => {
        const c = crossed(f) - crossed(best);
        return c < 0 || (c === 0 && Math.abs(f - centre) < Math.abs(best - centre)) ? f : best;
      });
    } else if (b.lane > a.lane) {
      from = first.x2 >= first.x1 ? first.x1 + 6 : first.x1 - 6 - w;
    } else {
      const leftOf = Math.min(first.x1, first.x2) - 6 - w;
      const rightOf = Math.max(first.x1, first.x2) + 6;
      from = first.x2 >= first.x1 ? (fits(rightOf, w) ? rightOf : leftOf) : (fits(leftOf, w) ? leftOf : rightOf);
    }
    from = Math.min(Math.max(from, MARGIN / 2), g.width - MARGIN / 2 - w);
    on.label = { text: e.label, from, to: from + w };
  });
}

/** The heading: title and notes, from the top; returns the texts and where the lanes start. */
function placeHeading(d: Diagram): { texts: PlacedText[]; bottom: number } {
  const texts: PlacedText[] = [];
  let y = MARGIN;
  if (d.title !== '') {
    y += TITLE_SIZE;
    texts.push(placed(d.title, MARGIN, y, TITLE_SIZE, { bold: true, color: '#1f2328', role: 'title' }));
    y += 8;
  }
  for (const note of d.notes) {
    y += NOTE_SIZE + 6;
    texts.push(placed(note, MARGIN, y, NOTE_SIZE, { color: '#59636e', role: 'note' }));
  }
  return { texts, bottom: y + 16 };
}

/** A box and its centred text. */
function placeNode(d: Diagram, n: DiagramNode, g: Grid, top: number): { box: Layout['boxes'][number]; texts: PlacedText[] } {
  const box = { x: g.colX[n.column - 1] ?? 0, y: top, w: g.colWidth[n.column - 1] ?? 0, h: nodeSize(n).h };
  const cx = box.x + box.w / 2;
  let ty = box.y + NODE_PAD_Y + NODE_TITLE_SIZE * 0.8;
  const texts = [placed(n.title, cx, ty, NODE_TITLE_SIZE, { bold: true, anchor: 'middle', color: '#1f2328', role: 'node' })];
  ty += NODE_TITLE_SIZE * 0.2;
  for (const line of n.lines) {
    ty += NODE_LINE_SIZE + NODE_LINE_GAP;
    texts.push(placed(line, cx, ty, NODE_LINE_SIZE, { anchor: 'middle', color: '#424a53', role: 'node' }));
  }
  return { box: { node: n, box, color: laneColor(d, n.lane) }, texts };
}

/**
 * A lane's label (and description) in the header row of its band: at its left end if no arrow runs
 * through there, else at the leftmost place (right after an arrow, or at the right end) that fewest
 * arrows cross.
 */
function placeLaneLabel(d: Diagram, l: number, g: Grid, top: number, edges: PlacedEdge[]): PlacedText[] {
  const lane = d.lanes[l] as Lane;
  const ly = top + 18;
  const description = lane.description ?? '';
  const labelW = textWidth(lane.label, LANE_SIZE, true);
  const total = labelW + (description !== '' ? 10 + textWidth(description, NODE_LINE_SIZE) : 0);
  const leftX = (g.colX[0] ?? MARGIN) - 2;
  const rightX = (g.colX[g.columns - 1] ?? 0) + (g.colWidth[g.columns - 1] ?? 0) + 2 - total;
  const verticals = edges.flatMap((e) => e.points.slice(1).flatMap((q, k) => {
    const p = e.points[k] as { x: number; y: number };
    return p.x === q.x && Math.min(p.y, q.y) < ly + 4 && Math.max(p.y, q.y) > ly - LANE_SIZE ? [p.x] : [];
  }));
  const crossings = (from: number): number => verticals.filter((x) => x > from - 4 && x < from + total + 4).length;
  const candidates = [leftX, ...verticals.map((x) => x + 6).filter((x) => x > leftX && x < rightX).sort((p, q) => p - q), rightX];
  const lx = candidates.reduce((best, x) => (crossings(x) < crossings(best) ? x : best));
  const texts = [placed(lane.label, lx, ly, LANE_SIZE, { bold: true, color: shade(laneColor(d, l), 0.8), halo: true, role: 'lane' })];
  if (description !== '') texts.push(placed(description, lx + labelW + 10, ly, NODE_LINE_SIZE, { color: '#59636e', halo: true, role: 'lane' }));
  return texts;
}

/** Where every box, arrow and piece of text goes. Pure: the same diagram always gives the same layout. */
export function layoutDiagram(d: Diagram): Layout {
  const grid = placeColumns(d);
  const segments = routeSegments(d, grid, placePorts(d, grid));
  placeLabels(d, grid, segments);
  const gutters = Math.max(0, d.lanes.length - 1);
  const slots = Array.from({ length: gutters }, (_, k) => assignSlots(orderSegments(segments.filter((s) => s.gutter === k))));

  // Top to bottom: the heading, then each lane and the gutter below it.
  const heading = placeHeading(d);
  const texts = heading.texts;
  const bands: Layout['bands'] = [];
  const laneTop: number[] = [];
  const gutterTop: number[] = [];
  let y = heading.bottom;
  d.lanes.forEach((lane, l) => {
    laneTop.push(y);
    const h = LANE_HEADER + Math.max(...d.nodes.filter((n) => n.lane === l).map((n) => nodeSize(n).h)) + LANE_PAD;
    bands.push({ lane, box: { x: MARGIN / 2, y, w: grid.width - MARGIN, h }, color: laneColor(d, l) });
    y += h;
    if (l < gutters) {
      gutterTop.push(y);
      y += GUTTER_TOP + (slots[l] ?? 0) * SLOT + GUTTER_BOTTOM;
    }
  });
  const boxes: Layout['boxes'] = d.nodes.map((n) => {
    const node = placeNode(d, n, grid, (laneTop[n.lane] ?? 0) + LANE_HEADER);
    texts.push(...node.texts);
    return node.box;
  });
  const boxOf = new Map(boxes.map((b) => [b.node.id, b.box]));

  const slotY = (s: Segment): number => (gutterTop[s.gutter] ?? 0) + GUTTER_TOP + s.slot * SLOT;
  const edges: PlacedEdge[] = d.edges.map((e, i) => {
    const { a, b } = grid.ends[i] as Grid['ends'][number];
    const down = b.lane > a.lane;
    const ba = boxOf.get(a.id) as Box;
    const bb = boxOf.get(b.id) as Box;
    const mine = segments.filter((s) => s.edge === i);
    const points = [{ x: mine[0]?.x1 ?? 0, y: down ? ba.y + ba.h : ba.y }];
    for (const s of mine) points.push({ x: s.x1, y: slotY(s) }, { x: s.x2, y: slotY(s) });
    points.push({ x: mine[mine.length - 1]?.x2 ?? 0, y: down ? bb.y : bb.y + bb.h });
    const color = shade(laneColor(d, a.lane), 0.85);
    const labelled = mine.find((t) => t.label);
    if (labelled?.label) texts.push(placed(labelled.label.text, labelled.label.from, slotY(labelled) - 5, LABEL_SIZE, { color, halo: true, role: 'label' }));
    return { edge: e, points: points.filter((p, k) => k === 0 || p.x !== points[k - 1]?.x || p.y !== points[k - 1]?.y), color };
  });
  d.lanes.forEach((_, l) => texts.push(...placeLaneLabel(d, l, grid, laneTop[l] ?? 0, edges)));
  return { width: grid.width, height: Math.ceil(y + MARGIN), bands, boxes, edges, texts };
}

// ---------------------------------------------------------------- SVG

/** A number as SVG text: at most one decimal, never "-0". */
function num(v: number): string {
  const r = Math.round(v * 10) / 10;
  return Object.is(r, -0) ? '0' : String(r);
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function arrowHead(p: { x: number; y: number }, q: { x: number; y: number }, color: string): string {
  // Pointing from p to q, tip at q.
  const dx = Math.sign(q.x - p.x);
  const dy = Math.sign(q.y - p.y);
  const bx = q.x - dx * ARROW;
  const by = q.y - dy * ARROW;
  const half = ARROW / 2;
  const pts = dx !== 0 ? [[q.x, q.y], [bx, by - half], [bx, by + half]] : [[q.x, q.y], [bx - half, by], [bx + half, by]];
  return `<polygon points="${pts.map(([px, py]) => `${num(px ?? 0)},${num(py ?? 0)}`).join(' ')}" fill="${color}"/>`;
}

function textElement(t: PlacedText): string {
  const attrs = [
    `x="${num(t.x)}"`, `y="${num(t.y)}"`, `font-size="${t.size}"`,
    ...(t.bold ? ['font-weight="bold"'] : []),
    ...(t.anchor !== 'start' ? [`text-anchor="${t.anchor}"`] : []),
    `fill="${t.color}"`,
    // A white outline drawn under the glyphs keeps text readable where an arrow passes behind it.
    ...(t.halo ? ['stroke="#ffffff"', 'stroke-width="4"', 'stroke-linejoin="round"', 'paint-order="stroke"'] : []),
  ];
  return `<text ${attrs.join(' ')}>${escapeXml(t.text)}</text>`;
}

export function renderSvg(layout: Layout, title: string): string {
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${layout.width}" height="${layout.height}" viewBox="0 0 ${layout.width} ${layout.height}" font-family="${escapeXml(FONT)}" role="img">`,
    `<title>${escapeXml(title)}</title>`,
    `<desc>Generated by ${REGENERATE_COMMAND} from docs/architecture.diagram.txt (scripts/architecture-diagram.ts); do not edit by hand.</desc>`,
    // Opaque: GitHub's dark theme would otherwise put dark text on a dark page.
    `<rect x="0" y="0" width="${layout.width}" height="${layout.height}" fill="#ffffff"/>`,
  ];
  for (const b of layout.bands) {
    out.push(`<rect x="${num(b.box.x)}" y="${num(b.box.y)}" width="${num(b.box.w)}" height="${num(b.box.h)}" rx="10" fill="${tint(b.color, 0.07)}" stroke="${tint(b.color, 0.35)}"/>`);
  }
  for (const e of layout.edges) {
    const d = e.points.map((p, k) => `${k === 0 ? 'M' : 'L'}${num(p.x)} ${num(p.y)}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${e.color}" stroke-width="1.5"${e.edge.dashed ? ' stroke-dasharray="5 4"' : ''}/>`);
  }
  for (const e of layout.edges) {
    const p = e.points[e.points.length - 2];
    const q = e.points[e.points.length - 1];
    if (p && q) out.push(arrowHead(p, q, e.color));
  }
  for (const b of layout.boxes) {
    out.push(`<rect x="${num(b.box.x)}" y="${num(b.box.y)}" width="${num(b.box.w)}" height="${num(b.box.h)}" rx="6" fill="#ffffff" stroke="${b.color}" stroke-width="1.5"/>`);
  }
  for (const t of layout.texts) out.push(textElement(t));
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** The SVG for a diagram source. */
export function renderDiagram(source: string, file?: string): string {
  const diagram = parseDiagram(source, file);
  return renderSvg(layoutDiagram(diagram), diagram.title || 'architecture');
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = relative(process.cwd(), DIAGRAM_SOURCE_PATH);
  try {
    const svg = renderDiagram(readFileSync(DIAGRAM_SOURCE_PATH, 'utf8'), file);
    writeFileSync(DIAGRAM_SVG_PATH, svg);
    console.log(`wrote ${relative(process.cwd(), DIAGRAM_SVG_PATH)} (${svg.length} bytes) from ${file}`);
  } catch (err) {
    if (!(err instanceof DiagramError)) throw err;
    console.error(err.message);
    process.exitCode = 1;
  }
}
