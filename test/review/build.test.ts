import { buildReview } from '../../src/review/build.js';
import { recommendationText } from '../../src/report/recommendation.js';
import { nm } from '../../src/sparsity/pattern.js';
import { fixturePoints, fixtureReviewData } from '../report/fixture.js';

describe('buildReview', () => {
  const base = fixtureReviewData();
  const review = buildReview({
    ...base,
    sweep: {
      points: fixturePoints(),
      skipped: [
        { profile: 'act-8of16', pattern: nm(16, 32), criterion: 'magnitude', mitigation: 'none', reason: 'runs-dense' },
        { profile: 'act-8of16', pattern: nm(4, 8), criterion: 'clact', mitigation: 'spts', reason: 'no-accuracy' },
      ],
    },
    notes: [],
  });

  it('puts the measured configurations on the headline front and the proxies only in the CSV', () => {
    expect(review.headline).toEqual({ accuracyKind: 'measured-perplexity', frontIds: ['act-8of16|8:16|magnitude|var', 'act-16of32|16:32|magnitude|var'] });
    // speed-up front: 8:16+var is faster (1.6 > 1.55), 16:32+var more accurate: both
    expect(review.speedupFrontIds).toEqual(['act-8of16|8:16|magnitude|var', 'act-16of32|16:32|magnitude|var']);
  });

  it('explains in notes what is not plotted and why', () => {
    expect(review.notes).toEqual([
      'Not design points (the core would run them dense, so pruning buys nothing) — act-8of16: 16:32.',
      'No accuracy (neither a measured run nor an analysis proxy) for: 4:8 clact+spts.',
      '2 design points have only the analysis proxy; they are in design-points.csv but not on the measured-perplexity charts, which never mix the two kinds.',
    ]);
  });

  it('computes the recommendation from the data', () => {
    expect(recommendationText(review.recommendation)).toContain('16:32 (magnitude+var) lowers perplexity from 3.900 (8:16, magnitude+var) to 3.700 (5.1% better)');
  });
});
