/**
 * attendHead (forward.ts) with its two multiply-add passes in WebAssembly SIMD, emitted by
 * wasm/assembler.ts and specialised per (head_size, seq_len, kv_dim) so that every channel
 * offset is an immediate:
 *   scores: two positions per f64x2 (the layer's keys, channel-major [kvDim, seqLen], copied in
 *           once per layer and chunk: positions p, p+1 are adjacent), score = 0 + Σ over groups
 *           of 4 channels (then a pair) of ((q0k0 + q1k1) + q2k2) + q3k3, the running maximum
 *           per lane (an odd last position's spare lane is −∞), then the larger lane;
 *   values: two channels per f64x2 (the values copied in transposed, [seqLen, kvDim]), each
 *           channel's Σ_p e_p·v_p over p = 0 … n−1 from 0.
 *   softmax: exp.ts's expNonPositive of each score minus the maximum, two positions per f64x2
 *           (table lookups lane by lane, the tables of exp.ts copied in), and their sum in order. The float64 operations are the JavaScript kernel's one for one (no fused multiply-add;
 * the maximum of a set does not depend on the order, and a ±0 maximum gives the same exps), so
 * each output is the same bits (test/capture/attention.test.ts).
 */
import { ModuleBuilder, I32, F64, V128, SIMD_AVAILABLE, type FunctionBuilder } from '../wasm/assembler.js';
import { INV_STEP, MIN_EXPONENT, STEP, STEPS, TWO_POW_E, TWO_POW_J, UNDERFLOW } from './exp.js';

const PAGE = 65536;
const modules = new Map<string, WebAssembly.Module>();

function kernelModule(hs: number, seqLen: number, kv: number): WebAssembly.Module {
  const key = `${hs}/${seqLen}/${kv}`;
  let mod = modules.get(key);
  if (mod) return mod;
  const m = new ModuleBuilder();
  emitScores(m.func('scores', [I32, I32, I32, I32], [F64]), hs, seqLen);
  emitValues(m.func('values', [I32, I32, I32, I32], []), hs, kv);
  emitSoftmax(m.func('softmax', [I32, I32, F64, I32], [F64]));
  mod = new WebAssembly.Module(m.bytes());
  modules.set(key, mod);
  return mod;
}

/** scores(kBase, qs, out, n) → max: out[p] (f64) for p < n (rounded up to even), kBase = this head's first key row. */
function emitScores(f: FunctionBuilder, hs: number, seqLen: number): void {
  const [KB, QS, OUT, N] = [0, 1, 2, 3];
  const p = f.local(I32);
  const pk = f.local(I32);
  const ps = f.local(I32);
  const q = Array.from({ length: hs }, () => f.local(V128));
  const s = f.local(V128);
  const t = f.local(V128);
  const mx = f.local(V128);
  for (let c = 0; c < hs; c++) f.get(QS).op('f64.load', c * 8).op('f64x2.splat').set(q[c]);
  f.f64(-Infinity).op('f64x2.splat').set(mx);
  f.get(KB).set(pk);
  f.get(OUT).set(ps);
  const key = (c: number) => f.get(pk).op('v128.load64_zero', c * seqLen * 4, 2).op('f64x2.promote_low_f32x4');
  f.for(p, 0, () => f.get(N), 2, () => {
    f.v128i32(0, 0, 0, 0).set(s);
    let c = 0;
    const group = (size: number) => {
      // t = ((q0k0 + q1k1) + q2k2) + q3k3 (or q0k0 + q1k1)
      f.get(q[c]);
      key(c);
      f.op('f64x2.mul');
      for (let j = 1; j < size; j++) {
        f.get(q[c + j]);
        key(c + j);
        f.op('f64x2.mul').op('f64x2.add');
      }
      f.set(t);
      f.get(s).get(t).op('f64x2.add').set(s);
      c += size;
    };
    while (c + 4 <= hs) group(4);
    while (c < hs) group(2);
    // an odd n: the spare lane of the last pair takes no part in the maximum
    f.get(p).i32(1).op('i32.add').get(N).op('i32.ge_s').if();
    f.get(s).f64(-Infinity).op('f64x2.replace_lane', 1).set(s);
    f.end();
    f.get(ps).get(s).op('v128.store', 0, 3);
    f.get(s).get(mx).get(s).get(mx).op('f64x2.gt').op('v128.bitselect').set(mx);
    f.get(pk).i32(8).op('i32.add').set(pk);
    f.get(ps).i32(16).op('i32.add').set(ps);
  });
  // the larger lane
  f.get(mx).op('f64x2.extract_lane', 1);
  f.get(mx).op('f64x2.extract_lane', 0);
  f.get(mx).op('f64x2.extract_lane', 1);
  f.get(mx).op('f64x2.extract_lane', 0);
  f.op('f64.gt');
  f.op('select');
}

