/**
 * The magnitude network kernel in WebAssembly SIMD (128-bit): the same selection as
 * network-kernel.ts, four 32-element groups at a time, one group per i32x4 lane.
 *
 *   row (F16/BF16 codes or float32 bits)
 *     ─▶ prep: per element key = |x| bits (NaN → −1), x² (float64, exact), nonzero bits,
 *        energy E (canonical-sums.ts); keys and x² are written transposed — element i of
 *        groups 4b … 4b+3 side by side — so the network reads one vector per wire
 *     ─▶ network: Batcher's odd-even merge sort of 32 (sparsity/sorting-networks.ts
 *        `batcherMergeStages`, descending: max to the lower wire) on i32x4 lanes, 191
 *        compare-exchanges of two instructions each (i32x4.max_s, i32x4.min_s) per four
 *        groups; right after the stage that sorts blocks of M each pattern's threshold
 *        T = N-th largest of the block is stored
 *     ─▶ keep: element kept iff value ≥ T of its block (a lane mask), keep word bits from the
 *        masks, dropped energy D from the masked x² (two f64x2 accumulators: canonical order)
 *
 * Values ranked: for F16/BF16 codes and float32 rows whose keys have their low 13 bits clear
 * (every value that came from F16/BF16) the composite key·32 + (31 − i) — distinct, so the
 * threshold decides alone; for any other float32 row the plain 31-bit key, and a tie at a
 * block's threshold (N-th and N+1-th largest equal) is reported so the caller drops the extra
 * tied values, highest index first (common where values repeat, e.g. x − η of F16 data).
 * The tail of a row (K not a multiple of 128) is padding with distinct keys below every real
 * key (−2^30 − i) and x² = 0: a tail group of r < M real elements keeps min(N, r) of them, and
 * padding bits are cleared before the words leave.
 */
import { ModuleBuilder, I32, F64, V128, type FunctionBuilder } from '../wasm/assembler.js';
import { batcherMergeStages } from '../sparsity/sorting-networks.js';
import type { NmPattern } from '../sparsity/pattern.js';

const GROUP = 32;
const BATCH = 4 * GROUP;
/** padding key of element i of a group: distinct, below every real key and NaN (−1) */
const padKey = (i: number) => -(1 << 30) - i;

/** transposed position of element j: batch ⌊j/128⌋, wire j mod 32, lane ⌊j/32⌋ mod 4 */
export function transposedIndex(j: number): number {
  return (j >> 7) * BATCH + (j & 31) * 4 + ((j >> 5) & 3);
}

/** Emits, for j (an i32 local), the transposed index into `t`. */
function emitTransposed(f: FunctionBuilder, j: number, t: number): void {
  f.get(j).i32(7).op('i32.shr_u').i32(7).op('i32.shl');
  f.get(j).i32(31).op('i32.and').i32(2).op('i32.shl').op('i32.add');
  f.get(j).i32(5).op('i32.shr_u').i32(3).op('i32.and').op('i32.add').set(t);
}

type PrepKind = 'f16' | 'bf16' | 'f32';

/**
 * prep_<kind>(src, k, keys, x2t, nz, scratch) → E (f64). Writes keys (transposed, i32), x²
 * (transposed, f64), nonzero words (natural order) and, at scratch: i32 nonzeros; for f32 at
 * scratch+4 the OR of the keys' low 13 bits (0: composite keys are exact). F16/BF16 return +∞
 * for a row holding NaN or ±Inf.
 */
