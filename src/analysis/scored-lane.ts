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
 *   accumulate (no output error to compute): per row, once for all patterns, x̃ of each pattern
 *   and its sums straight into the accumulators — PatternAccumulator.addRow's arithmetic in its
 *   order, without the keep bytes and without reloading the row per pattern
 *
 * z is recomputed in emit (the same float32 rounding of x − η) rather than kept per pattern.
 */
import type { NmPattern } from '../sparsity/pattern.js';
import { CRITERION_INFO, MITIGATION_INFO, checkPruneContext, type Criterion, type Mitigation, type PruneContext } from '../sparsity/registry.js';
import { NetworkSelector } from './network-kernel.js';
import type { PatternAccumulator, RowContext } from './pattern-accumulator.js';
import type { CompatibilityAccumulator } from './compatibility.js';

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
  /** accumulate's per-row terms (allocated on first use) */
  private terms: Float64Array[] | null = null;

  /** the prune context is checked on first use, not at construction: the merge of sharded
   * token ranges builds lanes only for their accumulators, from a site's metadata without its
   * weight factors */
  private contextChecked = false;

  constructor(k: number, patterns: NmPattern[], criterion: Criterion, mitigation: Mitigation, ctx: PruneContext, opts: { simd?: boolean } = {}) {
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
    if (!this.contextChecked) {
      checkPruneContext(this.criterion, this.mitigation, this.ctx, this.k);
      this.contextChecked = true;
    }
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

  /**
   * Adds the prepared rows (row r0 + t of the site at x[t·K]) to acc[p] and compat[p] of every
   * plan pattern p with q = scoredIndex[p] ≥ 0, as loading each row, emit and
   * PatternAccumulator.addRow would; out (≥ rows · K) is scratch for x̃.
   */
  accumulate(x: Float32Array, r0: number, rows: number, row: RowContext, acc: PatternAccumulator[], compat: CompatibilityAccumulator[][], scoredIndex: number[], out: Float32Array): void {
    const { k, nWords, shifts } = this;
    const rowScale = MITIGATION_INFO[this.mitigation].rowScale;
    // per element j, [dropped, kept] pairs (index 2j + keep bit: no branch on the keep bit)
    const terms = this.terms ?? (this.terms = Array.from({ length: 4 }, () => new Float64Array(2 * k)));
    const [keptETerm, errTerm, xyTerm, yyTerm] = terms;
    for (let t = 0; t < rows; t++) {
      const off = t * k;
      row.load(r0 + t, x, off);
      const x2 = row.x2;
      const eta = shifts[t];
      // without a row scale, x̃_j is one of two values whatever the pattern: the terms of
      // addRow's sums for "kept" and "dropped" are computed once per row, then selected
      if (!rowScale) {
        const yDropped = Math.fround(0 + eta);
        for (let j = 0; j < k; j++) {
          const xv = x[off + j];
          const yKept = Math.fround(Math.fround(xv - eta) + eta);
          const dk = yKept - xv;
          const dd = yDropped - xv;
          keptETerm[2 * j] = 0;
          keptETerm[2 * j + 1] = x2[j];
          errTerm[2 * j] = dd * dd;
          errTerm[2 * j + 1] = dk * dk;
          xyTerm[2 * j] = xv * yDropped;
          xyTerm[2 * j + 1] = xv * yKept;
          yyTerm[2 * j] = yDropped * yDropped;
          yyTerm[2 * j + 1] = yKept * yKept;
        }
      }
      for (let p = 0; p < scoredIndex.length; p++) {
        const q = scoredIndex[p];
        if (q < 0) continue;
        const words = this.chunkWords[q];
        const w0 = t * nWords;
        let keptE = 0;
        let err = 0;
        let xy = 0;
        let yy = 0;
        if (!rowScale) {
          for (let j = 0; j < k; j++) {
            const i = 2 * j + ((words[w0 + (j >>> 5)] >>> (j & 31)) & 1);
            keptE += keptETerm[i];
            err += errTerm[i];
            xy += xyTerm[i];
            yy += yyTerm[i];
          }
        } else {
          for (let j = 0; j < k; j++) {
            const kv = (words[w0 + (j >>> 5)] >>> (j & 31)) & 1;
            out[off + j] = (kv ? Math.fround(x[off + j] - eta) : 0) + eta;
          }
          const v = rowScale(x, out, k, off);
          for (let j = 0; j < k; j++) out[off + j] *= v;
          for (let j = 0; j < k; j++) {
            const kv = (words[w0 + (j >>> 5)] >>> (j & 31)) & 1;
            const xv = x[off + j];
            const yv = out[off + j];
            const d = yv - xv;
            keptE += x2[j] * kv;
            err += d * d;
            xy += xv * yv;
            yy += yv * yv;
          }
        }
        const a = acc[p];
        a.words.set(words.subarray(w0, w0 + nWords));
        a.addSums(row, err, xy, yy, keptE);
        for (const c of compat[p]) c.addRow(a.words, row.nonzeroWords, row.nonzeros !== k);
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
