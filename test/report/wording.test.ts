/**
 * Wordings a reader caught: counts that did not agree with their noun ("1 hardware profiles"),
 * and a footnote that called every compatible pattern "narrower" — 2:4 data runs on an 8:16 core
 * because 8:16 is WIDER (every 2:4 mask is an 8:16 mask); only data wider than the core (16:32 on
 * 8:16, unstructured on 16:32) runs through a narrower pattern, with second passes.
 */
import { NmsimError } from '../../src/diagnostics.js';
import { bootstrapPairedPerplexity } from '../../src/explore/uncertainty.js';
import { countNoun } from '../../src/plural.js';
import { formatInspectText } from '../../src/report/inspect.js';
import type { InspectReport } from '../../src/trace/inspect.js';
import { emptyStats, finishStats } from '../../src/trace/tensor-stats.js';
import { runCli } from '../helpers/cli.js';
import { renderCharts } from '../../src/report/charts/index.js';
import { toMarkdown } from '../../src/report/document.js';
import { reviewDocument } from '../../src/report/review-document.js';
import { terminalSummary } from '../../src/report/review-summary.js';
import { buildReview } from '../../src/review/build.js';
import { reviewTitle } from '../../src/review/run-review.js';
import { nm } from '../../src/sparsity/pattern.js';
import type { ReviewData } from '../../src/review/review-data.js';
import { fixturePoints, fixtureReviewData, point } from './fixture.js';

describe('counted nouns', () => {
  it('agree with their number: 0 and 2 take the plural, 1 the singular', () => {
    expect(countNoun(0, 'hardware profile')).toBe('0 hardware profiles');
    expect(countNoun(1, 'hardware profile')).toBe('1 hardware profile');
    expect(countNoun(2, 'hardware profile')).toBe('2 hardware profiles');
    expect(countNoun(1_204, 'design point')).toBe('1,204 design points');
    expect(countNoun(1, 'story', 'stories')).toBe('1 story');
    expect(countNoun(3, 'story', 'stories')).toBe('3 stories');
  });

  it('a review of one profile is titled "on 1 hardware profile"', () => {
    expect(reviewTitle('stories260K', 1)).toBe('Design review: stories260K on 1 hardware profile');
    expect(reviewTitle('stories260K', 7)).toBe('Design review: stories260K on 7 hardware profiles');
  });

  it('one design point is "1 design point" in the report, the terminal summary and the chart subtitles', async () => {
    const data = fixtureReviewData();
    data.points = [data.points[1]];
    data.headline.frontIds = [data.points[0].id];
    data.speedupFrontIds = [data.points[0].id];
    const md = toMarkdown(reviewDocument(data));
    expect(md).toContain('· 1 design point ·');
    expect(terminalSummary(data, 'out', 'out/x.png')).toContain('  1 design point ·');
    const svgs = await renderCharts(data);
    expect(svgs['accuracy-vs-area']).toContain('1 design point ·');
    for (const text of [md, terminalSummary(data, 'out', 'out/x.png'), svgs['accuracy-vs-area']]) expect(text).not.toMatch(/\b1 design points\b/);
  });

  it('the note on points without the headline accuracy kind agrees in number', () => {
    const base = fixtureReviewData();
    const points = fixturePoints().slice(0, 5); // one proxy-only point
    const review = buildReview({ ...base, sweep: { points, skipped: [] }, notes: [] });
    expect(review.notes).toContain('1 design point has only the analysis proxy; it is in design-points.csv but not on the measured-perplexity charts, which never mix the two kinds.');
  });
});

