/**
 * Streaming statistics of one pattern in one lane (criterion × mitigation × consumer) of one
 * site: fed one token row at a time with the row's keep decisions (and, when a mitigation
 * changes values, the pruned row x̃), it sums everything a SlotStats needs. Sums are float64.
 */
import { effectiveDensity, type NmPattern, type Pattern } from '../sparsity/pattern.js';
import { histogramGroups, isWordGroup } from './word-counts.js';
import { ChannelCounter } from './channel-counter.js';
import { countAll, countBits, wordsFor } from './bitset.js';
import { UnionAccumulator, type RandomBatchPlan, type UnionState } from './union-density.js';
import { independentUnionDensity } from '../sparsity/union-density.js';
import type { ChannelKeepRecord, Stats } from './types.js';
import { compressedSizes } from './compressed-size.js';
import { rowEnergy } from './canonical-sums.js';

/** Per-row data shared by every pattern and lane: x², its sum (canonical-sums.ts), the nonzero bit mask. */
export class RowContext {
  readonly k: number;
  readonly x2: Float64Array;
  readonly nonzeroWords: Uint32Array;
  x: Float32Array = new Float32Array(0);
  xOff = 0;
  t = 0;
  energy = 0;
  nonzeros = 0;

  constructor(k: number) {
    this.k = k;
    this.x2 = new Float64Array(k);
    this.nonzeroWords = new Uint32Array(wordsFor(k));
  }

  /** Loads a row of F16/BF16 codes (no float row: only the fast network lane may use it). */
  loadHalf(t: number, codes: Uint16Array, off: number, squares: Float64Array): void {
    const { k, x2, nonzeroWords } = this;
    this.t = t;
    let w = 0;
    for (let j = 0; j < k; j++) {
      const c = codes[off + j];
      x2[j] = squares[c];
      w |= (((c & 0x7fff) + 0x7fff) >>> 15) << (j & 31); // 1 unless ±0
      if ((j & 31) === 31) {
        nonzeroWords[j >>> 5] = w;
        w = 0;
      }
    }
    if ((k & 31) !== 0) nonzeroWords[k >>> 5] = w;
    this.energy = rowEnergy(x2, k);
    this.nonzeros = countAll(nonzeroWords, nonzeroWords.length);
  }

  /** Sets the row's summary from a kernel that computed it (the SIMD path: no float row, no x²). */
  loadSummary(t: number, energy: number, nonzeros: number): void {
    this.t = t;
    this.energy = energy;
    this.nonzeros = nonzeros;
  }

  load(t: number, x: Float32Array, xOff: number): void {
    const { k, x2, nonzeroWords } = this;
    this.t = t;
    this.x = x;
    this.xOff = xOff;
    let w = 0;
    for (let j = 0; j < k; j++) {
      const v = x[xOff + j];
      x2[j] = v * v;
      w |= (v !== 0 ? 1 : 0) << (j & 31);
      if ((j & 31) === 31) {
        nonzeroWords[j >>> 5] = w;
        w = 0;
      }
    }
    if ((k & 31) !== 0) nonzeroWords[k >>> 5] = w;
    this.energy = rowEnergy(x2, k);
    this.nonzeros = countAll(nonzeroWords, nonzeroWords.length);
  }
}

/** A PatternAccumulator's sums, counts, histograms, channel counts and unions (saveState / mergeState). */
export interface PatternAccumulatorState {
  tokens: number;
  sumSqX: number;
  sumSqErr: number;
  sumXY: number;
  sumSqY: number;
  keptEnergy: number;
  kept: number;
  naturalZeros: number;
  keptNonzeroHist: Float64Array;
  inputNonzeroHist: Float64Array;
  channelCounts: Float64Array;
  union: UnionState;
}

