// docs/architecture.svg is generated from docs/architecture.diagram.txt by
// scripts/architecture-diagram.ts; this fails when either changed without the
// other. Fix: npm run docs:architecture. It also checks the parser's errors
// (each names its line) and that the picture is legible: no text on text, no
// arrow through a box, every arrow from its source box to its target box.
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import {
  DIAGRAM_SOURCE_PATH, DIAGRAM_SVG_PATH, DiagramError, REGENERATE_COMMAND, layoutDiagram, parseDiagram, renderDiagram,
  type Box, type Layout,
} from '../../scripts/architecture-diagram.js';

const source = (): string => readFileSync(DIAGRAM_SOURCE_PATH, 'utf8');

function parseError(text: string): DiagramError {
  try {
    parseDiagram(text);
  } catch (err) {
    if (err instanceof DiagramError) return err;
    throw err;
  }
  expect.fail(`no error for:\n${text}`);
}

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

function inside(a: Box, b: Box): boolean {
  return a.x >= b.x && a.y >= b.y && a.x + a.w <= b.x + b.w && a.y + a.h <= b.y + b.h;
}

type Piece = { x1: number; y1: number; x2: number; y2: number };

function pieces(points: { x: number; y: number }[]): Piece[] {
  return points.slice(1).map((q, k) => {
    const p = points[k]!;
    return { x1: Math.min(p.x, q.x), y1: Math.min(p.y, q.y), x2: Math.max(p.x, q.x), y2: Math.max(p.y, q.y) };
  });
}

/** Every legibility property the picture must have; returns what is wrong, one line each. */
function legibilityProblems(layout: Layout): string[] {
  const problems: string[] = [];
  const { texts, boxes, edges } = layout;
  const canvas = { x: 0, y: 0, w: layout.width, h: layout.height };
  texts.forEach((t, i) => {
    if (!inside(t.box, canvas)) problems.push(`"${t.text}" sticks out of the picture`);
    for (const u of texts.slice(i + 1)) if (overlaps(t.box, u.box)) problems.push(`"${t.text}" overlaps "${u.text}"`);
    if (t.role === 'node') {
      if (!boxes.some((b) => inside(t.box, b.box))) problems.push(`"${t.text}" does not fit in its box`);
    } else {
      for (const b of boxes) if (overlaps(t.box, b.box)) problems.push(`"${t.text}" overlaps box ${b.node.id}`);
    }
  });
  const boxOf = new Map(boxes.map((b) => [b.node.id, b.box]));
  const all = edges.map((e) => ({ e, pieces: pieces(e.points) }));
  for (const { e, pieces: ps } of all) {
    const name = `${e.edge.from} -> ${e.edge.to} (line ${e.edge.line})`;
    const from = boxOf.get(e.edge.from)!;
    const to = boxOf.get(e.edge.to)!;
    const first = e.points[0]!;
    const last = e.points[e.points.length - 1]!;
    const before = e.points[e.points.length - 2]!;
    const onSide = (p: { x: number; y: number }, b: Box): boolean => p.x > b.x && p.x < b.x + b.w && (p.y === b.y || p.y === b.y + b.h);
    if (!onSide(first, from)) problems.push(`${name} does not start on the top or bottom of ${e.edge.from}`);
    if (!onSide(last, to)) problems.push(`${name} does not end on the top or bottom of ${e.edge.to}`);
    if (before.x !== last.x || Math.abs(before.y - last.y) < 10) problems.push(`${name} does not arrive straight (at least 10 px) into ${e.edge.to}`);
    for (const p of ps) {
      if (p.x1 !== p.x2 && p.y1 !== p.y2) problems.push(`${name} has a diagonal piece`);
      for (const b of boxes) {
        if (p.x1 < b.box.x + b.box.w && b.box.x < p.x2 && p.y1 < b.box.y + b.box.h && b.box.y < p.y2) problems.push(`${name} runs through box ${b.node.id}`);
        // A piece lying on a box's edge (zero thickness) is as bad.
        if ((p.x1 === p.x2 && p.y1 < b.box.y + b.box.h && b.box.y < p.y2 && p.x1 > b.box.x && p.x1 < b.box.x + b.box.w)
          || (p.y1 === p.y2 && p.x1 < b.box.x + b.box.w && b.box.x < p.x2 && p.y1 > b.box.y && p.y1 < b.box.y + b.box.h)) problems.push(`${name} runs through box ${b.node.id}`);
      }
    }
  }
  // Two arrows on one line for a stretch could not be told apart.
  all.forEach(({ e, pieces: ps }, i) => {
    for (const { e: f, pieces: qs } of all.slice(i + 1)) {
      for (const p of ps) {
        for (const q of qs) {
          const vertical = p.x1 === p.x2 && q.x1 === q.x2 && p.x1 === q.x1 && Math.min(p.y2, q.y2) - Math.max(p.y1, q.y1) > 0.5;
          const horizontal = p.y1 === p.y2 && q.y1 === q.y2 && p.y1 === q.y1 && Math.min(p.x2, q.x2) - Math.max(p.x1, q.x1) > 0.5;
          if (vertical || horizontal) problems.push(`lines ${e.edge.line} and ${f.edge.line}: the two arrows share a stretch of line`);
        }
      }
    }
  });
  return problems;
}

