/**
 * The opt-in float32 matmul (src/capture/matmul-f32-wasm.ts) computes, bit for bit, the
 * sequential float32 dot product of llama2.c run.c's matmul (acc = f32(acc + f32(x_i·w_i)) from
 * 0, i in order) — random shapes with odd token counts, widths and output counts (the padding
 * paths), stories260K's shapes and a 2000-row classifier (many tiles) — and stays within the
 * float32 rounding bound of the float64-accumulated matmulXWt (the default path).
 */
import fc from 'fast-check';
import { matmulXWt } from '../../src/capture/matmul.js';
import { packedBytesF32, WasmMatmulF32, WASM_MATMUL_F32_AVAILABLE } from '../../src/capture/matmul-f32-wasm.js';

const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const f32 = Math.fround;

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
}

/** run.c's matmul, one output at a time: float accumulator, float products, i in order */
function runCMatmul(x: Float32Array, w: Float32Array, tokens: number, n: number, d: number): Float32Array {
  const y = new Float32Array(tokens * d);
  for (let t = 0; t < tokens; t++)
    for (let o = 0; o < d; o++) {
      let acc = 0;
      for (let i = 0; i < n; i++) acc = f32(acc + f32(x[t * n + i] * w[o * n + i]));
      y[t * d + o] = acc;
    }
  return y;
}

function kernel(x: Float32Array, w: Float32Array, tokens: number, n: number, d: number): Float32Array {
  const k = new WasmMatmulF32(packedBytesF32(d, n), tokens, n, d);
  const packed = k.pack(w, d, n);
  const y = new Float32Array(tokens * d).fill(Number.NaN);
  k.matmul(y, x, packed, tokens);
  return y;
}

function inputs(tokens: number, n: number, d: number, seed: number, scale = 1): { x: Float32Array; w: Float32Array } {
  const rnd = lcg(seed);
  return { x: Float32Array.from({ length: tokens * n }, () => rnd() * scale), w: Float32Array.from({ length: d * n }, rnd) };
}

const d = WASM_MATMUL_F32_AVAILABLE ? describe : describe.skip;

d('WebAssembly SIMD float32 matmul', () => {
  test('equals run.c\'s sequential float32 dot product bit for bit on random shapes (1–13 tokens, widths 1–70, 1–23 outputs, magnitudes 1e-30 … 1e30)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 13 }),
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 23 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.constantFrom(1, 1e-30, 1e30),
        (tokens, n, dOut, seed, scale) => {
          const { x, w } = inputs(tokens, n, dOut, seed, scale);
          expect(bits(kernel(x, w, tokens, n, dOut))).toEqual(bits(runCMatmul(x, w, tokens, n, dOut)));
        },
      ),
      { numRuns: 200 },
    );
  });

  test('equals it on stories260K\'s shapes and on a 2000-row classifier of width 288 (many weight tiles)', () => {
    for (const [tokens, n, dOut] of [[512, 64, 64], [511, 172, 64], [300, 64, 172], [5, 288, 2000]]) {
      const { x, w } = inputs(tokens, n, dOut, tokens * 7 + n);
      expect(bits(kernel(x, w, tokens, n, dOut))).toEqual(bits(runCMatmul(x, w, tokens, n, dOut)));
    }
  });

  test('is not the float64 path: it differs from matmulXWt, but by at most γ_n·Σ|x_i·w_i| plus the float64 path\'s own final rounding', () => {
    // Higham (2nd ed., §3.1): a recursive sum of n float32 products has |ŷ − y| ≤ γ_n·Σ|x_i w_i|,
    // γ_n = n·u/(1 − n·u), u = 2⁻²⁴; matmulXWt's float32 output adds at most u·|y| more.
    const u = 2 ** -24;
    let differing = 0;
    for (const [tokens, n, dOut] of [[64, 64, 64], [16, 172, 64], [8, 288, 512]]) {
      const { x, w } = inputs(tokens, n, dOut, n + dOut);
      const y32 = kernel(x, w, tokens, n, dOut);
      const y64 = new Float32Array(tokens * dOut);
      matmulXWt(y64, x, w, tokens, n, dOut);
      const gamma = (n * u) / (1 - n * u);
      for (let t = 0; t < tokens; t++)
        for (let o = 0; o < dOut; o++) {
          let absSum = 0;
          for (let i = 0; i < n; i++) absSum += Math.abs(x[t * n + i] * w[o * n + i]);
          const k = t * dOut + o;
          expect(Math.abs(y32[k] - y64[k])).toBeLessThanOrEqual(gamma * absSum + u * Math.abs(y64[k]));
          if (y32[k] !== y64[k]) differing++;
        }
    }
    // float32 accumulation is a different computation: most outputs of a 64–288-long sum differ in some bit
    expect(differing).toBeGreaterThan(1000);
  });
});