function emitPrep(m: ModuleBuilder, kind: PrepKind, keysOnly = false, scaled = false): void {
  const name = `prep_${kind}${scaled ? '_scaled' : keysOnly ? '_keys' : ''}`;
  const f = m.func(name, scaled ? [I32, I32, I32, I32, I32, I32, I32] : [I32, I32, I32, I32, I32, I32], [F64]);
  const [SRC, K, KEYS, X2T, NZ, SCRATCH, FACT] = [0, 1, 2, 3, 4, 5, 6];
  const j = f.local(I32);
  const t = f.local(I32);
  const w = f.local(I32);
  const cnt = f.local(I32);
  const k4 = f.local(I32);
  const c = f.local(I32);
  const low = f.local(I32);
  const v = f.local(V128);
  const key = f.local(V128);
  const nan = f.local(V128);
  const flag = f.local(V128);
  const lowv = f.local(V128);
  const xf = f.local(V128);
  const lo = f.local(V128);
  const hi = f.local(V128);
  const accA = f.local(V128);
  const accB = f.local(V128);
  const p = [f.local(F64), f.local(F64), f.local(F64), f.local(F64)];
  const x = f.local(F64);
  const half = kind !== 'f32';
  const expMask = kind === 'f16' ? 0x7c00 : 0x7f80;
  const nanAbove = kind === 'f32' ? 0x7f800000 : expMask;
  const absMask = half ? 0x7fff : 0x7fffffff;
  const F16_SCALE = 0x77800000; // 2^112 as float32 bits: (code & 0x7fff) << 13 scaled to the value
  f.get(K).i32(-4).op('i32.and').set(k4);
  // vector loop: four elements
  f.for(j, 0, () => f.get(k4), 4, () => {
    if (half) f.get(SRC).get(j).i32(1).op('i32.shl').op('i32.add').op('v128.load64_zero').op('i32x4.extend_low_i16x8_u').set(v);
    else f.get(SRC).get(j).i32(2).op('i32.shl').op('i32.add').op('v128.load', 0, 0).set(v);
    if (scaled) {
      // score s = f32(|z|·f) (the f64 product of two float32 is exact: one rounding, as f32.mul),
      // written back over z for the caller's tie-breaking
      f.get(SRC).get(j).i32(2).op('i32.shl').op('i32.add').tee(c);
      f.get(v).op('f32x4.abs').get(FACT).get(j).i32(2).op('i32.shl').op('i32.add').op('v128.load', 0, 0).op('f32x4.mul').tee(v);
      f.op('v128.store', 0, 0);
    }
    f.get(v).v128i32(absMask, absMask, absMask, absMask).op('v128.and').set(key);
    f.get(key).v128i32(nanAbove, nanAbove, nanAbove, nanAbove).op('i32x4.gt_s').set(nan);
    if (half) {
      // exponent all ones: ±Inf or NaN — the row is not finite
      f.get(flag).get(key).v128i32(expMask, expMask, expMask, expMask).op('v128.and').v128i32(expMask, expMask, expMask, expMask).op('i32x4.eq').op('v128.or').set(flag);
    } else {
      f.get(lowv).get(key).get(nan).op('v128.andnot').op('v128.or').set(lowv);
    }
    // nonzero bits
    if (!keysOnly) f.get(w).get(key).v128i32(0, 0, 0, 0).op('i32x4.ne').op('i32x4.bitmask').get(j).i32(31).op('i32.and').op('i32.shl').op('i32.or').set(w);
    // the value as float32 (sign irrelevant: only x² is used)
    if (kind === 'f16') f.get(key).i32(13).op('i32x4.shl').v128i32(F16_SCALE, F16_SCALE, F16_SCALE, F16_SCALE).op('f32x4.mul').set(xf);
    else if (kind === 'bf16') f.get(key).i32(16).op('i32x4.shl').set(xf);
    else f.get(v).set(xf);
    // keys: NaN → −1; F16/BF16 composites key·32 + (31 − i)
    f.v128i32(-1, -1, -1, -1).get(key).get(nan).op('v128.bitselect').set(key);
    if (half) {
      f.get(key).i32(5).op('i32x4.shl');
      f.i32(31).get(j).i32(31).op('i32.and').op('i32.sub').op('i32x4.splat').v128i32(0, 1, 2, 3).op('i32x4.sub');
      f.op('v128.or').set(key);
    }
    emitTransposed(f, j, t);
    f.get(KEYS).get(t).i32(2).op('i32.shl').op('i32.add').set(t);
    for (let l = 0; l < 4; l++) f.get(t).get(key).op('v128.store32_lane', 16 * l, l);
    if (keysOnly) return;
    // x², transposed (same lanes, 8-byte cells)
    f.get(xf).op('f64x2.promote_low_f32x4').tee(lo).get(lo).op('f64x2.mul').set(lo);
    f.get(xf).get(xf).shuffle32([2, 3, 0, 1]).op('f64x2.promote_low_f32x4').tee(hi).get(hi).op('f64x2.mul').set(hi);
    f.get(accA).get(lo).op('f64x2.add').set(accA);
    f.get(accB).get(hi).op('f64x2.add').set(accB);
    emitTransposed(f, j, t);
    f.get(X2T).get(t).i32(3).op('i32.shl').op('i32.add').set(t);
    f.get(t).get(lo).op('v128.store64_lane', 0, 0);
    f.get(t).get(lo).op('v128.store64_lane', 32, 1);
    f.get(t).get(hi).op('v128.store64_lane', 64, 0);
    f.get(t).get(hi).op('v128.store64_lane', 96, 1);
    // a full word of nonzero bits
    f.get(j).i32(31).op('i32.and').i32(28).op('i32.eq').if();
    f.get(NZ).get(j).i32(5).op('i32.shr_u').i32(2).op('i32.shl').op('i32.add').get(w).op('i32.store');
    f.get(cnt).get(w).op('i32.popcnt').op('i32.add').set(cnt);
    f.i32(0).set(w);
    f.end();
  });
  f.get(accA).op('f64x2.extract_lane', 0).set(p[0]);
  f.get(accA).op('f64x2.extract_lane', 1).set(p[1]);
  f.get(accB).op('f64x2.extract_lane', 0).set(p[2]);
  f.get(accB).op('f64x2.extract_lane', 1).set(p[3]);
  if (!half) {
    f.get(lowv).op('i32x4.extract_lane', 0).get(lowv).op('i32x4.extract_lane', 1).op('i32.or');
    f.get(lowv).op('i32x4.extract_lane', 2).op('i32.or').get(lowv).op('i32x4.extract_lane', 3).op('i32.or').set(low);
  }
  // scalar tail: the last k mod 4 elements
  f.for(j, () => f.get(k4), () => f.get(K), 1, () => {
    if (keysOnly) {
      if (scaled) {
        f.get(SRC).get(j).i32(2).op('i32.shl').op('i32.add').tee(c);
        f.get(c).op('f32.load', 0, 0).op('f32.abs').get(FACT).get(j).i32(2).op('i32.shl').op('i32.add').op('f32.load', 0, 0).op('f32.mul').op('f32.store', 0, 0);
      }
      f.get(SRC).get(j).i32(2).op('i32.shl').op('i32.add').op('i32.load', 0, 0).i32(absMask).op('i32.and').set(c);
      f.get(c).i32(nanAbove).op('i32.gt_s').if().i32(-1).set(c).end();
      f.get(c).i32(-1).op('i32.ne').if().get(low).get(c).op('i32.or').set(low).end();
      emitTransposed(f, j, t);
      f.get(KEYS).get(t).i32(2).op('i32.shl').op('i32.add').get(c).op('i32.store', 0, 0);
      return;
    }
    if (half) f.get(SRC).get(j).i32(1).op('i32.shl').op('i32.add').op('i32.load16_u').i32(absMask).op('i32.and').set(c);
    else f.get(SRC).get(j).i32(2).op('i32.shl').op('i32.add').op('i32.load', 0, 0).i32(absMask).op('i32.and').set(c);
    f.get(w).get(c).i32(0).op('i32.ne').get(j).i32(31).op('i32.and').op('i32.shl').op('i32.or').set(w);
    if (half) {
      f.get(c).i32(expMask).op('i32.and').i32(expMask).op('i32.eq').if();
      f.v128i32(-1, -1, -1, -1).set(flag);
      f.end();
    }
    // value
    if (kind === 'f16') f.get(c).i32(13).op('i32.shl').op('f32.reinterpret_i32').i32(F16_SCALE).op('f32.reinterpret_i32').op('f32.mul');
    else if (kind === 'bf16') f.get(c).i32(16).op('i32.shl').op('f32.reinterpret_i32');
    else f.get(c).op('f32.reinterpret_i32');
    f.op('f64.promote_f32').set(x);
    f.get(x).get(x).op('f64.mul').set(x);
    // key
    f.get(c).i32(nanAbove).op('i32.gt_s').if().i32(-1).set(c).end();
    if (!half) f.get(c).i32(-1).op('i32.ne').if().get(low).get(c).op('i32.or').set(low).end();
    if (half) f.get(c).i32(5).op('i32.shl').i32(31).get(j).i32(31).op('i32.and').op('i32.sub').op('i32.or').set(c);
    emitTransposed(f, j, t);
    f.get(KEYS).get(t).i32(2).op('i32.shl').op('i32.add').get(c).op('i32.store', 0, 0);
    f.get(X2T).get(t).i32(3).op('i32.shl').op('i32.add').get(x).op('f64.store', 0, 0);
    // P_{j mod 4} += x²  (the tail starts at a multiple of 4: j mod 4 ∈ {0, 1, 2})
    f.get(j).i32(3).op('i32.and').set(t);
    f.get(t).i32(0).op('i32.eq').if().get(p[0]).get(x).op('f64.add').set(p[0]).else();
    f.get(t).i32(1).op('i32.eq').if().get(p[1]).get(x).op('f64.add').set(p[1]).else();
    f.get(p[2]).get(x).op('f64.add').set(p[2]).end().end();
  });
  if (keysOnly) {
    // keys and the composite test only: no x², nonzero bits or E (the caller reads keep words alone)
    f.get(SCRATCH).i32(0).op('i32.store');
    f.get(SCRATCH).get(low).i32(0x1fff).op('i32.and').op('i32.store', 4);
    f.f64(0);
    return;
  }
  f.get(K).i32(31).op('i32.and').if();
  f.get(NZ).get(K).i32(5).op('i32.shr_u').i32(2).op('i32.shl').op('i32.add').get(w).op('i32.store');
  f.get(cnt).get(w).op('i32.popcnt').op('i32.add').set(cnt);
  f.end();
  f.get(SCRATCH).get(cnt).op('i32.store');
  if (!half) f.get(SCRATCH).get(low).i32(0x1fff).op('i32.and').op('i32.store', 4);
  // E = (P0 + P2) + (P1 + P3); F16/BF16 rows with NaN/±Inf give +∞
  if (half) {
    f.get(flag).op('v128.any_true').if(F64).f64(Infinity).else();
  }
  f.get(p[0]).get(p[2]).op('f64.add').get(p[1]).get(p[3]).op('f64.add').op('f64.add');
  if (half) f.end();
}