describe('docs/architecture.svg', function () {
  it(`is what ${REGENERATE_COMMAND} generates from docs/architecture.diagram.txt`, function () {
    const committed = readFileSync(DIAGRAM_SVG_PATH, 'utf8');
    expect(committed === renderDiagram(source()), `docs/architecture.svg is stale: run ${REGENERATE_COMMAND}`).to.equal(true);
  });

  it('is rendered deterministically: the same source gives the same bytes', function () {
    expect(renderDiagram(source())).to.equal(renderDiagram(source()));
  });

  it('is plain SVG that GitHub shows: no script, no external reference, a generic font fallback, an opaque background', function () {
    const svg = renderDiagram(source());
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" ')).to.equal(true);
    expect(svg.trimEnd().endsWith('</svg>')).to.equal(true);
    expect(svg).to.not.match(/<script|<foreignObject|<image|href=|on[a-z]+=|@import|url\(/i);
    expect(svg).to.not.match(/NaN|Infinity|undefined/);
    expect(svg).to.match(/font-family="[^"]*, sans-serif"/);
    expect(svg).to.match(/<rect x="0" y="0" width="\d+" height="\d+" fill="#ffffff"\/>/);
    // Text outside tags holds no raw markup characters.
    expect(svg.replace(/<[^>]*>/g, '')).to.not.match(/[<>]/);
  });

  it('is legible: no text overlaps other text or a box, no arrow runs through a box or along another, every arrow joins its two boxes', function () {
    const problems = legibilityProblems(layoutDiagram(parseDiagram(source())));
    expect(problems, problems.join('\n')).to.deep.equal([]);
  });

  it('the legibility check itself finds text on text, an arrow through a box, an arrow off its box, two arrows on one line', function () {
    const layout = layoutDiagram(parseDiagram(source()));
    const labels = layout.texts.filter((t) => t.role === 'label');
    const [moved, still] = [labels[0]!, labels[1]!];
    moved.box = { ...still.box };
    const [e, f] = [layout.edges[0]!, layout.edges[1]!];
    e.points = f.points.map((p) => ({ ...p }));
    const box = layout.boxes.find((b) => b.node.id === 'ec')!.box;
    const g = layout.edges[2]!;
    g.points.splice(1, 0, { x: g.points[0]!.x, y: box.y + box.h / 2 }, { x: box.x + box.w + 5, y: box.y + box.h / 2 }, { x: g.points[0]!.x, y: box.y + box.h / 2 });
    const problems = legibilityProblems(layout);
    expect(problems).to.include(`"${moved.text}" overlaps "${still.text}"`);
    expect(problems).to.include(`${e.edge.from} -> ${e.edge.to} (line ${e.edge.line}) does not start on the top or bottom of ${e.edge.from}`);
    expect(problems.some((p) => p.startsWith(`lines ${e.edge.line} and ${f.edge.line}: `))).to.equal(true);
    expect(problems).to.include(`${g.edge.from} -> ${g.edge.to} (line ${g.edge.line}) runs through box ec`);
  });

  it('fits GitHub: at most 1200 px wide, so the text stays readable when the page shrinks it', function () {
    expect(layoutDiagram(parseDiagram(source())).width).to.be.at.most(1200);
  });
});

describe('docs/architecture.diagram.txt', function () {
  it('names in its arrows only nodes it declares', function () {
    const d = parseDiagram(source());
    const declared = new Set(d.nodes.map((n) => n.id));
    const undeclared = d.edges.flatMap((e) => [e.from, e.to].filter((n) => !declared.has(n)).map((n) => `line ${e.line}: ${n}`));
    expect(undeclared).to.deep.equal([]);
    expect(d.edges.length).to.be.greaterThan(10);
  });

  it('has the lanes of the flow, top to bottom', function () {
    expect(parseDiagram(source()).lanes.map((l) => l.id)).to.deep.equal(['user', 'daemon', 'certmanager', 'secrets', 'skupper', 'observe']);
  });
});

describe('architecture diagram source format', function () {
  const ok = ['lane a "A"', 'node x "X" "line one"', 'node y "Y"', 'lane b "B" "what B is" #1f6feb', 'node z at 2 "Z"', 'edge x -> z "writes"', 'edge z --> y'].join('\n');

  it('reads lanes, nodes (with columns) and solid and dashed arrows', function () {
    const d = parseDiagram(`# a comment\ntitle "T \\"quoted\\""\nnote "N"\n\n${ok}\n`);
    expect(d.title).to.equal('T "quoted"');
    expect(d.notes).to.deep.equal(['N']);
    expect(d.lanes.map((l) => [l.id, l.label, l.description, l.color])).to.deep.equal([['a', 'A', undefined, undefined], ['b', 'B', 'what B is', '#1f6feb']]);
    expect(d.nodes.map((n) => [n.id, n.lane, n.column, n.lines])).to.deep.equal([['x', 0, 1, ['line one']], ['y', 0, 2, []], ['z', 1, 2, []]]);
    expect(d.edges.map((e) => [e.from, e.to, e.label, e.dashed, e.line])).to.deep.equal([['x', 'z', 'writes', false, 10], ['z', 'y', '', true, 11]]);
  });

  it('escapes text, so names like <listener> and & reach the picture intact', function () {
    const svg = renderDiagram('lane a "A & <b>"\nnode x "<listener>-tls"\nlane b "B"\nnode y "Y \'q\'"\nedge x -> y "a < b"');
    expect(svg).to.contain('&lt;listener&gt;-tls').and.contain('A &amp; &lt;b&gt;').and.contain('a &lt; b').and.contain('Y &#39;q&#39;');
  });

  it('lays out arrows that cross lanes, go up, and share boxes without overlaps', function () {
    const text = [
      'lane a "A"', 'node a1 "A1"', 'node a2 "A2"', 'node a3 "A3"',
      'lane b "B"', 'node b1 "B1"', 'node b2 at 3 "B2"',
      'lane c "C"', 'node c1 at 2 "C1"', 'node c2 "C2"',
      'edge a1 -> b1 "down"', 'edge b1 -> a1 "up"', 'edge a1 -> c1 "skip"', 'edge a2 --> c2 "skip too"', 'edge c2 -> a3 "all the way up"',
      'edge a3 -> b2 "x"', 'edge b2 -> c1 "y"', 'edge c1 -> b1 "z"', 'edge a2 -> c1 "via the left" via 0',
    ].join('\n');
    const layout = layoutDiagram(parseDiagram(text));
    const problems = legibilityProblems(layout);
    expect(problems, problems.join('\n')).to.deep.equal([]);
    expect(layout.edges).to.have.length(9);
    const viaLeft = layout.edges.find((e) => e.edge.label === 'via the left')!;
    expect(Math.min(...viaLeft.points.map((p) => p.x))).to.be.below(layout.boxes.find((b) => b.node.id === 'a1')!.box.x);
  });

  describe('reports a mistake with its line number', function () {
    const cases: [string, string, number, string][] = [
      ['an unknown statement', 'lane a "A"\nnode x "X"\nnod y "Y"', 3, 'unknown statement "nod"'],
      ['an unterminated string', 'lane a "A"\nnode x "X', 2, 'unterminated string starting at column 8'],
      ['a quote glued to a word', 'lane a "A"\nnode x"X"', 2, 'a quote inside the word'],
      ['a node before any lane', '\n# comment\nnode x "X"', 3, 'a node before any lane'],
      ['a node declared twice', 'lane a "A"\nnode x "X"\nlane b "B"\nnode x "X again"', 4, 'node "x" is declared twice (first on line 2)'],
      ['two nodes in one place', 'lane a "A"\nnode x at 2 "X"\nnode y at 2 "Y"', 3, 'where node "x" (line 2) already is'],
      ['a column that is not a number', 'lane a "A"\nnode x at two "X"', 2, 'the column must be a whole number ≥ 1, found "two"'],
      ['a bad name', 'lane a "A"\nnode 9x "X"', 2, 'is not a name'],
      ['a title without quotes', 'title Architecture', 1, 'expected the title in double quotes'],
      ['a second title', 'title "A"\ntitle "B"', 2, 'a second title'],
      ['something after a statement', 'lane a "A"\nnode x "X"\nlane b "B"\nnode y "Y"\nedge x -> y "l" extra', 5, 'expected "via CORRIDOR" after the label, found "extra"'],
      ['a bad colour', 'lane a "A" blue', 1, 'the lane colour must look like #1f6feb'],
      ['a bad arrow', 'lane a "A"\nnode x "X"\nlane b "B"\nnode y "Y"\nedge x => y', 5, 'expected -> (a write) or --> (a read), found "=>"'],
      ['an arrow within one lane', 'lane a "A"\nnode x "X"\nnode y "Y"\nlane b "B"\nnode z "Z"\n\nedge x -> y', 7, 'are both in lane "a"'],
      ['via on neighbouring lanes', 'lane a "A"\nnode x "X"\nlane b "B"\nnode y "Y"\nedge x -> y via 1', 5, '"via" is for arrows that cross a lane'],
      ['a corridor that does not exist', 'lane a "A"\nnode x "X"\nlane b "B"\nnode y "Y"\nlane c "C"\nnode z "Z"\nedge x -> z via 4', 7, 'corridor 4 does not exist'],
      ['a lane without nodes', 'lane a "A"\nnode x "X"\nlane b "B"', 3, 'lane "b" has no node'],
      ['no lane at all', '# nothing\n', 1, 'no lane declared'],
    ];
    for (const [what, text, line, fragment] of cases) {
      it(what, function () {
        const err = parseError(text);
        expect(err.line).to.equal(line);
        expect(err.message).to.contain(`docs/architecture.diagram.txt:${line}: `).and.contain(fragment);
      });
    }

    it('an arrow to a node that is not declared, at the line of the arrow', function () {
      const err = parseError('lane a "A"\nnode x "X"\nlane b "B"\nnode y "Y"\n\nedge x -> y\nedge x -> ghost "to nowhere"');
      expect(err.line).to.equal(7);
      expect(err.message).to.contain('node "ghost", which is not declared');
    });

    it('an arrow from a lane instead of a node, with a hint', function () {
      const err = parseError('lane a "A"\nnode x "X"\nlane b "B"\nnode y "Y"\nedge a -> y');
      expect(err.line).to.equal(5);
      expect(err.message).to.contain('"a" is a lane; arrows join nodes');
    });

    it('names the file it was given', function () {
      expect(() => parseDiagram('nonsense', 'elsewhere.txt')).to.throw(DiagramError, /^elsewhere\.txt:1: unknown statement "nonsense"/);
    });
  });
});