/** values(vBase, e, out, n): out[c] (f64) = Σ_p e[p]·V[p, c] for c < hs; vBase = row 0, this head's first channel. */
function emitValues(f: FunctionBuilder, hs: number, kv: number): void {
  const [VB, E, OUT, N] = [0, 1, 2, 3];
  const p = f.local(I32);
  const pv = f.local(I32);
  const pe = f.local(I32);
  const w = f.local(V128);
  const acc = Array.from({ length: hs / 2 }, () => f.local(V128));
  for (const a of acc) f.v128i32(0, 0, 0, 0).set(a);
  f.get(VB).set(pv);
  f.get(E).set(pe);
  f.for(p, 0, () => f.get(N), 1, () => {
    f.get(pe).op('v128.load64_splat').set(w);
    for (let j = 0; j < acc.length; j++) {
      f.get(acc[j]).get(w).get(pv).op('v128.load64_zero', j * 8, 2).op('f64x2.promote_low_f32x4').op('f64x2.mul').op('f64x2.add').set(acc[j]);
    }
    f.get(pv).i32(kv * 4).op('i32.add').set(pv);
    f.get(pe).i32(8).op('i32.add').set(pe);
  });
  for (let j = 0; j < acc.length; j++) f.get(OUT).get(acc[j]).op('v128.store', j * 16, 3);
}

/**
 * softmax(s, n, max, tables) → sum: s[p] = expNonPositive(s[p] − max) for p < n, and their sum
 * in p order from 0 — exp.ts's expNonPositive operation for operation (tables TWO_POW_J then
 * TWO_POW_E as f64 at `tables`), two positions per f64x2:
 *   - Math.round(v) for v ≤ 0 as floor(v + 0.5): JavaScript's round-half-up (f64.nearest would
 *     round half to even); v + 0.5 is exact for −2^52 < v ≤ −0.5, and for −0.5 < v ≤ 0 both give
 *     a zero (its sign never matters: r = x − kf·STEP and k = kf | 0 are the same for ±0);
 *   - where both lanes are ≥ SAFE_EXPONENT_BITS_ABOVE (nearly always): 2^e from its bits, no
 *     clamp and no underflow select; otherwise the general path (inputs clamped to UNDERFLOW,
 *     2^e from TWO_POW_E, lanes at or below the bound 0, NaN stays NaN);
 *   - pairs run to n rounded down to even, then an odd n's last position alone (its spare lane is
 *     computed from whatever the slot holds but neither summed nor read).
 */