/** to_composite(keys, k): plain float32 keys (low 13 bits clear) → key/2^13 · 32 + (31 − i), in place. */
function emitToComposite(m: ModuleBuilder): void {
  const f = m.func('to_composite', [I32, I32]);
  const j = f.local(I32);
  const t = f.local(I32);
  f.for(j, 0, () => f.get(1), 1, () => {
    emitTransposed(f, j, t);
    f.get(0).get(t).i32(2).op('i32.shl').op('i32.add').set(t);
    f.get(t).get(t).op('i32.load').i32(13).op('i32.shr_s').i32(5).op('i32.shl');
    f.i32(31).get(j).i32(31).op('i32.and').op('i32.sub').op('i32.or').op('i32.store');
  });
}

/**
 * net_<c|p>[k](batches, keys, x2t, words, wordsStride, dropped, thr) → tie flag. Patterns are baked
 * in: per pattern, keep words at words + p·wordsStride (one word per group) and D at
 * dropped + 8p. `plain`: keys are not distinct, report a tie at a threshold. `keepOnly` (the
 * `k` variants): keep words and tie flag only — no x² read, no D (for the scored lanes, which
 * take their sums elsewhere and load keys only: x2t is not written for them).
 */
function emitNetwork(m: ModuleBuilder, patterns: NmPattern[], plain: boolean, keepOnly = false): void {
  const f = m.func(`${plain ? 'net_p' : 'net_c'}${keepOnly ? 'k' : ''}`, [I32, I32, I32, I32, I32, I32, I32], [I32]);
  const [NB, KEYS, X2T, WORDS, STRIDE, DROPPED, THR] = [0, 1, 2, 3, 4, 5, 6];
  const b = f.local(I32);
  const base = f.local(I32);
  const xb = f.local(I32);
  const s = Array.from({ length: GROUP }, () => f.local(V128));
  const tmp = f.local(V128);
  const tie = f.local(V128);
  const o = f.local(V128);
  const xl = f.local(V128);
  const xh = f.local(V128);
  const msk = f.local(V128);
  const dlo = patterns.map(() => f.local(V128));
  const dhi = patterns.map(() => f.local(V128));
  const wv = patterns.map(() => f.local(V128));
  const mMax = Math.max(...patterns.map((p) => p.m));
  // threshold slots: per pattern, one vector per block of M
  const thrBase: number[] = [];
  let slots = 0;
  for (const p of patterns) {
    thrBase.push(slots);
    slots += GROUP / p.m;
  }
  f.for(b, 0, () => f.get(NB), 1, () => {
    f.get(KEYS).get(b).i32(9).op('i32.shl').op('i32.add').set(base);
    f.get(X2T).get(b).i32(10).op('i32.shl').op('i32.add').set(xb);
    for (let i = 0; i < GROUP; i++) f.get(base).op('v128.load', 16 * i, 0).set(s[i]);
    for (const st of batcherMergeStages(GROUP)) {
      if (st.sortedBlock > mMax) break;
      for (const [lo, hi] of st.comparators) {
        f.get(s[lo]).get(s[hi]).op('i32x4.max_s').set(tmp);
        f.get(s[lo]).get(s[hi]).op('i32x4.min_s').set(s[hi]);
        f.get(tmp).set(s[lo]);
      }
      patterns.forEach((p, q) => {
        if (p.m !== st.sortedBlock) return;
        for (let blk = 0; blk < GROUP / p.m; blk++) {
          const at = blk * p.m + p.n - 1;
          f.get(THR).get(s[at]).op('v128.store', 16 * (thrBase[q] + blk), 0);
          if (plain && p.n < p.m) f.get(tie).get(s[at]).get(s[at + 1]).op('i32x4.eq').op('v128.or').set(tie);
        }
      });
    }
    patterns.forEach((_, q) => f.v128i32(0, 0, 0, 0).set(wv[q]));
    for (let i = 0; i < GROUP; i++) {
      f.get(base).op('v128.load', 16 * i, 0).set(o);
      if (!keepOnly) {
        f.get(xb).op('v128.load', 32 * i, 0).set(xl);
        f.get(xb).op('v128.load', 32 * i + 16, 0).set(xh);
      }
      patterns.forEach((p, q) => {
        f.get(o).get(THR).op('v128.load', 16 * (thrBase[q] + Math.floor(i / p.m)), 0).op('i32x4.ge_s').set(msk);
        const bit = (1 << i) | 0;
        f.get(wv[q]).get(msk).v128i32(bit, bit, bit, bit).op('v128.and').op('v128.or').set(wv[q]);
        if (keepOnly) return;
        f.get(dlo[q]).get(xl).get(msk).op('i64x2.extend_low_i32x4_s').op('v128.andnot').op('f64x2.add').set(dlo[q]);
        f.get(dhi[q]).get(xh).get(msk).op('i64x2.extend_high_i32x4_s').op('v128.andnot').op('f64x2.add').set(dhi[q]);
      });
    }
    patterns.forEach((_, q) => {
      f.get(WORDS).get(STRIDE).i32(q).op('i32.mul').op('i32.add').get(b).i32(4).op('i32.shl').op('i32.add').get(wv[q]).op('v128.store', 0, 0);
    });
  });
  if (!keepOnly) {
    patterns.forEach((_, q) => {
      f.get(DROPPED).get(dlo[q]).get(dhi[q]).op('f64x2.add').tee(tmp).op('f64x2.extract_lane', 0).get(tmp).op('f64x2.extract_lane', 1).op('f64.add').op('f64.store', 8 * q, 0);
    });
  }
  f.get(tie).op('v128.any_true');
}

