/**
 * attendHead (src/capture/forward.ts: scores and their maximum in one pass, no per-token fill of
 * the score scratch) gives bit for bit the output of the three-pass attention it replaced, kept
 * here verbatim as the reference: scores filled with 0 and accumulated four channels per pass
 * over the positions (pairs for the rest), the maximum in its own pass, then softmax and the
 * value sums four channels per pass. Random float32 caches of several head sizes (4-multiples and
 * not), positions 1 … seq_len, random scales of the scores (softmax near-uniform to one-hot).
 * The WebAssembly SIMD version (src/capture/attention-wasm.ts) against the same reference.
 */
import fc from 'fast-check';
import { attendHead } from '../../src/capture/forward.js';
import { expNonPositive, INV_STEP, STEP, UNDERFLOW } from '../../src/capture/exp.js';
import { SAFE_EXPONENT_BITS_ABOVE, WasmAttention, WasmLayerAttention, WASM_ATTENTION_AVAILABLE } from '../../src/capture/attention-wasm.js';

function referenceHead(
  q: Float32Array, qo: number, keys: Float32Array, values: Float32Array, ko: number,
  hs: number, n: number, seqLen: number, scale: number, att: Float32Array,
): void {
  const scores = new Float64Array(seqLen).fill(Number.NaN); // stale contents must not matter
  scores.fill(0, 0, n);
  let i = 0;
  for (; i + 4 <= hs; i += 4) {
    const q0 = q[qo + i] * scale, q1 = q[qo + i + 1] * scale, q2 = q[qo + i + 2] * scale, q3 = q[qo + i + 3] * scale;
    const r0 = (ko + i) * seqLen, r1 = r0 + seqLen, r2 = r1 + seqLen, r3 = r2 + seqLen;
    for (let p = 0; p < n; p++) scores[p] += q0 * keys[r0 + p] + q1 * keys[r1 + p] + q2 * keys[r2 + p] + q3 * keys[r3 + p];
  }
  for (; i < hs; i += 2) {
    const q0 = q[qo + i] * scale, q1 = q[qo + i + 1] * scale;
    const r0 = (ko + i) * seqLen, r1 = r0 + seqLen;
    for (let p = 0; p < n; p++) scores[p] += q0 * keys[r0 + p] + q1 * keys[r1 + p];
  }
  let max = -Infinity;
  for (let p = 0; p < n; p++) if (scores[p] > max) max = scores[p];
  let sum = 0;
  for (let p = 0; p < n; p++) {
    const e = expNonPositive(scores[p] - max);
    scores[p] = e;
    sum += e;
  }
  const inv = 1 / sum;
  for (let c = 0; c < hs; c++) {
    const row = (ko + c) * seqLen;
    let a = 0;
    for (let p = 0; p < n; p++) a += scores[p] * values[row + p];
    att[qo + c] = a * inv;
  }
}

const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('attention of one head', () => {
  test('equals the three-pass reference bit for bit on random caches (head sizes 2 … 48, 1 … 97 positions)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(2, 4, 6, 8, 10, 48),
        fc.integer({ min: 1, max: 97 }),
        fc.integer({ min: 0, max: 2 }),
        fc.double({ min: 0.01, max: 30, noNaN: true }),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        (hs, n, kvHead, scale, seed) => {
          const seqLen = 97;
          const kvDim = 3 * hs;
          let s = seed;
          const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
          const keys = Float32Array.from({ length: kvDim * seqLen }, rnd);
          const values = Float32Array.from({ length: kvDim * seqLen }, rnd);
          const q = Float32Array.from({ length: 2 * hs }, rnd);
          const qo = hs; // the second head of the query row
          const ko = kvHead * hs;
          const want = new Float32Array(2 * hs);
          referenceHead(q, qo, keys, values, ko, hs, n, seqLen, scale, want);
          const got = new Float32Array(2 * hs);
          const scratch = new Float64Array(seqLen).fill(Number.NaN);
          attendHead(q, qo, keys, values, ko, hs, n, seqLen, scale, scratch, new Float64Array(hs), got);
          expect(bits(got)).toEqual(bits(want));
          // the untouched first head stays 0: the output goes to att[qo …] only
          expect(Array.from(got.subarray(0, hs))).toEqual(new Array(hs).fill(0));
        },
      ),
      { numRuns: 300 },
    );
  });

  test('one position: the softmax weight is exactly 1, so the output is that position\'s values', () => {
    const keys = Float32Array.from([0.5, 0, -2, 0]);
    const values = Float32Array.from([0.25, 0, -1.5, 0]);
    const att = new Float32Array(2);
    attendHead(Float32Array.from([3, 4]), 0, keys, values, 0, 2, 1, 2, 0.5, new Float64Array(2), new Float64Array(2), att);
    expect(Array.from(att)).toEqual([0.25, -1.5]);
  });
});

