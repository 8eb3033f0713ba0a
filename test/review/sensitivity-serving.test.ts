/**
 * Issue 16: --set re-runs the serving metrics of the compared pair, so an assumption only serving
 * reads (memory.dramCapacity) moves the sensitivity's serving figures — tokens/s per chip at the
 * TPOT target and the largest batch that fits — and nothing else. The batches that fit are
 * derived by hand from the model's bytes.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sensitivityBlocks, sensitivityJson, sensitivityTerminal, sensitivityValueRows } from '../../src/report/review-sensitivity.js';
import { runReview, type ReviewOutcome } from '../../src/review/run-review.js';
import { modelParameters } from '../../src/review/serving.js';
import { nm, samePattern } from '../../src/sparsity/pattern.js';
import { catalogModel } from '../../src/workload/catalog.js';
import { writeSyntheticBundle } from './synthetic-bundle.js';

let tmp: string;
let review: ReviewOutcome;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-sensitivity-serving-'));
  const bundle = path.join(tmp, 'bundle');
  await writeSyntheticBundle(bundle);
  review = await runReview({
    traces: [bundle],
    profiles: ['act-8of16', 'act-16of32'],
    patterns: [nm(8, 16), nm(16, 32)],
    criteria: ['magnitude'],
    mitigations: ['none'],
    axes: {},
    sensitivity: [{ key: 'memory.dramCapacity', values: ['40 GB', '160 GB'] }],
  });
}, 120_000);
afterAll(async () => fs.rm(tmp, { recursive: true, force: true }));

/** The largest of 1, 2, 4 … 256 whose weights + KV cache at 2048 + 256 tokens fit in `capacityBytes` (Llama-3.1-8B, fp16). */
function largestFitting(capacityBytes: number): number {
  // 8,030,261,248 parameters × 2 bytes = 16,060,522,496 bytes of weights
  const weights = modelParameters(catalogModel('llama3.1-8b')) * 2;
  expect(weights).toBe(16_060_522_496);
  // per sequence: 2304 tokens × 32 layers × 2 (K, V) × 8 KV heads × 128 × 2 bytes = 301,989,888 bytes
  const perSequence = 2304 * 32 * 2 * 8 * 128 * 2;
  return [1, 2, 4, 8, 16, 32, 64, 128, 256].filter((b) => weights + b * perSequence <= capacityBytes).pop()!;
}

describe('sensitivity of the serving figures', () => {
  it('moves the largest batch that fits with memory.dramCapacity (40 GB: 64, 80 GB: 128, 160 GB: 256) and nothing but the serving figures', () => {
    expect([40e9, 80e9, 160e9].map(largestFitting)).toEqual([64, 128, 256]);
    const s = review.data.sensitivity!;
    expect(s.base.serving?.largestFittingBatch).toBe(128);
    const [at40, at160] = s.rows;
    expect([at40.value, at160.value]).toEqual(['40 GB', '160 GB']);
    expect(at40.deltas.serving?.largestFittingBatch).toBe(64);
    expect(at160.deltas.serving?.largestFittingBatch).toBe(256);
    expect(at40.move.largestFittingBatch).toBe(-64);
    expect(at160.move.largestFittingBatch).toBe(128);
    for (const r of s.rows) {
      expect([r.move.areaOverheadPp, r.move.prefillSpeedup, r.move.decodeSpeedup]).toEqual([0, 0, 0]);
      expect(r.flips).toBe(false);
    }
    expect(s.keys[0].servingSwing?.largestFittingBatch).toBe(192);
  });

  it("picks each pattern's tokens/s at the TPOT target among the batches that fit under each capacity, from the review's own TPOT table", () => {
    const s = review.data.sensitivity!;
    const serving = review.data.serving!;
    // each pattern on the core the summary names for it (act-16of32 also runs 8:16, as 16:32 data)
    const coreOf = (p: ReturnType<typeof nm>) => review.data.summary.find((r) => samePattern(r.pattern, p))!.nativeProfile;
    expect([coreOf(nm(8, 16)), coreOf(nm(16, 32))]).toEqual(['act-8of16', 'act-16of32']);
    const rowOf = (p: ReturnType<typeof nm>) => serving.rows.find((r) => r.profile === coreOf(p) && samePattern(r.pattern, p))!;
    const pick = (p: ReturnType<typeof nm>, maxBatch: number) => {
      // TPOT does not depend on the capacity: the review's table, re-picked by hand
      const ok = rowOf(p).steps.filter((x) => x.batch <= maxBatch && x.tpotMs <= serving.tpotTargetMs);
      const best = ok[ok.length - 1];
      return best ? (best.batch * 1000) / best.tpotMs : null;
    };
    const cases: [typeof s.base, number][] = [
      [s.base, 128],
      [s.rows[0].deltas, 64],
      [s.rows[1].deltas, 256],
    ];
    for (const [d, maxBatch] of cases) {
      const narrow = pick(nm(8, 16), maxBatch);
      const wide = pick(nm(16, 32), maxBatch);
      expect(d.serving?.narrow?.tokensPerSPerChip ?? null).toBeCloseTo(narrow ?? NaN, 6);
      expect(d.serving?.tokensPerSPerChipDelta ?? NaN).toBeCloseTo(wide! - narrow!, 6);
    }
    // the 40 GB capacity loses throughput at the target: fewer sequences per step
    expect(s.rows[0].deltas.serving!.narrow!.batch).toBeLessThan(s.base.serving!.narrow!.batch);
  });

  it('prints the serving figures in the value table, the paragraph and --json', () => {
    const s = review.data.sensitivity!;
    const rows = sensitivityValueRows(s);
    // columns: assumption, value, applied, 4 deltas, Δ tokens/s, largest B, front, flips
    expect(rows.map((r) => [r[1], r[8]])).toEqual([
      ['—', '128'],
      ['40 GB', '64'],
      ['160 GB', '256'],
    ]);
    const paragraph = sensitivityBlocks(s).find((b) => b.kind === 'paragraph') as { text: string };
    expect(paragraph.text).toContain('Moved by memory.dramCapacity (swing');
    expect(paragraph.text).toContain('largest batch by 192)');
    const j = sensitivityJson(s) as { variants: { deltas: { serving: { largest_fitting_batch: number } } }[] };
    expect(j.variants.map((v) => v.deltas.serving.largest_fitting_batch)).toEqual([64, 256]);
    expect(sensitivityTerminal(s)).toMatch(/1\. memory\.dramCapacity \(40 GB, 160 GB\): .*; flips: no; serving: largest B in memory 64 … 256, Δ tokens\/s per chip at target /);
  });
});
