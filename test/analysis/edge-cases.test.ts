/**
 * The catalogue of degenerate traces (issue 11): every statistic is either right by hand or
 * null with a diagnostic — never a silent perfect score.
 */
import { analyzeSite } from '../../src/analysis/site-analysis.js';
import { parsePatternList } from '../../src/sparsity/pattern.js';
import { float32ToFp16 } from '../../src/trace/dtype.js';
import { halfSource, memorySource, plan, siteInput } from './helpers.js';

describe('degenerate traces', () => {
  test('a site with no token rows gives nulls and an error, not 0 error and 1.0 retained', async () => {
    const res = await analyzeSite(siteInput(new Float32Array(0), 0, 16), plan({ patterns: parsePatternList('2:4,unstructured'), batchSizes: [1] }));
    for (const [s] of res.slots) expect([s.relErrL2, s.retainedEnergy, s.cosine, s.keptFraction, s.densityBoundAcceptance]).toEqual([null, null, null, null, null]);
    expect(res.slots[0][0].compatibility).toEqual([]);
    expect(res.warnings.find((d) => d.code === 'analysis/no-finite-rows')).toMatchObject({ severity: 'error' });
    expect(res.warnings.find((d) => d.code === 'analysis/no-finite-rows')!.message).toContain('no token rows');
  });

  test('K smaller than M: the row is one tail group that keeps everything, said in a warning (effective density 1, error 0)', async () => {
    const x = Float32Array.from([3, -1, 2, 5, 4, -6]);
    const res = await analyzeSite(siteInput(x, 2, 3), plan({ patterns: parsePatternList('16:32,2:4'), batchSizes: [1] }));
    const s1632 = res.slots[0][0];
    expect([s1632.relErrL2, s1632.keptFraction, s1632.effectiveDensity]).toEqual([0, 1, 1]);
    // 2:4 on K = 3: the tail group of 3 keeps 2 → drops the smallest: |−1| in row 0, |4| in row 1
    const s24 = res.slots[1][0];
    expect(s24.relErrL2).toBeCloseTo(Math.sqrt((1 + 16) / (9 + 1 + 4 + 25 + 16 + 36)), 14);
    const w = res.warnings.filter((d) => d.code === 'analysis/pattern-prunes-nothing');
    expect(w).toHaveLength(1);
    expect(w[0].message).toContain('16:32');
    expect(w[0].message).toContain('K = 3');
  });

  test('K = 1: unstructured keeps ⌊1/2⌋ = 0 (error 1, cosine 0), N:M keeps the element (warned)', async () => {
    const x = Float32Array.from([2, -3]);
    const res = await analyzeSite(siteInput(x, 2, 1), plan({ patterns: parsePatternList('unstructured,2:4'), batchSizes: [1] }));
    expect([res.slots[0][0].relErrL2, res.slots[0][0].cosine, res.slots[0][0].keptFraction]).toEqual([1, 0, 0]);
    expect([res.slots[1][0].relErrL2, res.slots[1][0].keptFraction]).toEqual([0, 1]);
    expect(res.warnings.map((d) => d.code)).toEqual(expect.arrayContaining(['analysis/pattern-prunes-nothing', 'analysis/pattern-keeps-nothing']));
  });

  test('an all-zero site: nothing is lost (error 0) but retained energy and cosine are undefined (null), with a warning; spts moving x̃ off 0 has no relative error', async () => {
    const x = new Float32Array(4 * 8);
    const res = await analyzeSite(siteInput(x, 4, 8, { staticShift: 0.5 }), plan({ patterns: parsePatternList('2:4'), mitigations: ['none', 'dpts', 'spts'], batchSizes: [1] }));
    const [none, dpts, spts] = res.slots.map((l) => l[0]);
    expect([none.relErrL2, none.retainedEnergy, none.cosine, none.naturalZeroFraction]).toEqual([0, null, null, 1]);
    expect(dpts.relErrL2).toBe(0); // η = median = 0
    expect(spts.relErrL2).toBeNull(); // x̃ = η = 0.5 at pruned positions, x = 0: ‖x̃ − x‖/‖x‖ = ∞
    expect(res.warnings.find((d) => d.code === 'analysis/zero-input')).toBeDefined();
  });

  test('constant rows (ties everywhere): the lower index wins, error √(1/2) at 2:4', async () => {
    const x = new Float32Array(3 * 8).fill(1.5);
    const res = await analyzeSite(siteInput(x, 3, 8), plan({ patterns: parsePatternList('2:4'), batchSizes: [1] }));
    const s = res.slots[0][0];
    expect(s.relErrL2).toBeCloseTo(Math.SQRT1_2, 14);
    expect(s.channelKeep.top.slice(0, 4).map((t) => [t.channel, t.keepFraction])).toEqual([[0, 1], [1, 1], [4, 1], [5, 1]]);
  });

  test('subnormal F16 values and −0: the code path and the float path agree, and −0 counts as a natural zero', async () => {
    const k = 32;
    const tokens = 6;
    const x = new Float32Array(tokens * k);
    for (let i = 0; i < x.length; i++) {
      const r = (i * 7919) % 11;
      // F16 subnormals are multiples of 2^-24 below 2^-14; some −0, some +0
      x[i] = r === 0 ? -0 : r === 1 ? 0 : (r % 2 ? 1 : -1) * r * 2 ** -24;
    }
    for (let i = 0; i < x.length; i++) expect(float32ToFp16(x[i]) & 0x7c00).toBe(0); // all subnormal or zero
    const p = plan({ patterns: parsePatternList('2:4,8:16,16:32'), batchSizes: [1, 2] });
    const viaCodes = await analyzeSite(siteInput(x, tokens, k, { source: halfSource(x, tokens, k, 'F16') }), p);
    const viaFloat = await analyzeSite(siteInput(x, tokens, k, { source: memorySource(x, tokens, k) }), p);
    expect(viaCodes.slots).toEqual(viaFloat.slots);
    const zeros = Array.from(x).filter((v) => v === 0).length;
    expect(viaCodes.slots[0][0].naturalZeroFraction).toBeCloseTo(zeros / x.length, 14);
    expect(viaCodes.slots[0][0].relErrL2).toBeGreaterThan(0);
  });
});

describe('which run analyze() reads', () => {
  test('a bundle with two dense runs: the first is analysed and the choice is said, with the ids to pick from', async () => {
    const { chooseRuns } = await import('../../src/analysis/analyze.js');
    const run = (id: string, pattern: string) => ({ id, config: { pattern }, metrics: [], tokens: 0, sites: [] });
    const bundle = { root: 'b', manifest: { runs: [run('p8', '8:16'), run('dense-a', 'dense'), run('dense-b', 'dense')] } } as never;
    const { runs, warnings } = chooseRuns(bundle, []);
    expect(runs.map((r) => r.run.id)).toEqual(['dense-a']);
    expect(warnings).toEqual([expect.objectContaining({ code: 'analysis/several-dense-runs', severity: 'warning' })]);
    expect(warnings[0].message).toContain('"dense-a"');
    expect(warnings[0].hint).toContain('--runs dense-b');
  });
});