export class PatternAccumulator {
  readonly pattern: Pattern;
  readonly k: number;
  /** packed keep mask of the last row added */
  readonly words: Uint32Array;
  private readonly chan: ChannelCounter;
  private readonly union: UnionAccumulator;
  private readonly keptNonzeroHist: Float64Array;
  private readonly inputNonzeroHist: Float64Array;
  private readonly wordGroups: boolean;
  /** set by the lane when keep rows come from a selection (every group keeps exactly min(N, r)) */
  exactlyN = false;
  tokens = 0;
  private sumSqX = 0;
  private sumSqErr = 0;
  private sumXY = 0;
  private sumSqY = 0;
  private keptEnergy = 0;
  private kept = 0;
  private naturalZeros = 0;

  constructor(pattern: Pattern, k: number, randomPlan: RandomBatchPlan) {
    this.pattern = pattern;
    this.k = k;
    this.words = new Uint32Array(wordsFor(k));
    this.chan = new ChannelCounter(k);
    this.union = new UnionAccumulator(k, randomPlan);
    this.keptNonzeroHist = new Float64Array(pattern.kind === 'nm' ? pattern.n + 1 : 0);
    this.inputNonzeroHist = new Float64Array(pattern.kind === 'nm' ? pattern.m + 1 : 0);
    this.wordGroups = pattern.kind === 'nm' && isWordGroup(pattern.m);
  }

  /**
   * Adds one token. keep[keepOff + j] is 1 where element j is kept. `out` is the pruned row
   * x̃ when a mitigation changed values; null means x̃ = keep ⊙ x.
   */
  addRow(row: RowContext, keep: Uint8Array, keepOff: number, out: Float32Array | null, outOff: number): void {
    const { k, words } = this;
    const x2 = row.x2;
    let w = 0;
    if (out === null) {
      let keptE = 0;
      let droppedE = 0;
      for (let j = 0; j < k; j++) {
        const kv = keep[keepOff + j];
        const e = x2[j];
        keptE += e * kv;
        droppedE += e * (1 - kv);
        w |= kv << (j & 31);
        if ((j & 31) === 31) {
          words[j >>> 5] = w;
          w = 0;
        }
      }
      this.sumSqErr += droppedE;
      this.sumXY += keptE;
      this.sumSqY += keptE;
      this.keptEnergy += keptE;
    } else {
      const x = row.x;
      const xo = row.xOff;
      let keptE = 0;
      let err = 0;
      let xy = 0;
      let yy = 0;
      for (let j = 0; j < k; j++) {
        const kv = keep[keepOff + j];
        const xv = x[xo + j];
        const yv = out[outOff + j];
        const d = yv - xv;
        keptE += x2[j] * kv;
        err += d * d;
        xy += xv * yv;
        yy += yv * yv;
        w |= kv << (j & 31);
        if ((j & 31) === 31) {
          words[j >>> 5] = w;
          w = 0;
        }
      }
      this.sumSqErr += err;
      this.sumXY += xy;
      this.sumSqY += yy;
      this.keptEnergy += keptE;
    }
    if ((k & 31) !== 0) words[k >>> 5] = w;
    this.afterWords(row);
  }

  /**
   * Adds one token whose keep words the network kernel already wrote;
   * `dropped` is Σ x² over the pruned elements (x̃ = keep ⊙ x).
   */
  addPacked(row: RowContext, dropped: number): void {
    const keptE = row.energy - dropped;
    this.sumSqErr += dropped;
    this.sumXY += keptE;
    this.sumSqY += keptE;
    this.keptEnergy += keptE;
    this.afterWords(row);
  }

  /**
   * Adds one token whose keep words a kernel already wrote into `words` and whose sums it took
   * in addRow's order (scored-lane.ts): Σ(x̃ − x)², Σ x·x̃, Σ x̃², Σ over kept x².
   */
  addSums(row: RowContext, err: number, xy: number, yy: number, keptE: number): void {
    this.sumSqErr += err;
    this.sumXY += xy;
    this.sumSqY += yy;
    this.keptEnergy += keptE;
    this.afterWords(row);
  }

