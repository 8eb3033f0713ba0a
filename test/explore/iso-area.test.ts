/**
 * The iso-area alternative (explore/iso-area.ts) on hand-made points: every figure below is
 * computed by hand from the point's areas, its chip's tensor-core count and the dense step's
 * bottleneck, not by the module.
 */
import { chipCoresMm2, chipOverheadMm2, isoAreaOf, isoAreaRows, perfPerAreaVsDense } from '../../src/explore/iso-area.js';
import { point } from '../report/fixture.js';

// dense core 100,000 µm² (fixture), +25 % → 125,000 µm²; 100 tensor cores on an 800 mm² die
const chip = { tensorCores: 100, dieAreaMm2: 800, tech: '5nm', provisioning: 'dense-balanced' };
const p = point('core-a', '8:16', 'magnitude', 'none', 9.7, 'measured-perplexity', 0.25, 1.3, {
  chip,
  densePrefillBottleneck: 'compute',
  decode: [
    { batchTokens: 1, speedup: 1.5, ioSavingsFraction: 0.4, denseBottleneck: 'dram' },
    { batchTokens: 8, speedup: 0.95, ioSavingsFraction: 0.1, denseBottleneck: 'launch' },
    { batchTokens: 64, speedup: 1.2, ioSavingsFraction: 0.1, denseBottleneck: 'buffer' },
  ],
});

describe('iso-area alternative', () => {
  it('prices the sparse additions on the chip and as dense cores: 25,000 µm² × 100 cores = 2.5 mm² = 25 dense cores of 0.1 mm²', () => {
    const iso = isoAreaOf(p)!;
    expect(iso.extraMm2).toBeCloseTo(2.5, 12);
    expect(iso.denseCoreMm2).toBeCloseTo(0.1, 12);
    expect(iso.extraDenseCores).toBeCloseTo(25, 9);
    expect(chipCoresMm2(p)).toBeCloseTo(12.5, 12);
    expect(chipOverheadMm2(p)).toBeCloseTo(2.5, 12);
  });

  it('scales a compute-bound dense step by (100 + 25) / 100 = 1.25×, so a 1.3× sparse prefill beats it', () => {
    const iso = isoAreaOf(p)!;
    expect(iso.prefill).toEqual({ sparseSpeedup: 1.3, isoAreaSpeedup: expect.closeTo(1.25, 12), denseBottleneck: 'compute', bound: false, sparseWins: true });
  });

  it('gives 1× where the dense step is DRAM- or launch-bound, and scales a buffer-bound step (per-core bandwidth grows with cores)', () => {
    const d = isoAreaOf(p)!.decode;
    expect(d.map((x) => [x.batchTokens, x.isoAreaSpeedup, x.bound, x.sparseWins])).toEqual([
      [1, 1, true, true], // 1.5 > 1
      [8, 1, true, false], // 0.95 < 1: the sparse core is slower than doing nothing
      [64, expect.closeTo(1.25, 12), false, false], // 1.2 < 1.25
    ]);
  });

  it('states perf per mm² against the dense core as speed-up ÷ area ratio: 1.3 / 1.25 = 1.04, above 1 exactly when prefill beats the compute-bound alternative', () => {
    expect(perfPerAreaVsDense(1.3, p)).toBeCloseTo(1.04, 12);
    expect(perfPerAreaVsDense(1.2, p)).toBeCloseTo(0.96, 12);
  });

  it('has no alternative for a point without a chip, and none for weight points in the rows', () => {
    const bare = point('core-b', '16:32', 'magnitude', 'none', 8, 'measured-perplexity', 0.4, 1.2);
    expect(isoAreaOf(bare)).toBeUndefined();
    const weight = { ...p, id: 'w', operand: 'weight' as const };
    expect(isoAreaRows([bare, weight, p]).map((r) => r.pointId)).toEqual([p.id]);
  });
});
