/**
 * Issue 16: the design points' decode batches (--decode-batches at --context) are checked against
 * the core's DRAM capacity like the serving batches: a batch whose weights + KV cache at the decode
 * context exceed it is marked (a note, design-points.csv decode_fits_bB). Bytes derived by hand.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { designPointsCsv } from '../../src/report/design-points-csv.js';
import { runReview, type ReviewOutcome } from '../../src/review/run-review.js';
import { nm } from '../../src/sparsity/pattern.js';
import { writeSyntheticBundle } from './synthetic-bundle.js';

let tmp: string;
let review: ReviewOutcome;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-decode-fit-'));
  const bundle = path.join(tmp, 'bundle');
  await writeSyntheticBundle(bundle);
  review = await runReview({ traces: [bundle], profiles: ['act-8of16'], patterns: [nm(8, 16)], criteria: ['magnitude'], mitigations: ['none'], axes: {}, decodeBatches: [1, 8, 16], decodeContextTokens: 32_768 });
}, 120_000);
afterAll(async () => fs.rm(tmp, { recursive: true, force: true }));

describe('decode batches of the design points against the DRAM capacity', () => {
  it('marks B = 16 at context 32768 as not fitting in 80 GB (16.06 GB of weights + 68.72 GB of KV cache) and B = 1, 8 as fitting', () => {
    // Llama-3.1-8B at fp16: 8,030,261,248 × 2 B of weights; 32 layers × 2 × 8 KV heads × 128 × 2 B = 131,072 B per token
    const weights = 16_060_522_496;
    const perSequence = 32_768 * 131_072;
    const expected = [1, 8, 16].map((b) => ({ batchTokens: b, memoryBytes: weights + b * perSequence, fits: weights + b * perSequence <= 80e9 }));
    expect(expected.map((e) => e.fits)).toEqual([true, true, false]);
    const point = review.data.points.find((p) => p.profile === 'act-8of16' && p.pattern.kind === 'nm')!;
    expect(point.decode.map((d) => ({ batchTokens: d.batchTokens, memoryBytes: d.memoryBytes, fits: d.fits }))).toEqual(expected);
    const note = review.data.notes.find((n) => n.startsWith('Decode at B = 16'))!;
    expect(note).toContain('(context 32768 tokens) does not fit in device memory (memory.dramCapacity) on act-8of16');
    expect(note).toContain(`need ${((weights + 16 * perSequence) / 1e9).toFixed(1)} GB`);
    expect(review.data.notes.some((n) => n.startsWith('Decode at B = 8 '))).toBe(false);
  });

  it('writes decode_fits_bB in design-points.csv', () => {
    const csv = designPointsCsv(review.data.points, [], [], [1, 8, 16]).trim().split('\n');
    const header = csv[0].split(',');
    const cols = ['decode_fits_b1', 'decode_fits_b8', 'decode_fits_b16'].map((c) => header.indexOf(c));
    expect(cols.every((i) => i > 0)).toBe(true);
    const row = csv.slice(1).find((l) => l.startsWith('act-8of16,') && l.includes(',8:16,'))!.split(',');
    expect(cols.map((i) => row[i])).toEqual(['true', 'true', 'false']);
  });
});
