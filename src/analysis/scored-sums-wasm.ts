/**
 * scored-lane.ts's per-row sums for a lane without a row scale (amber, clact, dpts, spts, none),
 * in WebAssembly (scalar f64; emitted by wasm/assembler.ts): for every pattern p, in j order,
 *
 *   keptE_p += keep ? x_j² : 0          err_p += keep ? (ỹ_j − x_j)² : (ŷ − x_j)²
 *   xy_p    += keep ? x_j·ỹ_j : x_j·ŷ    yy_p  += keep ? ỹ_j² : ŷ²
 *
 * with ỹ_j = f32(f32(x_j − η) + η) (x̃ of a kept element) and ŷ = f32(0 + η) (of a dropped one):
 * PatternAccumulator.addRow's terms, in its order, one chain per sum and pattern. The
 * arithmetic is the JavaScript path's operation for operation (float32 values promoted exactly,
 * f64 products and sums, f32.demote_f64 = Math.fround's round to nearest even; WebAssembly has
 * no fused multiply-add), so the sums are the same bits (tested in
 * test/analysis/scored-lane.test.ts, WebAssembly and JavaScript against pruneMatrix +
 * addRow). Each term is picked by bit masks, without a branch on the keep bit; the 4P chains
 * are independent, so they overlap.
 */
import { ModuleBuilder, type FunctionBuilder, I32, I64, F64, V128, SIMD_AVAILABLE } from '../wasm/assembler.js';

const PAGE = 65536;
/**
 * Pattern counts up to this run whole keep words as straight-line code; more patterns (amber's
 * q, k, v group: 12) run the general loop, which measured faster there (min of 30 in-process at
 * K = 4096: 12 patterns 14.8 ns/element looped vs 16.7 unrolled; 8 patterns 11.2 vs 11.1, 4
 * patterns 6.9 vs 6.3 — the unrolled body's live vectors outgrow the registers).
 */
const WORD_LOOP_PATTERNS = 8;
const modules = new Map<string, WebAssembly.Module>();

/**
 * sums(x, k, eta, words, strideBytes, out): x f32[k] at x, pattern p's words at
 * words + p·strideBytes, out f64[4P]. With SIMD, two patterns share an f64x2 per sum (lane 0
 * pattern 2i, lane 1 pattern 2i + 1: lane-wise additions, each lane in j order) and the terms are
 * picked by v128.bitselect; without, scalar i64 masks.
 */
function sumsModule(patterns: number, simd: boolean): WebAssembly.Module {
  const key = `${simd ? 's' : 'i'}${patterns}`;
  let mod = modules.get(key);
  if (mod) return mod;
  const m = new ModuleBuilder();
  if (simd) emitSimdSums(m, patterns, true);
  else emitScalarSums(m, patterns);
  mod = new WebAssembly.Module(m.bytes());
  modules.set(key, mod);
  return mod;
}

/** Per element j: x, x², ỹ, and the kept/dropped values of the four terms into the given f64 locals. */
function emitTerms(f: FunctionBuilder, X: number, ETA: number, j: number, l: Record<'xv' | 'x2' | 'yk' | 'yd' | 'dk2' | 'dd2' | 'xyk' | 'xyd' | 'yk2' | 't', number>): void {
  f.get(X).get(j).i32(2).op('i32.shl').op('i32.add').op('f32.load').op('f64.promote_f32').set(l.xv);
  f.get(l.xv).get(l.xv).op('f64.mul').set(l.x2);
  // ỹ = f32(f32(x − η) + η)
  f.get(l.xv).get(ETA).op('f64.sub').op('f32.demote_f64').op('f64.promote_f32').get(ETA).op('f64.add').op('f32.demote_f64').op('f64.promote_f32').set(l.yk);
  f.get(l.yk).get(l.xv).op('f64.sub').tee(l.t).get(l.t).op('f64.mul').set(l.dk2);
  f.get(l.yd).get(l.xv).op('f64.sub').tee(l.t).get(l.t).op('f64.mul').set(l.dd2);
  f.get(l.xv).get(l.yk).op('f64.mul').set(l.xyk);
  f.get(l.xv).get(l.yd).op('f64.mul').set(l.xyd);
  f.get(l.yk).get(l.yk).op('f64.mul').set(l.yk2);
}

