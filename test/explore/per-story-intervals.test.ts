/**
 * Issue 16: the review's intervals from per-story NLL. Two stories of one token each make the
 * bootstrap enumerable by hand: a resample is {A, A}, {A, B}/{B, A} or {B, B} with probability
 * 1/4, 1/2, 1/4, so with 2000 resamples the 2.5 % and 97.5 % quantiles are the smallest and the
 * largest of the three values (each end holds 25 % of the mass).
 */
import { designFront } from '../../src/explore/objectives.js';
import { recommend } from '../../src/explore/recommend.js';
import { summarizeByPattern } from '../../src/explore/summary.js';
import { accuracyFor, measuredRuns } from '../../src/explore/accuracy.js';
import { bootstrapPerplexity, type PerStoryNll } from '../../src/explore/uncertainty.js';
import type { DesignPoint } from '../../src/explore/design-point.js';
import { recommendationText } from '../../src/report/recommendation.js';
import { nm } from '../../src/sparsity/pattern.js';
import type { Manifest } from '../../src/trace/manifest.js';
import { point } from '../report/fixture.js';

const { log, sqrt } = Math;
const stories = (a: number, b: number): PerStoryNll => ({ nllSumsNats: [log(a), log(b)], tokens: [1, 1] });

function rec(narrow: PerStoryNll, wide: PerStoryNll) {
  const ppl = (s: PerStoryNll) => Math.exp((s.nllSumsNats[0] + s.nllSumsNats[1]) / 2);
  const withStories = (p: DesignPoint, s: PerStoryNll): DesignPoint => ({ ...p, accuracy: { ...p.accuracy, value: ppl(s), interval: bootstrapPerplexity(s).interval, perStory: s } });
  const pts = [
    withStories(point('c8', '8:16', 'magnitude', 'none', 10, 'measured-perplexity', 0.2, 1.26), narrow),
    withStories(point('c32', '16:32', 'magnitude', 'none', 8, 'measured-perplexity', 0.3, 1.24), wide),
  ];
  const front = designFront(pts, ['accuracy', 'area_overhead_fraction'], 'measured-perplexity');
  const summary = summarizeByPattern(pts, 'measured-perplexity', front.frontIds);
  return recommend({ points: pts, frontIds: front.frontIds, summary, accuracyKind: 'measured-perplexity', compare: [nm(8, 16), nm(16, 32)] });
}

describe('intervals on measured perplexity from per-story NLL', () => {
  it('a run\'s interval is [min, max] of the resample perplexities: stories of perplexity 8 and 6 give [6, 8] around √48', () => {
    const r = bootstrapPerplexity(stories(8, 6));
    expect(r.perplexity).toBeCloseTo(sqrt(48), 12);
    expect(r.interval[0]).toBeCloseTo(6, 12);
    expect(r.interval[1]).toBeCloseTo(8, 12);
  });

  it('the bundle\'s per_story reaches the design point\'s accuracy as that interval, the same on every call', () => {
    const manifest = {
      runs: [{ id: 'p', config: { pattern: '8:16' }, metrics: [{ metric: 'perplexity', dataset: 'd', tokens: 2, value: sqrt(48), per_story: { nll_sums_nats: [log(8), log(6)], tokens: [1, 1] } }], tokens: 0, sites: [] }],
    } as unknown as Manifest;
    const measured = measuredRuns(manifest);
    const a = accuracyFor({ pattern: nm(8, 16), criterion: 'magnitude', mitigation: 'none' }, measured, [], 'b');
    expect(a!.interval![0]).toBeCloseTo(6, 12);
    expect(a!.interval![1]).toBeCloseTo(8, 12);
    expect(accuracyFor({ pattern: nm(8, 16), criterion: 'magnitude', mitigation: 'none' }, measured, [], 'b')!.interval).toEqual(a!.interval);
    const without = measuredRuns({ runs: [{ ...manifest.runs[0], metrics: [{ metric: 'perplexity', dataset: 'd', tokens: 2, value: 7 }] }] } as unknown as Manifest);
    expect(accuracyFor({ pattern: nm(8, 16), criterion: 'magnitude', mitigation: 'none' }, without, [], 'b')!.interval).toBeUndefined();
  });

  it('the compared pair\'s difference: 16:32 at 8 and 6 against 8:16 at 10 and 10 is √48 − 10 in [−4, −2], distinguishable', () => {
    const r = rec(stories(10, 10), stories(8, 6));
    if (r.outcome !== 'front' || r.comparison.outcome !== 'compared') throw new Error('not compared');
    const d = r.comparison.pair!.accuracyDifference!;
    expect(d.difference).toBeCloseTo(sqrt(48) - 10, 12);
    expect(d.interval[0]).toBeCloseTo(-4, 12);
    expect(d.interval[1]).toBeCloseTo(-2, 12);
    expect(d.distinguishable).toBe(true);
    expect(recommendationText(r)).toContain(
      'Bootstrap 95 % intervals over stories: 16:32 6.000–8.000, 8:16 10.000–10.000; the difference 16:32 − 8:16 is -3.072 (paired bootstrap over the same 2 stories: -4.000 to -2.000; it excludes 0: the two are distinguishable on this data).',
    );
  });

  it('16:32 at 12 and 8 against 10 and 10: the difference √96 − 10 lies in [−2, +2], so the two are not distinguishable', () => {
    const r = rec(stories(10, 10), stories(12, 8));
    if (r.outcome !== 'front' || r.comparison.outcome !== 'compared') throw new Error('not compared');
    const d = r.comparison.pair!.accuracyDifference!;
    expect(d.difference).toBeCloseTo(sqrt(96) - 10, 12);
    expect([d.interval[0], d.interval[1]].map((x) => Math.round(x * 1e9) / 1e9)).toEqual([-2, 2]);
    expect(d.distinguishable).toBe(false);
    expect(recommendationText(r)).toContain('the difference 16:32 − 8:16 is -0.202 (paired bootstrap over the same 2 stories: -2.000 to +2.000; it contains 0: the two are not distinguishable on this data).');
  });

  it('runs on different stories are not paired: no difference interval, each figure keeps its own', () => {
    const r = rec(stories(10, 10), { nllSumsNats: [log(8), log(6)], tokens: [1, 2] });
    if (r.outcome !== 'front' || r.comparison.outcome !== 'compared') throw new Error('not compared');
    expect(r.comparison.pair!.accuracyDifference).toBeUndefined();
    expect(r.comparison.pair!.wide.interval).toBeDefined();
  });
});