(WASM_ATTENTION_AVAILABLE ? describe : describe.skip)('attention of one head in WebAssembly SIMD', () => {
  test('equals the three-pass reference bit for bit (head sizes 2 … 48, odd and even position counts, odd seq_len)', () => {
    const kernels = new Map<string, WasmAttention>();
    fc.assert(
      fc.property(
        fc.constantFrom(2, 4, 6, 8, 10, 48),
        fc.constantFrom(97, 64),
        fc.integer({ min: 1, max: 97 }),
        fc.integer({ min: 0, max: 2 }),
        fc.double({ min: 0.01, max: 30, noNaN: true }),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        (hs, seqLen, nRaw, kvHead, scale, seed) => {
          const n = Math.min(nRaw, seqLen);
          const kvDim = 3 * hs;
          let s = seed;
          const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
          const keys = Float32Array.from({ length: kvDim * seqLen }, rnd);
          const values = Float32Array.from({ length: kvDim * seqLen }, rnd);
          const q = Float32Array.from({ length: 2 * hs }, rnd);
          const want = new Float32Array(2 * hs);
          referenceHead(q, hs, keys, values, kvHead * hs, hs, n, seqLen, scale, want);
          const key = `${hs}/${seqLen}`;
          if (!kernels.has(key)) kernels.set(key, new WasmAttention(hs, seqLen, kvDim));
          const k = kernels.get(key)!;
          k.load(keys, values, n);
          const got = new Float32Array(2 * hs);
          k.head(q, hs, kvHead * hs, n, scale, got);
          expect(bits(got)).toEqual(bits(want));
        },
      ),
      { numRuns: 300 },
    );
  });
});

(WASM_ATTENTION_AVAILABLE ? describe : describe.skip)('a whole layer\'s attention in one WebAssembly call', () => {
  /** attendHead (tested against the three-pass reference above) for every (row, head) of a chunk */
  function referenceLayer(q: Float32Array, keys: Float32Array, values: Float32Array, hs: number, nHeads: number, kv: number, T: number, startPos: number, seqLen: number, scale: number): Float32Array {
    const dim = nHeads * hs;
    const kvMul = nHeads / (kv / hs);
    const att = new Float32Array(T * dim);
    const scores = new Float64Array(seqLen);
    const qs = new Float64Array(hs);
    for (let t = 0; t < T; t++) {
      for (let h = 0; h < nHeads; h++) attendHead(q, t * dim + h * hs, keys, values, Math.floor(h / kvMul) * hs, hs, startPos + t + 1, seqLen, scale, scores, qs, att);
    }
    return att;
  }

  test('equals attendHead per token and head bit for bit (head sizes 2 … 48; 1, 2, 3 and 4 query heads per kv head; chunks from position 0 and mid-sequence; odd and even seq_len)', () => {
    const kernels = new Map<string, WasmLayerAttention>();
    let cases = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(2, 4, 6, 8, 10, 48),
        fc.constantFrom(1, 2, 3, 4),
        fc.constantFrom(1, 2),
        fc.constantFrom(37, 64),
        fc.integer({ min: 0, max: 63 }),
        fc.integer({ min: 1, max: 64 }),
        fc.double({ min: 0.01, max: 30, noNaN: true }),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        (hs, kvMul, nKv, seqLen, startRaw, tRaw, scale, seed) => {
          const startPos = Math.min(startRaw, seqLen - 1);
          const T = Math.min(tRaw, seqLen - startPos);
          const nHeads = nKv * kvMul;
          const kv = nKv * hs;
          const dim = nHeads * hs;
          let s = seed;
          const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
          const keys = Float32Array.from({ length: kv * seqLen }, rnd);
          const values = Float32Array.from({ length: kv * seqLen }, rnd);
          const q = Float32Array.from({ length: T * dim }, rnd);
          const want = referenceLayer(q, keys, values, hs, nHeads, kv, T, startPos, seqLen, scale);
          const key = `${hs}/${kvMul}/${nKv}/${seqLen}`;
          if (!kernels.has(key)) kernels.set(key, new WasmLayerAttention(hs, seqLen, kv, nHeads));
          const got = new Float32Array(T * dim + 3).fill(7); // rows past T stay untouched
          kernels.get(key)!.run(keys, values, q, T, startPos, scale, got);
          expect(bits(got.subarray(0, T * dim))).toEqual(bits(want));
          expect(Array.from(got.subarray(T * dim))).toEqual([7, 7, 7]);
          cases++;
        },
      ),
      { numRuns: 200 },
    );
    expect(cases).toBe(200);
  });

  test('a kernel reused after a longer chunk (stale positions beyond n in its memory) and one-position rows give attendHead\'s bits', () => {
    const hs = 8, nHeads = 8, kv = 32, seqLen = 33;
    const k = new WasmLayerAttention(hs, seqLen, kv, nHeads);
    let s = 99;
    const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 8 - 4;
    for (const [T, startPos] of [[33, 0], [5, 0], [1, 0], [2, 31], [4, 0]]) {
      const keys = Float32Array.from({ length: kv * seqLen }, rnd);
      const values = Float32Array.from({ length: kv * seqLen }, rnd);
      const q = Float32Array.from({ length: T * nHeads * hs }, rnd);
      const got = new Float32Array(T * nHeads * hs);
      k.run(keys, values, q, T, startPos, 1 / Math.sqrt(hs), got);
      expect(bits(got)).toEqual(bits(referenceLayer(q, keys, values, hs, nHeads, kv, T, startPos, seqLen, 1 / Math.sqrt(hs))));
    }
  });
});

