/**
 * Fast magnitude keep selection for many patterns in one pass over a token's vector.
 *
 * Algorithm (tested equal to the reference `selectKeep` of sparsity/select.ts, ties and tails
 * included):
 * - key_j = bits(x_j) & 0x7fffffff — for IEEE floats the order of |x| equals the integer order
 *   of these bit patterns, so ranking never decodes or calls Math.abs. NaN (key > +Inf) gets
 *   key −1: it ranks below every number, as in the reference.
 * - rank_j within its group of M = #{i < j in group: key_i ≥ key_j} + #{i > j: key_i > key_j}
 *   (ties: the lower index wins). j is kept at N:M iff rank_j < N; a tail group of r < M real
 *   elements has ranks < r, so it keeps min(N, r) as pattern.ts defines.
 * - Patterns share work: when M' divides M (2:4 ⊂ 4:8 ⊂ 8:16 ⊂ 16:32), the rank within M is
 *   the rank within the M'-subgroup plus the count of larger keys in the other subgroups of the
 *   M-group, so all four paper patterns cost 3 + 4 + 8 + 16 = 31 integer comparisons per
 *   element instead of 3 + 7 + 15 + 31 = 56. Patterns with the same M share one rank array.
 * - Comparisons are branch-free: keys lie in [−1, 0x7f800000], so key_i − key_j fits in int32
 *   and its sign bit, (key_i − key_j) >>> 31, is the comparison result.
 * - unstructured: quickselect of the floor(K/2)-th largest key on a scratch copy, then keep every
 *   larger key and the lowest-indexed equal keys up to the quota.
 */
import type { Pattern } from '../sparsity/pattern.js';

/** Keys of a float32 row: |x| bit patterns, NaN → −1. `bits` is an Int32Array view of the row. */
export function magnitudeKeys(bits: Int32Array, offset: number, k: number, keys: Int32Array): void {
  for (let j = 0; j < k; j++) {
    const a = bits[offset + j] & 0x7fffffff;
    keys[j] = a > 0x7f800000 ? -1 : a;
  }
}

/** Ranks from scratch within groups of m (ties: lower index wins). */
function ranksDirect(keys: Int32Array, k: number, m: number, rank: Uint8Array): void {
  for (let g = 0; g < k; g += m) {
    const end = Math.min(k, g + m);
    for (let j = g; j < end; j++) {
      const kj = keys[j];
      let r = 0;
      for (let i = g; i < j; i++) r += (kj - keys[i] - 1) >>> 31; // key_i ≥ key_j
      for (let i = j + 1; i < end; i++) r += (kj - keys[i]) >>> 31; // key_i > key_j
      rank[j] = r;
    }
  }
}

/** Ranks within groups of m from ranks within subgroups of sub (sub divides m). */
function ranksNested(keys: Int32Array, k: number, m: number, sub: number, subRank: Uint8Array, rank: Uint8Array): void {
  for (let g = 0; g < k; g += m) {
    const end = Math.min(k, g + m);
    for (let s = g; s < end; s += sub) {
      const sEnd = Math.min(end, s + sub);
      for (let j = s; j < sEnd; j++) {
        const kj = keys[j];
        let r = subRank[j];
        for (let i = g; i < s; i++) r += (kj - keys[i] - 1) >>> 31;
        for (let i = sEnd; i < end; i++) r += (kj - keys[i]) >>> 31;
        rank[j] = r;
      }
    }
  }
}

/** In-place quickselect: returns the value that would sit at index `nth` of a descending sort. */
function selectDescending(a: Int32Array, len: number, nth: number): number {
  let lo = 0;
  let hi = len - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // median of three as pivot
    let p0 = a[lo];
    let p1 = a[mid];
    let p2 = a[hi];
    if (p0 < p1) [p0, p1] = [p1, p0];
    if (p1 < p2) [p1, p2] = [p2, p1];
    if (p0 < p1) [p0, p1] = [p1, p0];
    const pivot = p1;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] > pivot) i++;
      while (a[j] < pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (nth <= j) hi = j;
    else if (nth >= i) lo = i;
    else return a[nth];
  }
  return a[nth];
}

/**
 * A reusable selector for one vector length K and a fixed list of patterns. `select` fills one
 * keep row (1 kept, 0 pruned; length K) per pattern, in the order given.
 */
export class MagnitudeSelector {
  readonly k: number;
  readonly patterns: Pattern[];
  private readonly keys: Int32Array;
  private readonly scratch: Int32Array;
  /** distinct group sizes, ascending, with how each rank array is computed */
  private readonly levels: { m: number; sub: number; rank: Uint8Array }[];
  private readonly levelOf: number[];

  constructor(k: number, patterns: Pattern[]) {
    this.k = k;
    this.patterns = patterns;
    this.keys = new Int32Array(k);
    this.scratch = new Int32Array(k);
    const ms = [...new Set(patterns.flatMap((p) => (p.kind === 'nm' ? [p.m] : [])))].sort((a, b) => a - b);
    this.levels = [];
    for (const m of ms) {
      // nest on the largest smaller group size that divides m
      let sub = 0;
      for (const prev of this.levels) if (m % prev.m === 0) sub = prev.m;
      this.levels.push({ m, sub, rank: new Uint8Array(k) });
    }
    this.levelOf = patterns.map((p) => (p.kind === 'nm' ? ms.indexOf(p.m) : -1));
  }

  /** bits: Int32Array view of the float32 rows; offset: start of this row. */
  select(bits: Int32Array, offset: number, keepRows: Uint8Array[]): void {
    const { k, keys } = this;
    magnitudeKeys(bits, offset, k, keys);
    for (const level of this.levels) {
      if (level.sub === 0) ranksDirect(keys, k, level.m, level.rank);
      else {
        const sub = this.levels.find((l) => l.m === level.sub)!;
        ranksNested(keys, k, level.m, level.sub, sub.rank, level.rank);
      }
    }
    for (let p = 0; p < this.patterns.length; p++) {
      const pat = this.patterns[p];
      const keep = keepRows[p];
      if (pat.kind === 'dense') keep.fill(1, 0, k);
      else if (pat.kind === 'unstructured') this.topHalf(keep);
      else {
        const rank = this.levels[this.levelOf[p]].rank;
        const n = pat.n;
        for (let j = 0; j < k; j++) keep[j] = (rank[j] - n) >>> 31; // rank < n
      }
    }
  }

  private topHalf(keep: Uint8Array): void {
    const { k, keys, scratch } = this;
    const quota = Math.floor(k / 2);
    keep.fill(0, 0, k);
    if (quota === 0) return;
    scratch.set(keys.subarray(0, k));
    const th = selectDescending(scratch, k, quota - 1);
    let taken = 0;
    for (let j = 0; j < k; j++) {
      if (keys[j] > th) {
        keep[j] = 1;
        taken++;
      }
    }
    for (let j = 0; j < k && taken < quota; j++) {
      if (keys[j] === th) {
        keep[j] = 1;
        taken++;
      }
    }
  }
}
