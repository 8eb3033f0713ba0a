/**
 * The WebAssembly SIMD selection (network-simd.ts, behind NetworkSelector) against the JavaScript
 * kernel it replaces, which stays the reference: keep words, nonzero words and counts bit for
 * bit, and the row and dropped energies as the same float64 numbers, on random rows (F16, BF16
 * and float32; ties, zeros, subnormals, NaN, tails of every length) and on the captured
 * stories260k bundle. The JavaScript kernel itself is checked against selectKeep in
 * kernels.test.ts and half-rows.test.ts.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { NetworkSelector } from '../../src/analysis/network-kernel.js';
import { RowContext } from '../../src/analysis/pattern-accumulator.js';
import { halfNanAbove, squareTable, type HalfDtype } from '../../src/analysis/half-rows.js';
import { SIMD_AVAILABLE } from '../../src/wasm/assembler.js';
import { parsePatternList, type NmPattern } from '../../src/sparsity/pattern.js';
import { float32ToFp16 } from '../../src/trace/dtype.js';
import { openBundle } from '../../src/trace/bundle.js';
import { REPO_ROOT } from '../helpers/cli.js';

const PATTERNS = parsePatternList('2:4,4:8,8:16,16:32,1:2,3:4,5:8,1:32') as NmPattern[];
const WIDTHS = [1, 3, 5, 31, 32, 37, 100, 128, 130, 257, 1000];

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

/** Codes with many ties, ±0, subnormals, the largest finite values and (when asked) NaN / ±Inf. */
function halfCodes(rand: () => number, k: number, dtype: HalfDtype, nonfinite: boolean): Uint16Array {
  const expAll = dtype === 'F16' ? 0x7c00 : 0x7f80;
  const c = new Uint16Array(k);
  const levels = [0x0000, 0x8000, 0x0001, 0x8003, 0x3c00, 0xbc00, 0x3c00, expAll - 1, 0x4000];
  for (let j = 0; j < k; j++) {
    const r = rand();
    if (nonfinite && r < 0.02) c[j] = expAll | (rand() < 0.5 ? 0 : 1 + Math.floor(rand() * 100)) | (rand() < 0.5 ? 0x8000 : 0);
    else if (r < 0.4) c[j] = levels[Math.floor(rand() * levels.length)];
    else {
      const any = Math.floor(rand() * 65536);
      // exponent all ones would be NaN/±Inf: clear its lowest bit
      c[j] = (any & expAll) === expAll ? any ^ (expAll & -expAll) : any;
    }
  }
  return c;
}

/** Float32 rows: tie-heavy F16-like values (composite keys) or arbitrary floats (plain keys). */
function floatRow(rand: () => number, k: number, f16Like: boolean, withNaN: boolean): Float32Array {
  const x = new Float32Array(k);
  const levels = [0, -0, 0.5, 1, -1, 2, 1e-30, 3.5];
  for (let j = 0; j < k; j++) {
    const r = rand();
    if (withNaN && r < 0.03) x[j] = NaN;
    else if (r < 0.4) x[j] = levels[Math.floor(rand() * levels.length)];
    else x[j] = f16Like ? Math.fround(Math.round((rand() - 0.5) * 4096) / 512) : (rand() - 0.5) * Math.exp(rand() * 20 - 10);
  }
  return x;
}

/** Runs both kernels on F16/BF16 codes at `off` and compares everything the pass reads. */
function compareHalf(simd: NetworkSelector, js: NetworkSelector, codes: Uint16Array, off: number, dtype: HalfDtype): void {
  const k = js.k;
  const fast = new RowContext(k);
  const { energy, nonzeros } = simd.loadHalfSimd(codes, off, dtype, fast.nonzeroWords);
  const ref = new RowContext(k);
  ref.loadHalf(0, codes, off, squareTable(dtype));
  expect(Array.from(fast.nonzeroWords)).toEqual(Array.from(ref.nonzeroWords));
  expect(nonzeros).toBe(ref.nonzeros);
  if (!(ref.energy < Infinity)) {
    // a row holding NaN or ±Inf: both say "not finite" and the pass drops the row
    expect(energy).toBe(Infinity);
    return;
  }
  expect(energy).toBe(ref.energy);
  simd.selectLoadedHalf();
  js.selectHalf(codes, off, ref.x2, halfNanAbove(dtype));
  PATTERNS.forEach((_, t) => {
    expect(Array.from(simd.words[t])).toEqual(Array.from(js.words[t]));
    expect(simd.dropped[t]).toBe(js.dropped[t]);
  });
}

const maybe = SIMD_AVAILABLE ? describe : describe.skip;

test('this Node compiles WebAssembly SIMD, so the fast kernel is the one that runs', () => {
  expect(SIMD_AVAILABLE).toBe(true);
  expect(new NetworkSelector(64, PATTERNS).simd).not.toBeNull();
  expect(new NetworkSelector(64, PATTERNS, undefined, { simd: false }).simd).toBeNull();
});

