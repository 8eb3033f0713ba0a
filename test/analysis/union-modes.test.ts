/**
 * Random decode unions are held per draw as each channel's lowest bucket rank (bit-planes), or —
 * where the draws sample fewer distinct tokens than draws × planes (wide sites of few tokens) —
 * as the sampled tokens' own masks (union-density.ts randomUnionMode). Both must give the union densities of the
 * definition, recomputed here from the plan: per draw, the OR of the masks of its first B
 * sampled tokens.
 */
import { UnionAccumulator, planRandomBatches, randomUnionMode, sliceRandomPlan, type RandomBatchPlan } from '../../src/analysis/union-density.js';
import { lcg } from './helpers.js';

function masks(seed: number, tokens: number, k: number): Uint32Array[] {
  const rand = lcg(seed);
  const nWords = (k + 31) >>> 5;
  return Array.from({ length: tokens }, () => {
    const w = new Uint32Array(nWords);
    for (let j = 0; j < k; j++) if (rand() < 0.3) w[j >>> 5] |= 1 << (j & 31);
    return w;
  });
}

const popcount = (w: Uint32Array) => w.reduce((a, x) => a + x.toString(2).split('').filter((c) => c === '1').length, 0);

/** Σ over draws of |∪ first B sampled tokens| / K per size, from the plan's definition. */
function expected(plan: RandomBatchPlan, rows: Uint32Array[], k: number): number[] {
  const sizes = plan.batchSizes;
  return sizes.map((b, si) => {
    if (plan.batchesPerSize[si] === 0) return 0;
    let sum = 0;
    for (let r = 0; r < plan.draws; r++) {
      const u = new Uint32Array(rows[0].length);
      for (const [t, list] of plan.byToken) {
        for (let i = 0; i < list.length; i += 2) if (list[i + 1] === r && sizes[list[i]] <= b) u.forEach((_, w) => (u[w] |= rows[t][w]));
      }
      sum += popcount(u) / k;
    }
    return sum;
  });
}

/** a bucket-union limit that sends these small tests to 'levels' where they ask for it */
const LEVELS = 1;

function run(plan: RandomBatchPlan, rows: Uint32Array[], k: number, limit?: number): number[] {
  const acc = new UnionAccumulator(k, plan, limit);
  rows.forEach((w, t) => acc.addRow(t, w, popcount(w)));
  return acc.finish().map((s) => s.randomDensitySum);
}

describe('random decode unions, held as bucket ranks or per sampled token', () => {
  test('a site of few tokens keeps token masks and gives the densities of the definition', () => {
    const k = 100;
    const rows = masks(3, 12, k);
    const plan = planRandomBatches(12, [1, 2, 4, 8], 16, 2509);
    expect(randomUnionMode(plan, k)).toBe('tokens');
    const got = run(plan, rows, k);
    const want = expected(plan, rows, k);
    expect(got).toEqual(want);
    expect(got[3]).toBeGreaterThan(got[0]);
  });

  test.each([
    ['buckets', undefined],
    ['levels', LEVELS],
  ] as const)('a site of many tokens keeps %s and gives the same densities', (mode, limit) => {
    const k = 70;
    const rows = masks(4, 300, k);
    const plan = planRandomBatches(300, [1, 4], 3, 7);
    expect(randomUnionMode(plan, k, limit)).toBe(mode);
    expect(run(plan, rows, k, limit)).toEqual(expected(plan, rows, k));
  });

  test.each([
    ['tokens', 16, [1, 2, 4, 8], 16, [[0, 8], [8, 8]], undefined],
    ['tokens', 16, [1, 2, 4, 8], 16, [[0, 8], [8, 8]], LEVELS],
    ['buckets', 300, [1, 4, 2], 3, [[0, 100], [100, 120], [220, 80]], undefined],
    ['levels', 300, [1, 4, 2], 3, [[0, 100], [100, 120], [220, 80]], LEVELS],
  ] as const)('token ranges saved and merged give exactly the whole site’s densities (%s, limit %s)', (mode, tokens, sizes, draws, ranges, limit) => {
    const k = 90;
    const rows = masks(5, tokens, k);
    const plan = planRandomBatches(tokens, [...sizes], draws, 11);
    expect(randomUnionMode(plan, k, limit)).toBe(mode);
    const whole = run(plan, rows, k, limit);
    expect(whole).toEqual(expected(plan, rows, k));
    const merged = new UnionAccumulator(k, plan, limit);
    for (const [start, n] of ranges) {
      const part = new UnionAccumulator(k, sliceRandomPlan(plan, start, n), limit);
      for (let t = 0; t < n; t++) part.addRow(t, rows[start + t], popcount(rows[start + t]));
      merged.mergeState(part.saveState());
    }
    expect(merged.finish().map((s) => s.randomDensitySum)).toEqual(whole);
  });
});
