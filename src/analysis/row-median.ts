/**
 * dpts's η_t — the lower median of a row — for the fast lanes (scored-lane.ts), by radix
 * selection instead of sparsity/mitigation/shift.ts `lowerMedian`'s quickselect (the
 * reference; tested equal to it bit for bit, −0 and +0 included, in
 * test/analysis/row-median.test.ts).
 *
 * - Each float32 is mapped to a signed int32 key whose order is the order of
 *   `Float32Array.prototype.sort` (−0 before +0): the bits themselves for a positive sign, the
 *   low 31 bits flipped for a negative one. The element at sorted position ⌊(K−1)/2⌋ in that order is what lowerMedian returns
 *   for a row without NaN: it returns the quickselected value unless that is a zero, and for a
 *   zero it returns −0 exactly when the position falls among the negatives and −0s — the same
 *   element the total order puts there.
 * - Digit passes (11, 11, 10 bits, high first): count the candidates' digits (the first count
 *   taken while the keys are made), find the digit holding the position, keep only its
 *   candidates; once ≤ 256 are left they are sorted. Branch-light counting where
 *   quickselect's partition mispredicts on every other element: about 8× faster on F16 rows
 *   (bench: 1.45 s → 0.18 s of CPU for the 182 MiB trace).
 * - A row holding NaN goes to lowerMedian (its rule for NaN is sort()'s, NaN last).
 */
import { lowerMedian } from '../sparsity/mitigation/shift.js';

/** digit passes, high first; the first digit's top bit is flipped so negative keys count first */
const DIGITS = [
  { shift: 21, mask: 0x7ff, flip: 0x400 },
  { shift: 10, mask: 0x7ff, flip: 0 },
  { shift: 0, mask: 0x3ff, flip: 0 },
];

/** candidates left after a digit pass below this count are sorted instead of counted again */
const SORT_BELOW = 256;

export class RowMedian {
  /** int32 keys (a Uint32Array would hold values ≥ 2³¹ as doubles in V8) */
  private readonly keys: Int32Array;
  private readonly counts = new Int32Array(2048);
  private readonly out = new Float32Array(1);
  private readonly outBits = new Int32Array(this.out.buffer);
  private readonly fallback: Float32Array;

  constructor(k: number) {
    this.keys = new Int32Array(k);
    this.fallback = new Float32Array(k);
  }

  /** The lower median of x[offset … offset + k) (`bits`: x's Int32Array view), as lowerMedian. */
  median(x: Float32Array, bits: Int32Array, offset: number, k: number): number {
    const { keys, counts } = this;
    if (k === 0) return lowerMedian(x, k, offset, this.fallback);
    // pass 1: keys and the first digit's counts together
    counts.fill(0, 0, 2048);
    let nan = 0;
    for (let j = 0; j < k; j++) {
      const b = bits[offset + j];
      nan |= (0x7f800000 - (b & 0x7fffffff)) >>> 31; // |x| bits above +Inf's
      // signed key: b for b ≥ 0; negatives get their low 31 bits flipped (−0 → −1 < +0 → 0)
      const key = b ^ ((b >> 31) & 0x7fffffff);
      keys[j] = key;
      counts[(key >>> 21) ^ 0x400]++;
    }
    if (nan !== 0) return lowerMedian(x, k, offset, this.fallback);
    let rank = (k - 1) >>> 1;
    let n = k;
    for (let level = 0; level < DIGITS.length; level++) {
      const { shift, mask, flip } = DIGITS[level];
      if (level > 0) {
        if (n <= SORT_BELOW) break;
        counts.fill(0, 0, mask + 1);
        for (let i = 0; i < n; i++) counts[((keys[i] >>> shift) & mask) ^ flip]++;
      }
      let d = 0;
      while (rank >= counts[d]) rank -= counts[d++];
      if (counts[d] === n) continue; // every candidate shares this digit
      let m = 0;
      for (let i = 0; i < n; i++) {
        const key = keys[i];
        if ((((key >>> shift) & mask) ^ flip) === d) keys[m++] = key;
      }
      n = m;
    }
    // the candidates share every digit passed; a few left are sorted (numeric int32 order)
    const key = n > 1 ? keys.subarray(0, n).sort()[rank] : keys[rank];
    this.outBits[0] = key ^ ((key >> 31) & 0x7fffffff);
    return this.out[0];
  }
}
