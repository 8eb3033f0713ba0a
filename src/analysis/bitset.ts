/**
 * Packed keep masks: bit j % 32 of word j >> 5 is element j (LSB first, the same order as the
 * trace format's byte masks). Popcounts use a 16-bit table.
 */
const POP16 = (() => {
  const t = new Uint8Array(65536);
  for (let i = 1; i < 65536; i++) t[i] = (i & 1) + t[i >>> 1];
  return t;
})();

export function popcount32(w: number): number {
  return POP16[w & 0xffff] + POP16[w >>> 16];
}

export function wordsFor(k: number): number {
  return (k + 31) >>> 5;
}

/** Bits set in [start, start + len) of `words`, optionally AND-ed with `and` first. */
export function countBits(words: Uint32Array, start: number, len: number, and?: Uint32Array): number {
  let count = 0;
  let pos = start;
  const end = start + len;
  while (pos < end) {
    const w = pos >>> 5;
    const off = pos & 31;
    const take = Math.min(32 - off, end - pos);
    let v = and ? words[w] & and[w] : words[w];
    v = v >>> off;
    if (take < 32) v &= (1 << take) - 1;
    count += popcount32(v);
    pos += take;
  }
  return count;
}

/** Bits set in the whole mask of k elements. */
export function countAll(words: Uint32Array, nWords: number): number {
  let c = 0;
  for (let i = 0; i < nWords; i++) c += popcount32(words[i]);
  return c;
}

/** Packs a 0/1 byte row of length k into words. */
export function packRow(keep: Uint8Array, k: number, words: Uint32Array): void {
  let w = 0;
  for (let j = 0; j < k; j++) {
    w |= keep[j] << (j & 31);
    if ((j & 31) === 31) {
      words[j >>> 5] = w >>> 0;
      w = 0;
    }
  }
  if ((k & 31) !== 0) words[k >>> 5] = w >>> 0;
}
