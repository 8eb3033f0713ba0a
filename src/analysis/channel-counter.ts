/**
 * Per-channel keep counts from packed keep words, bit-sliced: eight bit-planes hold a binary
 * counter for each of the 32 positions of a word, and adding a word is a ripple of AND/XOR
 * over the planes (about two planes per word on average) instead of 32 separate increments.
 * Planes are flushed into the counts every 255 rows, before any counter can overflow. Counts
 * are uint32 (4 B per channel, not 8: at K = 2^20 and four patterns 16 MiB less), widened to
 * float64 before any could pass 2^32 − 1 (a count is at most the rows added and merged).
 */
const PLANES = 8;
const FLUSH_ROWS = (1 << PLANES) - 1;

export class ChannelCounter {
  readonly k: number;
  private readonly nWords: number;
  private readonly planes: Uint32Array;
  private counts: Uint32Array | Float64Array;
  /** the largest count possible so far: rows added plus the largest count merged */
  private bound = 0;
  private pending = 0;

  constructor(k: number) {
    this.k = k;
    this.nWords = (k + 31) >>> 5;
    this.planes = new Uint32Array(this.nWords * PLANES);
    this.counts = new Uint32Array(k);
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
    this.bound++;
    if (++this.pending === FLUSH_ROWS) this.flush();
  }

  /** float64 counts from here on, before a uint32 count could overflow */
  private widen(): void {
    if (this.bound >= 0xffffffff && this.counts instanceof Uint32Array) this.counts = Float64Array.from(this.counts);
  }

  private flush(): void {
    this.widen();
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
  result(): Uint32Array | Float64Array {
    this.flush();
    return this.counts;
  }

  /** Adds another token range's keep counts (a merge of ranges: analysis/piece-state.ts). */
  addCounts(counts: Float64Array): void {
    if (counts.length !== this.k) throw new Error('internal: channel counts of another width');
    this.flush();
    let most = 0;
    for (let j = 0; j < this.k; j++) most = Math.max(most, counts[j]);
    this.bound += most;
    this.widen();
    for (let j = 0; j < this.k; j++) this.counts[j] += counts[j];
  }
}