function emitSoftmax(f: FunctionBuilder): void {
  const [S, N, MAX, TABLES] = [0, 1, 2, 3];
  const p = f.local(I32);
  const ps = f.local(I32);
  const n2 = f.local(I32);
  const k4 = f.local(V128);
  const [x, xc, kf, r, e, t, ok, ja] = Array.from({ length: 8 }, () => f.local(V128));
  const [cMax, cU, cInv, cStep, cHalf, cOne, c6, c24, c120, cSafe, cTables] = Array.from({ length: 11 }, () => f.local(V128));
  const sum = f.local(F64);
  const splat = (value: number, local: number) => f.f64(value).op('f64x2.splat').set(local);
  f.get(MAX).op('f64x2.splat').set(cMax);
  splat(UNDERFLOW, cU);
  splat(INV_STEP, cInv);
  splat(STEP, cStep);
  splat(0.5, cHalf);
  splat(1, cOne);
  splat(1 / 6, c6);
  splat(1 / 24, c24);
  splat(1 / 120, c120);
  splat(SAFE_EXPONENT_BITS_ABOVE, cSafe);
  f.get(TABLES).op('i32x4.splat').set(cTables);
  f.f64(0).set(sum);
  f.get(S).set(ps);
  f.get(N).i32(-2).op('i32.and').set(n2);

  const [cMagic, cInv64, cBias] = [f.local(V128), f.local(V128), f.local(V128)];
  splat(ROUND_MAGIC, cMagic);
  splat(1 / STEPS, cInv64);
  splat(TWO_52_PLUS_1023, cBias);
  /**
   * e ← exp of the lanes of `input`. fast (both lanes ≥ SAFE_EXPONENT_BITS_ABOVE): k's low bits
   * from the float64 kf + 1.5·2^52 (an exact integer sum whose low 32 bits are k in two's
   * complement), 2^e from the bits of 2^52 + 1023 + floor(kf / 64) shifted up by 52 (floor(kf / 64)
   * = k >> 6; kf / 64 is exact); otherwise k = trunc_sat(kf) and TWO_POW_E lane by lane.
   */
  const core = (input: number, fast: boolean) => {
    // kf = Math.round(input · INV_STEP) = floor(v + 0.5); r = input − kf·STEP; k = kf | 0
    f.get(input).get(cInv).op('f64x2.mul').get(cHalf).op('f64x2.add').op('f64x2.floor').set(kf);
    f.get(input).get(kf).get(cStep).op('f64x2.mul').op('f64x2.sub').set(r);
    if (!fast) f.get(kf).op('i32x4.trunc_sat_f64x2_s_zero').set(k4);
    // p = 1 + r·(1 + r·(0.5 + r·(1/6 + r·(1/24 + r·(1/120)))))
    f.get(c24).get(r).get(c120).op('f64x2.mul').op('f64x2.add').set(t);
    f.get(c6).get(r).get(t).op('f64x2.mul').op('f64x2.add').set(t);
    f.get(cHalf).get(r).get(t).op('f64x2.mul').op('f64x2.add').set(t);
    f.get(cOne).get(r).get(t).op('f64x2.mul').op('f64x2.add').set(t);
    f.get(cOne).get(r).get(t).op('f64x2.mul').op('f64x2.add').set(t);
    // TWO_POW_J[k & 63]: both lanes' addresses at once, one load per lane
    if (fast) {
      f.get(kf).get(cMagic).op('f64x2.add').v128i32(STEPS - 1, 0, STEPS - 1, 0).op('v128.and').i32(3).op('i32x4.shl').get(cTables).op('i32x4.add').set(ja);
      f.get(ja).op('i32x4.extract_lane', 2);
      f.get(ja).op('i32x4.extract_lane', 0).op('v128.load64_zero', 0, 3);
    } else {
      f.get(k4).v128i32(STEPS - 1, STEPS - 1, STEPS - 1, STEPS - 1).op('v128.and').i32(3).op('i32x4.shl').get(cTables).op('i32x4.add').set(ja);
      f.get(ja).op('i32x4.extract_lane', 1);
      f.get(ja).op('i32x4.extract_lane', 0).op('v128.load64_zero', 0, 3);
    }
    f.op('v128.load64_lane', 0, 1);
    if (fast) {
      // (e + 1023) << 52: the bits of the normal 2^e, e = k >> 6 ≥ −1022
      f.get(kf).get(cInv64).op('f64x2.mul').op('f64x2.floor').get(cBias).op('f64x2.add').i32(52).op('i64x2.shl');
    } else {
      // TWO_POW_E[(k >> 6) − MIN_EXPONENT], lane by lane
      const lane = (l: number) =>
        f.get(TABLES).get(k4).op('i32x4.extract_lane', l).i32(6).op('i32.shr_s').i32(-MIN_EXPONENT + STEPS).op('i32.add').i32(3).op('i32.shl').op('i32.add').op('f64.load');
      lane(0);
      f.op('f64x2.splat');
      lane(1);
      f.op('f64x2.replace_lane', 1);
    }
    f.op('f64x2.mul').get(t).op('f64x2.mul').set(e);
  };
  const pair = (lanes: 1 | 2) => {
    f.get(ps).op('v128.load', 0, 3).get(cMax).op('f64x2.sub').set(x);
    f.get(x).get(cSafe).op('f64x2.ge').op('i32x4.all_true').if();
    core(x, true);
    f.else();
    // lanes above the underflow bound take the table path; the others are clamped to it here
    f.get(x).get(cU).op('f64x2.gt').set(ok);
    f.get(x).get(cU).op('f64x2.max').set(xc);
    core(xc, false);
    // below the bound: NaN stays NaN, everything else is 0
    f.get(e);
    f.get(x).v128i32(0, 0, 0, 0).get(x).get(x).op('f64x2.ne').op('v128.bitselect');
    f.get(ok).op('v128.bitselect').set(e);
    f.end();
    f.get(ps).get(e).op('v128.store', 0, 3);
    f.get(sum).get(e).op('f64x2.extract_lane', 0).op('f64.add').set(sum);
    if (lanes === 2) f.get(sum).get(e).op('f64x2.extract_lane', 1).op('f64.add').set(sum);
    f.get(ps).i32(16).op('i32.add').set(ps);
  };
  f.for(p, 0, () => f.get(n2), 2, () => pair(2));
  f.get(N).i32(1).op('i32.and').if();
  pair(1);
  f.end();
  f.get(sum);
}

