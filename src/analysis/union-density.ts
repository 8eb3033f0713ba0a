/**
 * Decode union density: for a batch of B tokens, the fraction of the K input channels kept by
 * at least one token — the weight rows a decode step must still fetch when it skips the rows
 * of channels pruned in every token of the batch.
 *
 * Two batchings of a site's tokens, both measured on the trace:
 * - consecutive: aligned, non-overlapping windows [iB, (i+1)B) over the first C tokens, where
 *   C = ⌊T / L⌋ · L and L is the least common multiple of the batch sizes ≤ T (the largest of
 *   them when that multiple exceeds T). Every size then averages over the same tokens, so the
 *   mean union density is exactly monotone along a divisor chain (1, 2, 4, … 64): a window's
 *   union covers each of its sub-windows. A site with fewer than B tokens has no batch of B.
 * - random: R draws, each an ordered sample of S = min(T, max B) distinct tokens (partial
 *   Fisher–Yates, mulberry32 seeded by (seed, site index), so results do not depend on worker
 *   scheduling); the batch of size B in draw r is the first B tokens of that sample. Batches
 *   are nested, so the random union density is monotone in B for any sizes. Drawn once per
 *   site, shared by every pattern and configuration. A token at sample position i falls in the
 *   size bucket of the smallest B > i; the union of the first B_j positions is the set of
 *   channels kept by a token of bucket 0 … j. Streaming keeps one union per draw and bucket (one
 *   OR per word and token), or, where those would pass BUCKET_UNION_BYTES (K above ~300,000 with
 *   the defaults), per draw and channel the lowest bucket rank (sizes in ascending order) whose
 *   token kept it — ⌈log₂(sizes + 1)⌉ bit-planes (3 bits for the seven default sizes, not 7: at
 *   K = 2^20, 64 draws and four patterns 96 MiB instead of 224) — and the union of size B_j is
 *   {rank ≤ j}, counted at the end. Where the draws sample fewer distinct tokens U than draws × (sizes or planes) (a wide site
 *   of few tokens, e.g. [64, 2^20]), the sampled tokens' masks are kept instead (U · K bits) and
 *   ORed at the end: the same unions, the same counts (`randomUnionMode`).
 * The independence assumption 1 − (1 − d)^B (d = kept fraction; sparsity/union-density.ts) is
 * reported beside them.
 */
import { countAll } from './bitset.js';
import { mulberry32 } from './mulberry32.js';

export { mulberry32 };

