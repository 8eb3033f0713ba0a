/**
 * y = x · Wᵀ for row-major x [tokens, n] and W [d, n] (PyTorch layout, y_t = W x_t), the one
 * GEMM of the engine. Cache-blocked: the output rows (rows of W) are cut into tiles of about
 * TILE_BYTES of weights, and each tile is applied to every token before the next one is loaded,
 * so W streams from memory once per call instead of once per 4 tokens (stories15M's classifier
 * is 36.9 MB). Inside a tile, register-blocked 4 tokens × 4 output rows: each weight and input
 * value loaded once feeds four multiply-adds. Every output's sum is accumulated in float64 (JS
 * numbers, no fused multiply-add) over i = 0 … n−1 in order from 0 and rounded to float32 on
 * store, so the blocking changes no bit of the result (test/capture/matmul.test.ts).
 */
export function matmulXWt(y: Float32Array, x: Float32Array, w: Float32Array, tokens: number, n: number, d: number): void {
  // rows per tile: a multiple of 4 whose weights fill ~TILE_BYTES (at least 4 rows)
  const rows = Math.max(4, Math.floor(TILE_BYTES / (4 * n * 4)) * 4);
  for (let o0 = 0; o0 < d; o0 += rows) tile(y, x, w, tokens, n, d, o0, Math.min(d, o0 + rows));
}

/**
 * Weight bytes per tile: half of a 256 KiB L2 (a common per-core L2 size; larger L2s only gain),
 * so the tile and the current 4 input rows stay cached while every token passes over it.
 */
export const TILE_BYTES = 128 * 1024;

/** y rows t, columns o0 … o1−1 (see matmulXWt). */
function tile(y: Float32Array, x: Float32Array, w: Float32Array, tokens: number, n: number, d: number, o0: number, o1: number): void {
  let t = 0;
  for (; t + 4 <= tokens; t += 4) {
    const x0 = t * n;
    const x1 = x0 + n;
    const x2 = x1 + n;
    const x3 = x2 + n;
    const y0 = t * d;
    const y1 = y0 + d;
    const y2 = y1 + d;
    const y3 = y2 + d;
    let o = o0;
    for (; o + 4 <= o1; o += 4) {
      const w0 = o * n;
      const w1 = w0 + n;
      const w2 = w1 + n;
      const w3 = w2 + n;
      let a00 = 0, a01 = 0, a02 = 0, a03 = 0;
      let a10 = 0, a11 = 0, a12 = 0, a13 = 0;
      let a20 = 0, a21 = 0, a22 = 0, a23 = 0;
      let a30 = 0, a31 = 0, a32 = 0, a33 = 0;
      for (let i = 0; i < n; i++) {
        const b0 = w[w0 + i];
        const b1 = w[w1 + i];
        const b2 = w[w2 + i];
        const b3 = w[w3 + i];
        const c0 = x[x0 + i];
        const c1 = x[x1 + i];
        const c2 = x[x2 + i];
        const c3 = x[x3 + i];
        a00 += c0 * b0; a01 += c0 * b1; a02 += c0 * b2; a03 += c0 * b3;
        a10 += c1 * b0; a11 += c1 * b1; a12 += c1 * b2; a13 += c1 * b3;
        a20 += c2 * b0; a21 += c2 * b1; a22 += c2 * b2; a23 += c2 * b3;
        a30 += c3 * b0; a31 += c3 * b1; a32 += c3 * b2; a33 += c3 * b3;
      }
      y[y0 + o] = a00; y[y0 + o + 1] = a01; y[y0 + o + 2] = a02; y[y0 + o + 3] = a03;
      y[y1 + o] = a10; y[y1 + o + 1] = a11; y[y1 + o + 2] = a12; y[y1 + o + 3] = a13;
      y[y2 + o] = a20; y[y2 + o + 1] = a21; y[y2 + o + 2] = a22; y[y2 + o + 3] = a23;
      y[y3 + o] = a30; y[y3 + o + 1] = a31; y[y3 + o + 2] = a32; y[y3 + o + 3] = a33;
    }
    for (; o < o1; o++) {
      const wo = o * n;
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      for (let i = 0; i < n; i++) {
        const b = w[wo + i];
        a0 += x[x0 + i] * b;
        a1 += x[x1 + i] * b;
        a2 += x[x2 + i] * b;
        a3 += x[x3 + i] * b;
      }
      y[y0 + o] = a0;
      y[y1 + o] = a1;
      y[y2 + o] = a2;
      y[y3 + o] = a3;
    }
  }
  for (; t < tokens; t++) {
    const xr = t * n;
    const yr = t * d;
    let o = o0;
    for (; o + 4 <= o1; o += 4) {
      const w0 = o * n;
      const w1 = w0 + n;
      const w2 = w1 + n;
      const w3 = w2 + n;
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      for (let i = 0; i < n; i++) {
        const c = x[xr + i];
        a0 += c * w[w0 + i];
        a1 += c * w[w1 + i];
        a2 += c * w[w2 + i];
        a3 += c * w[w3 + i];
      }
      y[yr + o] = a0;
      y[yr + o + 1] = a1;
      y[yr + o + 2] = a2;
      y[yr + o + 3] = a3;
    }
    for (; o < o1; o++) {
      const wo = o * n;
      let a = 0;
      for (let i = 0; i < n; i++) a += x[xr + i] * w[wo + i];
      y[yr + o] = a;
    }
  }
}