/**
 * Softmax inputs x ≥ this have k = round(x·64/ln2) ≥ −65,371, so e = k >> 6 ≥ −1022: 2^e is a
 * normal float64 whose bits are (e + 1023) << 52, the same value as TWO_POW_E's entry
 * (test/capture/attention.test.ts checks every e of that range and inputs on both sides).
 */
export const SAFE_EXPONENT_BITS_ABOVE = -708;
/** 1.5·2^52: kf + this (|kf| < 2^51, an integer) is exact and holds k in its low bits */
const ROUND_MAGIC = 1.5 * 2 ** 52;
const TWO_52_PLUS_1023 = 2 ** 52 + 1023;

export const WASM_ATTENTION_AVAILABLE = SIMD_AVAILABLE;

/** The attention kernel of one model: its memory holds one layer's keys and values at a time. */
export class WasmAttention {
  private readonly keysF32: Float32Array;
  private readonly valuesF32: Float32Array;
  private readonly qs: Float64Array;
  private readonly scoresF64: Float64Array;
  private readonly out: Float64Array;
  private readonly kOffset: number;
  private readonly vOffset: number;
  private readonly qsOffset: number;
  private readonly sOffset: number;
  private readonly outOffset: number;
  private readonly tablesOffset: number;
  private readonly softmaxFn: (s: number, n: number, max: number, tables: number) => number;
  private readonly scoresFn: (kBase: number, qs: number, out: number, n: number) => number;
  private readonly valuesFn: (vBase: number, e: number, out: number, n: number) => void;

