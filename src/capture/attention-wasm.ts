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
 * The exps and their sum stay in JavaScript (expNonPositive, on a Float64Array view of the
 * scores). The float64 operations are the JavaScript kernel's one for one (no fused multiply-add;
 * the maximum of a set does not depend on the order, and a ±0 maximum gives the same exps), so
 * each output is the same bits (test/capture/attention.test.ts).
 */
import { ModuleBuilder, I32, F64, V128, SIMD_AVAILABLE, type FunctionBuilder } from '../wasm/assembler.js';
import { expNonPositive } from './exp.js';

const PAGE = 65536;
const modules = new Map<string, WebAssembly.Module>();

function kernelModule(hs: number, seqLen: number, kv: number): WebAssembly.Module {
  const key = `${hs}/${seqLen}/${kv}`;
  let mod = modules.get(key);
  if (mod) return mod;
  const m = new ModuleBuilder();
  emitScores(m.func('scores', [I32, I32, I32, I32], [F64]), hs, seqLen);
  emitValues(m.func('values', [I32, I32, I32, I32], []), hs, kv);
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
    const end = this.outOffset + hs * 8;
    const memory = new WebAssembly.Memory({ initial: Math.ceil(end / PAGE) });
    const inst = new WebAssembly.Instance(kernelModule(hs, seqLen, kv), { env: { memory } });
    this.scoresFn = inst.exports.scores as WasmAttention['scoresFn'];
    this.valuesFn = inst.exports.values as WasmAttention['valuesFn'];
    const buf = memory.buffer;
    this.keysF32 = new Float32Array(buf, this.kOffset, kv * seqLen);
    this.valuesF32 = new Float32Array(buf, this.vOffset, kv * seqLen);
    this.qs = new Float64Array(buf, this.qsOffset, hs);
    this.scoresF64 = new Float64Array(buf, this.sOffset, seqLen + 2);
    this.out = new Float64Array(buf, this.outOffset, hs);
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

  /** attendHead for the loaded layer: query q[qo …] against positions 0 … n−1 of kv head channels ko …, into att[qo …]. */
  head(q: Float32Array, qo: number, ko: number, n: number, scale: number, att: Float32Array): void {
    const hs = this.hs;
    const qs = this.qs;
    for (let i = 0; i < hs; i++) qs[i] = q[qo + i] * scale;
    const max = this.scoresFn(this.kOffset + ko * this.seqLen * 4, this.qsOffset, this.sOffset, n);
    const scores = this.scoresF64;
    let sum = 0;
    for (let p = 0; p < n; p++) {
      const e = expNonPositive(scores[p] - max);
      scores[p] = e;
      sum += e;
    }
    const inv = 1 / sum;
    this.valuesFn(this.vOffset + ko * 4, this.sOffset, this.outOffset, n);
    const out = this.out;
    for (let i = 0; i < hs; i++) att[qo + i] = out[i] * inv;
  }
}
