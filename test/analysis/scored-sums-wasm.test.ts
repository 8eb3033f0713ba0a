/**
 * WasmRowSums (scored-sums-wasm.ts) against the sums written out directly from
 * PatternAccumulator.addRow's definition: per pattern, in j order, Σ keep·x², Σ (x̃ − x)², Σ x·x̃,
 * Σ x̃² with x̃ = keep ? f32(f32(x − η) + η) : f32(0 + η). Bit for bit, SIMD (patterns in pairs,
 * odd counts included) and scalar.
 */
import { WasmRowSums } from '../../src/analysis/scored-sums-wasm.js';
import { RowContext } from '../../src/analysis/pattern-accumulator.js';
import { SIMD_AVAILABLE } from '../../src/wasm/assembler.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

function directSums(x: Float32Array, off: number, k: number, eta: number, words: Uint32Array[], w0: number): number[] {
  const out: number[] = [];
  for (const w of words) {
    let keptE = 0;
    let err = 0;
    let xy = 0;
    let yy = 0;
    for (let j = 0; j < k; j++) {
      const kept = (w[w0 + (j >>> 5)] >>> (j & 31)) & 1;
      const xv = x[off + j];
      const y = kept ? Math.fround(Math.fround(xv - eta) + eta) : Math.fround(0 + eta);
      if (kept) keptE += xv * xv;
      else keptE += 0;
      err += (y - xv) * (y - xv);
      xy += xv * y;
      yy += y * y;
    }
    out.push(keptE, err, xy, yy);
  }
  return out;
}

describe('WasmRowSums (four sums of every pattern of a row in one pass)', () => {
  test.each(SIMD_AVAILABLE ? [true, false] : [false])('gives the directly written sums to the bit for 1 to 5 patterns, η = −0, 0.1 and a row value (SIMD %s)', (simd) => {
    const rand = lcg(7);
    const k = 70;
    const rows = 3;
    const nWords = 3;
    const x = Float32Array.from({ length: rows * k }, () => (rand() < 0.2 ? [0, -0, 1.5][Math.floor(rand() * 3)] : Math.fround((rand() - 0.5) * 8)));
    let compared = 0;
    for (let patterns = 1; patterns <= 5; patterns++) {
      const words = Array.from({ length: patterns }, () => Uint32Array.from({ length: rows * nWords }, () => Math.floor(rand() * 2 ** 32)));
      const sums = new WasmRowSums(k, patterns, simd);
      for (let t = 0; t < rows; t++) {
        for (const eta of [-0, 0.1, x[t * k + 5]]) {
          sums.row(x, t * k, eta, words, t * nWords);
          const want = directSums(x, t * k, k, eta, words, t * nWords);
          expect(Array.from(sums.sums)).toEqual(want);
          compared += want.length;
        }
      }
    }
    expect(compared).toBe(4 * 3 * 3 * 15);
  });

  (SIMD_AVAILABLE ? test : test.skip)('with SIMD also gives the row’s E, nonzero count and nonzero bits exactly as RowContext.load', () => {
    const rand = lcg(8);
    for (const k of [1, 31, 32, 70, 130]) {
      const x = Float32Array.from({ length: k }, () => (rand() < 0.3 ? [0, -0][Math.floor(rand() * 2)] : Math.fround((rand() - 0.5) * 1e3 * rand())));
      const sums = new WasmRowSums(k, 2, true);
      const words = [new Uint32Array(5), new Uint32Array(5)];
      sums.row(x, 0, 0.25, words, 0);
      const row = new RowContext(k);
      row.load(0, x, 0);
      expect(sums.summary).toBe(true);
      expect(sums.rowSummary[0]).toBe(row.energy);
      expect(sums.rowSummary[1]).toBe(row.nonzeros);
      expect(Array.from(sums.nonzeroWords)).toEqual(Array.from(row.nonzeroWords));
    }
  });
});

describe('WasmRowSums on rows of any width (whole 32-bit keep words and tails)', () => {
  (SIMD_AVAILABLE ? test : test.skip)('gives the directly written sums and RowContext’s summary to the bit for K = 1 … 200 and 1 … 13 patterns, rows with ±0, ties and NaN', () => {
    const rand = lcg(11);
    let compared = 0;
    for (let k = 1; k <= 200; k += k < 70 ? 1 : 13) {
      const nWords = (k + 31) >>> 5;
      const patterns = 1 + (k % 13);
      // values from a small set (ties), ±0, a NaN in some rows, the rest random float32
      const pool = [0, -0, 1.5, -1.5, 0.25, Number.NaN];
      const x = Float32Array.from({ length: 2 * k }, (_, i) => (rand() < 0.35 ? pool[Math.floor(rand() * (i < k ? 5 : 6))] : Math.fround((rand() - 0.5) * 16)));
      const words = Array.from({ length: patterns }, () => Uint32Array.from({ length: 2 * nWords }, () => Math.floor(rand() * 2 ** 32)));
      const sums = new WasmRowSums(k, patterns, true);
      for (let t = 0; t < 2; t++) {
        for (const eta of [-0, 0.1, x[t * k + (k >> 1)]]) {
          sums.row(x, t * k, eta, words, t * nWords);
          expect(Array.from(sums.sums)).toEqual(directSums(x, t * k, k, eta, words, t * nWords));
          const row = new RowContext(k);
          row.load(0, x, t * k);
          expect(sums.rowSummary[0]).toBe(row.energy);
          expect(sums.rowSummary[1]).toBe(row.nonzeros);
          expect(Array.from(sums.nonzeroWords)).toEqual(Array.from(row.nonzeroWords));
          compared++;
        }
      }
    }
    expect(compared).toBe(6 * (69 + 11));
  });
});