(WASM_ATTENTION_AVAILABLE ? describe : describe.skip)('the softmax pass in WebAssembly', () => {
  test('each exp and the sum equal expNonPositive and a sequential float64 sum bit for bit, at Math.round\'s ties too', () => {
    // points where x·INV_STEP lands exactly on k + 0.5: JavaScript rounds them up, f64.nearest would not
    const ties: number[] = [];
    for (let k = 0; k < 60000 && ties.length < 400; k += 37) {
      const x = -(k + 0.5) * STEP;
      if (x * INV_STEP === -(k + 0.5)) ties.push(x);
    }
    expect(ties.length).toBeGreaterThan(100);
    let s = 7;
    const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const xs = [
      0, -0, -1e-300, -5e-324, UNDERFLOW, UNDERFLOW + 1e-10, UNDERFLOW - 1e-10, -800, -Infinity, Number.NaN, -0.5 * STEP, -0.49999999999999994 * STEP,
      ...ties,
      ...Array.from({ length: 2000 }, () => -rnd() * 760),
      ...Array.from({ length: 500 }, () => -rnd() * 1e-3),
    ];
    const kernel = new WasmAttention(2, xs.length, 2);
    // both parities of n: an odd n leaves a spare lane that must not reach the sum
    for (const [max, n] of [[0, xs.length], [1.5, xs.length], [0, xs.length - 1]]) {
      const got = Float64Array.from(xs.slice(0, n), (x) => x + max);
      const sum = kernel.softmaxInPlace(got, n, max);
      let want = 0;
      xs.slice(0, n).forEach((x, p) => {
        const e = expNonPositive(x + max - max);
        want += e;
        expect(Object.is(got[p], e)).toBe(true);
      });
      expect(Object.is(sum, want)).toBe(true);
    }
  });

  test('builds 2^e from its bits exactly where TWO_POW_E would be read: every table step from 0 to the underflow, both sides of the −708 switch', () => {
    // every k = round(x·64/ln2) from 0 down past the underflow bound (about 69,000 steps, each
    // e = k >> 6 of the normal range and the subnormal tail), then pairs that straddle the switch
    // to the table at x = −708 (one lane each side) and the subnormal range
    const xs: number[] = [];
    for (let k = 0; k * STEP < 760; k++) xs.push(-k * STEP, -(k + 0.3) * STEP);
    for (let i = 0; i < 200; i++) xs.push(SAFE_EXPONENT_BITS_ABOVE + (i % 2 ? 1 : -1) * i * 1e-3, -708.39 - i * 0.19);
    // Math.round's ties on the table side of the switch too
    let ties = 0;
    for (let k = 65400; k < 68800; k += 7) {
      const x = -(k + 0.5) * STEP;
      if (x * INV_STEP === -(k + 0.5)) xs.push(x, x), ties++;
    }
    expect(ties).toBeGreaterThan(100);
    const kernel = new WasmAttention(2, xs.length, 2);
    for (const n of [xs.length, xs.length - 1]) {
      const got = Float64Array.from(xs.slice(0, n));
      const sum = kernel.softmaxInPlace(got, n, 0);
      let want = 0;
      let mismatches = 0;
      xs.slice(0, n).forEach((x, p) => {
        const e = expNonPositive(x);
        want += e;
        if (!Object.is(got[p], e)) mismatches++;
      });
      expect(mismatches).toBe(0);
      expect(Object.is(sum, want)).toBe(true);
    }
    // the switch is safe: at x = −708, e = −1022, the lowest exponent with a normal 2^e
    expect(Math.round(SAFE_EXPONENT_BITS_ABOVE * INV_STEP) >> 6).toBe(-1022);
  });
});