/**
 * summary: also the row's RowContext summary — E in canonical-sums.ts's order (P_{j mod 4} += x²,
 * j ascending; (P0 + P2) + (P1 + P3)) at out[4P], the nonzero count at out[4P + 1] and the nonzero
 * bits (x ≠ 0, LSB first) at nz — so the caller need not load the row in JavaScript.
 *
 * The row's whole keep words (32 elements) run as straight-line code, four elements per v128 load:
 * the terms of two elements at once in f64x2 (f32x4.demote_f64x2_zero / f64x2.promote_low_f32x4
 * round as f32.demote_f64 / f64.promote_f32), P0 P1 and P2 P3 as the lanes of two f64x2 (each
 * lane its own chain in j order), the nonzero bits four at a time (|bits| ≠ 0, NaN included, as
 * x ≠ 0), each element's terms splatted by a shuffle, and its keep bit moved to the sign by a
 * constant shift. The tail (K mod 32) runs the general scalar loop. Every chain adds the same terms
 * in the same order as the scalar form, so the bits are the same.
 */
function emitSimdSums(m: ModuleBuilder, patterns: number, summary: boolean): void {
  const f = m.func('sums', [I32, I32, F64, I32, I32, I32, I32], []);
  const [X, K, ETA, WORDS, STRIDE, OUT, NZ] = [0, 1, 2, 3, 4, 5, 6];
  const [e0, e1, e2, e3] = [f.local(F64), f.local(F64), f.local(F64), f.local(F64)];
  const r4 = f.local(I32);
  const nzw = f.local(I32);
  const cnt = f.local(I32);
  const j = f.local(I32);
  const xp = f.local(I32);
  const wo = f.local(I32);
  const full = f.local(I32);
  const [xv, x2, yk, yd, yyd, dk2, dd2, xyk, xyd, yk2, t] = Array.from({ length: 11 }, () => f.local(F64));
  const [mask, vKE, vKErr, vDErr, vKXy, vDXy, vKYy, vDYy] = Array.from({ length: 8 }, () => f.local(V128));
  // the word loop's vectors: four x as f32, two as f64, their terms, η and ŷ splatted, P0 P1 / P2 P3
  const [x4, xd, x2d, ykd, dk2d, dd2d, xykd, xydd, yk2d, td, etaV, ydV, e01, e23] = Array.from({ length: 14 }, () => f.local(V128));
  const pairs = Math.ceil(patterns / 2);
  // an odd last pair reads its first pattern's words twice; lane 1 is never stored
  const base = Array.from({ length: 2 * pairs }, () => f.local(I32));
  const sum = Array.from({ length: pairs }, () => [f.local(V128), f.local(V128), f.local(V128), f.local(V128)]);
  const pairWords = Array.from({ length: pairs }, () => f.local(V128));
  const w1 = f.local(I32);
  const shift = f.local(I32);
  base.forEach((b, p) => f.get(WORDS).get(STRIDE).i32(Math.min(p, patterns - 1)).op('i32.mul').op('i32.add').set(b));
  f.f64(0).get(ETA).op('f64.add').op('f32.demote_f64').op('f64.promote_f32').tee(yd).get(yd).op('f64.mul').set(yyd);
  f.get(yyd).op('f64x2.splat').set(vDYy);
  f.get(ETA).op('f64x2.splat').set(etaV);
  f.get(yd).op('f64x2.splat').set(ydV);
  /** the words of patterns 2q, 2q + 1 at byte offset `wordOffset` as i32 lanes [w, w, w′, w′] */
  const loadPairWords = (wordOffset: () => void): void => {
    for (let q = 0; q < pairs; q++) {
      const word = (b: number) => {
        f.get(b);
        wordOffset();
        f.op('i32.add').op('i32.load');
      };
      word(base[2 * q + 1]);
      f.set(w1);
      word(base[2 * q]);
      f.op('i32x4.splat').get(w1).op('i32x4.replace_lane', 2).get(w1).op('i32x4.replace_lane', 3).set(pairWords[q]);
    }
  };
  /** each pair's sums with the terms in vKE … vDYy; the keep bit to the sign by `pushShift`, spread by shr_s */
  const addPairs = (pushShift: () => void): void => {
    for (let q = 0; q < pairs; q++) {
      f.get(pairWords[q]);
      pushShift();
      f.op('i32x4.shl').i32(31).op('i32x4.shr_s').set(mask);
      const [a, b, c, d] = sum[q];
      f.get(a).get(vKE).get(mask).op('v128.and').op('f64x2.add').set(a);
      f.get(b).get(vKErr).get(vDErr).get(mask).op('v128.bitselect').op('f64x2.add').set(b);
      f.get(c).get(vKXy).get(vDXy).get(mask).op('v128.bitselect').op('f64x2.add').set(c);
      f.get(d).get(vKYy).get(vDYy).get(mask).op('v128.bitselect').op('f64x2.add').set(d);
    }
  };
  const lane = (v: number, l: number): void => {
    const b = Array.from({ length: 8 }, (_, i) => 8 * l + i);
    f.get(v).get(v).shuffle([...b, ...b]);
  };
  // whole words: 32 elements of straight-line code each, four per load (up to WORD_LOOP_PATTERNS;
  // beyond, the general loop takes the whole row)
  if (patterns <= WORD_LOOP_PATTERNS) f.get(K).i32(-32).op('i32.and').set(full);
  else f.i32(0).set(full);
  f.get(X).set(xp);
  if (patterns <= WORD_LOOP_PATTERNS) f.for(wo, 0, () => f.get(full).i32(3).op('i32.shr_u'), 4, () => {
    loadPairWords(() => f.get(wo));
    if (summary) f.i32(0).set(nzw);
    for (let g = 0; g < 8; g++) {
      f.get(xp).op('v128.load', 16 * g, 0).set(x4);
      if (summary) {
        f.get(nzw).get(x4).v128i32(0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff).op('v128.and').v128i32(0, 0, 0, 0).op('i32x4.ne').op('i32x4.bitmask');
        if (g > 0) f.i32(4 * g).op('i32.shl');
        f.op('i32.or').set(nzw);
      }
      for (let h = 0; h < 2; h++) {
        if (h === 0) f.get(x4);
        else f.get(x4).get(x4).shuffle32([2, 3, 2, 3]);
        f.op('f64x2.promote_low_f32x4').set(xd);
        f.get(xd).get(xd).op('f64x2.mul').set(x2d);
        if (summary) {
          const e = h === 0 ? e01 : e23;
          f.get(e).get(x2d).op('f64x2.add').set(e);
        }
        // ỹ = f32(f32(x − η) + η)
        f.get(xd).get(etaV).op('f64x2.sub').op('f32x4.demote_f64x2_zero').op('f64x2.promote_low_f32x4');
        f.get(etaV).op('f64x2.add').op('f32x4.demote_f64x2_zero').op('f64x2.promote_low_f32x4').set(ykd);
        f.get(ykd).get(xd).op('f64x2.sub').tee(td).get(td).op('f64x2.mul').set(dk2d);
        f.get(ydV).get(xd).op('f64x2.sub').tee(td).get(td).op('f64x2.mul').set(dd2d);
        f.get(xd).get(ykd).op('f64x2.mul').set(xykd);
        f.get(xd).get(ydV).op('f64x2.mul').set(xydd);
        f.get(ykd).get(ykd).op('f64x2.mul').set(yk2d);
        for (let l = 0; l < 2; l++) {
          const i = 4 * g + 2 * h + l;
          lane(x2d, l);
          f.set(vKE);
          lane(dk2d, l);
          f.set(vKErr);
          lane(dd2d, l);
          f.set(vDErr);
          lane(xykd, l);
          f.set(vKXy);
          lane(xydd, l);
          f.set(vDXy);
          lane(yk2d, l);
          f.set(vKYy);
          addPairs(() => f.i32(31 - i));
        }
      }
    }
    if (summary) {
      f.get(NZ).get(wo).op('i32.add').get(nzw).op('i32.store');
      f.get(cnt).get(nzw).op('i32.popcnt').op('i32.add').set(cnt);
    }
    f.get(xp).i32(128).op('i32.add').set(xp);
  });
  if (summary) {
    f.get(e01).op('f64x2.extract_lane', 0).set(e0);
    f.get(e01).op('f64x2.extract_lane', 1).set(e1);
    f.get(e23).op('f64x2.extract_lane', 0).set(e2);
    f.get(e23).op('f64x2.extract_lane', 1).set(e3);
    f.i32(0).set(nzw);
  }
  // the tail (K mod 32 elements), or the whole row: the general loop
  f.for(j, () => f.get(full), () => f.get(K), 1, () => {
    emitTerms(f, X, ETA, j, { xv, x2, yk, yd, dk2, dd2, xyk, xyd, yk2, t });
    f.get(x2).op('f64x2.splat').set(vKE);
    f.get(dk2).op('f64x2.splat').set(vKErr);
    f.get(dd2).op('f64x2.splat').set(vDErr);
    f.get(xyk).op('f64x2.splat').set(vKXy);
    f.get(xyd).op('f64x2.splat').set(vDXy);
    f.get(yk2).op('f64x2.splat').set(vKYy);
    if (summary) {
      f.get(j).i32(3).op('i32.and').set(r4);
      f.get(r4).op('i32.eqz').if().get(e0).get(x2).op('f64.add').set(e0).else();
      f.get(r4).i32(1).op('i32.eq').if().get(e1).get(x2).op('f64.add').set(e1).else();
      f.get(r4).i32(2).op('i32.eq').if().get(e2).get(x2).op('f64.add').set(e2).else();
      f.get(e3).get(x2).op('f64.add').set(e3).end().end().end();
      f.get(nzw).get(xv).f64(0).op('f64.ne').get(j).op('i32.shl').op('i32.or').set(nzw);
      // a whole word of nonzero bits (only where the general loop takes whole words)
      f.get(j).i32(31).op('i32.and').i32(31).op('i32.eq').if();
      f.get(NZ).get(j).i32(5).op('i32.shr_u').i32(2).op('i32.shl').op('i32.add').get(nzw).op('i32.store');
      f.get(cnt).get(nzw).op('i32.popcnt').op('i32.add').set(cnt);
      f.i32(0).set(nzw);
      f.end();
    }
    // at each word's first element (j mod 32 = 0): its word of every pattern
    f.get(j).i32(31).op('i32.and').op('i32.eqz').if();
    loadPairWords(() => f.get(j).i32(5).op('i32.shr_u').i32(2).op('i32.shl'));
    f.end();
    // keep bit j to the sign: shift by 31 − j mod 32 = ~j mod 32 (i32x4.shl takes its count mod 32)
    f.get(j).i32(-1).op('i32.xor').set(shift);
    addPairs(() => f.get(shift));
  });
  for (let p = 0; p < patterns; p++) {
    sum[p >> 1].forEach((s, i) => f.get(OUT).get(s).op('f64x2.extract_lane', p & 1).op('f64.store', 8 * (4 * p + i)));
  }
  if (summary) {
    f.get(K).i32(31).op('i32.and').if();
    f.get(NZ).get(K).i32(5).op('i32.shr_u').i32(2).op('i32.shl').op('i32.add').get(nzw).op('i32.store');
    f.get(cnt).get(nzw).op('i32.popcnt').op('i32.add').set(cnt);
    f.end();
    f.get(OUT).get(e0).get(e2).op('f64.add').get(e1).get(e3).op('f64.add').op('f64.add').op('f64.store', 8 * 4 * patterns);
    f.get(OUT).get(cnt).op('f64.convert_i32_s').op('f64.store', 8 * (4 * patterns + 1));
  }
}

