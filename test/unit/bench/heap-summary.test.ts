import { expect } from 'chai';
import { diffHeap, summarizeHeap } from '../../../bench/heap-summary.js';

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