/** Which random batches each token belongs to, for every batch size. */
export interface RandomBatchPlan {
  batchSizes: number[];
  /** random batches per batch size (0 where the site has fewer than B tokens) */
  batchesPerSize: number[];
  /** token → list of [sizeIndex, draw] pairs: the token sits in that size's bucket of that draw */
  byToken: Map<number, number[]>;
  /** draws made (0 when the site has no token) */
  draws: number;
  /** consecutive windows use tokens [0, consecutiveTokens) */
  consecutiveTokens: number;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** C = ⌊T / L⌋ · L, L = lcm of the sizes ≤ T (or the largest such size if the lcm exceeds T). */
export function consecutiveCoverage(tokens: number, batchSizes: number[]): number {
  const fit = batchSizes.filter((b) => b >= 1 && b <= tokens);
  if (fit.length === 0) return 0;
  let l = 1;
  for (const b of fit) l = (l / gcd(l, b)) * b;
  if (l > tokens) l = Math.max(...fit);
  return Math.floor(tokens / l) * l;
}

export function planRandomBatches(tokens: number, batchSizes: number[], batchesPerSize: number, seed: number): RandomBatchPlan {
  const rand = mulberry32(seed);
  const byToken = new Map<number, number[]>();
  const sample = Math.min(tokens, Math.max(0, ...batchSizes));
  const counts = batchSizes.map((b) => (b >= 1 && b <= tokens ? batchesPerSize : 0));
  if (sample > 0) {
    for (let r = 0; r < batchesPerSize; r++) {
      // partial Fisher–Yates over 0 … T−1, swaps kept in a map: an ordered sample of `sample` tokens
      const swapped = new Map<number, number>();
      for (let i = 0; i < sample; i++) {
        const j = i + Math.floor(rand() * (tokens - i));
        const vi = swapped.get(i) ?? i;
        const vj = swapped.get(j) ?? j;
        swapped.set(j, vi);
        swapped.set(i, vj);
        // token vj is position i of the sample: it goes to the bucket of the smallest B > i
        let bucket = -1;
        batchSizes.forEach((b, si) => {
          if (counts[si] > 0 && i < b && (bucket < 0 || b < batchSizes[bucket])) bucket = si;
        });
        if (bucket < 0) continue;
        let list = byToken.get(vj);
        if (!list) byToken.set(vj, (list = []));
        list.push(bucket, r);
      }
    }
  }
  return { batchSizes, batchesPerSize: counts, byToken, draws: sample > 0 ? batchesPerSize : 0, consecutiveTokens: consecutiveCoverage(tokens, batchSizes) };
}

/**
 * The plan of the whole site restricted to its token range [start, start + rows), renumbered
 * from 0: a range's accumulator then holds exactly that range's part of every consecutive
 * window (ranges start on window boundaries: analysis/shard.ts) and of every random batch.
 */
export function sliceRandomPlan(plan: RandomBatchPlan, start: number, rows: number): RandomBatchPlan {
  const byToken = new Map<number, number[]>();
  for (const [t, list] of plan.byToken) if (t >= start && t < start + rows) byToken.set(t - start, list);
  return { ...plan, byToken, consecutiveTokens: Math.max(0, Math.min(rows, plan.consecutiveTokens - start)) };
}

/** Bit-planes of a channel's bucket rank: ranks 0 … sizes − 1, and all ones for "kept by no token yet". */
export function rankPlanes(sizes: number): number {
  return Math.max(1, Math.ceil(Math.log2(sizes + 1)));
}

/**
 * Above this many bytes of per-bucket unions (one accumulator), a draw keeps bucket ranks in
 * bit-planes instead (less memory, ~10 more operations per word and token): 16 MiB is
 * K ≈ 300,000 under the default 64 draws × 7 sizes, so LLM widths keep the cheap unions.
 */
export const BUCKET_UNION_BYTES = 16 * 1024 ** 2;

/**
 * How random unions are held: 'buckets' — per draw one union per size bucket (one OR per word
 * and token); 'levels' — per draw and channel the lowest bucket rank that kept it (rankPlanes
 * bit-planes), where the buckets would take over BUCKET_UNION_BYTES; 'tokens' — the mask of
 * each sampled token, when there are fewer of those than either's planes per draw. Same results.
 */
export function randomUnionMode(plan: RandomBatchPlan, k: number, bucketUnionBytes = BUCKET_UNION_BYTES): 'buckets' | 'levels' | 'tokens' {
  return unionMode(plan.byToken.size, plan.draws, plan.batchSizes.length, k, bucketUnionBytes);
}

function unionMode(sampled: number, draws: number, sizes: number, k: number, bucketUnionBytes = BUCKET_UNION_BYTES): 'buckets' | 'levels' | 'tokens' {
  const nWords = (k + 31) >>> 5;
  const buckets = draws * sizes * nWords * 4 <= bucketUnionBytes;
  const planes = buckets ? sizes : rankPlanes(sizes);
  if (sampled < draws * planes) return 'tokens';
  return buckets ? 'buckets' : 'levels';
}

/** Bits per channel the random unions of one accumulator hold (memory.ts): sampled tokens or planes per draw. */
export function randomUnionBits(tokens: number, batchSizes: number[], draws: number, k: number): number {
  const sampled = sampledTokensBound(tokens, batchSizes, draws);
  const mode = unionMode(sampled, draws, batchSizes.length, k);
  return mode === 'tokens' ? sampled : draws * (mode === 'buckets' ? batchSizes.length : rankPlanes(batchSizes.length));
}

/** Distinct tokens the random batches of a site of `tokens` rows can sample: an upper bound of U. */
export function sampledTokensBound(tokens: number, batchSizes: number[], draws: number): number {
  const sample = Math.min(tokens, Math.max(0, ...batchSizes));
  return Math.min(tokens, draws * sample);
}

/** A UnionAccumulator's state before finish (saveState / mergeState). */
export interface UnionState {
  consecutiveBatches: number[];
  consecutiveDensitySums: number[];
  /** [draw][size][word] unions of the buckets up to each size (prefix unions), flattened: OR-mergeable */
  random: Uint32Array;
  /** [draw][size]: 1 where the union holds at least one token */
  randomUsed: Uint8Array;
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
  /**
   * per draw, `planes` planes of nWords ('tokens' mode: empty until toLevels): 'buckets' — plane q
   * is the union of the bucket of rank q; 'levels' — the bit-planes of each channel's lowest rank
   */
  private levels: Uint32Array[];
  private readonly planes: number;
  private readonly buckets: boolean;
  /** per size index: its rank in ascending size order */
  private readonly rank: number[];
  /** size indices in ascending size order */
  private readonly order: number[];
  /** 'tokens' mode: the mask of each sampled token seen so far */
  private tokenMasks: Map<number, Uint32Array> | null;
  private readonly randomUsed: Uint8Array[];
  private finished = false;
  readonly sums: UnionSums[];

