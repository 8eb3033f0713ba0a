/**
 * The forward pass, generation and the perplexity protocol against independent references:
 * llama2.c's own greedy sample, a naive float64 re-implementation written here, and the numpy
 * float64 peer in test/fixtures/capture (its output on the first 100 stories is committed).
 */
import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { parseCheckpoint, type ModelWeights } from '../../src/capture/checkpoint.js';
import { parseTokenizer, encode, type Tokenizer } from '../../src/capture/tokenizer.js';
import { createKvCache, forwardSequence, forwardStep } from '../../src/capture/forward.js';
import { generateGreedy } from '../../src/capture/generate.js';
import { encodeStream, evaluatePerplexity, windowStarts } from '../../src/capture/perplexity.js';
import { splitStories } from '../../src/capture/stories.js';
import { describeWithShared, sharedPath } from '../helpers/shared.js';
import { REPO_ROOT } from '../helpers/cli.js';

describe('perplexity windows', () => {
  test('windows of 4 over a stream of 10 start at 0, 3, 6 and share one boundary token', () => {
    expect(windowStarts(10, 4)).toEqual([0, 3, 6]);
    expect(windowStarts(11, 4)).toEqual([0, 3, 6, 9]);
    expect(windowStarts(1, 4)).toEqual([]);
  });

  test('every next-token prediction of the stream is scored exactly once', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 3000 }), fc.integer({ min: 2, max: 600 }), (n, seq) => {
        const scored = new Uint8Array(n);
        for (const s of windowStarts(n, seq)) for (let t = s + 1; t < Math.min(s + seq, n); t++) scored[t]++;
        return scored[0] === 0 && scored.subarray(1).every((c) => c === 1);
      }),
    );
  });
});

/** Naive float64 Llama forward for one sequence, written independently of src/capture/forward.ts. */
function referenceLogits(m: ModelWeights, ids: number[]): Float64Array[] {
  const c = m.config;
  const hs = c.dim / c.nHeads;
  const kvd = (c.dim * c.nKvHeads) / c.nHeads;
  const mv = (w: Float32Array, x: number[], rows: number) =>
    Array.from({ length: rows }, (_, r) => x.reduce((s, v, i) => s + v * w[r * x.length + i], 0));
  const norm = (x: number[], g: Float32Array) => {
    const r = 1 / Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length + 1e-5);
    return x.map((v, i) => g[i] * v * r);
  };
  const rot = (v: number[], pos: number) => {
    const o = [...v];
    for (let i = 0; i < v.length; i += 2) {
      const th = pos * Math.pow(10000, -(i % hs) / hs);
      o[i] = v[i] * Math.cos(th) - v[i + 1] * Math.sin(th);
      o[i + 1] = v[i] * Math.sin(th) + v[i + 1] * Math.cos(th);
    }
    return o;
  };
  const K: number[][][] = m.layers.map(() => []);
  const V: number[][][] = m.layers.map(() => []);
  return ids.map((id, pos) => {
    let x = Array.from(m.tokenEmbedding.subarray(id * c.dim, (id + 1) * c.dim));
    m.layers.forEach((w, l) => {
      const h = norm(x, w.rmsAtt);
      const q = rot(mv(w.wq, h, c.dim), pos);
      K[l].push(rot(mv(w.wk, h, kvd), pos));
      V[l].push(mv(w.wv, h, kvd));
      const att: number[] = new Array(c.dim).fill(0);
      for (let head = 0; head < c.nHeads; head++) {
        const kh = Math.floor(head / (c.nHeads / c.nKvHeads)) * hs;
        const s = K[l].map((k) => q.slice(head * hs, head * hs + hs).reduce((a, v, i) => a + v * k[kh + i], 0) / Math.sqrt(hs));
        const mx = Math.max(...s);
        const e = s.map((v) => Math.exp(v - mx));
        const z = e.reduce((a, b) => a + b, 0);
        for (let i = 0; i < hs; i++) att[head * hs + i] = e.reduce((a, p, t) => a + (p / z) * V[l][t][kh + i], 0);
      }
      x = mv(w.wo, att, c.dim).map((v, i) => v + x[i]);
      const h2 = norm(x, w.rmsFfn);
      const g = mv(w.w1, h2, c.hiddenDim);
      const u = mv(w.w3, h2, c.hiddenDim);
      const f = mv(w.w2, g.map((a, i) => (a / (1 + Math.exp(-a))) * u[i]), c.dim);
      x = x.map((v, i) => v + f[i]);
    });
    return Float64Array.from(mv(m.wcls, norm(x, m.rmsFinal), c.vocabSize));
  });
}

