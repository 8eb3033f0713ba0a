/**
 * SwiGLU's gate, h = (a / (1 + exp(−a))) · u per element (a = W1·x, u = W3·x, float32 in and
 * out, float64 between), in WebAssembly SIMD, two elements per f64x2, with Math.exp reproduced
 * bit for bit: V8's Math.exp is fdlibm's __ieee754_exp (src/base/ieee754.cc, from FreeBSD's
 * e_exp.c; checked against Math.exp on random inputs in test/capture/silu-wasm.test.ts), whose
 * operations are all float64 +, −, ×, ÷ and exact power-of-two scalings, so lanes computing the
 * same operations give the same bits. Its four argument ranges per lane, selected branch-free:
 *   |x| < 2^−28:                 1 + x
 *   2^−28 ≤ |x| ≤ 0.5·ln2:       k = 0, 1 − ((x·c)/(c − 2) − x)
 *   0.5·ln2 < |x| < 1.5·ln2:     k = ±1, hi = x ∓ ln2HI, lo = ±ln2LO (= k·ln2HI, k·ln2LO exactly)
 *   1.5·ln2 ≤ |x| < LIMIT:       k = (int)(x/ln2 ± 0.5), hi = x − k·ln2HI, lo = k·ln2LO
 * then y = 1 − ((lo − (r·c)/(2 − c)) − hi) · 2^k with r = hi − lo, c = r − t·(P1 + t·(P2 + …)),
 * t = r². |x| ≥ LIMIT (fdlibm's overflow, underflow and subnormal-scaling branches), NaN and ±∞
 * are not computed here: the call reports them and the caller runs its JavaScript loop instead.
 */
import { ModuleBuilder, I32, V128, SIMD_AVAILABLE, type FunctionBuilder } from '../wasm/assembler.js';

const PAGE = 65536;
/** |x| below this: k ≥ −1020, so y·2^k is fdlibm's normal branch (2^k from its bits) */
export const SILU_EXP_LIMIT = 707;

// fdlibm e_exp.c constants
const LN2_HI = 6.93147180369123816490e-1;
const LN2_LO = 1.90821492927058770002e-10;
const INV_LN2 = 1.44269504088896338700;
const P1 = 1.66666666666666019037e-1;
const P2 = -2.77777777770155933842e-3;
const P3 = 6.61375632143793436117e-5;
const P4 = -1.65339022054652515390e-6;
const P5 = 4.13813679705723846039e-8;

function fromHighWord(hi: number): number {
  const v = new DataView(new ArrayBuffer(8));
  v.setUint32(0, hi >>> 0);
  return v.getFloat64(0);
}
/** high word > 0x3fd62e42 ⟺ |x| ≥ this (|x| > 0.5·ln2 in fdlibm's test) */
const REDUCE_FROM = fromHighWord(0x3fd62e43);
/** high word < 0x3ff0a2b2 ⟺ |x| < this (|x| < 1.5·ln2) */
const ONE_STEP_BELOW = fromHighWord(0x3ff0a2b2);
/** high word < 0x3e300000 ⟺ |x| < 2^−28 */
const TINY_BELOW = fromHighWord(0x3e300000);

const TWO_52_PLUS_BIAS = 2 ** 52 + 1023;

let compiled: WebAssembly.Module | undefined;

/**
 * Declares, in function f, the constants and temporaries of fdlibm's exp and returns an emitter:
 * exp(x, ax, e) sets local e to Math.exp of each lane of local x (ax = |x| already set), the same
 * bits where |x| < SILU_EXP_LIMIT (other lanes and NaN: garbage — the caller checks the range).
 * `k(value)` pushes one of the splatted constants (SILU_EXP_LIMIT among them).
 */
