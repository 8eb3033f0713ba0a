/**
 * WasmGlue (src/capture/glue-wasm.ts) gives forward.ts's RMSNorm and residual add bit for bit
 * (NaN where it gives NaN): random rows of several widths (odd ones included) and magnitudes
 * (1e-30 … 1e30, where ss overflows or underflows), signed zeros, subnormals, NaN and ±∞.
 */
import fc from 'fast-check';
import { rmsnorm, RMS_NORM_EPS } from '../../src/capture/forward.js';
import { WasmGlue, WASM_GLUE_AVAILABLE } from '../../src/capture/glue-wasm.js';

/**
 * The bits of each float32, every NaN as one value: a NaN's payload depends on which operand the
 * processor propagates, which V8's compilers may commute (JavaScript vs JavaScript can differ);
 * a NaN activation ends as non-finite logits, which the perplexity refuses whatever its payload.
 */
const bits = (a: Float32Array): (number | string)[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length), (b, i) => (Number.isNaN(a[i]) ? 'NaN' : b));
const SPECIAL = [0, -0, 1e-45, -1e-40, Number.NaN, Infinity, -Infinity, 3.4e38, -3.4e38];

(WASM_GLUE_AVAILABLE ? describe : describe.skip)('RMSNorm and residual adds in WebAssembly', () => {
  const glue = new WasmGlue(64 * 200, 200);
  test('rmsnorm and x += o equal forward.ts\'s loops bit for bit (widths 1 … 173, 1 … 64 tokens, magnitudes 1e-30 … 1e30, special values)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 173 }),
        fc.integer({ min: 1, max: 64 }),
        fc.constantFrom(1e-30, 1e-3, 1, 1e3, 1e30),
        fc.boolean(),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        (dim, tokens, scale, special, seed) => {
          let s = seed;
          const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
          const draw = () => (special && rnd() < 0.05 ? SPECIAL[Math.floor(rnd() * SPECIAL.length)] : (rnd() * 2 - 1) * scale);
          const x = Float32Array.from({ length: tokens * dim }, draw);
          const o = Float32Array.from({ length: tokens * dim }, draw);
          const g = Float32Array.from({ length: dim }, draw);
          const want = new Float32Array(tokens * dim);
          rmsnorm(want, x, g, tokens, dim);
          const got = new Float32Array(tokens * dim).fill(7);
          glue.rmsnorm(got, x, g, tokens, dim, RMS_NORM_EPS);
          expect(bits(got)).toEqual(bits(want));
          const wantSum = Float32Array.from(x);
          for (let i = 0; i < wantSum.length; i++) wantSum[i] += o[i];
          const gotSum = Float32Array.from(x);
          glue.add(gotSum, o, gotSum.length);
          expect(bits(gotSum)).toEqual(bits(wantSum));
        },
      ),
      { numRuns: 120 },
    );
  });
});
