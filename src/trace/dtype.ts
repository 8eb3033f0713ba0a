/**
 * Element types of trace tensors and their decoding to float32.
 *
 * - F32: IEEE 754 binary32, little-endian.
 * - F16: IEEE 754 binary16, little-endian; decoded through a 65,536-entry lookup table.
 * - BF16: the top 16 bits of a binary32 (bfloat16); decoded by a 16-bit left shift.
 * - U8: raw bytes; used only for bit-packed keep-masks (see mask.ts).
 *
 * The encoders (for the writer) round to nearest, ties to even, keep subnormals, saturate to
 * ±Inf on overflow and keep NaN a NaN.
 */
export const DTYPES = ['F32', 'F16', 'BF16', 'U8'] as const;
export type DType = (typeof DTYPES)[number];

export function isDType(s: string): s is DType {
  return (DTYPES as readonly string[]).includes(s);
}

/** Bytes per element. */
export const DTYPE_BYTES: Record<DType, number> = { F32: 4, F16: 2, BF16: 2, U8: 1 };

export const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/** binary16 code → binary32 bit pattern (exact: every half value is a float). */
function fp16BitsToFp32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  let mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0; // Inf, NaN (payload kept)
  if (exp !== 0) return (sign | ((exp - 15 + 127) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0; // ±0
  // subnormal: normalise the mantissa
  let e = -14;
  while ((mant & 0x400) === 0) {
    mant <<= 1;
    e -= 1;
  }
  return (sign | ((e + 127) << 23) | ((mant & 0x3ff) << 13)) >>> 0;
}

/** FP16_TO_F32[code] is the value of the binary16 code as a float32. */
export const FP16_TO_F32: Float32Array = (() => {
  const table = new Float32Array(65536);
  const bits = new Uint32Array(table.buffer);
  for (let h = 0; h < 65536; h++) bits[h] = fp16BitsToFp32Bits(h);
  return table;
})();

export function fp16ToFloat32(code: number): number {
  return FP16_TO_F32[code & 0xffff];
}

export function bf16ToFloat32(code: number): number {
  scratchU32[0] = (code & 0xffff) << 16;
  return scratchF32[0];
}

/** float32 → binary16 code, round to nearest even; subnormals kept; overflow → ±Inf. */
export function float32ToFp16(value: number): number {
  scratchF32[0] = value;
  const x = scratchU32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return mant !== 0 ? sign | 0x7e00 | (mant >>> 13) : sign | 0x7c00;
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // half subnormal: value = m24 · 2^(exp−150), half unit 2^−24 → shift by 14 − e
    if (e < -10) return sign; // below half the smallest subnormal: ±0
    const m24 = mant | 0x800000;
    const shift = 14 - e;
    let s = m24 >>> shift;
    const rem = m24 & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (s & 1) === 1)) s += 1;
    return sign | s;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h += 1; // may carry into the exponent (→ Inf)
  return sign | h;
}

/** float32 → bfloat16 code, round to nearest even; NaN stays NaN. */
export function float32ToBf16(value: number): number {
  scratchF32[0] = value;
  const x = scratchU32[0];
  if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0) return ((x >>> 16) | 0x40) & 0xffff;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/**
 * Decodes `count` elements of `dtype` from little-endian bytes `src` into `out[outOffset…]`.
 * `src` must hold at least count × DTYPE_BYTES[dtype] bytes.
 */
export function decodeToFloat32(src: Uint8Array, dtype: DType, count: number, out: Float32Array, outOffset = 0): void {
  switch (dtype) {
    case 'F32': {
      if (LITTLE_ENDIAN_HOST && src.byteOffset % 4 === 0) {
        out.set(new Float32Array(src.buffer, src.byteOffset, count), outOffset);
      } else {
        const view = new DataView(src.buffer, src.byteOffset, count * 4);
        for (let i = 0; i < count; i++) out[outOffset + i] = view.getFloat32(i * 4, true);
      }
      return;
    }
    case 'F16': {
      const table = FP16_TO_F32;
      if (LITTLE_ENDIAN_HOST && src.byteOffset % 2 === 0) {
        const codes = new Uint16Array(src.buffer, src.byteOffset, count);
        for (let i = 0; i < count; i++) out[outOffset + i] = table[codes[i]];
      } else {
        for (let i = 0; i < count; i++) out[outOffset + i] = table[src[2 * i] | (src[2 * i + 1] << 8)];
      }
      return;
    }
    case 'BF16': {
      // write the bit patterns straight into the output's memory
      const bits = new Uint32Array(out.buffer, out.byteOffset + outOffset * 4, count);
      if (LITTLE_ENDIAN_HOST && src.byteOffset % 2 === 0) {
        const codes = new Uint16Array(src.buffer, src.byteOffset, count);
        for (let i = 0; i < count; i++) bits[i] = codes[i] << 16;
      } else {
        for (let i = 0; i < count; i++) bits[i] = ((src[2 * i] | (src[2 * i + 1] << 8)) << 16) >>> 0;
      }
      return;
    }
    case 'U8': {
      for (let i = 0; i < count; i++) out[outOffset + i] = src[i];
      return;
    }
  }
}

/** Encodes float32 values (or mask bytes for U8) as little-endian bytes of `dtype`. */
export function encodeFromFloat32(data: Float32Array | Uint8Array, dtype: DType): Uint8Array {
  const n = data.length;
  const out = new Uint8Array(n * DTYPE_BYTES[dtype]);
  const view = new DataView(out.buffer);
  switch (dtype) {
    case 'F32':
      for (let i = 0; i < n; i++) view.setFloat32(i * 4, data[i], true);
      break;
    case 'F16':
      for (let i = 0; i < n; i++) view.setUint16(i * 2, float32ToFp16(data[i]), true);
      break;
    case 'BF16':
      for (let i = 0; i < n; i++) view.setUint16(i * 2, float32ToBf16(data[i]), true);
      break;
    case 'U8':
      for (let i = 0; i < n; i++) out[i] = data[i];
      break;
  }
  return out;
}
