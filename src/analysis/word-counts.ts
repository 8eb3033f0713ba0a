/**
 * Per-word group counts for power-of-two group sizes m ≤ 32, SWAR style: the classic
 * parallel popcount leaves, after log₂ m steps, the count of every aligned m-bit field of a
 * 32-bit word in that field. Groups start at index 0 of K and words hold 32 elements, so every
 * group of m lies inside one word.
 */
import { popcount32 } from './bitset.js';

export function isWordGroup(m: number): boolean {
  return m >= 1 && m <= 32 && (m & (m - 1)) === 0;
}

/** Counts of set bits per aligned m-bit field of w (m a power of two ≤ 32). */
export function fieldCounts(w: number, m: number): number {
  let v = w >>> 0;
  if (m === 1) return v;
  v = (v - ((v >>> 1) & 0x55555555)) >>> 0;
  if (m === 2) return v;
  v = ((v & 0x33333333) + ((v >>> 2) & 0x33333333)) >>> 0;
  if (m === 4) return v;
  v = (v + (v >>> 4)) & 0x0f0f0f0f;
  if (m === 8) return v >>> 0;
  v = (v + (v >>> 8)) & 0x00ff00ff;
  if (m === 16) return v >>> 0;
  return ((v + (v >>> 16)) & 0x3f) >>> 0;
}

/**
 * Adds, for every group of m among the first k elements, hist[count of set bits of
 * (words ∧ and)] += 1.
 */
export function histogramGroups(words: Uint32Array, and: Uint32Array | null, k: number, m: number, hist: Float64Array): void {
  const mask = m === 32 ? 0xffffffff : (1 << m) - 1;
  const nWords = (k + 31) >>> 5;
  for (let w = 0; w < nWords; w++) {
    const v = fieldCounts(and ? words[w] & and[w] : words[w], m);
    const start = w << 5;
    const fields = Math.min(32, k - start);
    for (let f = 0; f < fields; f += m) hist[m === 32 ? v : (v >>> f) & mask]++;
  }
}

/** Replicates an m-bit value into every m-bit field of a word. */
function replicate(v: number, m: number): number {
  let r = 0;
  for (let f = 0; f < 32; f += m) r = (r | (v << f)) >>> 0;
  return r;
}

/**
 * Counts units of u elements (u a power of two, m ≤ u ≤ 32) in which some aligned m-group of
 * (words ∧ and) holds more than n set bits. Bits beyond K are zero, so a tail group is judged
 * on its real elements.
 */
export class OverfullUnitCounter {
  private readonly m: number;
  private readonly n: number;
  private readonly u: number;
  private readonly add: number;
  private readonly high: number;
  private readonly unitBits: number;
  constructor(n: number, m: number, u: number) {
    this.m = m;
    this.n = n;
    this.u = u;
    // field count c > n  ⇔  c + (2^(m−1) − 1 − n) sets the field's top bit (no carry out: c ≤ m)
    this.add = m >= 2 && m < 32 && n < m ? replicate((1 << (m - 1)) - 1 - n, m) : 0;
    this.high = m < 32 ? replicate(1 << (m - 1), m) : 0;
    this.unitBits = u < 32 ? replicate(1 << (m - 1), u) : (1 << (m - 1)) >>> 0;
  }

  count(words: Uint32Array, and: Uint32Array | null, nWords: number): number {
    const { m, n, u } = this;
    if (n >= m) return 0;
    let failed = 0;
    for (let w = 0; w < nWords; w++) {
      const c = fieldCounts(and ? words[w] & and[w] : words[w], m);
      if (m === 32 || m === 1) {
        if (m === 32) failed += c > n ? 1 : 0;
        continue; // m = 1 with n < 1 cannot occur (n ≥ 1)
      }
      let fail = ((c + this.add) & this.high) >>> 0;
      for (let s = m; s < u; s <<= 1) fail = (fail | (fail >>> s)) >>> 0;
      failed += popcount32(fail & this.unitBits);
    }
    return failed;
  }
}
