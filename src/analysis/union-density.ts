/**
 * Decode union density: for a batch of B tokens, the fraction of the K input channels kept by
 * at least one token — the weight rows a decode step must still fetch when it skips the rows
 * of channels pruned in every token of the batch.
 *
 * Two batchings of a site's tokens, both measured on the trace:
 * - consecutive: aligned, non-overlapping windows [iB, (i+1)B); an incomplete last window is
 *   left out (a site with fewer than B tokens has no consecutive batch of size B);
 * - random: R batches of B distinct tokens drawn uniformly without replacement (Floyd's
 *   algorithm) with mulberry32 seeded by (seed, site index), so results do not depend on
 *   worker scheduling. Drawn once per site, shared by every pattern and configuration.
 * The independence assumption 1 − (1 − d)^B (d = kept fraction) is reported beside them.
 */
import { countAll } from './bitset.js';

/** mulberry32: a small, well-known 32-bit PRNG (public domain); deterministic across platforms. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Which random batches each token belongs to, for every batch size. */
export interface RandomBatchPlan {
  batchSizes: number[];
  /** per batch size: the token ids of each batch, concatenated (R·B entries), or empty if tokens < B */
  members: Int32Array[];
  batchesPerSize: number[];
  /** token → list of [sizeIndex, batchIndex] pairs */
  byToken: Map<number, number[]>;
}

export function planRandomBatches(tokens: number, batchSizes: number[], batchesPerSize: number, seed: number): RandomBatchPlan {
  const rand = mulberry32(seed);
  const members: Int32Array[] = [];
  const counts: number[] = [];
  const byToken = new Map<number, number[]>();
  batchSizes.forEach((b, si) => {
    if (tokens < b || b < 1) {
      members.push(new Int32Array(0));
      counts.push(0);
      return;
    }
    const ids = new Int32Array(batchesPerSize * b);
    for (let r = 0; r < batchesPerSize; r++) {
      // Floyd's algorithm: b distinct values from [0, tokens)
      const chosen = new Set<number>();
      for (let j = tokens - b; j < tokens; j++) {
        const v = Math.floor(rand() * (j + 1));
        chosen.add(chosen.has(v) ? j : v);
      }
      let i = 0;
      for (const v of [...chosen].sort((x, y) => x - y)) {
        ids[r * b + i++] = v;
        let list = byToken.get(v);
        if (!list) byToken.set(v, (list = []));
        list.push(si, r);
      }
    }
    members.push(ids);
    counts.push(batchesPerSize);
  });
  return { batchSizes, members, batchesPerSize: counts, byToken };
}

export interface UnionSums {
  batchSize: number;
  consecutiveBatches: number;
  consecutiveDensitySum: number;
  randomBatches: number;
  randomDensitySum: number;
}

/**
 * Streams one mask row per token (in token order) and sums batch union densities.
 * Consecutive windows are built hierarchically: a batch size takes the completed windows of
 * the largest smaller size that divides it (B = 8 ORs two finished 4-windows), so the seven
 * default sizes cost about two word-ORs per row instead of seven.
 */
export class UnionAccumulator {
  private readonly k: number;
  private readonly nWords: number;
  private readonly plan: RandomBatchPlan;
  private readonly sizes: number[];
  /** per size: the size index it is fed from, −1 = single rows */
  private readonly source: number[];
  private readonly consecutive: Uint32Array[];
  private readonly consecutiveFill: number[];
  private readonly random: Uint32Array[][];
  private readonly randomFill: Int32Array[];
  readonly sums: UnionSums[];

  constructor(k: number, plan: RandomBatchPlan) {
    this.k = k;
    this.nWords = (k + 31) >>> 5;
    this.plan = plan;
    this.sizes = plan.batchSizes;
    this.source = this.sizes.map((b, i) => {
      let src = -1;
      for (let j = 0; j < i; j++) if (b % this.sizes[j] === 0 && this.sizes[j] < b) src = j;
      return src;
    });
    this.consecutive = this.sizes.map(() => new Uint32Array(this.nWords));
    this.consecutiveFill = this.sizes.map(() => 0);
    this.random = this.sizes.map((_, si) => Array.from({ length: plan.batchesPerSize[si] }, () => new Uint32Array(this.nWords)));
    this.randomFill = this.sizes.map((_, si) => new Int32Array(plan.batchesPerSize[si]));
    this.sums = this.sizes.map((b) => ({
      batchSize: b,
      consecutiveBatches: 0,
      consecutiveDensitySum: 0,
      randomBatches: 0,
      randomDensitySum: 0,
    }));
  }

  /** Adds token t's packed keep mask; `kept` is its popcount. Tokens arrive in order 0, 1, 2, … */
  addRow(t: number, words: Uint32Array, kept: number): void {
    this.feed(-1, words, 1, kept);
    const memberships = this.plan.byToken.get(t);
    if (!memberships) return;
    const { nWords, k } = this;
    for (let i = 0; i < memberships.length; i += 2) {
      const si = memberships[i];
      const r = memberships[i + 1];
      const acc = this.random[si][r];
      const fill = this.randomFill[si];
      if (fill[r] === 0) acc.set(words.subarray(0, nWords));
      else for (let w = 0; w < nWords; w++) acc[w] |= words[w];
      if (++fill[r] === this.sizes[si]) {
        this.sums[si].randomBatches++;
        this.sums[si].randomDensitySum += (this.sizes[si] === 1 ? kept : countAll(acc, nWords)) / k;
      }
    }
  }

  /** A finished window of `tokens` rows (the union in `words`, `count` bits set) from `src`. */
  private feed(src: number, words: Uint32Array, tokens: number, count: number): void {
    const { nWords, k, sizes } = this;
    for (let si = 0; si < sizes.length; si++) {
      if (this.source[si] !== src) continue;
      const b = sizes[si];
      if (b === tokens) {
        // a size equal to its input window (B = 1 on single rows)
        this.sums[si].consecutiveBatches++;
        this.sums[si].consecutiveDensitySum += count / k;
        this.feed(si, words, tokens, count);
        continue;
      }
      const acc = this.consecutive[si];
      if (this.consecutiveFill[si] === 0) acc.set(words.subarray(0, nWords));
      else for (let w = 0; w < nWords; w++) acc[w] |= words[w];
      this.consecutiveFill[si] += tokens;
      if (this.consecutiveFill[si] === b) {
        const c = countAll(acc, nWords);
        this.sums[si].consecutiveBatches++;
        this.sums[si].consecutiveDensitySum += c / k;
        this.consecutiveFill[si] = 0;
        this.feed(si, acc, b, c);
      }
    }
  }
}

/** 1 − (1 − d)^B: the union density if every channel were kept independently with probability d. */
export function independentUnionDensity(keptFraction: number, batchSize: number): number {
  return 1 - Math.pow(1 - keptFraction, batchSize);
}
