/**
 * Per-channel keep counts from packed keep words, bit-sliced: eight bit-planes hold a binary
 * counter for each of the 32 positions of a word, and adding a word is a ripple of AND/XOR
 * over the planes (about two planes per word on average) instead of 32 separate increments.
 * Planes are flushed into float64 counts every 255 rows, before any counter can overflow.
 */
const PLANES = 8;
const FLUSH_ROWS = (1 << PLANES) - 1;

export class ChannelCounter {
  readonly k: number;
  private readonly nWords: number;
  private readonly planes: Uint32Array;
  private readonly counts: Float64Array;
  private pending = 0;

  constructor(k: number) {
    this.k = k;
    this.nWords = (k + 31) >>> 5;
    this.planes = new Uint32Array(this.nWords * PLANES);
    this.counts = new Float64Array(k);
  }

  add(words: Uint32Array): void {
    const { nWords, planes } = this;
    for (let w = 0; w < nWords; w++) {
      let carry = words[w];
      for (let p = w; carry !== 0; p += nWords) {
        const t = planes[p] & carry;
        planes[p] ^= carry;
        carry = t;
      }
    }
    if (++this.pending === FLUSH_ROWS) this.flush();
  }

  private flush(): void {
    const { nWords, planes, counts, k } = this;
    for (let w = 0; w < nWords; w++) {
      for (let p = 0; p < PLANES; p++) {
        let v = planes[p * nWords + w];
        if (v === 0) continue;
        const weight = 1 << p;
        while (v !== 0) {
          const bit = 31 - Math.clz32(v & -v);
          const j = (w << 5) + bit;
          if (j < k) counts[j] += weight;
          v = (v & (v - 1)) >>> 0;
        }
        planes[p * nWords + w] = 0;
      }
    }
    this.pending = 0;
  }

  /** keep count per channel so far */
  result(): Float64Array {
    this.flush();
    return this.counts;
  }

  /** Adds another token range's keep counts (a merge of ranges: analysis/piece-state.ts). */
  addCounts(counts: Float64Array): void {
    if (counts.length !== this.k) throw new Error('internal: channel counts of another width');
    this.flush();
    for (let j = 0; j < this.k; j++) this.counts[j] += counts[j];
  }
}
