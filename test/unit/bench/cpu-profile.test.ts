import { expect } from 'chai';
import { summarizeCpuProfile, type CpuProfile } from '../../../bench/cpu-profile.js';

const frame = (functionName: string, url = '', lineNumber = 0): CpuProfile['nodes'][number]['callFrame'] => ({ functionName, url, lineNumber });

describe('npm run bench:cpu (CPU profile summary)', function () {
  // (root) → main → { work, walk → walk → walk }, and (idle), (garbage collector) beside main.
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 7, 8] },
      { id: 2, callFrame: frame('main', 'file:///repo/dist/src/daemon/main.js', 9), children: [3, 4] },
      { id: 3, callFrame: frame('work', 'file:///repo/dist/src/pki/parse.js', 19) },
      { id: 4, callFrame: frame('walk', 'file:///repo/dist/src/kube/tree.js', 4), children: [5] },
      { id: 5, callFrame: frame('walk', 'file:///repo/dist/src/kube/tree.js', 4), children: [6] },
      { id: 6, callFrame: frame('walk', 'file:///repo/dist/src/kube/tree.js', 4) },
      { id: 7, callFrame: frame('(idle)') },
      { id: 8, callFrame: frame('(garbage collector)') },
    ],
    startTime: 0,
    endTime: 200_000,
    // 1 ms per sample: main 2, work 30, walk 10 at each of three depths, idle 50, gc 5.
    samples: [...Array<number>(2).fill(2), ...Array<number>(30).fill(3), ...Array<number>(10).fill(4), ...Array<number>(10).fill(5), ...Array<number>(10).fill(6), ...Array<number>(50).fill(7), ...Array<number>(5).fill(8)],
    timeDeltas: Array<number>(117).fill(1000),
  };

  it('self and total per function, a recursive one counted once per stack; busy time leaves out idle', function () {
    const s = summarizeCpuProfile(profile);
    expect(s.spanMs).to.equal(200);
    expect(s.busyMs).to.equal(67);
    expect(s.special).to.deep.equal({ '(idle)': 50, '(garbage collector)': 5 });
    expect(s.functions).to.deep.equal([
      { name: 'walk', where: 'dist/src/kube/tree.js:5', selfMs: 30, totalMs: 30 },
      { name: 'work', where: 'dist/src/pki/parse.js:20', selfMs: 30, totalMs: 30 },
      { name: 'main', where: 'dist/src/daemon/main.js:10', selfMs: 2, totalMs: 62 },
    ]);
    expect(s.files.map((f) => [f.file, f.selfMs])).to.deep.equal([['dist/src/kube/tree.js', 30], ['dist/src/pki/parse.js', 30], ['dist/src/daemon/main.js', 2]]);
  });
});
