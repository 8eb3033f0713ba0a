/**
 * dpts's η_t — the lower median of a row — for the fast lanes (scored-lane.ts), by radix
 * selection instead of sparsity/mitigation/shift.ts `lowerMedian`'s quickselect (the
 * reference; tested equal to it bit for bit, −0 and +0 included, in
 * test/analysis/row-median.test.ts).
 *
 * - Each float32 is mapped to a signed int32 key whose order is the order of
 *   `Float32Array.prototype.sort` (−0 before +0): the bits themselves for a positive sign, the
 *   low 31 bits flipped for a negative one. The element at sorted position ⌊(K−1)/2⌋ in that order is what lowerMedian returns
 *   for a row without NaN: it returns the quickselected value unless that is a zero, and for a
 *   zero it returns −0 exactly when the position falls among the negatives and −0s — the same
 *   element the total order puts there.
 * - Digit passes (11, 11, 10 bits, high first): count the candidates' digits (the first count
 *   taken while the keys are made), find the digit holding the position, keep only its
 *   candidates; once ≤ 256 are left they are sorted. Branch-light counting where
 *   quickselect's partition mispredicts on every other element: about 8× faster on F16 rows
 *   (bench: 1.45 s → 0.18 s of CPU for the 182 MiB trace).
 * - A row holding NaN goes to lowerMedian (its rule for NaN is sort()'s, NaN last).
 */
import { lowerMedian } from '../sparsity/mitigation/shift.js';
import { ModuleBuilder, I32, F32, V128, SIMD_AVAILABLE } from '../wasm/assembler.js';

/** digit passes, high first; the first digit's top bit is flipped so negative keys count first */
const DIGITS = [
  { shift: 21, mask: 0x7ff, flip: 0x400 },
  { shift: 10, mask: 0x7ff, flip: 0 },
  { shift: 0, mask: 0x3ff, flip: 0 },
];

/** candidates left after a digit pass below this count are sorted instead of counted again */
const SORT_BELOW = 256;

export class RowMedian {
  /** int32 keys (a Uint32Array would hold values ≥ 2³¹ as doubles in V8) */
  private readonly keys: Int32Array;
  private readonly counts = new Int32Array(2048);
  private readonly out = new Float32Array(1);
  private readonly outBits = new Int32Array(this.out.buffer);
  private readonly fallback: Float32Array;

  constructor(k: number) {
    this.keys = new Int32Array(k);
    this.fallback = new Float32Array(k);
  }

  /** The lower median of x[offset … offset + k) (`bits`: x's Int32Array view), as lowerMedian. */
  median(x: Float32Array, bits: Int32Array, offset: number, k: number): number {
    const { keys, counts } = this;
    if (k === 0) return lowerMedian(x, k, offset, this.fallback);
    // pass 1: keys and the first digit's counts together
    counts.fill(0, 0, 2048);
    let nan = 0;
    for (let j = 0; j < k; j++) {
      const b = bits[offset + j];
      nan |= (0x7f800000 - (b & 0x7fffffff)) >>> 31; // |x| bits above +Inf's
      // signed key: b for b ≥ 0; negatives get their low 31 bits flipped (−0 → −1 < +0 → 0)
      const key = b ^ ((b >> 31) & 0x7fffffff);
      keys[j] = key;
      counts[(key >>> 21) ^ 0x400]++;
    }
    if (nan !== 0) return lowerMedian(x, k, offset, this.fallback);
    let rank = (k - 1) >>> 1;
    let n = k;
    for (let level = 0; level < DIGITS.length; level++) {
      const { shift, mask, flip } = DIGITS[level];
      if (level > 0) {
        if (n <= SORT_BELOW) break;
        counts.fill(0, 0, mask + 1);
        for (let i = 0; i < n; i++) counts[((keys[i] >>> shift) & mask) ^ flip]++;
      }
      let d = 0;
      while (rank >= counts[d]) rank -= counts[d++];
      if (counts[d] === n) continue; // every candidate shares this digit
      let m = 0;
      for (let i = 0; i < n; i++) {
        const key = keys[i];
        if ((((key >>> shift) & mask) ^ flip) === d) keys[m++] = key;
      }
      n = m;
    }
    // the candidates share every digit passed; a few left are sorted (numeric int32 order)
    const key = n > 1 ? keys.subarray(0, n).sort()[rank] : keys[rank];
    this.outBits[0] = key ^ ((key >> 31) & 0x7fffffff);
    return this.out[0];
  }
}

const medianModules = new Map<boolean, WebAssembly.Module>();

/**
 * The same selection in WebAssembly (wasm/assembler.ts), all three digit passes (no sort):
 * median(src, k, keys, counts) → the median's key; at address 0 an i32 flag, 1 when the row
 * holds NaN (the caller then takes lowerMedian). With SIMD the first pass makes four keys, their
 * NaN test and their first digits per step (the counts still one by one); the rest of the row
 * (K mod 4) and every later pass are scalar.
 */
