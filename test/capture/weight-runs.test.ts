/**
 * Weight runs on the real stories260K checkpoint without a forward pass (fast): the masks of
 * all 35 linear weights (7 per block × 5 blocks) for 2:4, 4:8, 8:16, 16:32 and unstructured
 * against the independent numpy implementation (test/fixtures/capture/weight_prune_ref.py):
 * the same mask digest — sha256 over layers 0…4, consumers q k v o gate up down, of the packed
 * masks (LSB first along the input dimension) — and the same kept fraction per weight; the
 * magnitude masks equal the brute-force selection on every weight; wanda masks scored with the
 * reference's float32 norms give its wanda digests.
 */
import * as fs from 'node:fs';
import { createHash } from 'node:crypto';
import { parseCheckpoint, type ModelWeights } from '../../src/capture/checkpoint.js';
import { parseTokenizer } from '../../src/capture/tokenizer.js';
import { splitStories } from '../../src/capture/stories.js';
import { encodeStream } from '../../src/capture/perplexity.js';
import { captureRuns } from '../../src/capture/capture.js';
import { pruneModelWeights, weightMaskStats, weightRunId, type WeightMask, type WeightRunSpec } from '../../src/capture/weight-runs.js';
import { packMask } from '../../src/trace/mask.js';
import { parsePattern } from '../../src/sparsity/pattern.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { describeWithShared, sharedPath } from '../helpers/shared.js';
import { bruteForceKeep } from './weight-brute-force.js';

interface RefLine {
  kind: string;
  pattern: string;
  criterion?: string;
  perplexity: number;
  kept_fraction?: Record<string, number>;
  mask_sha256?: string;
}

const REF: RefLine[] = fs
  .readFileSync(`${REPO_ROOT}/test/fixtures/capture/stories260k-weight-first100-numpy.json`, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as RefLine);
const NORMS = JSON.parse(fs.readFileSync(`${REPO_ROOT}/test/fixtures/capture/stories260k-wanda-norms-numpy.json`, 'utf8')) as { norms_f32_storage: Record<string, number[]> };
const PATTERNS = ['2:4', '4:8', '8:16', '16:32', 'unstructured'];

function ref(pattern: string, criterion: string): RefLine {
  const r = REF.find((x) => x.kind === 'weight' && x.pattern === pattern && x.criterion === criterion);
  if (!r) throw new Error(`no reference line for ${pattern} ${criterion}`);
  return r;
}

function digest(masks: readonly WeightMask[]): string {
  const h = createHash('sha256');
  for (const m of masks) h.update(packMask(m.keep, m.outFeatures, m.inFeatures));
  return h.digest('hex');
}

const spec = (pattern: string, criterion: 'magnitude' | 'wanda'): WeightRunSpec => ({ operand: 'weight', pattern: parsePattern(pattern), criterion });

