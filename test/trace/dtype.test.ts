import fc from 'fast-check';
import { FP16_TO_F32, bf16ToFloat32, decodeToFloat32, encodeFromFloat32, float32ToBf16, float32ToFp16, fp16ToFloat32 } from '../../src/trace/dtype.js';

/**
 * An independent binary16 decoder, written from the IEEE 754 formula rather than by moving
 * bits: normal (−1)^s · 2^(e−15) · (1 + f/1024), subnormal (−1)^s · 2^(−14) · (f/1024),
 * e = 31: ±Inf (f = 0) or NaN.
 */
function halfByFormula(code: number): number {
  const s = code >> 15 ? -1 : 1;
  const e = (code >> 10) & 31;
  const f = code & 1023;
  if (e === 31) return f === 0 ? s * Infinity : NaN;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** The nearest half to v by brute force over all finite magnitudes (ties: even code); the sign is kept. */
function nearestHalfCode(v: number): number {
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  let best = 0;
  let bestErr = Infinity;
  for (let c = 0; c <= 0x7bff; c++) {
    const err = Math.abs(halfByFormula(c) - a);
    if (err < bestErr || (err === bestErr && (c & 1) === 0)) {
      best = c;
      bestErr = err;
    }
  }
  return sign | best;
}

describe('fp16 and bf16 decoding', () => {
  test('the fp16 table matches the IEEE formula on all 65,536 codes (signed zeros and NaNs included)', () => {
    let nans = 0;
    for (let c = 0; c < 65536; c++) {
      const want = halfByFormula(c);
      const got = FP16_TO_F32[c];
      if (Number.isNaN(want)) {
        expect(Number.isNaN(got)).toBe(true);
        nans++;
      } else if (!Object.is(got, want)) {
        throw new Error(`code 0x${c.toString(16)}: table ${got}, formula ${want}`);
      }
    }
    expect(nans).toBe(2 * 1023);
    expect(fp16ToFloat32(0x3c00)).toBe(1);
    expect(fp16ToFloat32(0x0001)).toBe(2 ** -24);
    expect(fp16ToFloat32(0x7bff)).toBe(65504);
    expect(Object.is(fp16ToFloat32(0x8000), -0)).toBe(true);
  });

  test('bf16 decoding is the top half of a float32: 1, −2, the smallest subnormal, Inf', () => {
    expect(bf16ToFloat32(0x3f80)).toBe(1);
    expect(bf16ToFloat32(0xc000)).toBe(-2);
    expect(bf16ToFloat32(0x0001)).toBe(2 ** -133);
    expect(bf16ToFloat32(0x7f80)).toBe(Infinity);
    expect(Number.isNaN(bf16ToFloat32(0x7fc0))).toBe(true);
  });

  test('decodeToFloat32 reads unaligned little-endian bytes the same as aligned ones', () => {
    const bytes = new Uint8Array([0xff, 0x00, 0x3c, 0x00, 0xc0, 0x00, 0x80, 0x3f]); // offset 1: F16 1, −2 ; BF16 …
    const out = new Float32Array(2);
    decodeToFloat32(bytes.subarray(1, 5), 'F16', 2, out);
    expect(Array.from(out)).toEqual([1, -2]);
    decodeToFloat32(bytes.subarray(5, 7), 'BF16', 1, out);
    expect(out[0]).toBe(bf16ToFloat32(0x8000));
    const f32 = new Uint8Array(9);
    new DataView(f32.buffer).setFloat32(1, -1.5, true);
    decodeToFloat32(f32.subarray(1), 'F32', 1, out);
    expect(out[0]).toBe(-1.5);
  });
});

describe('float32 → fp16 / bf16 encoding', () => {
  test('every non-NaN half code survives decode → encode unchanged', () => {
    for (let c = 0; c < 65536; c++) {
      if (Number.isNaN(FP16_TO_F32[c])) continue;
      if (float32ToFp16(FP16_TO_F32[c]) !== c) throw new Error(`code 0x${c.toString(16)} re-encodes as 0x${float32ToFp16(FP16_TO_F32[c]).toString(16)}`);
    }
  });

  test('float32ToFp16 picks the nearest half, ties to even (brute force over all finite halves)', () => {
    fc.assert(
      fc.property(fc.float({ min: -65504, max: 65504, noNaN: true, noDefaultInfinity: true }), (v) => {
        const f = Math.fround(v);
        expect(float32ToFp16(f)).toBe(nearestHalfCode(f));
      }),
      { numRuns: 60 },
    );
  });

  test('fp16 encoding handles the edges: subnormal ties, overflow to Inf, NaN stays NaN', () => {
    expect(float32ToFp16(2 ** -25)).toBe(0); // exactly half the smallest subnormal: tie → even (0)
    expect(float32ToFp16(Math.fround(2 ** -25 * 1.0001))).toBe(1);
    expect(float32ToFp16(3 * 2 ** -25)).toBe(2); // 1.5 units: tie → even (2)
    expect(float32ToFp16(65520)).toBe(0x7c00); // halfway to 2^16 rounds up to Inf
    expect(float32ToFp16(65519)).toBe(0x7bff);
    expect(float32ToFp16(-1e9)).toBe(0xfc00);
    expect(Number.isNaN(fp16ToFloat32(float32ToFp16(NaN)))).toBe(true);
  });

  test('float32ToBf16 rounds to nearest even and keeps every bf16 value exactly', () => {
    for (let c = 0; c < 65536; c++) {
      const v = bf16ToFloat32(c);
      if (Number.isNaN(v)) expect(Number.isNaN(bf16ToFloat32(float32ToBf16(v)))).toBe(true);
      else if (float32ToBf16(v) !== c) throw new Error(`bf16 0x${c.toString(16)}`);
    }
    expect(float32ToBf16(1 + 2 ** -8)).toBe(0x3f80); // tie → even
    expect(float32ToBf16(1 + 3 * 2 ** -8)).toBe(0x3f82); // tie → even (up)
    expect(float32ToBf16(Math.fround(1 + 2 ** -8 + 2 ** -20))).toBe(0x3f81);
  });

  test('encodeFromFloat32 writes little-endian bytes that decodeToFloat32 reads back', () => {
    const v = new Float32Array([1, -2, 0.5, 65504]);
    for (const dtype of ['F32', 'F16', 'BF16'] as const) {
      const out = new Float32Array(4);
      decodeToFloat32(encodeFromFloat32(v, dtype), dtype, 4, out);
      expect(Array.from(out)).toEqual(dtype === 'BF16' ? [1, -2, 0.5, 65536] : [1, -2, 0.5, 65504]);
    }
    expect(Array.from(encodeFromFloat32(new Float32Array([1]), 'F16'))).toEqual([0x00, 0x3c]);
  });
});
