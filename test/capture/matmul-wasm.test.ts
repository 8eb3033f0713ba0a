/**
 * The WebAssembly SIMD matmul (src/capture/matmul-wasm.ts, two output columns per f64x2 lane
 * pair) gives bit for bit the JavaScript matmulXWt's float32 outputs — random shapes with odd
 * token counts, widths and output counts (the padding paths), every weight shape of stories260K,
 * stories15M's classifier tile boundary — and the forward pass with the WebAssembly kernels
 * (this matmul and attention-wasm.ts, one switch) equals the forward pass without them, dense
 * and 2:4-pruned.
 */
import * as fs from 'node:fs';
import fc from 'fast-check';
import { matmulXWt } from '../../src/capture/matmul.js';
import { packedBytes, WasmMatmul, WASM_MATMUL_AVAILABLE } from '../../src/capture/matmul-wasm.js';
import { parseCheckpoint, type ModelWeights } from '../../src/capture/checkpoint.js';
import { forwardSequence, setWasmMatmul } from '../../src/capture/forward.js';
import { createPruningHooks } from '../../src/capture/prune-hooks.js';
import { nm } from '../../src/sparsity/pattern.js';
import { describeWithShared, sharedPath } from '../helpers/shared.js';

const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
}

function both(tokens: number, n: number, d: number, seed: number, scale = 1): { js: Float32Array; wasm: Float32Array } {
  const rnd = lcg(seed);
  const x = Float32Array.from({ length: tokens * n }, () => rnd() * scale);
  const w = Float32Array.from({ length: d * n }, rnd);
  const js = new Float32Array(tokens * d);
  matmulXWt(js, x, w, tokens, n, d);
  const k = new WasmMatmul(packedBytes(d, n), tokens, n, d);
  const packed = k.pack(w, d, n);
  const wasm = new Float32Array(tokens * d).fill(Number.NaN);
  k.matmul(wasm, x, packed, tokens);
  return { js, wasm };
}

const d = WASM_MATMUL_AVAILABLE ? describe : describe.skip;

d('WebAssembly SIMD matmul', () => {
  test('equals matmulXWt bit for bit on random shapes (1–13 tokens, widths 1–70, 1–23 outputs, magnitudes 1e-30 … 1e30)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 13 }),
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 23 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.constantFrom(1, 1e-30, 1e30),
        (tokens, n, dOut, seed, scale) => {
          const { js, wasm } = both(tokens, n, dOut, seed, scale);
          expect(bits(wasm)).toEqual(bits(js));
        },
      ),
      { numRuns: 200 },
    );
  });

  test('equals matmulXWt on stories260K\'s shapes and on a 32000-row classifier (many weight tiles)', () => {
    for (const [tokens, n, dOut] of [[512, 64, 64], [512, 64, 32], [512, 64, 172], [511, 172, 64], [300, 64, 512], [5, 288, 32000]]) {
      const { js, wasm } = both(tokens, n, dOut, tokens * 7 + n);
      expect(bits(wasm)).toEqual(bits(js));
    }
  });

  test('one kernel holds several packed matrices and reuses its buffers across calls of different sizes', () => {
    const rnd = lcg(99);
    const w1 = Float32Array.from({ length: 10 * 6 }, rnd);
    const w2 = Float32Array.from({ length: 7 * 10 }, rnd);
    const k = new WasmMatmul(packedBytes(10, 6) + packedBytes(7, 10), 9, 10, 10);
    const p1 = k.pack(w1, 10, 6);
    const p2 = k.pack(w2, 7, 10);
    for (const tokens of [9, 4, 5]) {
      const x1 = Float32Array.from({ length: tokens * 6 }, rnd);
      const y1 = new Float32Array(tokens * 10);
      k.matmul(y1, x1, p1, tokens);
      const y2 = new Float32Array(tokens * 7);
      k.matmul(y2, y1, p2, tokens);
      const r1 = new Float32Array(tokens * 10);
      matmulXWt(r1, x1, w1, tokens, 6, 10);
      const r2 = new Float32Array(tokens * 7);
      matmulXWt(r2, r1, w2, tokens, 10, 7);
      expect(bits(y2)).toEqual(bits(r2));
    }
    // more weights than reserved: refused (a bug of the caller, not silent corruption)
    expect(() => k.pack(w1, 10, 6)).toThrow(/exceed/);
  });

  test('a call told its x is the previous one reuses the packed copy; a different shape is packed again', () => {
    const rnd = lcg(7);
    const wa = Float32Array.from({ length: 6 * 5 }, rnd);
    const wb = Float32Array.from({ length: 9 * 5 }, rnd);
    const wc = Float32Array.from({ length: 4 * 3 }, rnd);
    const k = new WasmMatmul(packedBytes(6, 5) + packedBytes(9, 5) + packedBytes(4, 3), 8, 5, 9);
    const [pa, pb, pc] = [k.pack(wa, 6, 5), k.pack(wb, 9, 5), k.pack(wc, 4, 3)];
    const x = Float32Array.from({ length: 7 * 5 }, rnd);
    const ref = (w: Float32Array, d: number, n: number, xs: Float32Array, tokens: number) => {
      const r = new Float32Array(tokens * d);
      matmulXWt(r, xs, w, tokens, n, d);
      return bits(r);
    };
    const ya = new Float32Array(7 * 6);
    k.matmul(ya, x, pa, 7);
    const yb = new Float32Array(7 * 9);
    k.matmul(yb, x, pb, 7, true);
    expect(bits(ya)).toEqual(ref(wa, 6, 5, x, 7));
    expect(bits(yb)).toEqual(ref(wb, 9, 5, x, 7));
    // sameX with another width or token count than the packed copy: packed again, still right
    const x3 = Float32Array.from({ length: 7 * 3 }, rnd);
    const yc = new Float32Array(7 * 4);
    k.matmul(yc, x3, pc, 7, true);
    expect(bits(yc)).toEqual(ref(wc, 4, 3, x3, 7));
    const x5 = Float32Array.from({ length: 4 * 5 }, rnd);
    const y5 = new Float32Array(4 * 6);
    k.matmul(yb, x, pb, 7); // packs x (7 tokens, 8 padded)
    k.matmul(y5, x5, pa, 4, true); // 4 tokens: a different padded count, packed again
    expect(bits(y5)).toEqual(ref(wa, 6, 5, x5, 4));
  });
});

describeWithShared('forward pass with the WebAssembly kernels (matmul and attention)', ['models/stories260K.bin'], () => {
  const load = (): ModelWeights => parseCheckpoint(fs.readFileSync(sharedPath('models/stories260K.bin')), 'stories260K.bin');
  afterAll(() => setWasmMatmul(true));

  test('dense and 2:4-pruned logits of 37 tokens equal those of the JavaScript kernel bit for bit', () => {
    const ids = Array.from({ length: 37 }, (_, i) => (i * 53 + 3) % 512);
    const spec = { pattern: nm(2, 4), criterion: 'magnitude', mitigation: 'none' } as const;
    setWasmMatmul(false);
    const jsModel = load();
    const jsDense = bits(forwardSequence(jsModel, ids));
    const jsPruned = bits(forwardSequence(jsModel, ids, createPruningHooks(jsModel, spec)));
    setWasmMatmul(true);
    const wasmModel = load();
    expect(bits(forwardSequence(wasmModel, ids))).toEqual(jsDense);
    expect(bits(forwardSequence(wasmModel, ids, createPruningHooks(wasmModel, spec)))).toEqual(jsPruned);
    // a real model, not a constant: the logits vary
    expect(new Set(jsDense).size).toBeGreaterThan(1000);
  });
});