function emitScalarSums(m: ModuleBuilder, patterns: number): void {
  const f = m.func('sums', [I32, I32, F64, I32, I32, I32, I32], []);
  const [X, K, ETA, WORDS, STRIDE, OUT] = [0, 1, 2, 3, 4, 5];
  const j = f.local(I32);
  const [mask, kE, dErr, xErr, dXy, xXy, dYy, xYy] = Array.from({ length: 8 }, () => f.local(I64));
  const [xv, x2, yk, yd, yyd, dk2, dd2, xyk, xyd, yk2, t] = Array.from({ length: 11 }, () => f.local(F64));
  const base = Array.from({ length: patterns }, () => f.local(I32));
  const sum = Array.from({ length: patterns }, () => [f.local(F64), f.local(F64), f.local(F64), f.local(F64)]);
  for (let p = 0; p < patterns; p++) f.get(WORDS).get(STRIDE).i32(p).op('i32.mul').op('i32.add').set(base[p]);
  // ŷ = f32(0 + η) (0 + −0 is +0), ŷ²
  f.f64(0).get(ETA).op('f64.add').op('f32.demote_f64').op('f64.promote_f32').tee(yd).get(yd).op('f64.mul').set(yyd);
  f.for(j, 0, () => f.get(K), 1, () => {
    emitTerms(f, X, ETA, j, { xv, x2, yk, yd, dk2, dd2, xyk, xyd, yk2, t });
    // each term as bits: dropped ^ ((kept ^ dropped) & mask), mask = −keep (all ones or zero);
    // a branch-free select (f64 `select` compiles to a branch, mispredicted on random keep bits)
    f.get(x2).op('i64.reinterpret_f64').set(kE);
    f.get(dd2).op('i64.reinterpret_f64').tee(dErr).get(dk2).op('i64.reinterpret_f64').op('i64.xor').set(xErr);
    f.get(xyd).op('i64.reinterpret_f64').tee(dXy).get(xyk).op('i64.reinterpret_f64').op('i64.xor').set(xXy);
    f.get(yyd).op('i64.reinterpret_f64').tee(dYy).get(yk2).op('i64.reinterpret_f64').op('i64.xor').set(xYy);
    for (let p = 0; p < patterns; p++) {
      // keep mask: −((word ⌊j/32⌋ >>> (j mod 32)) & 1) (shr_u takes its count mod 32)
      f.i32(0);
      f.get(base[p]).get(j).i32(5).op('i32.shr_u').i32(2).op('i32.shl').op('i32.add').op('i32.load');
      f.get(j).op('i32.shr_u').i32(1).op('i32.and').op('i32.sub').op('i64.extend_i32_s').set(mask);
      const [a, b, c, d] = sum[p];
      f.get(a).get(kE).get(mask).op('i64.and').op('f64.reinterpret_i64').op('f64.add').set(a);
      f.get(b).get(dErr).get(xErr).get(mask).op('i64.and').op('i64.xor').op('f64.reinterpret_i64').op('f64.add').set(b);
      f.get(c).get(dXy).get(xXy).get(mask).op('i64.and').op('i64.xor').op('f64.reinterpret_i64').op('f64.add').set(c);
      f.get(d).get(dYy).get(xYy).get(mask).op('i64.and').op('i64.xor').op('f64.reinterpret_i64').op('f64.add').set(d);
    }
  });
  for (let p = 0; p < patterns; p++) sum[p].forEach((s, i) => f.get(OUT).get(s).op('f64.store', 8 * (4 * p + i)));
}