maybe('the SIMD network kernel', () => {
  test.each(['F16', 'BF16'] as const)('gives the JavaScript kernel’s keep words, nonzeros and energies bit for bit on random %s rows', (dtype) => {
    const rand = lcg(dtype === 'F16' ? 17 : 19);
    for (const k of WIDTHS) {
      const simd = new NetworkSelector(k, PATTERNS);
      const js = new NetworkSelector(k, PATTERNS, undefined, { simd: false });
      for (let t = 0; t < 8; t++) {
        const codes = halfCodes(rand, 2 * k, dtype, t % 4 === 3);
        compareHalf(simd, js, codes, t % 2 === 0 ? 0 : k, dtype);
      }
    }
  });

  test.each([
    ['F16-like values (composite keys)', true],
    ['arbitrary float32 values (plain keys, ties fall back to JavaScript)', false],
  ])('gives the JavaScript kernel’s keep words and dropped energies bit for bit on %s', (_, f16Like) => {
    const rand = lcg(f16Like ? 23 : 29);
    for (const k of WIDTHS) {
      const simd = new NetworkSelector(k, PATTERNS);
      const js = new NetworkSelector(k, PATTERNS, undefined, { simd: false });
      for (let t = 0; t < 8; t++) {
        const x = floatRow(rand, k, f16Like, t % 3 === 2);
        const x2 = Float64Array.from(x, (v) => v * v);
        const bits = new Int32Array(x.buffer);
        simd.select(bits, 0, x2);
        js.select(bits, 0, x2);
        PATTERNS.forEach((_, i) => {
          expect(Array.from(simd.words[i])).toEqual(Array.from(js.words[i]));
          expect(simd.dropped[i]).toEqual(js.dropped[i]); // NaN equals NaN here
        });
      }
    }
  });

  test.each([
    ['F16-like values (composite keys)', true],
    ['arbitrary float32 values (plain keys, ties fall back to JavaScript)', false],
  ])('selecting keys only (no x², the network without D) gives the JavaScript kernel’s keep words bit for bit on %s', (_, f16Like) => {
    const rand = lcg(f16Like ? 31 : 37);
    let rows = 0;
    for (const k of WIDTHS) {
      const simd = new NetworkSelector(k, PATTERNS);
      const js = new NetworkSelector(k, PATTERNS, undefined, { simd: false });
      for (let t = 0; t < 8; t++) {
        const x = floatRow(rand, k, f16Like, t % 3 === 2);
        const bits = new Int32Array(x.buffer);
        simd.select(bits, 0, null);
        js.select(bits, 0, Float64Array.from(x, (v) => v * v));
        PATTERNS.forEach((_, i) => expect(Array.from(simd.words[i])).toEqual(Array.from(js.words[i])));
        rows++;
      }
    }
    expect(rows).toBe(8 * WIDTHS.length);
  });

  test('sums a row’s energy in the canonical order, so a large x² does not swallow the small ones', () => {
    // x² = [2^52·4, 1, 0, 1] (F16 cannot hold 2^26; use float32): sequential sum rounds 2^54 + 1 to 2^54
    // twice; the canonical (P0 + P2) + (P1 + P3) = 2^54 + 2 exactly
    const x = new Float32Array([2 ** 27, 1, 0, 1]);
    const simd = new NetworkSelector(4, [PATTERNS[0]]);
    expect(simd.simd!.loadFloat(new Int32Array(x.buffer), 0)).toBe(2 ** 54 + 2);
    expect(2 ** 54 + 1 + 0 + 1).toBe(2 ** 54);
  });

  const bundlePath = path.join(REPO_ROOT, 'traces', 'stories260k');
  (existsSync(path.join(bundlePath, 'manifest.json')) ? test : test.skip)('agrees with the JavaScript kernel on every row of the captured stories260k dense run, as codes and as floats', async () => {
    const bundle = await openBundle(bundlePath);
    let rows = 0;
    let mismatches = 0;
    const same = (a: Uint32Array, b: Uint32Array) => a.length === b.length && a.every((v, i) => v === b[i]);
    try {
      const run = bundle.manifest.runs.find((r) => r.config.pattern === 'dense') ?? bundle.manifest.runs[0];
      for (const site of run.sites) {
        const src = await bundle.tensor(site.tensor);
        const k = src.cols;
        const x = await src.readRows(0, src.rows);
        const codes = Uint16Array.from(x, (v) => float32ToFp16(v));
        const simd = new NetworkSelector(k, PATTERNS);
        const js = new NetworkSelector(k, PATTERNS, undefined, { simd: false });
        const fast = new RowContext(k);
        const ref = new RowContext(k);
        const bits = new Int32Array(x.buffer, x.byteOffset, x.length);
        const squares = squareTable('F16');
        for (let t = 0; t < src.rows; t++) {
          // codes: row summary and selection
          const { energy, nonzeros } = simd.loadHalfSimd(codes, t * k, 'F16', fast.nonzeroWords);
          ref.loadHalf(t, codes, t * k, squares);
          simd.selectLoadedHalf();
          js.selectHalf(codes, t * k, ref.x2, halfNanAbove('F16'));
          if (energy !== ref.energy || nonzeros !== ref.nonzeros || !same(fast.nonzeroWords, ref.nonzeroWords)) mismatches++;
          PATTERNS.forEach((_, i) => {
            if (!same(simd.words[i], js.words[i]) || simd.dropped[i] !== js.dropped[i]) mismatches++;
          });
          // float32 rows
          ref.load(t, x, t * k);
          simd.select(bits, t * k, ref.x2);
          js.select(bits, t * k, ref.x2);
          PATTERNS.forEach((_, i) => {
            if (!same(simd.words[i], js.words[i]) || simd.dropped[i] !== js.dropped[i]) mismatches++;
          });
          rows++;
        }
      }
    } finally {
      await bundle.close();
    }
    expect(rows).toBeGreaterThan(1000);
    expect(mismatches).toBe(0);
  });
});
