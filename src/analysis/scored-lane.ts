/**
 * The fast path of every lane but magnitude + none — amber, clact, and the var, dpts, spts and
 * affine mitigations — on network patterns (power-of-two M ≤ 32). sparsity/prune.ts
 * `pruneMatrix`, the reference, redoes the shift, the channel factors and the scores for each
 * pattern and ranks every group pairwise (selectKeep, O(M²)); here they are computed once per
 * chunk for all patterns and the selection runs on the sorting network (network-kernel.ts, all
 * patterns at once). The arithmetic is pruneMatrix's step for step, so keep rows and x̃ are the
 * same bits (tested in test/analysis/scored-lane.test.ts on random and captured rows):
 *
 *   per batch of rows (clact: its batch of tokens, as pruneMatrix is called; else the chunk)
 *     η_t = shift(x_t)            z_t = x_t − η_t (float32)          f = channelFactors(z batch)
 *   per row
 *     s_t = |z_t| · f (float32) ─▶ network: keep words of every pattern (s ≥ 0: |s| order is s order,
 *                                  ties to the lower index, as selectKeep)
 *   emit(pattern): keep bytes and x̃_t = (keep ? z_t : 0) + η_t, then var's row scale
 *
 * z is recomputed in emit (the same float32 rounding of x − η) rather than kept per pattern.
 */
import type { NmPattern } from '../sparsity/pattern.js';
import { CRITERION_INFO, MITIGATION_INFO, checkPruneContext, type Criterion, type Mitigation, type PruneContext } from '../sparsity/registry.js';
import { NetworkSelector } from './network-kernel.js';

export class ScoredSelector {
  readonly k: number;
  readonly patterns: NmPattern[];
  private readonly criterion: Criterion;
  private readonly mitigation: Mitigation;
  private readonly ctx: PruneContext;
  private readonly network: NetworkSelector;
  private readonly nWords: number;
  /** η per row of the chunk (sized by the first, largest chunk) */
  private shifts = new Float64Array(0);
  /** keep words per pattern of every row of the chunk: [pattern][row · nWords + w] */
  private chunkWords: Uint32Array[] = [];
  private readonly scores: Float32Array;
  private readonly scoreBits: Int32Array;
  private readonly noSquares: Float64Array;
  private readonly shiftScratch: Float32Array;

  constructor(k: number, patterns: NmPattern[], criterion: Criterion, mitigation: Mitigation, ctx: PruneContext, opts: { simd?: boolean } = {}) {
    checkPruneContext(criterion, mitigation, ctx, k);
    this.k = k;
    this.patterns = patterns;
    this.criterion = criterion;
    this.mitigation = mitigation;
    this.ctx = ctx;
    this.network = new NetworkSelector(k, patterns, undefined, opts);
    this.nWords = (k + 31) >>> 5;
    this.scores = new Float32Array(k);
    this.scoreBits = new Int32Array(this.scores.buffer);
    this.noSquares = new Float64Array(k);
    this.shiftScratch = new Float32Array(k);
  }

  /**
   * Selects every pattern for `rows` rows of x (row-major, K wide), in batches of `batch` rows
   * (the tokens clact's norms are taken over). zScratch (≥ rows · K) is overwritten.
   */
  prepare(x: Float32Array, rows: number, batch: number, zScratch: Float32Array): void {
    if (this.shifts.length < rows) {
      this.shifts = new Float64Array(rows);
      this.chunkWords = this.patterns.map(() => new Uint32Array(rows * this.nWords));
    }
    const { k, nWords, shifts, scores, chunkWords } = this;
    const mitigation = MITIGATION_INFO[this.mitigation];
    const criterion = CRITERION_INFO[this.criterion];
    for (let b0 = 0; b0 < rows; b0 += batch) {
      const bn = Math.min(batch, rows - b0);
      for (let t = b0; t < b0 + bn; t++) {
        const row = t * k;
        const eta = mitigation.shift(x, k, row, this.ctx, this.shiftScratch);
        shifts[t] = eta;
        for (let j = 0; j < k; j++) zScratch[row + j] = x[row + j] - eta;
      }
      const z = zScratch.subarray(b0 * k, (b0 + bn) * k);
      const factors = criterion.channelFactors(z, bn, k, this.ctx);
      for (let t = 0; t < bn; t++) {
        const row = t * k;
        if (factors) for (let j = 0; j < k; j++) scores[j] = Math.abs(z[row + j]) * factors[j];
        else for (let j = 0; j < k; j++) scores[j] = Math.abs(z[row + j]);
        this.network.select(this.scoreBits, 0, this.noSquares);
        for (let q = 0; q < chunkWords.length; q++) chunkWords[q].set(this.network.words[q], (b0 + t) * nWords);
      }
    }
  }

  /** Writes pattern q's keep bytes and pruned rows x̃ for the prepared rows, as pruneMatrix does. */
  emit(q: number, x: Float32Array, rows: number, keep: Uint8Array, out: Float32Array): void {
    const { k, nWords, shifts } = this;
    const words = this.chunkWords[q];
    const rowScale = MITIGATION_INFO[this.mitigation].rowScale;
    for (let t = 0; t < rows; t++) {
      const row = t * k;
      const eta = shifts[t];
      const w0 = t * nWords;
      for (let j = 0; j < k; j++) {
        const kv = (words[w0 + (j >>> 5)] >>> (j & 31)) & 1;
        keep[row + j] = kv;
        const z = Math.fround(x[row + j] - eta);
        out[row + j] = (kv ? z : 0) + eta;
      }
      const v = rowScale?.(x, out, k, row);
      if (v !== undefined) for (let j = 0; j < k; j++) out[row + j] *= v;
    }
  }
}