  private afterWords(row: RowContext): void {
    const { k, words } = this;
    this.sumSqX += row.energy;
    this.chan.add(words);
    const kept = countAll(words, words.length);
    this.kept += kept;
    this.naturalZeros += k - row.nonzeros;
    this.tokens++;
    const p = this.pattern;
    if (this.wordGroups) {
      const m = (p as NmPattern).m;
      if (row.nonzeros === k && this.exactlyN) {
        // no natural zero in this row: kept nonzeros are the kept positions — exactly N in each
        // full group (selection keeps N of M distinct ranks) and min(N, r) in the tail — and
        // every input group is full
        const n = (p as NmPattern).n;
        this.keptNonzeroHist[n] += Math.floor(k / m);
        if (k % m !== 0) this.keptNonzeroHist[Math.min(n, k % m)]++;
        this.inputNonzeroHist[m] += Math.floor(k / m);
        if (k % m !== 0) this.inputNonzeroHist[k % m]++;
      } else if (row.nonzeros === k) {
        histogramGroups(words, null, k, m, this.keptNonzeroHist);
        this.inputNonzeroHist[m] += Math.floor(k / m);
        if (k % m !== 0) this.inputNonzeroHist[k % m]++;
      } else {
        histogramGroups(words, row.nonzeroWords, k, m, this.keptNonzeroHist);
        histogramGroups(row.nonzeroWords, null, k, m, this.inputNonzeroHist);
      }
    } else if (p.kind === 'nm') {
      const { m } = p;
      const nz = row.nonzeroWords;
      const kh = this.keptNonzeroHist;
      const ih = this.inputNonzeroHist;
      for (let g = 0; g < k; g += m) {
        const len = Math.min(m, k - g);
        kh[countBits(words, g, len, nz)]++;
        ih[countBits(nz, g, len)]++;
      }
    }
    this.union.addRow(row.t, words, kept);
  }

  /**
   * Statistics without compatibility (the lane adds it) and without output error. Ratios are
   * null where undefined: no token added, or a zero input energy (see types.ts Stats).
   */
  finish(dtypeBits: number, topChannels: number, histogramBins: number): Omit<Stats, 'compatibility' | 'outputRelErrL2'> {
    const elements = this.tokens * this.k;
    const any = elements > 0;
    const keptFraction = any ? this.kept / elements : null;
    const p = this.pattern;
    const sumSqX = this.sumSqX;
    const groups = this.inputNonzeroHist.reduce((a, b) => a + b, 0);
    const accepted = p.kind === 'nm' ? this.inputNonzeroHist.subarray(0, p.n + 1).reduce((a, b) => a + b, 0) : 0;
    let relErrL2: number | null = null;
    let cosine: number | null = null;
    if (any && sumSqX > 0) {
      relErrL2 = Math.sqrt(this.sumSqErr / sumSqX);
      // x ≠ 0 pruned to x̃ = 0 (e.g. unstructured at K = 1) is a total loss: cosine 0
      cosine = this.sumSqY > 0 ? this.sumXY / Math.sqrt(sumSqX * this.sumSqY) : 0;
    } else if (any && this.sumSqErr === 0) {
      // x = 0 and x̃ = x: nothing lost (the cosine of zero vectors stays undefined)
      relErrL2 = 0;
    }
    return {
      elements,
      relErrL2,
      cosine,
      retainedEnergy: any && sumSqX > 0 ? this.keptEnergy / sumSqX : null,
      keptFraction,
      effectiveDensity: effectiveDensity(p, this.k),
      naturalZeroFraction: any ? this.naturalZeros / elements : null,
      keptNonzeroHistogram: Array.from(this.keptNonzeroHist),
      inputNonzeroHistogram: Array.from(this.inputNonzeroHist),
      densityBoundAcceptance: p.kind === 'nm' && groups > 0 ? accepted / groups : null,
      compressed: compressedSizes(p, this.k, this.tokens, dtypeBits),
      unionDensity: this.union.finish().map((s) => ({
        batchSize: s.batchSize,
        consecutive: s.consecutiveBatches > 0 ? s.consecutiveDensitySum / s.consecutiveBatches : null,
        consecutiveBatches: s.consecutiveBatches,
        random: s.randomBatches > 0 ? s.randomDensitySum / s.randomBatches : null,
        randomBatches: s.randomBatches,
        independent: keptFraction === null ? null : independentUnionDensity(keptFraction, s.batchSize),
      })),
      channelKeep: this.channelKeep(topChannels, histogramBins),
    };
  }