function emitMedian(simd: boolean): WebAssembly.Module {
  const cached = medianModules.get(simd);
  if (cached) return cached;
  const m = new ModuleBuilder();
  const f = m.func('median', [I32, I32, I32, I32], [I32]);
  const [SRC, K, KEYS, COUNTS] = [0, 1, 2, 3];
  const [j, b, key, nan, rank, n, d, c, cnt] = Array.from({ length: 9 }, () => f.local(I32));
  const zero = (buckets: number) => f.for(j, 0, buckets * 4, 4, () => f.get(COUNTS).get(j).op('i32.add').i32(0).op('i32.store'));
  const at = (base: number, i: number) => f.get(base).get(i).i32(2).op('i32.shl').op('i32.add');
  const digit = (shift: number, mask: number, flip: number) => {
    f.get(key).i32(shift).op('i32.shr_u').i32(mask).op('i32.and');
    if (flip) f.i32(flip).op('i32.xor');
  };
  const count = () => {
    // counts[digit]++ (digit on the stack) → COUNTS + 4·digit
    f.i32(2).op('i32.shl').get(COUNTS).op('i32.add').tee(c).get(c).op('i32.load').i32(1).op('i32.add').op('i32.store');
  };
  // counts are all zero on entry (a new memory is) and left so: each pass clears the buckets it
  // used (the filter below), instead of zeroing 2048 buckets three times a row
  f.i32(0).set(nan);
  const k4 = f.local(I32);
  if (simd) {
    const [v, keyV, dV, nanV] = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
    f.get(K).i32(-4).op('i32.and').set(k4);
    f.for(j, 0, () => f.get(k4), 4, () => {
      at(SRC, j).op('v128.load', 0, 0).set(v);
      // a lane's sign set: |x| bits above +Inf's (NaN)
      f.get(nanV).v128i32(0x7f800000, 0x7f800000, 0x7f800000, 0x7f800000).get(v).v128i32(0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff).op('v128.and').op('i32x4.sub').op('v128.or').set(nanV);
      f.get(v).get(v).i32(31).op('i32x4.shr_s').v128i32(0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff).op('v128.and').op('v128.xor').set(keyV);
      at(KEYS, j).get(keyV).op('v128.store', 0, 0);
      const { shift, mask, flip } = DIGITS[0];
      f.get(keyV).i32(shift).op('i32x4.shr_u').v128i32(mask, mask, mask, mask).op('v128.and').v128i32(flip, flip, flip, flip).op('v128.xor').set(dV);
      for (let lane = 0; lane < 4; lane++) {
        f.get(dV).op('i32x4.extract_lane', lane);
        count();
      }
    });
    f.get(nanV).op('i32x4.bitmask').i32(0).op('i32.ne').set(nan);
  } else f.i32(0).set(k4);
  f.for(j, () => f.get(k4), () => f.get(K), 1, () => {
    at(SRC, j).op('i32.load').set(b);
    f.get(nan).i32(0x7f800000).get(b).i32(0x7fffffff).op('i32.and').op('i32.sub').i32(31).op('i32.shr_u').op('i32.or').set(nan);
    f.get(b).get(b).i32(31).op('i32.shr_s').i32(0x7fffffff).op('i32.and').op('i32.xor').set(key);
    at(KEYS, j).get(key).op('i32.store');
    digit(DIGITS[0].shift, DIGITS[0].mask, DIGITS[0].flip);
    count();
  });
  f.i32(0).get(nan).op('i32.store');
  f.get(nan).if();
  zero(2048);
  f.i32(0).op('return').end();
  f.get(K).i32(1).op('i32.sub').i32(1).op('i32.shr_u').set(rank);
  f.get(K).set(n);
  DIGITS.forEach(({ shift, mask, flip }, level) => {
    if (level > 0) {
      f.for(j, 0, () => f.get(n), 1, () => {
        at(KEYS, j).op('i32.load').set(key);
        digit(shift, mask, flip);
        count();
      });
    }
    // d: the digit holding the rank; first four buckets a step (bucket counts are multiples of 4)
    f.i32(0).set(d);
    f.block().loop();
    at(COUNTS, d).op('i32.load').get(d).i32(2).op('i32.shl').get(COUNTS).op('i32.add').tee(c).op('i32.load', 4).op('i32.add');
    f.get(c).op('i32.load', 8).op('i32.add').get(c).op('i32.load', 12).op('i32.add').tee(cnt).get(rank).op('i32.gt_u').brIf(1);
    f.get(rank).get(cnt).op('i32.sub').set(rank);
    f.get(d).i32(4).op('i32.add').set(d).br(0);
    f.end().end();
    f.block().loop();
    at(COUNTS, d).op('i32.load').tee(cnt).get(rank).op('i32.gt_u').brIf(1);
    f.get(rank).get(cnt).op('i32.sub').set(rank);
    f.get(d).i32(1).op('i32.add').set(d).br(0);
    f.end().end();
    // keep the candidates with digit d (unless every candidate has it)
    f.get(cnt).get(n).op('i32.ne').if();
    f.i32(0).set(c);
    f.for(j, 0, () => f.get(n), 1, () => {
      at(KEYS, j).op('i32.load').set(key);
      digit(shift, mask, flip);
      f.tee(b);
      // its bucket cleared for the next pass (b: the digit)
      at(COUNTS, b).i32(0).op('i32.store');
      f.get(d).op('i32.eq').if();
      at(KEYS, c).get(key).op('i32.store');
      f.get(c).i32(1).op('i32.add').set(c);
      f.end();
    });
    f.get(c).set(n);
    f.else();
    // every candidate in bucket d: the only bucket used
    at(COUNTS, d).i32(0).op('i32.store');
    f.end();
  });
  f.get(KEYS).op('i32.load');
  const mod = new WebAssembly.Module(m.bytes());
  medianModules.set(simd, mod);
  return mod;
}

