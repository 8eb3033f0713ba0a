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

/** Streams one mask row per token (in token order) and sums batch union densities. */
export class UnionAccumulator {
  private readonly k: number;
  private readonly nWords: number;
  private readonly plan: RandomBatchPlan;
  private readonly consecutive: Uint32Array[];
  private readonly consecutiveFill: number[];
  private readonly random: Uint32Array[][];
  private readonly randomFill: Int32Array[];
  readonly sums: UnionSums[];

  constructor(k: number, plan: RandomBatchPlan) {
    this.k = k;
    this.nWords = (k + 31) >>> 5;
    this.plan = plan;
    this.consecutive = plan.batchSizes.map(() => new Uint32Array(this.nWords));
    this.consecutiveFill = plan.batchSizes.map(() => 0);
    this.random = plan.batchSizes.map((_, si) => Array.from({ length: plan.batchesPerSize[si] }, () => new Uint32Array(this.nWords)));
    this.randomFill = plan.batchSizes.map((_, si) => new Int32Array(plan.batchesPerSize[si]));
    this.sums = plan.batchSizes.map((b) => ({
      batchSize: b,
      consecutiveBatches: 0,
      consecutiveDensitySum: 0,
      randomBatches: 0,
      randomDensitySum: 0,
    }));
  }

  /** Adds token t's packed keep mask. Tokens must arrive in order 0, 1, 2, … */
  addRow(t: number, words: Uint32Array): void {
    const { nWords, k } = this;
    const sizes = this.plan.batchSizes;
    for (let si = 0; si < sizes.length; si++) {
      const b = sizes[si];
      const acc = this.consecutive[si];
      if (b === 1) {
        this.sums[si].consecutiveBatches++;
        this.sums[si].consecutiveDensitySum += countAll(words, nWords) / k;
        continue;
      }
      if (this.consecutiveFill[si] === 0) acc.set(words.subarray(0, nWords));
      else for (let w = 0; w < nWords; w++) acc[w] |= words[w];
      if (++this.consecutiveFill[si] === b) {
        this.sums[si].consecutiveBatches++;
        this.sums[si].consecutiveDensitySum += countAll(acc, nWords) / k;
        this.consecutiveFill[si] = 0;
      }
    }
    const memberships = this.plan.byToken.get(t);
    if (!memberships) return;
    for (let i = 0; i < memberships.length; i += 2) {
      const si = memberships[i];
      const r = memberships[i + 1];
      const acc = this.random[si][r];
      const fill = this.randomFill[si];
      if (fill[r] === 0) acc.set(words.subarray(0, nWords));
      else for (let w = 0; w < nWords; w++) acc[w] |= words[w];
      if (++fill[r] === sizes[si]) {
        this.sums[si].randomBatches++;
        this.sums[si].randomDensitySum += countAll(acc, nWords) / k;
      }
    }
  }
}

/** 1 − (1 − d)^B: the union density if every channel were kept independently with probability d. */
export function independentUnionDensity(keptFraction: number, batchSize: number): number {
  return 1 - Math.pow(1 - keptFraction, batchSize);
}