describeWithShared('weight masks of stories260K against the numpy reference', ['models/stories260K.bin'], () => {
  let model: ModelWeights;
  let norms: Map<string, Float32Array>;
  beforeAll(() => {
    model = parseCheckpoint(fs.readFileSync(sharedPath('models/stories260K.bin')), 'stories260K.bin');
    norms = new Map(Object.entries(NORMS.norms_f32_storage).map(([site, v]) => [site, Float32Array.from(v)]));
  });

  test.each(PATTERNS)('%s magnitude: the digest and every kept fraction of the 35 masks equal the reference, and every mask equals brute force', (pattern) => {
    const s = spec(pattern, 'magnitude');
    const { masks } = pruneModelWeights(model, s);
    const r = ref(pattern, 'magnitude');
    expect(masks.map((m) => `layers.${m.layer}.${m.consumer}`)).toEqual(Object.keys(r.kept_fraction!));
    expect(digest(masks)).toBe(r.mask_sha256);
    for (const m of masks) {
      const kept = m.keep.reduce((a, b) => a + b, 0);
      expect(kept / m.keep.length).toBeCloseTo(r.kept_fraction![`layers.${m.layer}.${m.consumer}`], 12);
      const w = model.layers[m.layer][({ q: 'wq', k: 'wk', v: 'wv', o: 'wo', gate: 'w1', up: 'w3', down: 'w2' } as const)[m.consumer]];
      expect(Array.from(m.keep)).toEqual(Array.from(bruteForceKeep(w.map(Math.abs), m.outFeatures, m.inFeatures, s.pattern)));
    }
    const st = weightMaskStats(masks, s.pattern);
    expect(st.weights).toBe(35);
    expect(st.violatingGroups).toBe(0);
    expect(st.satisfiesPattern).toBe(true);
    expect(weightRunId(s)).toBe(`weight-${pattern.replace(':', 'of')}-magnitude`);
  }, 60_000);

  test.each(PATTERNS)('%s wanda scored with the reference float32 norms gives the reference mask digest', (pattern) => {
    const { masks } = pruneModelWeights(model, spec(pattern, 'wanda'), norms);
    expect(digest(masks)).toBe(ref(pattern, 'wanda').mask_sha256);
    expect(weightMaskStats(masks, parsePattern(pattern)).satisfiesPattern).toBe(true);
  });

  test('pruning shares the embedding, norms and classifier and leaves the given weights unchanged', () => {
    const before = model.layers[1].w2.slice();
    const pruned = pruneModelWeights(model, spec('2:4', 'magnitude')).model;
    expect(pruned.tokenEmbedding).toBe(model.tokenEmbedding);
    expect(pruned.wcls).toBe(model.wcls);
    expect(pruned.layers[1].rmsAtt).toBe(model.layers[1].rmsAtt);
    expect(Array.from(model.layers[1].w2)).toEqual(Array.from(before));
    const zeros = pruned.layers[1].w2.filter((v) => v === 0).length;
    expect(zeros).toBeGreaterThanOrEqual(model.layers[1].w2.length / 2 - 64 * 2); // 172 columns: 43 groups of 4, half dropped
  });

  test('a mask keeping one extra weight is reported as breaking the pattern, naming the count', () => {
    const s = spec('8:16', 'magnitude');
    const { masks } = pruneModelWeights(model, s);
    const m = masks[0];
    const j = m.keep.indexOf(0);
    m.keep[j] = 1;
    const st = weightMaskStats(masks, s.pattern);
    expect(st.violatingGroups).toBe(1);
    expect(st.satisfiesPattern).toBe(false);
    expect(st.kept).toBe(st.elements * st.expectedKeptFraction + 1);
  });
});

describeWithShared('weight runs of stories260K on one story', ['models/stories260K.bin', 'models/tok512.bin', 'data/tinystories_hf_validation_head.stories.txt'], () => {
  test('4:4 keeps every weight and gives the dense perplexity exactly; 3:7 keeps 3 per 7 plus its tail; 2:4 degrades the model', () => {
    const model = parseCheckpoint(fs.readFileSync(sharedPath('models/stories260K.bin')), 'stories260K.bin');
    const tok = parseTokenizer(fs.readFileSync(sharedPath('models/tok512.bin')), 512, 'tok512.bin');
    const stream = encodeStream(tok, splitStories(fs.readFileSync(sharedPath('data/tinystories_hf_validation_head.stories.txt'), 'utf8')).slice(0, 1));
    const runs = captureRuns(model, {
      evalStream: stream,
      specs: [{ pattern: { kind: 'dense' }, criterion: 'magnitude', mitigation: 'none' }, spec('4:4', 'magnitude'), spec('3:7', 'magnitude'), spec('2:4', 'magnitude')],
      traceTokens: 0,
    });
    const [dense, all, p37, p24] = runs;
    expect(all.result.perplexity).toBe(dense.result.perplexity);
    expect(all.weightMaskStats!.keptFraction).toBe(1);
    // in = 64: 9 groups of 7 keep 3 each, the tail of 1 keeps 1 → 28/64; in = 172 (down): 24 × 3 + min(3, 4) = 75/172
    const st = p37.weightMaskStats!;
    expect(st.satisfiesPattern).toBe(true);
    const d = 64;
    const h = 172;
    const kv = 32;
    const elements = 5 * (d * d * 2 + kv * d * 2 + h * d * 2 + d * h);
    expect(st.elements).toBe(elements);
    expect(st.kept).toBe(5 * ((d * 2 + kv * 2 + h * 2) * 28 + d * 75));
    expect(p24.result.perplexity).toBeGreaterThan(dense.result.perplexity * 5);
    expect(p37.result.perplexity).toBeGreaterThan(dense.result.perplexity);
  }, 120_000);
});
