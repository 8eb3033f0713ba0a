/**
 * mulberry32: a small, well-known 32-bit PRNG (public domain); deterministic across platforms. Its
 * own module so that the review's bootstrap (explore/uncertainty.ts) does not load the analysis
 * kernels (union-density.ts and its popcount table, ~10 ms of every review's start-up).
 */

// module-local: inside a vm context (jest) every global lookup of Math.imul costs ~0.4 µs, 250× the multiply
const imul = Math.imul;

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
