import { expect } from 'chai';
import { diffHeap, summarizeHeap } from '../../../bench/heap-summary.js';
import { heapHolders } from '../../../bench/heap-holders.js';

describe('npm run bench:heap (heap snapshot summary)', function () {
  it('sums self sizes per constructor and per V8 node type, biggest first', function () {
    // Two Listener objects, one string, one anonymous closure, in V8's flat node layout.
    const snapshot = {
      snapshot: { meta: { node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'], node_types: [['hidden', 'object', 'string', 'closure']] as [string[]] }, node_count: 4 },
      nodes: [1, 1, 1, 40, 0, 1, 1, 3, 56, 0, 2, 2, 5, 200, 0, 3, 0, 7, 32, 0],
      strings: ['', 'Listener', 'some text'],
    };
    const { total, groups } = summarizeHeap(snapshot);
    expect(total).to.equal(328);
    expect(groups).to.deep.equal([
      { kind: '(string)', count: 1, bytes: 200 },
      { kind: 'Listener', count: 2, bytes: 96 },
      { kind: '(anonymous) (closure)', count: 1, bytes: 32 },
    ]);
  });
});

describe('npm run bench:heap --per (growth between two snapshots)', function () {
  it('subtracts per kind, including kinds only one side has', function () {
    const before = [{ kind: 'Listener', count: 2, bytes: 100 }, { kind: 'Gone', count: 1, bytes: 10 }];
    const after = [{ kind: 'Listener', count: 12, bytes: 600 }, { kind: '(string)', count: 3, bytes: 90 }];
    expect(diffHeap(before, after)).to.deep.equal([
      { kind: 'Listener', count: 10, bytes: 500 },
      { kind: '(string)', count: 3, bytes: 90 },
      { kind: 'Gone', count: -1, bytes: -10 },
    ]);
  });
});

describe('npm run bench:heap --holders (retained size, from the dominator tree)', function () {
  it('charges a holder with what only it reaches, leaves shared objects to neither, ignores weak edges and generic containers', function () {
    // root → Cache → Map → (big string, shared string); root → Index → shared string (and weakly → big string);
    // root → Object → Inner. Node fields: type, name, id, self_size, edge_count; edge fields: type, name, to (node index × 5).
    const T = { hidden: 0, object: 1, string: 2, synthetic: 3 };
    const E = { property: 0, weak: 1 };
    const node = (type: number, name: number, size: number, edges: number): number[] => [type, name, 0, size, edges];
    const snapshot = {
      snapshot: {
        meta: {
          node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'], node_types: [['hidden', 'object', 'string', 'synthetic']] as [string[]],
          edge_fields: ['type', 'name_or_index', 'to_node'], edge_types: [['property', 'weak']] as [string[]],
        },
        node_count: 8,
      },
      nodes: [
        ...node(T.synthetic, 0, 0, 3), // 0 root
        ...node(T.object, 1, 40, 1), // 1 Cache
        ...node(T.object, 2, 32, 2), // 2 Map
        ...node(T.string, 3, 100, 0), // 3 big string
        ...node(T.object, 4, 24, 2), // 4 Index
        ...node(T.string, 3, 50, 0), // 5 shared string
        ...node(T.object, 5, 16, 1), // 6 Object
        ...node(T.object, 6, 30, 0), // 7 Inner
      ],
      edges: [
        E.property, 0, 1 * 5, E.property, 0, 4 * 5, E.property, 0, 6 * 5, // root
        E.property, 0, 2 * 5, // Cache → Map
        E.property, 0, 3 * 5, E.property, 0, 5 * 5, // Map → strings
        E.property, 0, 5 * 5, E.weak, 0, 3 * 5, // Index → shared, weakly → big
        E.property, 0, 7 * 5, // Object → Inner
      ],
      strings: ['', 'Cache', 'Map', 'text', 'Index', 'Object', 'Inner'],
    };
    const holders = heapHolders(snapshot, 10);
    expect(holders.map((h) => [h.name, h.retained])).to.deep.equal([['Cache', 172], ['Inner', 30], ['Index', 24]]);
    expect(holders[0]?.kinds).to.deep.equal([{ kind: '(string)', bytes: 100, count: 1 }, { kind: 'Cache', bytes: 40, count: 1 }, { kind: 'Map', bytes: 32, count: 1 }]);
  });
});
