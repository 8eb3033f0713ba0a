/**
 * RowMedian (dpts's η for the fast lanes) against sparsity/mitigation/shift.ts lowerMedian, the
 * reference, and against an independent derivation: Float32Array.prototype.sort (−0 before +0,
 * NaN last) of a copy, element ⌊(K−1)/2⌋. Compared with Object.is, so −0 and +0 differ.
 */
import { RowMedian, WasmRowMedian } from '../../src/analysis/row-median.js';
import { lowerMedian } from '../../src/sparsity/mitigation/shift.js';
import { bf16ToFloat32 } from '../../src/trace/dtype.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

function sortedMedian(x: Float32Array): number {
  return Float32Array.from(x).sort()[(x.length - 1) >>> 1];
}

/** RowMedian's and WasmRowMedian's answers, the row at an offset inside a larger buffer as in a chunk */
function fast(x: Float32Array): [number, number] {
  const buf = new Float32Array(x.length + 5);
  buf.set(x, 3);
  const bits = new Int32Array(buf.buffer);
  return [new RowMedian(x.length).median(buf, bits, 3, x.length), new WasmRowMedian(x.length).median(buf, bits, 3, x.length)];
}

describe('RowMedian and WasmRowMedian (radix selection of the lower median)', () => {
  test('returns lowerMedian’s value, bit for bit, on hand-made rows of zeros of both signs, infinities, subnormals and NaN', () => {
    const rows: number[][] = [
      [5],
      [2, 1],
      [1, 2, 3],
      [-0, 0],
      [0, -0],
      [0, -0, 0],
      [-0, -0, 0, 0],
      [0, 0, -0, 1],
      [-1, 0, -0, 0],
      [3, -Infinity, Infinity, 1e-45, -1e-45],
      [1e-45, -1e-45, 0, -0],
      [NaN, 1, 2],
      [1, NaN, -1, NaN],
      [-2, -2, -2, -2, 7],
      [4, 4, 4, 4],
    ];
    const expected = [5, 1, 2, -0, -0, 0, -0, 0, -0, 1e-45, -0, 2, 1, -2, 4];
    rows.forEach((r, i) => {
      const x = Float32Array.from(r);
      const want = Math.fround(expected[i]);
      expect(Object.is(sortedMedian(x), want)).toBe(true);
      expect(Object.is(lowerMedian(x, x.length), want)).toBe(true);
      const [js, wasm] = fast(x);
      expect(Object.is(js, want)).toBe(true);
      expect(Object.is(wasm, want)).toBe(true);
    });
  });

  test('returns lowerMedian’s value on 2,000 random rows of widths 1 to 11,008 from F16-like, BF16 and float32 values with heavy ties', () => {
    const rand = lcg(17);
    const widths = [1, 2, 3, 4, 7, 32, 33, 100, 4096, 11008];
    let checked = 0;
    let zeros = 0;
    for (let i = 0; i < 2000; i++) {
      const k = i < 1900 ? widths[i % 8] : widths[8 + (i % 2)];
      const kind = i % 4;
      const x = new Float32Array(k);
      for (let j = 0; j < k; j++) {
        const g = (rand() - 0.5) * Math.exp(rand() * 8 - 4);
        if (kind === 0) x[j] = bf16ToFloat32(Math.floor(rand() * 65536) & 0xbfff); // finite BF16 codes, both signs
        else if (kind === 1) x[j] = [0, -0, 0.5, -0.5, 1][Math.floor(rand() * 5)]; // ties and zeros
        else if (kind === 2) x[j] = Math.round(g * 1024) / 1024; // F16-like grid
        else x[j] = g;
      }
      const want = sortedMedian(x);
      if (want === 0) zeros++;
      expect(Object.is(lowerMedian(x, k), want)).toBe(true);
      const [js, wasm] = fast(x);
      expect(Object.is(js, want)).toBe(true);
      expect(Object.is(wasm, want)).toBe(true);
      checked++;
    }
    expect(checked).toBe(2000);
    expect(zeros).toBeGreaterThan(50); // the −0/+0 rule was exercised
  });
});