describe('counted nouns outside the review', () => {
  it('inspect says "1 token per site, 1 site" for a bare file of one row, and groups thousands', () => {
    const site = (name: string) => ({ name, consumers: ['q'], file: 'x.npy', key: '', dtype: 'F32', shape: [1, 4], tokensScanned: 1, stats: finishStats(emptyStats()), masks: [], weightMasks: [] });
    const report = (tokens: number, sites: number): InspectReport =>
      ({
        root: 'x.npy',
        anonymous: true,
        model: { name: 'anonymous', family: 'unknown', hidden_size: 4, intermediate_size: 4, num_layers: 1, num_heads: 1, num_kv_heads: 1, vocab_size: 0 },
        source: { tool: 'nmsim', checkpoint: 'unknown', dataset: 'unknown' },
        warnings: [],
        runs: [{ id: 'anonymous', config: { pattern: 'dense' }, tokens, metrics: [], sites: Array.from({ length: sites }, (_, i) => site(`s${i}`)) }],
      }) as unknown as InspectReport;
    expect(formatInspectText(report(1, 1))).toContain('  anonymous: dense, 1 token per site, 1 site\n');
    expect(formatInspectText(report(2048, 2))).toContain('  anonymous: dense, 2,048 tokens per site, 2 sites\n');
  });

  it('analyze heads a bare one-site file "1 site × 3 tokens" (test/fixtures/numpy/values-f32.npy is 3 × 5)', () => {
    const r = runCli(['analyze', 'test/fixtures/numpy/values-f32.npy', '--patterns', '2:4']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('run "anonymous" (dense: pre-pruning inputs), 1 site × 3 tokens, F32');
  });

  it('the bootstrap names "1 story" when a paired comparison gets one story against two', () => {
    try {
      bootstrapPairedPerplexity({ nllSumsNats: [1], tokens: [2] }, { nllSumsNats: [1, 1], tokens: [2, 2] });
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(NmsimError);
      expect((e as NmsimError).diagnostics[0].expected).toBe('1 story');
    }
  });
});

describe('the footnote on compatible patterns', () => {
  /** the fixture plus 2:4 data on the 8:16 core (a wider pattern) and 16:32 data on a second 8:16 core (narrower) */
  function withCompatible(): ReviewData {
    const data = fixtureReviewData();
    const twoFour = point('act-8of16', '2:4', 'magnitude', 'none', 4.5, 'measured-perplexity', 0.1, 1.6, { native: false, executedAs: nm(8, 16) });
    data.points = [...data.points, twoFour];
    data.summary = [
      { pattern: nm(2, 4), bestConfig: 'magnitude+none', accuracyValue: 4.5, accuracyKind: 'measured-perplexity', nativeProfile: null, compatibleProfile: 'act-8of16', areaUm2: 110_000, areaOverheadFraction: 0.1, prefillSpeedup: 1.6, decode: twoFour.decode, onFront: false },
      ...data.summary,
    ];
    return data;
  }

  it('calls 8:16 a wider pattern when 2:4 data runs on an 8:16 core (terminal summary)', () => {
    const text = terminalSummary(withCompatible(), 'out', 'out/x.png');
    const foot = text.split('\n').filter((l) => l.trimStart().startsWith('*'));
    expect(foot).toHaveLength(1);
    expect(foot[0]).toContain('2:4');
    expect(foot[0]).toContain('8:16');
    expect(foot[0]).toContain('wider');
    expect(foot[0]).not.toContain('narrower');
  });

  it('calls 8:16 a narrower pattern when 16:32 data runs on an 8:16 core', () => {
    const data = fixtureReviewData();
    const p = point('act-8of16', '16:32', 'magnitude', 'none', 3.8, 'measured-perplexity', 0.1, 1.3, { native: false, executedAs: nm(8, 16) });
    data.points = [...data.points.filter((x) => x.pattern.kind !== 'nm' || x.pattern.m !== 32), p];
    data.summary = [data.summary[0], { ...data.summary[1], nativeProfile: null, compatibleProfile: 'act-8of16' }];
    const foot = terminalSummary(data, 'out', 'out/x.png')
      .split('\n')
      .filter((l) => l.trimStart().startsWith('*'));
    expect(foot).toHaveLength(1);
    expect(foot[0]).toContain('narrower');
    expect(foot[0]).not.toContain('wider');
  });

  it('the report names the executed pattern in the summary table instead of "narrower"', () => {
    const md = toMarkdown(reviewDocument(withCompatible()));
    const row = md.split('\n').find((l) => l.startsWith('| 2:4 |'))!;
    expect(row).toContain('act-8of16 (as 8:16, wider)');
    expect(md).not.toContain('compatible narrower pattern)');
  });
});