  constructor(
    readonly hs: number,
    readonly seqLen: number,
    readonly kv: number,
  ) {
    if (hs % 2 !== 0) throw new Error(`WasmAttention: head size ${hs} is odd`);
    const cacheBytes = kv * seqLen * 4 + 16; // + an odd n's spare position
    this.kOffset = 0;
    this.vOffset = this.kOffset + Math.ceil(cacheBytes / 16) * 16;
    this.qsOffset = this.vOffset + Math.ceil(cacheBytes / 16) * 16;
    this.sOffset = this.qsOffset + hs * 8;
    this.outOffset = this.sOffset + (seqLen + 2) * 8;
    this.tablesOffset = this.outOffset + hs * 8;
    const end = this.tablesOffset + (STEPS + TWO_POW_E.length) * 8;
    const memory = new WebAssembly.Memory({ initial: Math.ceil(end / PAGE) });
    const inst = new WebAssembly.Instance(kernelModule(hs, seqLen, kv), { env: { memory } });
    this.scoresFn = inst.exports.scores as WasmAttention['scoresFn'];
    this.valuesFn = inst.exports.values as WasmAttention['valuesFn'];
    this.softmaxFn = inst.exports.softmax as WasmAttention['softmaxFn'];
    const buf = memory.buffer;
    this.keysF32 = new Float32Array(buf, this.kOffset, kv * seqLen);
    this.valuesF32 = new Float32Array(buf, this.vOffset, kv * seqLen);
    this.qs = new Float64Array(buf, this.qsOffset, hs);
    this.scoresF64 = new Float64Array(buf, this.sOffset, seqLen + 2);
    this.out = new Float64Array(buf, this.outOffset, hs);
    const tables = new Float64Array(buf, this.tablesOffset, STEPS + TWO_POW_E.length);
    tables.set(TWO_POW_J);
    tables.set(TWO_POW_E, STEPS);
  }

  /** Copies positions 0 … n−1 of one layer's cache (channel-major [kv, seqLen]) in: keys as they are, values transposed. */
  load(keys: Float32Array, values: Float32Array, n: number): void {
    const { seqLen, kv } = this;
    for (let ch = 0; ch < kv; ch++) this.keysF32.set(keys.subarray(ch * seqLen, ch * seqLen + n), ch * seqLen);
    const vt = this.valuesF32;
    for (let ch = 0; ch < kv; ch++) {
      const row = ch * seqLen;
      for (let p = 0; p < n; p++) vt[p * kv + ch] = values[row + p];
    }
  }

  /**
   * The softmax pass alone (for tests): scores[p] ← expNonPositive(scores[p] − max) for p < n
   * (n ≤ seq_len + 2), returns their sum in p order.
   */
  softmaxInPlace(scores: Float64Array, n: number, max: number): number {
    this.scoresF64.set(scores.subarray(0, n));
    this.scoresF64[n] = Number.NaN; // an odd n's spare lane: must not matter
    const sum = this.softmaxFn(this.sOffset, n, max, this.tablesOffset);
    scores.set(this.scoresF64.subarray(0, n));
    return sum;
  }

  /** attendHead for the loaded layer: query q[qo …] against positions 0 … n−1 of kv head channels ko …, into att[qo …]. */
  head(q: Float32Array, qo: number, ko: number, n: number, scale: number, att: Float32Array): void {
    const hs = this.hs;
    const qs = this.qs;
    for (let i = 0; i < hs; i++) qs[i] = q[qo + i] * scale;
    const max = this.scoresFn(this.kOffset + ko * this.seqLen * 4, this.qsOffset, this.sOffset, n);
    const sum = this.softmaxFn(this.sOffset, n, max, this.tablesOffset);
    const inv = 1 / sum;
    this.valuesFn(this.vOffset + ko * 4, this.sOffset, this.outOffset, n);
    const out = this.out;
    for (let i = 0; i < hs; i++) att[qo + i] = out[i] * inv;
  }
}

/**
 * The byte layout of WasmLayerAttention's memory: keys f64 channel-major [kv, kStride] (positions
 * p, p+1 adjacent; kStride = seq_len + 2 rounded to even, so an odd n's spare lane is a slot of
 * the row), values f64 [seq_len, kv], the queries and the output f32 [seq_len, dim] as
 * forwardChunk holds them, the scaled queries and the scores of one group of query heads, and
 * exp.ts's tables.
 */