export function fdlibmExpEmitter(f: FunctionBuilder): { exp: (x: number, ax: number, e: number) => void; k: (value: number) => void } {
  const q = f.local(V128);
  const [mRed, mOne, kf, hi, lo, r, t, c, yab, yc] = Array.from({ length: 10 }, () => f.local(V128));
  // every constant splat once into a local
  const consts = new Map<number, number>();
  for (const v of [SILU_EXP_LIMIT, REDUCE_FROM, ONE_STEP_BELOW, TINY_BELOW, INV_LN2, 0.5, -0.5, 1, -1, 0, LN2_HI, LN2_LO, P1, P2, P3, P4, P5, 2, TWO_52_PLUS_BIAS]) {
    const local = f.local(V128);
    consts.set(v, local);
    f.f64(v).op('f64x2.splat').set(local);
  }
  const k = (value: number): void => {
    f.get(consts.get(value)!);
  };
  const exp = (x: number, ax: number, e: number): void => {
    f.get(ax); k(REDUCE_FROM); f.op('f64x2.ge').set(mRed);
    f.get(ax); k(ONE_STEP_BELOW); f.op('f64x2.lt').set(mOne);
    // k: ±1 (one step), (int)(x·invln2 ± 0.5) (general), 0 (no reduction); as float64
    k(-1); k(1); f.get(x); k(0); f.op('f64x2.lt').op('v128.bitselect'); // x < 0 ? −1 : 1
    f.get(x); k(INV_LN2); f.op('f64x2.mul');
    k(-0.5); k(0.5); f.get(x); k(0); f.op('f64x2.lt').op('v128.bitselect');
    f.op('f64x2.add').op('f64x2.trunc'); // C's (int) cast, kept as a float64 integer
    f.get(mOne).op('v128.bitselect');
    k(0); f.get(mRed).op('v128.bitselect').set(kf);
    // hi = x − k·ln2HI, lo = k·ln2LO, r = hi − lo
    f.get(x).get(kf); k(LN2_HI); f.op('f64x2.mul').op('f64x2.sub').set(hi);
    f.get(kf); k(LN2_LO); f.op('f64x2.mul').set(lo);
    f.get(hi).get(lo).op('f64x2.sub').set(r);
    f.get(r).get(r).op('f64x2.mul').set(t);
    // c = r − t·(P1 + t·(P2 + t·(P3 + t·(P4 + t·P5))))
    k(P4); f.get(t); k(P5); f.op('f64x2.mul').op('f64x2.add').set(c);
    k(P3); f.get(t).get(c).op('f64x2.mul').op('f64x2.add').set(c);
    k(P2); f.get(t).get(c).op('f64x2.mul').op('f64x2.add').set(c);
    k(P1); f.get(t).get(c).op('f64x2.mul').op('f64x2.add').set(c);
    f.get(r).get(t).get(c).op('f64x2.mul').op('f64x2.sub').set(c);
    // reduced lanes: y = (1 − ((lo − (r·c)/(2 − c)) − hi)) · 2^k
    f.get(r).get(c).op('f64x2.mul'); k(2); f.get(c).op('f64x2.sub').op('f64x2.div').set(q);
    k(1); f.get(lo).get(q).op('f64x2.sub').get(hi).op('f64x2.sub').op('f64x2.sub');
    // 2^k: the low 12 bits of the float64 2^52 + 1023 + k are k + 1023 (exact integer sum), << 52
    f.get(kf); k(TWO_52_PLUS_BIAS); f.op('f64x2.add').i32(52).op('i64x2.shl');
    f.op('f64x2.mul').set(yab);
    // k = 0 lanes: 1 − ((r·c)/(c − 2) − r) (r = x there); tiny lanes: 1 + x
    // (r·c)/(c − 2) is −q exactly (c − 2 = −(2 − c), and division rounds sign-symmetrically)
    k(1); f.get(q).op('f64x2.neg').get(r).op('f64x2.sub').op('f64x2.sub').set(yc);
    // e = reduced ? y : (tiny ? 1 + x : the k = 0 value)
    f.get(yab);
    k(1); f.get(x).op('f64x2.add');
    f.get(yc).get(ax); k(TINY_BELOW); f.op('f64x2.lt').op('v128.bitselect');
    f.get(mRed).op('v128.bitselect').set(e);
  };
  return { exp, k };
}