let shiftModule: WebAssembly.Module | undefined;

/**
 * shift(src, n4, eta, dst): dst[j] = f32(src[j] − η) for n4 groups of four float32 (f32x4.sub:
 * the float32 difference rounded once, the same bits as Math.fround(x − η) in float64 — a sum
 * of two float32 is exact in float64 before its rounding to float32, Figueroa 1995).
 */
function emitShift(): WebAssembly.Module {
  if (shiftModule) return shiftModule;
  const m = new ModuleBuilder();
  const f = m.func('shift', [I32, I32, F32, I32], []);
  const [SRC, N4, ETA, DST] = [0, 1, 2, 3];
  const i = f.local(I32);
  const e = f.local(V128);
  f.get(ETA).op('f32x4.splat').set(e);
  f.for(i, 0, () => f.get(N4), 1, () => {
    f.get(DST).get(i).i32(4).op('i32.shl').op('i32.add');
    f.get(SRC).get(i).i32(4).op('i32.shl').op('i32.add').op('v128.load').get(e).op('f32x4.sub');
    f.op('v128.store');
  });
  shiftModule = new WebAssembly.Module(m.bytes());
  return shiftModule;
}

/** RowMedian in WebAssembly (tested equal to it and to lowerMedian); owns its memory. */
export class WasmRowMedian {
  private readonly src: Int32Array;
  private readonly flag: Int32Array;
  private readonly run: (src: number, k: number, keys: number, counts: number) => number;
  private readonly ptr: { src: number; keys: number; counts: number; z: number };
  private readonly runShift: ((src: number, n4: number, eta: number, dst: number) => void) | null;
  private readonly z: Float32Array;
  /** the row now in the kernel's memory (x and offset of the last median() without NaN), for shift() */
  private lastX: Float32Array | null = null;
  private lastOffset = -1;
  private readonly out = new Float32Array(1);
  private readonly outBits = new Int32Array(this.out.buffer);
  private readonly fallback: Float32Array;

  constructor(k: number) {
    const src = 16;
    const keys = src + 4 * k;
    const counts = keys + 4 * k;
    const z = counts + 4 * 2048;
    const bytes = z + 16 * Math.ceil(k / 4);
    this.ptr = { src, keys, counts, z };
    const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) + 1 });
    const instance = new WebAssembly.Instance(emitMedian(SIMD_AVAILABLE), { env: { memory } });
    this.run = instance.exports.median as WasmRowMedian['run'];
    this.runShift = SIMD_AVAILABLE ? (new WebAssembly.Instance(emitShift(), { env: { memory } }).exports.shift as WasmRowMedian['runShift']) : null;
    const buf = memory.buffer as ArrayBuffer;
    this.src = new Int32Array(buf, src, k);
    this.z = new Float32Array(buf, z, k);
    this.flag = new Int32Array(buf, 0, 1);
    this.fallback = new Float32Array(k);
  }

  /** The lower median of x[offset … offset + k), as lowerMedian. */
  median(x: Float32Array, bits: Int32Array, offset: number, k: number): number {
    if (k === 0) return lowerMedian(x, k, offset, this.fallback);
    this.src.set(bits.subarray(offset, offset + k));
    const key = this.run(this.ptr.src, k, this.ptr.keys, this.ptr.counts);
    if (this.flag[0] !== 0) {
      this.lastX = null;
      return lowerMedian(x, k, offset, this.fallback);
    }
    this.lastX = x;
    this.lastOffset = offset;
    this.outBits[0] = key ^ ((key >> 31) & 0x7fffffff);
    return this.out[0];
  }

  /**
   * z[zOffset + j] = f32(x[offset + j] − η) for the row of the last median() call, from its copy
   * in the kernel's memory (SIMD); false (nothing written) for another row, a row holding NaN, or
   * without SIMD — the caller then subtracts in JavaScript.
   */
  shift(x: Float32Array, offset: number, k: number, eta: number, z: Float32Array, zOffset: number): boolean {
    if (!this.runShift || x !== this.lastX || offset !== this.lastOffset || k !== this.src.length || Math.fround(eta) !== eta) return false;
    this.runShift(this.ptr.src, Math.ceil(k / 4), eta, this.ptr.z);
    z.set(this.z, zOffset);
    return true;
  }
}