describe('WasmRowMedian reused row after row (its buckets cleared by each pass, not zeroed per row)', () => {
  test('one instance over 600 rows — NaN rows, constant rows, ties, F16-like and float32 values — returns lowerMedian’s value for each', () => {
    const rand = lcg(4242);
    for (const k of [1, 5, 96, 1000]) {
      const med = new WasmRowMedian(k);
      const fallback = new Float32Array(k);
      for (let r = 0; r < 150; r++) {
        const x = new Float32Array(k);
        const kind = r % 5;
        for (let j = 0; j < k; j++) {
          const v = (rand() - 0.5) * 2 ** Math.floor(rand() * 20 - 10);
          x[j] = kind === 0 ? 3 : kind === 1 ? Math.fround(Math.round(v * 64) / 64) : v;
        }
        if (kind === 2 && k > 1) x[Math.floor(rand() * k)] = NaN;
        const got = med.median(x, new Int32Array(x.buffer), 0, k);
        const want = lowerMedian(x, k, 0, fallback);
        expect(Object.is(got, want) || (Number.isNaN(got) && Number.isNaN(want))).toBe(true);
      }
    }
  });
});

describe('WasmRowMedian’s NaN test on every position of a row (the four-wide first pass and its scalar rest)', () => {
  test('a NaN of either sign at any position of rows of widths 1 to 13 gives lowerMedian’s value and no z from shift', () => {
    // a negative NaN's key ranks first, where sort() puts NaN last: only the NaN flag sends such a
    // row to lowerMedian (rows with a negative NaN first are counted: the case is exercised)
    let negativeNanFirst = 0;
    for (let k = 1; k <= 13; k++) {
      const med = new WasmRowMedian(k);
      const fallback = new Float32Array(k);
      for (let at = 0; at < k; at++) {
        for (const nanBits of [0x7fc00000, 0xffc00000 | 0, 0xff800001 | 0]) {
          const x = Float32Array.from({ length: k }, (_, j) => j - k / 2 + 0.5);
          const bits = new Int32Array(x.buffer);
          bits[at] = nanBits;
          const got = med.median(x, bits, 0, k);
          const want = lowerMedian(x, k, 0, fallback);
          expect(Object.is(got, want) || (Number.isNaN(got) && Number.isNaN(want))).toBe(true);
          expect(med.shift(x, 0, k, want, new Float32Array(k), 0)).toBe(false);
          if (nanBits < 0 && at === 0 && k > 1) negativeNanFirst++;
        }
      }
    }
    expect(negativeNanFirst).toBe(24);
  });
});

describe('WasmRowMedian.shift (dpts’s z = x − η from the row in the kernel’s memory)', () => {
  test('writes Math.fround(x − η) bit for bit for widths that are and are not multiples of four, and only for the row just medianed', () => {
    const rand = lcg(99);
    for (const k of [1, 3, 4, 7, 64, 131]) {
      const x = new Float32Array(2 * k + 2);
      for (let i = 0; i < x.length; i++) {
        const r = rand();
        // large and tiny magnitudes, subnormals, zeros of both signs: differences that round
        x[i] = r < 0.05 ? 0 : r < 0.1 ? -0 : r < 0.15 ? (rand() - 0.5) * 1e-40 : (rand() - 0.5) * 2 ** Math.floor(rand() * 60 - 30);
      }
      const bits = new Int32Array(x.buffer);
      const med = new WasmRowMedian(k);
      const off = k + 1;
      const eta = med.median(x, bits, off, k);
      expect(eta).toBe(lowerMedian(x, k, off, new Float32Array(k)));
      const z = new Float32Array(k + 2).fill(7);
      expect(med.shift(x, off, k, eta, z, 1)).toBe(true);
      const want = new Float32Array(k + 2).fill(7);
      for (let j = 0; j < k; j++) want[1 + j] = x[off + j] - eta;
      expect(Array.from(new Uint32Array(z.buffer))).toEqual(Array.from(new Uint32Array(want.buffer)));
      // another row (offset 0) is not in the kernel's memory: nothing written
      expect(med.shift(x, 0, k, eta, z, 1)).toBe(false);
      // a row holding NaN went to the reference median: the caller subtracts itself
      x[off] = NaN;
      med.median(x, bits, off, k);
      expect(med.shift(x, off, k, eta, z, 1)).toBe(false);
    }
  });
});