/** silu(g, u, out, n) → 1 where some element's |a| ≥ LIMIT or is NaN (out then incomplete), else 0. */
function kernelModule(): WebAssembly.Module {
  if (compiled) return compiled;
  const m = new ModuleBuilder();
  const f = m.func('silu', [I32, I32, I32, I32], [I32]);
  const [G, U, OUT, N] = [0, 1, 2, 3];
  const i = f.local(I32);
  const inRange = f.local(V128);
  const [a, x, ax, e] = Array.from({ length: 4 }, () => f.local(V128));
  const { exp, k } = fdlibmExpEmitter(f);
  f.v128i32(-1, -1, -1, -1).set(inRange);
  f.for(i, 0, () => f.get(N), 2, () => {
    // a: two float32 promoted; x = −a
    f.get(G).get(i).i32(2).op('i32.shl').op('i32.add').op('v128.load64_zero', 0, 2).op('f64x2.promote_low_f32x4').set(a);
    f.get(a).op('f64x2.neg').set(x);
    f.get(x).op('f64x2.abs').set(ax);
    // out of range (or NaN) in either lane: flag it (the caller recomputes in JavaScript)
    f.get(inRange).get(ax); k(SILU_EXP_LIMIT); f.op('f64x2.lt').op('v128.and').set(inRange);
    exp(x, ax, e);
    // h = (a / (1 + e)) · u, rounded to float32
    f.get(OUT).get(i).i32(2).op('i32.shl').op('i32.add');
    f.get(a); k(1); f.get(e).op('f64x2.add').op('f64x2.div');
    f.get(U).get(i).i32(2).op('i32.shl').op('i32.add').op('v128.load64_zero', 0, 2).op('f64x2.promote_low_f32x4');
    f.op('f64x2.mul').op('f32x4.demote_f64x2_zero').op('v128.store64_lane', 0, 0);
  });
  f.get(inRange).op('i32x4.all_true').op('i32.eqz');
  compiled = new WebAssembly.Module(m.bytes());
  return compiled;
}

export const WASM_SILU_AVAILABLE = SIMD_AVAILABLE;

/** The SwiGLU gate of one model's width, for up to `capacity` elements per call. */
export class WasmSilu {
  private readonly g: Float32Array;
  private readonly u: Float32Array;
  private readonly out: Float32Array;
  private readonly gOffset: number;
  private readonly uOffset: number;
  private readonly outOffset: number;
  private readonly fn: (g: number, u: number, out: number, n: number) => number;

  constructor(readonly capacity: number) {
    const bytes = Math.ceil((capacity + 2) / 4) * 16; // + an odd n's spare element
    this.gOffset = 0;
    this.uOffset = bytes;
    this.outOffset = 2 * bytes;
    const memory = new WebAssembly.Memory({ initial: Math.ceil((3 * bytes) / PAGE) || 1 });
    this.fn = new WebAssembly.Instance(kernelModule(), { env: { memory } }).exports.silu as WasmSilu['fn'];
    this.g = new Float32Array(memory.buffer, this.gOffset, capacity + 2);
    this.u = new Float32Array(memory.buffer, this.uOffset, capacity + 2);
    this.out = new Float32Array(memory.buffer, this.outOffset, capacity + 2);
  }

  /**
   * out[i] = f32((g[i] / (1 + Math.exp(−g[i]))) · u[i]) for i < n, the same bits as that
   * JavaScript expression; false (out untouched) where some |g[i]| ≥ SILU_EXP_LIMIT or is NaN.
   */
  gate(out: Float32Array, g: Float32Array, u: Float32Array, n: number): boolean {
    this.g.set(g.subarray(0, n));
    this.u.set(u.subarray(0, n));
    this.g[n] = 0;
    this.u[n] = 0;
    if (this.fn(this.gOffset, this.uOffset, this.outOffset, n) !== 0) return false;
    out.set(this.out.subarray(0, n));
    return true;
  }
}
