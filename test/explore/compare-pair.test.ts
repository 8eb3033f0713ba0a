/**
 * The recommendation's named pair (explore/recommend.ts pair details, report/recommendation.ts
 * wording) on hand-made points: chip mm², % of die, speed-up deltas per batch, the iso-area
 * alternative and what the choice hinges on — each number derived by hand below.
 */
import { designFront } from '../../src/explore/objectives.js';
import { recommend } from '../../src/explore/recommend.js';
import { summarizeByPattern } from '../../src/explore/summary.js';
import type { DesignPoint } from '../../src/explore/design-point.js';
import { recommendationText } from '../../src/report/recommendation.js';
import { nm } from '../../src/sparsity/pattern.js';
import { point } from '../report/fixture.js';

const chip = (provisioning: string) => ({ tensorCores: 500, dieAreaMm2: 1000, tech: '5nm', provisioning });
const dec = (b1: number, b8: number) => [
  { batchTokens: 1, speedup: b1, ioSavingsFraction: 0.4, denseBottleneck: 'dram' },
  { batchTokens: 8, speedup: b8, ioSavingsFraction: 0.1, denseBottleneck: 'dram' },
];
// dense core 100,000 µm² (fixture); die shares = overhead µm² × 500 / 1000 mm²
const points: DesignPoint[] = [
  point('c8', '8:16', 'magnitude', 'none', 10, 'measured-perplexity', 0.2, 1.26, { chip: chip('dense-balanced'), densePrefillBottleneck: 'compute', decode: dec(1.57, 1.01), areaOverheadVsDieFraction: 0.01 }),
  point('c32', '16:32', 'magnitude', 'none', 8, 'measured-perplexity', 0.3, 1.24, { chip: chip('dense-balanced'), densePrefillBottleneck: 'compute', decode: dec(1.56, 1.02), areaOverheadVsDieFraction: 0.015 }),
  point('c8sb', '8:16', 'magnitude', 'none', 10, 'measured-perplexity', 0.6, 1.67, { chip: chip('sparse-balanced'), densePrefillBottleneck: 'compute', decode: dec(1.57, 1.01), areaOverheadVsDieFraction: 0.03 }),
];

function rec(pts: DesignPoint[], compare?: [ReturnType<typeof nm>, ReturnType<typeof nm>]) {
  const front = designFront(pts, ['accuracy', 'area_overhead_fraction'], 'measured-perplexity');
  const summary = summarizeByPattern(pts, 'measured-perplexity', front.frontIds);
  return recommend({ points: pts, frontIds: front.frontIds, summary, accuracyKind: 'measured-perplexity', ...(compare ? { compare } : {}) });
}

describe('the named pair, stated', () => {
  it('prices the area delta per chip: (130,000 − 120,000) µm² × 500 cores = 5 mm², +0.5 pp of the die', () => {
    const r = rec(points);
    if (r.outcome !== 'front' || r.comparison.outcome !== 'compared') throw new Error('not compared');
    const pair = r.comparison.pair!;
    expect(pair.narrow.chipOverheadMm2).toBeCloseTo(10, 9); // 20,000 µm² × 500
    expect(pair.wide.chipOverheadMm2).toBeCloseTo(15, 9);
    expect(pair.chipDeltaMm2).toBeCloseTo(5, 9);
    expect(pair.dieDeltaFraction).toBeCloseTo(0.005, 12);
    const text = recommendationText(r);
    expect(text).toContain('On the chip (500 tensor cores): 16:32 adds 15.00 mm² (1.50% of the die), 8:16 10.00 mm² (1.00% of the die): +5.00 mm², +0.50 pp of the die.');
  });

  it('states the prefill and per-batch decode speed-up deltas, wide − narrow', () => {
    const text = recommendationText(rec(points));
    expect(text).toContain('Speed-up over the core run dense, 16:32 vs 8:16: prefill 1.24× vs 1.26× (-0.020), decode B = 1 1.56× vs 1.57× (-0.010), decode B = 8 1.02× vs 1.01× (+0.010).');
  });

  it('sets each core against the same mm² as dense cores: 0.3 × 500 = 150 cores → 1.30× prefill, which 16:32 at 1.24× does not beat; 8:16 at 1.26× beats 1.20×', () => {
    const text = recommendationText(rec(points));
    expect(text).toContain("16:32 on c32 (+150.0 dense cores' worth) does not beat them in prefill (1.24× vs 1.30×); decode B = 1 1.56× vs 1.00× (the dense step is dram-bound)");
    expect(text).toContain("8:16 on c8 (+100.0 dense cores' worth) beats them in prefill (1.26× vs 1.20×)");
  });

  it('names the assumption the choice hinges on: the sparse-balanced 8:16 core, and the decode batch', () => {
    const text = recommendationText(rec(points));
    expect(text).toContain('The choice hinges on the provisioning or node of the cores (other swept cores give prefill 8:16 on c8sb (sparse-balanced, 5nm) 1.67× for 60.0%); the decode batch B (16:32 vs 8:16 decode 1.56× vs 1.57× at B = 1, 1.02× vs 1.01× at B = 8); the node (the areas are at 5nm).');
  });

  it('says plainly that the perplexity gap has no interval without per-story NLL, and quotes intervals when the points carry them', () => {
    expect(recommendationText(rec(points))).toContain('No interval on this gap: the bundle records one perplexity per run, not per-story NLL');
    const withIntervals = points.map((p) => ({ ...p, accuracy: { ...p.accuracy, interval: [p.accuracy.value - 0.5, p.accuracy.value + 0.5] as const } }));
    expect(recommendationText(rec(withIntervals))).toContain('Bootstrap 95 % intervals over stories: 16:32 7.500–8.500, 8:16 9.500–10.500 (they do not overlap).');
  });

  it('compares the pair it is given, in that order', () => {
    const r = rec(points, [nm(16, 32), nm(8, 16)]);
    if (r.outcome !== 'front' || r.comparison.outcome !== 'compared') throw new Error('not compared');
    expect([r.comparison.narrow.pattern, r.comparison.wide.pattern]).toEqual([nm(16, 32), nm(8, 16)]);
    expect(recommendationText(r)).toContain('8:16 (magnitude+none) raises perplexity from 8.000 (16:32, magnitude+none) to 10.000');
  });
});