interface LayerLayout {
  hs: number;
  seqLen: number;
  kv: number;
  nHeads: number;
  dim: number;
  kvMul: number;
  /** query heads that share one pass over their kv head's keys and values */
  group: number;
  kStride: number;
  k: number;
  v: number;
  q: number;
  att: number;
  qs: number;
  s: number;
  tables: number;
  end: number;
}

function layerLayout(hs: number, seqLen: number, kv: number, nHeads: number): LayerLayout {
  const dim = nHeads * hs;
  const kvMul = nHeads / (kv / hs);
  const group = kvMul % 2 === 0 ? 2 : 1;
  const kStride = seqLen + 2 + (seqLen & 1);
  const up = (b: number) => Math.ceil(b / 16) * 16;
  const k = 0;
  const v = k + up(kv * kStride * 8);
  const q = v + up(seqLen * kv * 8);
  const att = q + up(seqLen * dim * 4);
  const qs = att + up(seqLen * dim * 4);
  const s = qs + up(group * hs * 8);
  const tables = s + up(group * kStride * 8);
  const end = tables + (STEPS + TWO_POW_E.length) * 8;
  return { hs, seqLen, kv, nHeads, dim, kvMul, group, kStride, k, v, q, att, qs, s, tables, end };
}

function layerModule(L: LayerLayout): WebAssembly.Module {
  const key = `layer/${L.hs}/${L.seqLen}/${L.kv}/${L.nHeads}`;
  let mod = modules.get(key);
  if (mod) return mod;
  const m = new ModuleBuilder();
  const softmax = m.func('softmax', [I32, I32, F64, I32], [F64]);
  emitSoftmax(softmax);
  emitLayer(m.func('layer', [I32, I32, F64], []), m.indexOf(softmax), L);
  mod = new WebAssembly.Module(m.bytes());
  modules.set(key, mod);
  return mod;
}

/**
 * layer(T, startPos, scale): every query head of query rows t < T (position startPos + t, so
 * n = startPos + t + 1 positions) against the loaded cache, into the output rows — attendHead's
 * arithmetic per head, with the loops over tokens, kv heads and query heads here instead of in
 * JavaScript, and the `group` query heads that share a kv head (grouped-query attention) taking
 * their scores from one load of each key pair and their value sums from one load of each value
 * pair. Per head: qs = f64(q)·scale; each score 0 + Σ over groups of 4 channels (then a pair) of
 * ((q0k0 + q1k1) + q2k2) + q3k3, two positions per f64x2, the maximum per lane (an odd n's spare
 * lane −∞), then the larger lane; softmax (the one function above: exps and their sum in p
 * order); the value sums acc + e_p·v_p over p = 0 … n−1 from 0, two channels per f64x2;
 * att = f32(acc · (1 / sum)).
 */