  /** bucketUnionBytes: where 'levels' takes over from 'buckets' (tests lower it) */
  constructor(k: number, plan: RandomBatchPlan, bucketUnionBytes = BUCKET_UNION_BYTES) {
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
    // the planes' layout follows memory alone ('tokens' mode turns into it when states merge)
    this.buckets = unionMode(Infinity, plan.draws, this.sizes.length, k, bucketUnionBytes) === 'buckets';
    this.planes = this.buckets ? this.sizes.length : rankPlanes(this.sizes.length);
    this.order = this.sizes.map((_, i) => i).sort((a, b) => this.sizes[a] - this.sizes[b]);
    this.rank = this.sizes.map(() => 0);
    this.order.forEach((si, q) => (this.rank[si] = q));
    this.tokenMasks = randomUnionMode(plan, k, bucketUnionBytes) === 'tokens' ? new Map() : null;
    this.levels = this.tokenMasks ? [] : this.newLevels();
    this.randomUsed = Array.from({ length: plan.draws }, () => new Uint8Array(this.sizes.length));
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
    if (t < this.plan.consecutiveTokens) this.feed(-1, words, 1, kept);
    const memberships = this.plan.byToken.get(t);
    if (!memberships) return;
    const nWords = this.nWords;
    if (this.tokenMasks) {
      this.tokenMasks.set(t, words.slice(0, nWords));
      for (let i = 0; i < memberships.length; i += 2) this.randomUsed[memberships[i + 1]][memberships[i]] = 1;
      return;
    }
    for (let i = 0; i < memberships.length; i += 2) {
      const si = memberships[i];
      const r = memberships[i + 1];
      this.lower(r, this.rank[si], words);
      this.randomUsed[r][si] = 1;
    }
  }

  /** Draw r: every channel set in `words` whose rank is above q gets rank q. */
  private lower(r: number, q: number, words: Uint32Array): void {
    const { nWords, planes } = this;
    const lv = this.levels[r];
    if (this.buckets) {
      for (let w = 0, i = q * nWords; w < nWords; w++, i++) lv[i] |= words[w];
      return;
    }
    for (let w = 0; w < nWords; w++) {
      const m = words[w];
      if (m === 0) continue;
      const upd = m & this.above(lv, w, q);
      if (upd === 0) continue;
      for (let b = 0; b < planes; b++) {
        const i = b * nWords + w;
        lv[i] = (q >> b) & 1 ? lv[i] | upd : lv[i] & ~upd;
      }
    }
  }

  /** Bits of word w whose bit-sliced rank in lv is > q (compared from the top plane down). */
  private above(lv: Uint32Array, w: number, q: number): number {
    const { nWords } = this;
    let gt = 0;
    let eq = -1;
    for (let b = this.planes - 1; b >= 0; b--) {
      const p = lv[b * nWords + w];
      if ((q >> b) & 1) eq &= p;
      else {
        gt |= eq & p;
        eq &= ~p;
      }
    }
    return gt;
  }

  /** Draw r: the union of buckets of rank ≤ q (channels whose rank is ≤ q) into out. */
  private unionUpTo(r: number, q: number, out: Uint32Array): void {
    const { nWords, k } = this;
    const lv = this.levels[r];
    if (this.buckets) {
      out.fill(0);
      for (let b = 0; b <= q; b++) for (let w = 0, i = b * nWords; w < nWords; w++, i++) out[w] |= lv[i];
      return;
    }
    for (let w = 0; w < nWords; w++) out[w] = ~this.above(lv, w, q);
    // padding bits past K hold rank "none" (all ones) > q already; clear them anyway
    if (k & 31) out[nWords - 1] &= (1 << (k & 31)) - 1;
  }

  private newLevels(): Uint32Array[] {
    // buckets start empty; ranks start at "none" (all ones)
    return Array.from({ length: this.plan.draws }, () => new Uint32Array(this.planes * this.nWords).fill(this.buckets ? 0 : 0xffffffff));
  }

  /** 'tokens' mode → 'levels': each held token's mask lowers the ranks of its draws and buckets. */
  private toLevels(): void {
    const masks = this.tokenMasks;
    if (!masks) return;
    this.tokenMasks = null;
    this.levels = this.newLevels();
    for (const [t, words] of masks) {
      const memberships = this.plan.byToken.get(t)!;
      for (let i = 0; i < memberships.length; i += 2) this.lower(memberships[i + 1], this.rank[memberships[i]], words);
    }
    masks.clear();
  }