/** The sums of one row width K and P patterns; owns its memory (sized once). */
export class WasmRowSums {
  private readonly k: number;
  readonly patterns: number;
  private readonly nWords: number;
  private readonly run: (x: number, k: number, eta: number, words: number, stride: number, out: number, nz: number) => void;
  /** with SIMD: the last row's E (canonical order), nonzero count and nonzero bits (RowContext.loadSummary) */
  readonly summary: boolean;
  readonly nonzeroWords: Uint32Array;
  /** with `summary`: [E, nonzero count] of the last row */
  readonly rowSummary: Float64Array;
  private readonly x: Float32Array;
  private readonly words: Uint32Array[];
  /** [keptE, err, xy, yy] per pattern of the last row */
  readonly sums: Float64Array;
  private readonly ptr: { x: number; words: number; stride: number; out: number; nz: number };

  constructor(k: number, patterns: number, simd = SIMD_AVAILABLE) {
    this.k = k;
    this.patterns = patterns;
    this.nWords = (k + 31) >>> 5;
    const stride = 4 * this.nWords;
    const x = 0;
    const words = Math.ceil((4 * k) / 16) * 16;
    const out = words + Math.ceil((stride * patterns) / 16) * 16;
    const nz = out + Math.ceil((32 * patterns + 16) / 16) * 16;
    const bytes = nz + 4 * this.nWords;
    this.ptr = { x, words, stride, out, nz };
    this.summary = simd;
    const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / PAGE) + 1 });
    const instance = new WebAssembly.Instance(sumsModule(patterns, simd), { env: { memory } });
    this.run = instance.exports.sums as WasmRowSums['run'];
    const buf = memory.buffer as ArrayBuffer;
    this.x = new Float32Array(buf, x, k);
    this.words = Array.from({ length: patterns }, (_, p) => new Uint32Array(buf, words + p * stride, this.nWords));
    this.sums = new Float64Array(buf, out, 4 * patterns);
    this.rowSummary = new Float64Array(buf, out + 32 * patterns, 2);
    this.nonzeroWords = new Uint32Array(buf, nz, this.nWords);
  }

  /** Row x[off …), η, pattern p's keep words at words[p][w0 …): fills `sums`. */
  row(x: Float32Array, off: number, eta: number, words: Uint32Array[], w0: number): void {
    this.x.set(x.subarray(off, off + this.k));
    for (let p = 0; p < words.length; p++) this.words[p].set(words[p].subarray(w0, w0 + this.nWords));
    const { ptr } = this;
    this.run(ptr.x, this.k, eta, ptr.words, ptr.stride, ptr.out, ptr.nz);
  }
}