const modules = new Map<string, WebAssembly.Module>();

function networkModule(patterns: NmPattern[]): WebAssembly.Module {
  const key = patterns.map((p) => `${p.n}:${p.m}`).join(',');
  let mod = modules.get(key);
  if (!mod) {
    const m = new ModuleBuilder();
    emitPrep(m, 'f16');
    emitPrep(m, 'bf16');
    emitPrep(m, 'f32');
    emitPrep(m, 'f32', true);
    emitPrep(m, 'f32', true, true);
    emitToComposite(m);
    emitNetwork(m, patterns, false);
    emitNetwork(m, patterns, true);
    emitNetwork(m, patterns, false, true);
    emitNetwork(m, patterns, true, true);
    mod = new WebAssembly.Module(m.bytes());
    modules.set(key, mod);
  }
  return mod;
}

const PAGE = 65536;

/**
 * One row at a time through the SIMD kernel, for one row width K and a list of network patterns
 * (power-of-two M ≤ 32). Owns its memory (sized once: nothing grows, views stay valid).
 */
export class SimdNetwork {
  readonly k: number;
  readonly patterns: NmPattern[];
  /** keep words of the last row, per pattern (views into the kernel's memory; ⌈K/32⌉ words) */
  readonly words: Uint32Array[];
  /** nonzero bits of the last row */
  readonly nonzeroWords: Uint32Array;
  /** D per pattern of the last row */
  readonly dropped: Float64Array;
  /** E of the last row (+∞ when an F16/BF16 row holds NaN/±Inf) */
  energy = 0;
  nonzeros = 0;
  private readonly exports: Record<string, WebAssembly.ExportValue>;
  private readonly batches: number;
  private readonly ptr: { src: number; fact: number; keys: number; x2t: number; nz: number; words: number; stride: number; dropped: number; thr: number; scratch: number };
  private readonly src16: Uint16Array;
  private readonly src32: Int32Array;
  private readonly fact32: Float32Array;
  private readonly scratch: Int32Array;
  private readonly lastMask: number;

