import { expect } from 'chai';
import { summarizeHeap } from '../../../bench/heap-summary.js';

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
