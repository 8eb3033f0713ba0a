import fc from 'fast-check';
import { dominance, paretoFront, type Direction, type Objective } from '../../src/explore/pareto.js';
import { isNmsimError } from '../../src/diagnostics.js';

type P = { name: string; v: number[] };
const objectivesFor = (dirs: Direction[]): Objective<P>[] => dirs.map((d, i) => ({ name: `o${i}`, direction: d, value: (p: P) => p.v[i] }));

describe('dominance', () => {
  it('says a dominates b only when a is no worse everywhere and strictly better somewhere', () => {
    expect(dominance([1, 5], [2, 5], ['minimize', 'maximize'])).toBe(-1);
    expect(dominance([2, 5], [1, 5], ['minimize', 'maximize'])).toBe(1);
    expect(dominance([1, 4], [2, 5], ['minimize', 'maximize'])).toBe(0);
    expect(dominance([1, 5], [1, 5], ['minimize', 'maximize'])).toBe(0);
    expect(dominance([1, 5, 3], [1, 5, 2], ['minimize', 'maximize', 'maximize'])).toBe(-1);
  });
});

describe('paretoFront on hand-made points', () => {
  // minimise x, maximise y
  const pts: P[] = [
    { name: 'A', v: [1, 1] },
    { name: 'B', v: [2, 3] },
    { name: 'C', v: [2, 2] }, // dominated by B (same x, lower y)
    { name: 'D', v: [3, 3] }, // dominated by B (same y, larger x)
    { name: 'E', v: [1, 1] }, // duplicate of A
    { name: 'F', v: [0, 0] }, // best x, worst y: on the front
    { name: 'G', v: [3, 3] }, // duplicate of dominated D: also dominated
  ];
  const result = paretoFront(pts, objectivesFor(['minimize', 'maximize']));

  it('keeps every non-dominated point and both copies of a duplicate on the front', () => {
    expect(result.front.map((i) => pts[i].name)).toEqual(['A', 'B', 'E', 'F']);
  });

  it('reports which point dominates each dominated one', () => {
    expect(result.dominatedBy.map((j) => (j < 0 ? '-' : pts[j].name))).toEqual(['-', '-', 'B', 'B', '-', '-', 'B']);
    expect(result.onFront).toEqual([true, true, false, false, true, true, false]);
  });

  it('handles three objectives: a point tied in two and better in the third dominates', () => {
    // minimise accuracy, minimise area, maximise speed-up
    const three: P[] = [
      { name: 'p', v: [3.7, 0.2, 1.5] },
      { name: 'q', v: [3.7, 0.2, 1.6] }, // dominates p
      { name: 'r', v: [3.9, 0.1, 1.6] }, // cheaper, worse accuracy: front
      { name: 's', v: [3.6, 0.3, 1.2] }, // most accurate: front
      { name: 't', v: [3.9, 0.1, 1.6] }, // duplicate of r
    ];
    const r3 = paretoFront(three, objectivesFor(['minimize', 'minimize', 'maximize']));
    expect(r3.front.map((i) => three[i].name)).toEqual(['q', 'r', 's', 't']);
    expect(r3.dominatedBy[0]).toBe(1);
  });

  it('compares exactly: a difference of one ulp decides dominance', () => {
    const a = 0.1 + 0.2; // 0.30000000000000004
    const r = paretoFront(
      [
        { name: 'x', v: [a, 1] },
        { name: 'y', v: [0.3, 1] },
      ],
      objectivesFor(['minimize', 'maximize']),
    );
    expect(r.front).toEqual([1]);
  });

  it('refuses a NaN objective with a diagnostic naming the point and objective', () => {
    let caught: unknown;
    try {
      paretoFront([{ name: 'x', v: [NaN, 1] }], objectivesFor(['minimize', 'maximize']));
    } catch (e) {
      caught = e;
    }
    expect(isNmsimError(caught)).toBe(true);
    if (isNmsimError(caught)) {
      expect(caught.diagnostics[0].code).toBe('explore/non-finite-objective');
      expect(caught.diagnostics[0].path).toBe('points[0].o0');
    }
  });

  it('returns an empty front for no points', () => {
    expect(paretoFront([], objectivesFor(['minimize'])).front).toEqual([]);
  });
});

/**
 * Independent second implementation for two minimised objectives: sort by (x, y) and sweep,
 * keeping a point when its y is below every y seen at strictly smaller x — or equal to the
 * best point at the same (x, y) (duplicates).
 */
function sweepFront2d(v: [number, number][]): number[] {
  const order = v.map((_, i) => i).sort((a, b) => v[a][0] - v[b][0] || v[a][1] - v[b][1]);
  const keep: number[] = [];
  let bestY = Infinity; // best y among points with strictly smaller x
  let i = 0;
  while (i < order.length) {
    const x = v[order[i]][0];
    let j = i;
    while (j < order.length && v[order[j]][0] === x) j++;
    const groupMinY = v[order[i]][1];
    for (let k = i; k < j; k++) {
      const y = v[order[k]][1];
      if (y === groupMinY && y < bestY) keep.push(order[k]);
    }
    bestY = Math.min(bestY, groupMinY);
    i = j;
  }
  return keep.sort((a, b) => a - b);
}

describe('paretoFront properties', () => {
  const small = fc.integer({ min: 0, max: 6 }); // small range: many ties and duplicates
  const pts2 = fc.array(fc.tuple(small, small), { maxLength: 40 });

  it('equals an independent sort-and-sweep front for two minimised objectives', () => {
    fc.assert(
      fc.property(pts2, (v) => {
        const r = paretoFront(v.map((t) => ({ name: '', v: t })), objectivesFor(['minimize', 'minimize']));
        expect(r.front).toEqual(sweepFront2d(v));
      }),
    );
  });

  it('no front point is dominated, and every other point is dominated by a front point', () => {
    const dirsArb = fc.array(fc.constantFrom<Direction>('minimize', 'maximize'), { minLength: 2, maxLength: 3 });
    fc.assert(
      fc.property(dirsArb, fc.array(fc.array(small, { minLength: 3, maxLength: 3 }), { maxLength: 30 }), (dirs, vs) => {
        const r = paretoFront(vs.map((v) => ({ name: '', v })), objectivesFor(dirs));
        for (const i of r.front) for (let j = 0; j < vs.length; j++) expect(dominance(vs[j], vs[i], dirs)).not.toBe(-1);
        for (let i = 0; i < vs.length; i++) {
          if (r.onFront[i]) continue;
          expect(r.front.some((f) => dominance(vs[f], vs[i], dirs) === -1)).toBe(true);
        }
      }),
    );
  });

  it('does not depend on the input order', () => {
    fc.assert(
      fc.property(pts2, fc.integer(), (v, seed) => {
        const perm = v.map((_, i) => i).sort((a, b) => ((a * 7919 + seed) % 101) - ((b * 7919 + seed) % 101) || a - b);
        const key = (t: [number, number]) => `${t[0]},${t[1]}`;
        const objs = objectivesFor(['minimize', 'maximize']);
        const a = paretoFront(v.map((t) => ({ name: '', v: t })), objs).front.map((i) => key(v[i])).sort();
        const b = paretoFront(perm.map((i) => ({ name: '', v: v[i] })), objs).front.map((i) => key(v[perm[i]])).sort();
        expect(b).toEqual(a);
      }),
    );
  });
});
