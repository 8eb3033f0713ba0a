import { matmulXWt, TILE_BYTES } from '../../src/capture/matmul.js';

/** The engine's original loop: y[t, o] = Σ_{i=0}^{n−1} x[t, i]·w[o, i] in float64, in order, rounded to float32. */
function referenceXWt(x: Float32Array, w: Float32Array, tokens: number, n: number, d: number): Float32Array {
  const y = new Float32Array(tokens * d);
  for (let t = 0; t < tokens; t++) {
    for (let o = 0; o < d; o++) {
      let a = 0;
      for (let i = 0; i < n; i++) a += x[t * n + i] * w[o * n + i];
      y[t * d + o] = a;
    }
  }
  return y;
}

/** Same sums, i from n−1 down to 0: a different order, to show the comparison sees rounding. */
function reversedXWt(x: Float32Array, w: Float32Array, tokens: number, n: number, d: number): Float32Array {
  const y = new Float32Array(tokens * d);
  for (let t = 0; t < tokens; t++) {
    for (let o = 0; o < d; o++) {
      let a = 0;
      for (let i = n - 1; i >= 0; i--) a += x[t * n + i] * w[o * n + i];
      y[t * d + o] = a;
    }
  }
  return y;
}

/** Deterministic xorshift32 values spread over several binades, both signs (rounding-sensitive sums). */
function randomArray(length: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    const u = s / 2 ** 32;
    out[i] = (u - 0.5) * 2 ** ((s & 15) - 6);
  }
  return out;
}

function differingBits(a: Float32Array, b: Float32Array): number {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  let diff = 0;
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) diff++;
  return diff;
}

describe('matmulXWt', () => {
  // tokens and widths around the 4 × 4 register block (odd, below, at and above 4) and n = 1024, whose
  // tiles hold 32 rows, so d = 70 crosses two tile boundaries and ends on a 6-row tile
  const shapes: Array<[number, number, number]> = [
    [1, 1, 1], [1, 7, 3], [3, 5, 5], [4, 4, 4], [5, 9, 7], [7, 64, 13], [9, 172, 64], [13, 33, 17],
    [2, 1024, 70], [6, 1024, 70], [64, 64, 512],
  ];

  it.each(shapes)('equals the in-order float64 reference loop bit for bit at %i tokens × n %i × d %i', (tokens, n, d) => {
    const x = randomArray(tokens * n, 17 + tokens * 31 + n);
    const w = randomArray(d * n, 101 + d * 7 + n);
    const y = new Float32Array(tokens * d).fill(NaN);
    matmulXWt(y, x, w, tokens, n, d);
    expect(differingBits(y, referenceXWt(x, w, tokens, n, d))).toBe(0);
  });

  it('sums in index order: 1 + 2^60 − 2^60 is 0 in order and 1 reversed, in every block position', () => {
    // 5 tokens × 5 outputs covers the 4 × 4 block, the 1-token and the 1-output remainders
    const [tokens, n, d] = [5, 3, 5];
    const x = new Float32Array(tokens * n);
    for (let t = 0; t < tokens; t++) x.set([1, 2 ** 60, -(2 ** 60)], t * n);
    const w = new Float32Array(d * n).fill(1);
    const y = new Float32Array(tokens * d).fill(NaN);
    matmulXWt(y, x, w, tokens, n, d);
    expect(Array.from(y)).toEqual(new Array(tokens * d).fill(0));
    expect(Array.from(reversedXWt(x, w, tokens, n, d))).toEqual(new Array(tokens * d).fill(1));
  });

  it('tiles 1024-wide rows into 32-row tiles (the boundary the shapes above cross)', () => {
    expect(Math.floor(TILE_BYTES / (4 * 1024 * 4)) * 4).toBe(32);
  });

  it('computes a small product exactly (2 tokens × 3 inputs × 2 outputs)', () => {
    const y = new Float32Array(4);
    matmulXWt(y, Float32Array.of(1, 2, 3, -1, 0.5, 4), Float32Array.of(1, 0, 2, -3, 1, 0.25), 2, 3, 2);
    // [1,2,3]·[1,0,2] = 7, [1,2,3]·[-3,1,0.25] = -0.25, [-1,0.5,4]·[1,0,2] = 7, [-1,0.5,4]·[-3,1,0.25] = 4.5
    expect(Array.from(y)).toEqual([7, -0.25, 7, 4.5]);
  });
});