function emitLayer(f: FunctionBuilder, softmaxIndex: number, L: LayerLayout): void {
  const [T, START, SCALE] = [0, 1, 2];
  const { hs, kv, dim, kvMul, group: G, kStride } = L;
  const nKv = kv / hs;
  const t = f.local(I32);
  const n = f.local(I32);
  const g = f.local(I32);
  const qg = f.local(I32);
  const ag = f.local(I32);
  const kb = f.local(I32);
  const vb = f.local(I32);
  const p = f.local(I32);
  const pk = f.local(I32);
  const ps = f.local(I32);
  const pv = f.local(I32);
  const mx = Array.from({ length: G }, () => f.local(V128));
  const s = Array.from({ length: G }, () => f.local(V128));
  const tmp = f.local(V128);
  const kk = Array.from({ length: 4 }, () => f.local(V128));
  const w = Array.from({ length: G }, () => f.local(V128));
  const acc = Array.from({ length: G }, () => Array.from({ length: hs / 2 }, () => f.local(V128)));
  const maxv = Array.from({ length: G }, () => f.local(F64));
  const inv = Array.from({ length: G }, () => f.local(F64));
  const rowStride = kStride * 8;

  f.for(t, 0, () => f.get(T), 1, () => {
    f.get(START).get(t).op('i32.add').i32(1).op('i32.add').set(n);
    f.get(t).i32(dim * 4).op('i32.mul').set(qg);
    f.get(qg).i32(L.att).op('i32.add').set(ag);
    f.get(qg).i32(L.q).op('i32.add').set(qg);
    f.i32(L.k).set(kb);
    f.i32(L.v).set(vb);
    f.for(g, 0, nKv, 1, () => {
      for (let jj = 0; jj < kvMul; jj += G) {
        // the scaled queries of heads g·kvMul + jj …
        for (let j = 0; j < G; j++) {
          for (let i = 0; i < hs; i++) {
            f.i32(0).get(qg).op('f32.load', ((jj + j) * hs + i) * 4).op('f64.promote_f32').get(SCALE).op('f64.mul').op('f64.store', L.qs + (j * hs + i) * 8);
          }
        }
        // scores and their maximum
        for (let j = 0; j < G; j++) f.f64(-Infinity).op('f64x2.splat').set(mx[j]);
        f.get(kb).set(pk);
        f.i32(L.s).set(ps);
        f.for(p, 0, () => f.get(n), 2, () => {
          for (let j = 0; j < G; j++) f.v128i32(0, 0, 0, 0).set(s[j]);
          let c = 0;
          const chunk = (size: number) => {
            for (let i = 0; i < size; i++) f.get(pk).op('v128.load', (c + i) * rowStride).set(kk[i]);
            for (let j = 0; j < G; j++) {
              const qsplat = (ch: number) => f.i32(0).op('v128.load64_splat', L.qs + (j * hs + ch) * 8);
              qsplat(c);
              f.get(kk[0]).op('f64x2.mul');
              for (let i = 1; i < size; i++) {
                qsplat(c + i);
                f.get(kk[i]).op('f64x2.mul').op('f64x2.add');
              }
              f.set(tmp);
              f.get(s[j]).get(tmp).op('f64x2.add').set(s[j]);
            }
            c += size;
          };
          while (c + 4 <= hs) chunk(4);
          while (c < hs) chunk(2);
          f.get(p).i32(1).op('i32.add').get(n).op('i32.ge_s').if();
          for (let j = 0; j < G; j++) f.get(s[j]).f64(-Infinity).op('f64x2.replace_lane', 1).set(s[j]);
          f.end();
          for (let j = 0; j < G; j++) {
            f.get(ps).get(s[j]).op('v128.store', j * rowStride);
            f.get(s[j]).get(mx[j]).get(s[j]).get(mx[j]).op('f64x2.gt').op('v128.bitselect').set(mx[j]);
          }
          f.get(pk).i32(16).op('i32.add').set(pk);
          f.get(ps).i32(16).op('i32.add').set(ps);
        });
        for (let j = 0; j < G; j++) {
          f.get(mx[j]).op('f64x2.extract_lane', 1);
          f.get(mx[j]).op('f64x2.extract_lane', 0);
          f.get(mx[j]).op('f64x2.extract_lane', 1);
          f.get(mx[j]).op('f64x2.extract_lane', 0);
          f.op('f64.gt').op('select').set(maxv[j]);
        }
        // exps and their sums
        for (let j = 0; j < G; j++) {
          f.f64(1);
          f.i32(L.s + j * rowStride).get(n).get(maxv[j]).i32(L.tables).call(softmaxIndex);
          f.op('f64.div').set(inv[j]);
        }
        // value sums
        for (let j = 0; j < G; j++) for (const a of acc[j]) f.v128i32(0, 0, 0, 0).set(a);
        f.get(vb).set(pv);
        f.i32(L.s).set(ps);
        f.for(p, 0, () => f.get(n), 1, () => {
          for (let j = 0; j < G; j++) f.get(ps).op('v128.load64_splat', j * rowStride).set(w[j]);
          for (let a = 0; a < hs / 2; a++) {
            f.get(pv).op('v128.load', a * 16).set(tmp);
            for (let j = 0; j < G; j++) f.get(acc[j][a]).get(w[j]).get(tmp).op('f64x2.mul').op('f64x2.add').set(acc[j][a]);
          }
          f.get(pv).i32(kv * 8).op('i32.add').set(pv);
          f.get(ps).i32(8).op('i32.add').set(ps);
        });
        for (let j = 0; j < G; j++) {
          for (let a = 0; a < hs / 2; a++) {
            f.get(ag).get(acc[j][a]).get(inv[j]).op('f64x2.splat').op('f64x2.mul').op('f32x4.demote_f64x2_zero');
            f.op('v128.store64_lane', ((jj + j) * hs + 2 * a) * 4, 0);
          }
        }
      }
      f.get(qg).i32(kvMul * hs * 4).op('i32.add').set(qg);
      f.get(ag).i32(kvMul * hs * 4).op('i32.add').set(ag);
      f.get(kb).i32(hs * rowStride).op('i32.add').set(kb);
      f.get(vb).i32(hs * 8).op('i32.add').set(vb);
    });
  });
}