  /** Random batches: per draw, the union of the first B sample positions = OR of buckets ≤ B. */
  finish(): UnionSums[] {
    if (this.finished) return this.sums;
    this.finished = true;
    if (this.tokenMasks) {
      this.finishTokens(this.tokenMasks);
      return this.sums;
    }
    const { nWords, k, order } = this;
    const acc = new Uint32Array(nWords);
    for (let r = 0; r < this.plan.draws; r++) {
      for (const si of order) {
        if (this.plan.batchesPerSize[si] === 0) continue;
        this.unionUpTo(r, this.rank[si], acc);
        this.sums[si].randomBatches++;
        this.sums[si].randomDensitySum += countAll(acc, nWords) / k;
      }
    }
    return this.sums;
  }

  /** finish in 'tokens' mode: each draw's buckets ORed from its tokens' masks, in size order (finish's counts). */
  private finishTokens(masks: Map<number, Uint32Array>): void {
    const { nWords, k, sizes } = this;
    const order = sizes.map((_, i) => i).sort((a, b) => sizes[a] - sizes[b]);
    // [draw][size bucket] → its sampled tokens
    const members: number[][][] = Array.from({ length: this.plan.draws }, () => sizes.map(() => []));
    for (const [t, list] of this.plan.byToken) for (let i = 0; i < list.length; i += 2) members[list[i + 1]][list[i]].push(t);
    const acc = new Uint32Array(nWords);
    for (let r = 0; r < this.plan.draws; r++) {
      acc.fill(0);
      for (const si of order) {
        if (this.plan.batchesPerSize[si] === 0) continue;
        for (const t of members[r][si]) {
          const b = masks.get(t);
          if (b) for (let w = 0; w < nWords; w++) acc[w] |= b[w];
        }
        this.sums[si].randomBatches++;
        this.sums[si].randomDensitySum += countAll(acc, nWords) / k;
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

  // ── mergeable state (analysis/piece-state.ts): a token range's unions and window sums ──

  /**
   * What this accumulator holds before finish(): consecutive window counts and density sums
   * per size, and the random unions per draw and size bucket (OR-mergeable). Windows must be
   * complete (the range ends on a window boundary of every size that has one).
   */
  saveState(): UnionState {
    if (this.finished) throw new Error('internal: a finished union accumulator has no state to save');
    this.toLevels();
    const { nWords, sizes } = this;
    // per draw and bucket its prefix union (buckets of rank ≤ its own): ORing these per bucket
    // and taking prefix ORs at the end gives the same unions as ORing the buckets themselves
    const random = new Uint32Array(this.plan.draws * sizes.length * nWords);
    const randomUsed = new Uint8Array(this.plan.draws * sizes.length);
    const union = new Uint32Array(nWords);
    for (let r = 0; r < this.plan.draws; r++) {
      for (let si = 0; si < sizes.length; si++) {
        randomUsed[r * sizes.length + si] = this.randomUsed[r][si];
        this.unionUpTo(r, this.rank[si], union);
        random.set(union, (r * sizes.length + si) * nWords);
      }
    }
    return {
      consecutiveBatches: this.sums.map((x) => x.consecutiveBatches),
      consecutiveDensitySums: this.sums.map((x) => x.consecutiveDensitySum),
      random,
      randomUsed,
    };
  }

  /** Adds another token range's state: window counts and sums add, random unions OR. */
  mergeState(state: UnionState): void {
    const { nWords, sizes } = this;
    if (state.consecutiveBatches.length !== sizes.length || state.randomUsed.length !== this.plan.draws * sizes.length || state.random.length !== this.plan.draws * sizes.length * nWords) {
      throw new Error('internal: union state of another plan');
    }
    this.toLevels();
    sizes.forEach((_, si) => {
      this.sums[si].consecutiveBatches += state.consecutiveBatches[si];
      this.sums[si].consecutiveDensitySum += state.consecutiveDensitySums[si];
    });
    for (let r = 0; r < this.plan.draws; r++) {
      for (let si = 0; si < sizes.length; si++) {
        if (!state.randomUsed[r * sizes.length + si]) continue;
        const from = state.random.subarray((r * sizes.length + si) * nWords, (r * sizes.length + si + 1) * nWords);
        this.lower(r, this.rank[si], from);
        this.randomUsed[r][si] = 1;
      }
    }
  }
}