  constructor(k: number, patterns: NmPattern[]) {
    this.k = k;
    this.patterns = patterns;
    this.batches = Math.ceil(k / BATCH);
    const padded = this.batches * BATCH;
    const nWords = Math.ceil(k / 32);
    const stride = padded / 8; // bytes of one pattern's words (one 32-bit word per group)
    let at = 0;
    const take = (bytes: number) => {
      const p = at;
      at += Math.ceil(bytes / 16) * 16;
      return p;
    };
    this.ptr = {
      scratch: take(16),
      src: take(4 * k),
      fact: take(4 * k),
      keys: take(4 * padded),
      x2t: take(8 * padded),
      nz: take(4 * Math.max(1, nWords)),
      words: take(stride * patterns.length),
      stride,
      dropped: take(8 * patterns.length),
      thr: take(16 * patterns.reduce((a, p) => a + GROUP / p.m, 0)),
    };
    const memory = new WebAssembly.Memory({ initial: Math.ceil(at / PAGE) + 1 });
    const instance = new WebAssembly.Instance(networkModule(patterns), { env: { memory } });
    this.exports = instance.exports;
    const buf = memory.buffer as ArrayBuffer;
    this.src16 = new Uint16Array(buf, this.ptr.src, 2 * k);
    this.src32 = new Int32Array(buf, this.ptr.src, k);
    this.fact32 = new Float32Array(buf, this.ptr.fact, k);
    this.scratch = new Int32Array(buf, this.ptr.scratch, 4);
    this.words = patterns.map((_, q) => new Uint32Array(buf, this.ptr.words + q * stride, nWords));
    this.nonzeroWords = new Uint32Array(buf, this.ptr.nz, nWords);
    this.dropped = new Float64Array(buf, this.ptr.dropped, patterns.length);
    this.lastMask = k & 31 ? (1 << (k & 31)) - 1 : -1;
    // padding: distinct keys below every real key, x² = 0 (never written again)
    const keys = new Int32Array(buf, this.ptr.keys, padded);
    for (let j = k; j < padded; j++) keys[transposedIndex(j)] = padKey(j & 31);
  }