  private channelKeep(topChannels: number, bins: number): ChannelKeepRecord {
    const histogram = new Array(bins).fill(0);
    const t = this.tokens;
    const chan = this.chan.result();
    // no token, no keep frequency: an empty histogram, no top channel
    if (t === 0) return { histogram, top: [] };
    const k = this.k;
    for (let j = 0; j < k; j++) histogram[Math.min(bins - 1, Math.floor((chan[j] / t) * bins))]++;
    // the first topChannels of the order (count descending, lower index first) — kept as they come
    // (j ascending: an equal count goes after those already held) instead of sorting all K
    // channels (at K = 2^20 a sort holds ~16 MiB and takes a good part of a second)
    const top = Math.min(topChannels, k);
    if (top > 64) {
      // many requested (a library caller's choice): the plain sort
      const order = Array.from({ length: k }, (_, j) => j).sort((a, b) => chan[b] - chan[a] || a - b);
      return { histogram, top: order.slice(0, top).map((channel) => ({ channel, keepFraction: chan[channel] / t })) };
    }
    const best: number[] = [];
    for (let j = 0; j < k && top > 0; j++) {
      const c = chan[j];
      if (best.length === top && c <= chan[best[top - 1]]) continue;
      let at = best.length;
      while (at > 0 && chan[best[at - 1]] < c) at--;
      best.splice(at, 0, j);
      if (best.length > top) best.pop();
    }
    return {
      histogram,
      top: best.map((channel) => ({ channel, keepFraction: chan[channel] / t })),
    };
  }

  // ── mergeable state (issue 18, analysis/piece-state.ts): kept at the end of the class so a
  // kernel rewrite keeps it in view; every field that finish() reads must be saved and merged ──

  /** Everything finish() reads, for one token range of a site (before finish). */
  saveState(): PatternAccumulatorState {
    return {
      tokens: this.tokens,
      sumSqX: this.sumSqX,
      sumSqErr: this.sumSqErr,
      sumXY: this.sumXY,
      sumSqY: this.sumSqY,
      keptEnergy: this.keptEnergy,
      kept: this.kept,
      naturalZeros: this.naturalZeros,
      keptNonzeroHist: Float64Array.from(this.keptNonzeroHist),
      inputNonzeroHist: Float64Array.from(this.inputNonzeroHist),
      channelCounts: Float64Array.from(this.chan.result()),
      union: this.union.saveState(),
    };
  }

  /** Adds the state of another token range of the same site (ranges in token order). */
  mergeState(s: PatternAccumulatorState): void {
    if (s.keptNonzeroHist.length !== this.keptNonzeroHist.length || s.inputNonzeroHist.length !== this.inputNonzeroHist.length) {
      throw new Error('internal: pattern state of another pattern');
    }
    this.tokens += s.tokens;
    this.sumSqX += s.sumSqX;
    this.sumSqErr += s.sumSqErr;
    this.sumXY += s.sumXY;
    this.sumSqY += s.sumSqY;
    this.keptEnergy += s.keptEnergy;
    this.kept += s.kept;
    this.naturalZeros += s.naturalZeros;
    s.keptNonzeroHist.forEach((v, i) => (this.keptNonzeroHist[i] += v));
    s.inputNonzeroHist.forEach((v, i) => (this.inputNonzeroHist[i] += v));
    this.chan.addCounts(s.channelCounts);
    this.union.mergeState(s.union);
  }
}
