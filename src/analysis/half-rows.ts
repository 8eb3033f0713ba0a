/**
 * Rows stored as F16 or BF16 can skip decoding: the magnitude order of such values is the
 * integer order of (bits & 0x7fff) (sign dropped; NaN codes lie above +Inf), and x² comes from a
 * 65,536-entry table of the decoded value squared — the same float64 numbers the float32 path
 * computes, so results are identical. Used by the fast lane when nothing else needs float rows.
 */
import { FP16_TO_F32, bf16ToFloat32 } from '../trace/dtype.js';

export type HalfDtype = 'F16' | 'BF16';

const squareTables = new Map<HalfDtype, Float64Array>();

/** SQ[code] = value(code)² in float64 (value decoded to float32 first, as readRows does). */
export function squareTable(dtype: HalfDtype): Float64Array {
  let t = squareTables.get(dtype);
  if (!t) {
    t = new Float64Array(65536);
    for (let c = 0; c < 65536; c++) {
      const v = dtype === 'F16' ? FP16_TO_F32[c] : bf16ToFloat32(c);
      t[c] = v * v;
    }
    squareTables.set(dtype, t);
  }
  return t;
}

/** |x| codes above this are NaN: F16 exponent 0x1f with a mantissa, BF16 exponent 0xff with one. */
export function halfNanAbove(dtype: HalfDtype): number {
  return dtype === 'F16' ? 0x7c00 : 0x7f80;
}
