/**
 * The review's second stage: `nmsim review --shard j/m --analysis PARTS` evaluates one contiguous
 * block of the design points over the merged analysis, and `nmsim merge` of the m point parts
 * assembles the report — identical to the single-machine review (ReviewData, and every rendered
 * report file byte for byte) for m = 1, 2, 3, 7 and for more shards than points.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runReview } from '../../src/review/run-review.js';
import { mergeReviewPoints, reviewPointsShard, reviewShard, type ReviewPointsShard, type ReviewShard } from '../../src/review/shard.js';
import { shardBlock } from '../../src/review/points.js';
import { parseShardText, REVIEW_POINTS_FORMAT, REVIEW_SHARD_FORMAT, shardText } from '../../src/report/shard-folder.js';
import { renderReport } from '../../src/report/write-report.js';
import { NmsimError } from '../../src/diagnostics.js';
import type { ReviewData } from '../../src/review/review-data.js';
import { parsePatternList } from '../../src/sparsity/pattern.js';
import { writeSyntheticBundle } from '../review/synthetic-bundle.js';

let dir: string;
let bundle: string;
const PROFILES = ['act-8of16', 'act-16of32'];

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-review-points-'));
  bundle = path.join(dir, 'bundle');
  await writeSyntheticBundle(bundle);
});
afterAll(async () => fs.rm(dir, { recursive: true, force: true }));

const roundTrip = <T extends ReviewShard | ReviewPointsShard>(part: T, format: typeof REVIEW_SHARD_FORMAT | typeof REVIEW_POINTS_FORMAT): T => parseShardText(shardText(part, format), format as never) as T;

async function analysisParts(options: Parameters<typeof reviewShard>[0], n: number): Promise<{ where: string; data: ReviewShard }[]> {
  const parts: { where: string; data: ReviewShard }[] = [];
  for (let index = 0; index < n; index++) parts.push({ where: `analysis-${index}`, data: roundTrip(await reviewShard(options, { index, count: n }), REVIEW_SHARD_FORMAT) });
  return parts;
}

describe('sharded design points (library)', () => {
  // 2 profiles × (3 patterns × 2 criteria × 2 mitigations) = 24 design points, profile-major;
  // axes {}: each core as its file says (the design-axes case below sweeps variants)
  const options = { axes: {}, traces: [] as string[], profiles: PROFILES, patterns: parsePatternList('2:4,8:16,16:32'), criteria: ['magnitude' as const, 'clact' as const], mitigations: ['none' as const, 'dpts' as const] };

  async function pointParts(opts: typeof options, m: number, analysis: { where: string; data: ReviewShard }[]): Promise<{ where: string; data: ReviewPointsShard }[]> {
    const parts: { where: string; data: ReviewPointsShard }[] = [];
    for (let index = 0; index < m; index++) parts.push({ where: `points-${index}`, data: roundTrip(await reviewPointsShard(opts, { index, count: m }, analysis), REVIEW_POINTS_FORMAT) });
    return parts;
  }

  const rendered = new Map<ReviewData, Map<string, string | Uint8Array>>();
  async function expectSameFiles(a: ReviewData, b: ReviewData, m: number): Promise<void> {
    if (!rendered.has(a)) rendered.set(a, await renderReport(a));
    const fa = rendered.get(a)!;
    const fb = await renderReport(b);
    expect([...fb.keys()]).toEqual([...fa.keys()]);
    for (const [name, content] of fa) expect([m, name, Buffer.from(fb.get(name)!).equals(Buffer.from(content))]).toEqual([m, name, true]);
  }

  test('point shards m = 1, 2, 3, 7 over 2 analysis shards assemble the single-machine review (every report file byte-identical at m = 3 and 7)', async () => {
    options.traces = [bundle];
    const single = await runReview(options);
    const analysis = await analysisParts(options, 2);
    for (const m of [1, 2, 3, 7]) {
      const parts = await pointParts(options, m, analysis);
      expect(parts[0].data.pointCount).toBe(24);
      // blocks [⌊24·j/m⌋, ⌊24·(j+1)/m⌋)
      if (m === 7) {
        expect(parts.map((p) => p.data.records.points.length)).toEqual([3, 3, 4, 3, 4, 3, 4]);
        // profile 1 starts at point 12, in block [10, 13) of shard 3; each profile × pattern's
        // energy row sits with its first point: points 0, 4, 8, 12, 16, 20 → shards 0, 1, 2, 3, 4, 6
        expect(parts.map((p) => p.data.records.profiles.map((r) => r.index))).toEqual([[0], [], [], [1], [], [], []]);
        expect(parts.map((p) => p.data.records.energy.map((e) => `${e.profile}/${e.pattern}`))).toEqual([['0/0'], ['0/1'], ['0/2'], ['1/0'], ['1/1'], [], ['1/2']]);
      }
      const merged = mergeReviewPoints([...parts].reverse());
      expect([m, JSON.stringify(merged.data)]).toEqual([m, JSON.stringify(single.data)]);
      expect(merged.data).toEqual(single.data);
      expect(merged.warnings).toEqual(single.warnings);
      if (m === 3 || m === 7) await expectSameFiles(single.data, merged.data, m);
    }
  });

  test('7 point shards of a 4-point review (3 with no point) assemble the single-machine review, every report file byte-identical', async () => {
    const small = { ...options, traces: [bundle], patterns: parsePatternList('8:16'), criteria: ['magnitude' as const] };
    const single = await runReview(small);
    const parts = await pointParts(small, 7, await analysisParts(small, 3));
    expect(parts.map((p) => p.data.records.points.length)).toEqual([0, 1, 0, 1, 0, 1, 1]);
    const merged = mergeReviewPoints(parts);
    expect(merged.data).toEqual(single.data);
    await expectSameFiles(single.data, merged.data, 7);
  });

  test('point shards of a review that sweeps design axes (4 variants per core) assemble the single-machine review, its variants table and every report file byte-identical', async () => {
    const axes = { selector: ['mux' as const, 'hierarchical' as const], provisioning: ['dense-balanced' as const, 'sparse-balanced' as const] };
    const swept = { ...options, axes, traces: [bundle], patterns: parsePatternList('8:16,16:32'), criteria: ['magnitude' as const], mitigations: ['none' as const] };
    const single = await runReview(swept);
    // 4 variants × (8:16 on act-8of16; 8:16 and 16:32 on act-16of32): 16:32 on act-8of16 runs dense, no point
    expect(single.data.variants!.length).toBe(4 * 3);
    const parts = await pointParts(swept as typeof options, 3, await analysisParts(swept, 1));
    // the list: 2 cores × 4 variants × 2 configurations
    expect(parts[0].data.pointCount).toBe(16);
    const merged = mergeReviewPoints([...parts].reverse());
    expect(merged.data).toEqual(single.data);
    await expectSameFiles(single.data, merged.data, 3);
  });

  test('blocks cover every point once, in order, and a block is empty only when there are more shards than points', () => {
    for (const [count, n] of [[24, 7], [5, 7], [0, 3], [100000, 64]]) {
      const blocks = Array.from({ length: n }, (_, index) => shardBlock(count, { index, count: n }));
      expect(blocks[0].start).toBe(0);
      expect(blocks[n - 1].end).toBe(count);
      for (let j = 1; j < n; j++) expect(blocks[j].start).toBe(blocks[j - 1].end);
      const sizes = blocks.map((b) => b.end - b.start);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
    expect(Array.from({ length: 7 }, (_, index) => shardBlock(5, { index, count: 7 }))).toEqual([
      { start: 0, end: 0 },
      { start: 0, end: 1 },
      { start: 1, end: 2 },
      { start: 2, end: 2 },
      { start: 2, end: 3 },
      { start: 3, end: 4 },
      { start: 4, end: 5 },
    ]);
  });

  test('a missing, doubled or foreign point part, or analysis parts of other options, are refused naming the part', async () => {
    options.traces = [bundle];
    const analysis = await analysisParts(options, 1);
    const parts: { where: string; data: ReviewPointsShard }[] = [];
    for (let index = 0; index < 3; index++) parts.push({ where: `points-${index}`, data: roundTrip(await reviewPointsShard(options, { index, count: 3 }, analysis), REVIEW_POINTS_FORMAT) });
    const refusal = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        if (e instanceof NmsimError) return e.diagnostics.map((d) => `${d.code}: ${d.message}`).join('\n');
        throw e;
      }
      return 'not refused';
    };
    expect(refusal(() => mergeReviewPoints([parts[0], parts[2]]))).toContain('merge/missing-shard: Shard 1 of 3 is missing: none of the 2 parts given is shard 1 (it held design points 8–15 of 24)');
    expect(refusal(() => mergeReviewPoints([parts[0], parts[1], parts[2], { ...parts[1], where: 'again' }]))).toContain('merge/duplicate-shard: again and points-1 are both shard 1/3');
    // another profile set: another job
    const other = await reviewPointsShard({ ...options, profiles: ['act-8of16'] }, { index: 1, count: 3 }, await analysisParts({ ...options, profiles: ['act-8of16'] }, 1));
    expect(refusal(() => mergeReviewPoints([parts[0], { where: 'foreign', data: other }, parts[2]]))).toMatch(/^merge\/different-job: foreign is a shard of another job than points-0: /);
    // a part whose records were cut short
    const cut = { where: 'cut', data: { ...parts[1].data, records: { ...parts[1].data.records, points: parts[1].data.records.points.slice(1) } } };
    expect(refusal(() => mergeReviewPoints([parts[0], cut, parts[2]]))).toContain('merge/not-a-part: cut is shard 1/3 but does not hold exactly its design points 8–15');
    // a part without the area report of the profile whose first point it holds (profile 0, point 0)
    const noArea = { where: 'no-area', data: { ...parts[0].data, records: { ...parts[0].data.records, profiles: [] } } };
    expect(refusal(() => mergeReviewPoints([noArea, parts[1], parts[2]]))).toContain("merge/not-a-part: profile act-16of32's area report is in 0 of the parts given, not in exactly one.");
    // stage 2 with other options than the analysis parts'
    await expect(reviewPointsShard({ ...options, mitigations: ['none'] }, { index: 0, count: 1 }, analysis)).rejects.toThrow(/analysis-0 is the analysis of another review: its mitigations.1 is "dpts"/);
  });
});
