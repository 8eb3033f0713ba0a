/**
 * Issue 14, buildReview with weight points, on hand-made numbers (test/report/fixture.ts plus
 * weight points written here): the fronts, summary and recommendation stay over activation
 * points even when a weight point would dominate them all; the baseline and its sentence come
 * from the weight points' own figures.
 */
import type { DesignPoint } from '../../src/explore/design-point.js';
import { buildReview } from '../../src/review/build.js';
import { recommendationText } from '../../src/report/recommendation.js';
import { fixturePoints, fixtureReviewData, fixtureWeightPoint } from '../report/fixture.js';


const build = (points: DesignPoint[]) => buildReview({ ...fixtureReviewData(), sweep: { points, skipped: [] }, notes: [] });

describe('buildReview with weight points', () => {
  it('keeps the fronts, the summary and the recommendation’s front over activation points, even against a weight point that would dominate them all', () => {
    const plain = build(fixturePoints());
    // ppl 3.0 < 3.7 and 1 % area < 10 %, 2.0× > 1.6×: it would be the only point on both fronts
    const dominating = fixtureWeightPoint('a100-like', 'wanda', 3.0, 2.0, 0.01);
    const withWeights = build([...fixturePoints(), dominating]);
    expect(withWeights.headline).toEqual(plain.headline);
    expect(withWeights.speedupFrontIds).toEqual(plain.speedupFrontIds);
    expect(withWeights.summary).toEqual(plain.summary);
    expect(withWeights.points).toContainEqual(dominating);
    expect(withWeights.weightBaselineId).toBe(dominating.id);
    expect(plain.weightBaselineId).toBeUndefined();
  });

  it('picks the most accurate weight run as the baseline, on its fastest core, and words the comparison with the data’s numbers', () => {
    const review = build([...fixturePoints(), fixtureWeightPoint('a100-like', 'magnitude', 11.6, 1.32, 0.08), fixtureWeightPoint('h100-like', 'wanda', 6.1, 1.28, 0.07), fixtureWeightPoint('a100-like', 'wanda', 6.1, 1.32, 0.08)]);
    expect(review.weightBaselineId).toBe('a100-like|2:4|wanda|none|weight');
    // 8:16's best measured configuration is magnitude+var 3.9 on act-8of16 (prefill 1.6×, 10 % area); 1.6 / 1.32 = 1.2121
    expect(recommendationText(review.recommendation)).toBe(
      'On the accuracy–area Pareto front (measured perplexity): 8:16 (act-8of16), 16:32 (act-16of32). 16:32 (magnitude+var) lowers perplexity from 3.900 (8:16, magnitude+var) to 3.700 (5.1% better) for +10.0 pp area overhead (act-16of32 20.0% vs act-8of16 10.0%, +10,000 µm² per core). ' +
        // the pair on its cores (issue 16): the fixture's decode is prefill × 0.92 (B = 1) and × 0.8 (B = 8)
        "No interval on this gap: the bundle records one perplexity per run, not per-story NLL; a capture that records each story's NLL would give a bootstrap 95 % interval for each figure and for the difference (explore/uncertainty.ts). " +
        'Speed-up over the core run dense, 16:32 vs 8:16: prefill 1.55× vs 1.60× (-0.050), decode B = 1 1.43× vs 1.47× (-0.046), decode B = 8 1.24× vs 1.28× (-0.040). ' +
        'The choice hinges on the decode batch B (16:32 vs 8:16 decode 1.43× vs 1.47× at B = 1, 1.24× vs 1.28× at B = 8). ' +
        '8:16 activations (magnitude+var) on act-8of16 keep perplexity 3.900 vs 6.100 for 2:4 weights (wanda) on a100-like, at 1.21× its prefill speed-up (1.60× vs 1.32×) for 10.0% vs 8.0% area overhead.',
    );
    expect(review.notes).toContain(
      'Weight points (3 points on a100-like, h100-like): measured runs with pruned weights, on the cores that run their pattern on weights (sparsity.operand weight or both), priced with the weight plan (compressed weights + metadata, no online pruning). They have no activation masks to analyse, so no proxy; the most accurate weight run of each pattern is drawn with its own marker (the others only stretch the axis: design-points.csv has them). They are the baseline, not candidates: the fronts, the summary per pattern and the recommendation\'s front are over activation points.',
    );
  });

  it('states the baseline alone when the compared activation pattern has no measured design point', () => {
    const only1632 = fixturePoints().filter((p) => p.profile === 'act-16of32');
    const review = build([...only1632, fixtureWeightPoint('a100-like', 'wanda', 6.1, 1.32, 0.08)]);
    expect(recommendationText(review.recommendation)).toMatch(
      / 2:4 weights \(wanda\) on a100-like measure perplexity 6\.100; 8:16 activations have no design point with a measured perplexity here \(not swept, no swept core runs them, or no measured run\), so the two are not compared\.$/,
    );
  });
});