  /** Loads a row of F16/BF16 codes; returns E (+∞ if the row holds NaN or ±Inf). */
  loadHalf(codes: Uint16Array, offset: number, dtype: 'F16' | 'BF16'): number {
    this.src16.set(codes.subarray(offset, offset + this.k));
    const p = this.ptr;
    this.energy = this.exports[dtype === 'F16' ? 'prep_f16' : 'prep_bf16'](p.src, this.k, p.keys, p.x2t, p.nz, p.scratch);
    this.nonzeros = this.scratch[0];
    this.composite = true;
    return this.energy;
  }

  /**
   * Loads a float32 row given as its bits; returns E. keysOnly: the selection's keys alone (no x²,
   * nonzero bits, E or D worth reading) for a caller that needs only the keep words.
   */
  loadFloat(bits: Int32Array, offset: number, keysOnly = false): number {
    this.src32.set(bits.subarray(offset, offset + this.k));
    const p = this.ptr;
    this.energy = this.exports[keysOnly ? 'prep_f32_keys' : 'prep_f32'](p.src, this.k, p.keys, p.x2t, p.nz, p.scratch);
    this.nonzeros = this.scratch[0];
    this.composite = this.scratch[1] === 0;
    if (this.composite) this.exports.to_composite(p.keys, this.k);
    return this.energy;
  }