/**
 * Attention of a whole layer for a chunk of query rows in one WebAssembly call (emitLayer): the
 * cache's positions are copied in as float64 (keys channel-major, values transposed) once per
 * layer and chunk, the queries in and the output out with one copy each. The same bits as
 * attendHead per (token, head) (test/capture/attention.test.ts).
 */
export class WasmLayerAttention {
  private readonly L: LayerLayout;
  private readonly k64: Float64Array;
  private readonly v64: Float64Array;
  private readonly q32: Float32Array;
  private readonly att32: Float32Array;
  private readonly layerFn: (t: number, startPos: number, scale: number) => void;

  constructor(hs: number, seqLen: number, kv: number, nHeads: number) {
    if (hs % 2 !== 0) throw new Error(`WasmLayerAttention: head size ${hs} is odd`);
    if (kv % hs !== 0 || nHeads % (kv / hs) !== 0) throw new Error(`WasmLayerAttention: ${nHeads} query heads do not share ${kv / hs} kv heads evenly`);
    const L = (this.L = layerLayout(hs, seqLen, kv, nHeads));
    const memory = new WebAssembly.Memory({ initial: Math.ceil(L.end / PAGE) });
    const inst = new WebAssembly.Instance(layerModule(L), { env: { memory } });
    this.layerFn = inst.exports.layer as WasmLayerAttention['layerFn'];
    const buf = memory.buffer;
    this.k64 = new Float64Array(buf, L.k, kv * L.kStride);
    this.v64 = new Float64Array(buf, L.v, seqLen * kv);
    this.q32 = new Float32Array(buf, L.q, seqLen * L.dim);
    this.att32 = new Float32Array(buf, L.att, seqLen * L.dim);
    const tables = new Float64Array(buf, L.tables, STEPS + TWO_POW_E.length);
    tables.set(TWO_POW_J);
    tables.set(TWO_POW_E, STEPS);
  }

  /**
   * att[t·dim …] for query rows t < T of q [T, dim] at positions startPos + t, against positions
   * 0 … startPos + T − 1 of one layer's cache (channel-major [kv, seq_len], this chunk's keys and
   * values already written); scale = 1/√hs.
   */
  run(keys: Float32Array, values: Float32Array, q: Float32Array, tokens: number, startPos: number, scale: number, att: Float32Array): void {
    const { seqLen, kv, kStride, dim } = this.L;
    const n = startPos + tokens;
    const k64 = this.k64;
    const v64 = this.v64;
    for (let ch = 0; ch < kv; ch++) {
      const row = ch * seqLen;
      const kr = ch * kStride;
      for (let p = 0; p < n; p++) {
        k64[kr + p] = keys[row + p];
        v64[p * kv + ch] = values[row + p];
      }
    }
    this.q32.set(q.subarray(0, tokens * dim));
    this.layerFn(tokens, startPos, scale);
    att.set(this.att32.subarray(0, tokens * dim));
  }
}
