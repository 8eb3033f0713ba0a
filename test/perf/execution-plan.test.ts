import { planPattern, randomMaskCompatibility, computeKFraction } from '../../src/perf/execution-plan.js';
import { nm, parsePattern } from '../../src/sparsity/pattern.js';
import type { MeasuredSparsity } from '../../src/perf/measured-sparsity.js';
import { actProfile, A100_LIKE } from './profiles.js';

describe('how a profile runs a pattern', () => {
  test('uniformly random 16:32 masks fit 8:16 hardware when both halves hold 8: C(16,8)² / C(32,16)', () => {
    expect(randomMaskCompatibility(nm(16, 32), nm(8, 16))).toBeCloseTo((12870 * 12870) / 601080390, 9);
  });
  test('random 4:8 masks fit 2:4 with probability C(4,2)² / C(8,4) = 36/70', () => {
    expect(randomMaskCompatibility(nm(4, 8), nm(2, 4))).toBeCloseTo(36 / 70, 9);
  });
  test('2:4 data always fits 4:8 hardware (each group of 8 holds exactly 4 kept)', () => {
    expect(randomMaskCompatibility(nm(2, 4), nm(4, 8))).toBe(1);
    expect(randomMaskCompatibility(nm(4, 8), nm(2, 8))).toBe(0);
  });
  test('a native pattern runs natively with skipping at N/M of the MAC cycles', () => {
    const plan = planPattern(actProfile(['8:16']), parsePattern('8:16'));
    expect(plan.mode).toBe('native');
    expect(computeKFraction(plan)).toBe(0.5);
    expect(plan.warnings).toEqual([]);
  });
  test('fallback dense: an unsupported pattern runs dense and says why', () => {
    const plan = planPattern(actProfile(['8:16']), parsePattern('16:32'));
    expect(plan.mode).toBe('dense');
    expect(plan.warnings[0].code).toBe('perf/pattern-runs-dense');
  });
  test('a finer pattern that packs into a native one runs there in one pass even with fallback dense', () => {
    // four 2:4 groups hold exactly 8 kept values in 16: every 2:4 mask is an 8:16 mask
    const plan = planPattern(actProfile(['8:16']), parsePattern('2:4'));
    expect(plan.mode).toBe('compatible');
    expect(plan.runPattern).toEqual(nm(8, 16));
    expect(plan.compatibleFraction).toBe(1);
    expect(computeKFraction(plan)).toBe(0.5);
    expect(plan.warnings).toEqual([]);
    // 4:8 is not implied by 2:4 hardware (a 4:8 group may hold 3 in one half)
    expect(planPattern(actProfile(['2:4']), parsePattern('4:8')).mode).toBe('dense');
  });
  test('fallback compatible without traces: 16:32 on 8:16 hardware at the random-mask fraction, with a warning', () => {
    const plan = planPattern(actProfile(['8:16'], { fallback: 'compatible' }), parsePattern('16:32'));
    const f = (12870 * 12870) / 601080390;
    expect(plan.mode).toBe('compatible');
    expect(plan.compatibleFraction).toBeCloseTo(f, 9);
    expect(computeKFraction(plan)).toBeCloseTo(f * 0.5 + (1 - f), 9);
    expect(plan.warnings.map((w) => w.code)).toContain('perf/compatibility-estimated');
  });
  test('fallback compatible with a measured fraction uses it and names its source', () => {
    const measured: MeasuredSparsity = {
      pattern: '16:32',
      keptFraction: 0.5,
      unionDensityByBatch: {},
      unionSource: 'bundle stories260K, run magnitude-16of32',
      compatibleFraction: { '8:16': 0.9 },
    };
    const plan = planPattern(actProfile(['8:16'], { fallback: 'compatible' }), parsePattern('16:32'), measured);
    expect(plan.compatibleFraction).toBe(0.9);
    expect(plan.compatibleSource).toContain('measured');
    expect(computeKFraction(plan)).toBeCloseTo(0.55, 12);
    expect(plan.warnings).toEqual([]);
  });
  test('a weight-only sparse core runs activation patterns dense', () => {
    const p = { ...A100_LIKE, sparsity: { ...A100_LIKE.sparsity, operand: 'weight' as const } };
    expect(planPattern(p, parsePattern('2:4')).mode).toBe('dense');
  });
  test('software pruning compresses activations but cannot skip weight rows', () => {
    const plan = planPattern(A100_LIKE, parsePattern('2:4'));
    expect(plan).toMatchObject({ mode: 'native', pruning: 'software', compressed: true, rowSkipping: false });
  });
});