  private composite = true;

  /** The channel factors f of loadScaled (copied into the kernel's memory). */
  setFactors(factors: Float32Array): void {
    this.fact32.set(factors.subarray(0, this.k));
  }

  /**
   * Loads the keys of scores s_j = f32(|z_j| · f_j) from a float32 row z given as its bits (keys
   * only, as loadFloat's keysOnly); the scores' bits are left in `scoreBits` for tie-breaking.
   */
  loadScaled(bits: Int32Array, offset: number): void {
    this.src32.set(bits.subarray(offset, offset + this.k));
    const p = this.ptr;
    this.energy = this.exports.prep_f32_scaled(p.src, this.k, p.keys, p.x2t, p.nz, p.scratch, p.fact);
    this.nonzeros = this.scratch[0];
    this.composite = this.scratch[1] === 0;
    if (this.composite) this.exports.to_composite(p.keys, this.k);
  }

  /** the scores of the last loadScaled row, as float32 bits */
  get scoreBits(): Int32Array {
    return this.src32;
  }

  /**
   * Runs the network on the loaded row: keep words and D per pattern (`withDropped: false`: keep
   * words only, `dropped` left stale — for rows loaded keys-only). Returns false when a plain
   * float32 row has a tie at a threshold: every value ≥ T was kept there, so a group may hold more
   * than N (the caller breaks the tie to the lower index and recomputes D: NetworkSelector).
   */
  run(withDropped = true): boolean {
    const p = this.ptr;
    const name = `${this.composite ? 'net_c' : 'net_p'}${withDropped ? '' : 'k'}`;
    const tie = this.exports[name](this.batches, p.keys, p.x2t, p.words, p.stride, p.dropped, p.thr);
    if (this.lastMask !== -1) for (const w of this.words) w[w.length - 1] &= this.lastMask;
    return !tie;
  }
}
