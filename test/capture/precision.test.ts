/**
 * The opt-in float32 evaluation (precision 'f32', src/capture/precision.ts) on stories260K: it is
 * a different computation from the default float64-accumulated one (its logits differ), but
 * within the error float32 rounding allows, and the default stays what it was (a model without
 * the field and withPrecision(model, 'f64') give the same bits). The pool carries the precision
 * to its workers (the same bits on 1 and 2 threads).
 *
 * Tolerances, with u = 2⁻²⁴ (float32's unit roundoff):
 *   - per logit: every logit passes 3·n_layers + 1 float32 stages that feed the residual stream
 *     (per layer the attention — scores, exps, value sums — and the o and down projections; then
 *     the classifier), each a sum of n ≤ max(hidden_dim, seq_len) = 512 rounded terms and so off by
 *     at most γ_n = n·u/(1 − n·u) ≈ 3.1e-5 of its Σ|terms| (Higham, §3.1); taking Σ|terms| ≤
 *     4·max|logit| as a stage's magnitude, the bound is (3·5 + 1)·γ_512·4·max|logit| ≈ 2.0e-3·max|logit|
 *     ≈ 0.046 at max|logit| ≈ 24 (measured: 2.4e-5 with the float32 attention and SwiGLU, 2.0e-5 with only the matmul);
 *   - mean NLL: relative difference ≤ 16·u ≈ 9.5e-7 — each token's NLL is a difference of two logit
 *     functions whose rounding errors are of independent sign from token to token, so the mean's
 *     error shrinks like 1/√tokens from the per-logit one (measured on 10 stories: 5.4e-9, 3.4e-8 with
 *     only the matmul in float32; numpy's
 *     float32 peer, bench/capture-numpy.py, differs from f64 by 3.7e-9 on the same windows).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseCheckpoint, type ModelWeights } from '../../src/capture/checkpoint.js';
import { encodeStories, evaluatePerplexity } from '../../src/capture/perplexity.js';
import { forwardSequence } from '../../src/capture/forward.js';
import { withPrecision, isPrecision, PRECISIONS } from '../../src/capture/precision.js';
import { parseTokenizer } from '../../src/capture/tokenizer.js';
import { splitStories } from '../../src/capture/stories.js';
import type * as Pool from '../../src/capture/perplexity-pool.js';
import { describeWithShared, sharedPath } from '../helpers/shared.js';
import { REPO_ROOT } from '../helpers/cli.js';

const U = 2 ** -24;
const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const distPool = (): Promise<typeof Pool> => import(pathToFileURL(path.join(REPO_ROOT, 'dist', 'capture', 'perplexity-pool.js')).href);

test('precision names: f64 (the default) and f32; withPrecision(model, f64) drops the field', () => {
  expect([...PRECISIONS]).toEqual(['f64', 'f32']);
  expect(isPrecision('f32')).toBe(true);
  expect(isPrecision('f16')).toBe(false);
  const m = { a: 1 } as { a: number; precision?: 'f64' | 'f32' };
  expect(withPrecision(m, 'f32')).toEqual({ a: 1, precision: 'f32' });
  expect('precision' in withPrecision(withPrecision(m, 'f32'), 'f64')).toBe(false);
});

describeWithShared(
  'float32 evaluation',
  ['models/stories260K.bin', 'models/tok512.bin', 'data/tinystories_hf_validation_head.stories.txt'],
  () => {
    let model: ModelWeights;
    let stream: Int32Array;
    beforeAll(() => {
      model = parseCheckpoint(fs.readFileSync(sharedPath('models/stories260K.bin')), 'stories260K.bin');
      const tok = parseTokenizer(fs.readFileSync(sharedPath('models/tok512.bin')), 512, 'tok512.bin');
      ({ stream } = encodeStories(tok, splitStories(fs.readFileSync(sharedPath('data/tinystories_hf_validation_head.stories.txt'), 'utf8')).slice(0, 3)));
    });

    test('a window\'s logits differ from the float64 path\'s, each by at most (3·n_layers + 1)·γ_512·4·max|logit|; f64 keeps the default\'s bits', () => {
      const ids = stream.subarray(0, model.config.seqLen);
      const ref = forwardSequence(model, ids);
      expect(bits(forwardSequence(withPrecision(model, 'f64'), ids))).toEqual(bits(ref));
      const y = forwardSequence(withPrecision(model, 'f32'), ids);
      const c = model.config;
      const terms = Math.max(c.hiddenDim, c.seqLen);
      const gamma = (terms * U) / (1 - terms * U);
      const maxLogit = ref.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      const bound = (3 * c.nLayers + 1) * gamma * 4 * maxLogit;
      let maxDiff = 0;
      let differing = 0;
      for (let i = 0; i < ref.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(y[i] - ref[i]));
        if (y[i] !== ref[i]) differing++;
      }
      expect(maxDiff).toBeLessThanOrEqual(bound);
      // a different computation: most of the 512 × 512 logits differ in some bit
      expect(differing).toBeGreaterThan(ref.length / 2);
    });

    test('the mean NLL over 3 stories is within 16·u relative of the float64 path\'s, and is the same on 1 and 2 threads', async () => {
      const r64 = evaluatePerplexity(model, stream);
      const m32 = withPrecision(model, 'f32');
      const r32 = evaluatePerplexity(m32, stream);
      expect(r32.scoredTokens).toBe(r64.scoredTokens);
      expect(r32.meanNllNats).not.toBe(r64.meanNllNats);
      expect(Math.abs(r32.meanNllNats - r64.meanNllNats) / r64.meanNllNats).toBeLessThanOrEqual(16 * U);
      const { evaluatePerplexityThreaded } = await distPool();
      const t2 = await evaluatePerplexityThreaded(m32, stream, { threads: 2 });
      expect(t2.meanNllNats).toBe(r32.meanNllNats);
    });
  },
);