describeWithShared(
  'stories260K engine',
  ['models/stories260K.bin', 'models/stories260K_q80.bin', 'models/tok512.bin', 'data/tinystories_hf_validation_head.stories.txt', 'data/stories260K_greedy_from_bos_256.txt'],
  () => {
    let model: ModelWeights;
    let tok: Tokenizer;
    let stories: string[];
    beforeAll(() => {
      model = parseCheckpoint(fs.readFileSync(sharedPath('models/stories260K.bin')), 'stories260K.bin');
      tok = parseTokenizer(fs.readFileSync(sharedPath('models/tok512.bin')), 512, 'tok512.bin');
      stories = splitStories(fs.readFileSync(sharedPath('data/tinystories_hf_validation_head.stories.txt'), 'utf8'));
    });

    test('greedy generation from BOS for 256 steps reproduces llama2.c\'s sample exactly', () => {
      const golden = fs.readFileSync(sharedPath('data/stories260K_greedy_from_bos_256.txt'), 'utf8');
      const r = generateGreedy(model, tok, '', 256);
      expect(r.steps).toBe(256);
      expect(r.text + '\n').toBe(golden); // run.c prints a newline after the last token
    });

    test('the whole-sequence pass matches a naive float64 re-implementation to 1e-3 in every logit', () => {
      const ids = encode(tok, stories[0], true, false).slice(0, 48);
      const ours = forwardSequence(model, ids);
      const ref = referenceLogits(model, ids);
      let worst = 0;
      ref.forEach((row, t) => row.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - ours[t * 512 + i])))));
      expect(worst).toBeLessThan(1e-3);
    });

    test('the KV-cache step path gives the whole-sequence logits position by position', () => {
      const ids = encode(tok, stories[1], true, false).slice(0, 64);
      const whole = forwardSequence(model, ids);
      const cache = createKvCache(model);
      let worst = 0;
      ids.forEach((id, pos) => {
        const step = forwardStep(model, cache, id, pos);
        for (let i = 0; i < 512; i++) worst = Math.max(worst, Math.abs(step[i] - whole[pos * 512 + i]));
      });
      expect(worst).toBeLessThan(1e-4);
    });

    /** the evaluations below, run once in a plain Node process on dist/ (engine-perplexity-child.mjs): ~7x faster than inside jest's vm */
    interface Ppl {
      scoredTokens: number;
      meanNllNats: number;
      perplexity: number;
    }
    let child: { dense100: Ppl; fp20: Ppl; q8First20: Ppl; dense2: Ppl; mm2: Ppl; p24First2: Ppl };
    beforeAll(() => {
      const r = spawnSync(process.execPath, [`${REPO_ROOT}/test/fixtures/capture/engine-perplexity-child.mjs`, sharedPath('.')], { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 16 << 20, timeout: 900_000 });
      if (r.status !== 0) throw new Error(`engine-perplexity-child.mjs exited ${r.status}: ${r.stderr.slice(-2000)}`);
      child = JSON.parse(r.stdout);
    }, 900_000); // ~30 s on an idle core; minutes on a loaded shared machine

    test('dense perplexity on the first 100 stories matches the numpy float64 peer and SOURCES.md to 4 digits', () => {
      const peer = JSON.parse(fs.readFileSync(`${REPO_ROOT}/test/fixtures/capture/stories260k-first100-numpy.json`, 'utf8'));
      const r = child.dense100;
      expect(r.scoredTokens).toBe(32927);
      expect(r.scoredTokens).toBe(peer.scored_tokens);
      expect(r.meanNllNats.toPrecision(4)).toBe(peer.mean_nll_nats.toPrecision(4));
      expect(r.perplexity.toPrecision(4)).toBe(peer.perplexity.toPrecision(4));
      expect(Math.abs(r.meanNllNats - peer.mean_nll_nats)).toBeLessThan(1e-6);
      expect(r.meanNllNats.toFixed(4)).toBe('1.2514');
      expect(r.perplexity.toFixed(3)).toBe('3.495');
    });

    test('the Q8_0 checkpoint loads and its perplexity is within 1 % of the fp32 one (first 20 stories)', () => {
      const fp = child.fp20.perplexity;
      const q8 = child.q8First20.perplexity;
      expect(q8).not.toBe(fp); // it really is the quantized model
      expect(Math.abs(q8 - fp) / fp).toBeLessThan(0.01);
    });

    test('an M:M pattern leaves the perplexity unchanged and 2:4 degrades it', () => {
      const dense = child.dense2.perplexity;
      expect(child.mm2.perplexity).toBe(dense);
      expect(child.p24First2.perplexity).toBeGreaterThan(dense * 2);
    });

    test('the child process’s first-2-stories dense perplexity is the in-process one, bit for bit (dist/ and src/ agree)', () => {
      const r = evaluatePerplexity(model, encodeStream(tok, stories.slice(0, 2)));
      expect(r.perplexity).toBe(child.dense2.perplexity);
      expect(r.scoredTokens).toBe(child.dense2.scoredTokens);
    }, 300_000);
  },
);
