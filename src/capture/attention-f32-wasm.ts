/**
 * The opt-in float32 attention (precision 'f32', precision.ts): WasmLayerAttention's job — a whole
 * layer's chunk of query rows against the cache in one WebAssembly call — with float32 arithmetic
 * and four lanes per op, as llama2.c run.c computes attention in float. NOT bit-identical to the
 * float64 path; bit for bit the float32 JavaScript reference `attendLayerF32Reference`
 * (test/capture/attention-f32.test.ts), which states every operation's order:
 *
 *   per query head: qs_i = f32(q_i · f32(scale));
 *   score_p = 0 + qs_0·k_0p + qs_1·k_1p + … (channels in order; each product and sum rounded to
 *   float32), eight positions per step in two f32x4 (keys channel-major, positions adjacent);
 *   max = the largest score, taken as max < s ? s : max per lane (f32x4.pmax: a NaN score is
 *   skipped, then its own e_p is NaN, so the output is NaN all the same), the lanes' maxima then
 *   combined by f32x4.max; e_p = expF32(score_p − max) (below);
 *   sum = (Σ_{p ≡ 0 mod 4} e_p) + (Σ_{p ≡ 1}) + (Σ_{p ≡ 2}) + (Σ_{p ≡ 3}), each lane summed in p
 *   order (lane sums added 0, 1, 2, 3);
 *   out_c = f32(f32(even_c + odd_c) · f32(1 / sum)), even_c = 0 + e_0·v_0c + e_2·v_2c + … and
 *   odd_c = 0 + e_1·v_1c + e_3·v_3c + … (p in order; two sums so that two positions are in flight),
 *   four channels per f32x4.
 *
 * expF32(x), x ≤ 0 (Cephes expf, S. L. Moshier; the range reduction and polynomial of its
 * `expf.c`): x' = max(x, LO) with LO = −87.33654 (so k ≥ −126 and 2^k is a normal float32);
 * k = x'·log2e rounded to the nearest integer, ties to even (by adding 1.5·2^23 + 127, whose sum's
 * low bits are then k + 127: 2^k's exponent field); r = (x' − k·C1) − k·C2 with C1 + C2 = ln2 (C1 = 0.693359375 has 9
 * bits, so k·C1 is exact); y = ((((((P0·r + P1)·r + P2)·r + P3)·r + P4)·r + P5)·r² + r) + 1;
 * e = y · 2^k (2^k from its bits, (k + 127) << 23); x < LO → 0 (−∞ too); NaN → NaN. Relative
 * error ≤ 2 float32 ulps over [−87.3, 0] (measured against Math.exp: the test).
 */
import { ModuleBuilder, I32, F64, V128, SIMD_AVAILABLE, type FunctionBuilder } from '../wasm/assembler.js';

const PAGE = 65536;
const f32 = Math.fround;

/** expF32's constants (float32 values; Cephes expf.c) */
export const EXPF = {
  LO: f32(-87.33654),
  LOG2E: f32(1.44269504088896341),
  C1: 0.693359375,
  C2: f32(-2.12194440e-4),
  P: [f32(1.9875691500e-4), f32(1.3981999507e-3), f32(8.3334519073e-3), f32(4.1665795894e-2), f32(1.6666665459e-1), f32(5.0000001201e-1)],
} as const;

/** 1.5·2^23 + 127 (a float32): see expF32Emitter */
const EXP_MAGIC = 1.5 * 2 ** 23 + 127;

/** expF32 of one float32 x in JavaScript, every operation rounded to float32 (the kernel's lanes) */
export function expF32(x: number): number {
  if (x < EXPF.LO) return 0;
  const xc = Math.max(x, EXPF.LO);
  const kf = f32(f32(f32(xc * EXPF.LOG2E) + EXP_MAGIC) - EXP_MAGIC);
  let r = f32(xc - f32(kf * EXPF.C1));
  r = f32(r - f32(kf * EXPF.C2));
  const z = f32(r * r);
  let p = EXPF.P[0];
  for (let i = 1; i < 6; i++) p = f32(f32(p * r) + EXPF.P[i]);
  const y = f32(f32(f32(p * z) + r) + 1);
  if (kf !== kf) return NaN;
  return f32(y * 2 ** kf);
}

/**
 * Declares, in function f, expF32's constants and temporaries and returns exp(x, e): local e ←
 * expF32 of each lane of local x (the file comment's operations, any x: x < LO → 0, NaN → NaN).
 */
export function expF32Emitter(f: FunctionBuilder): (x: number, e: number) => void {
  const [xc, kf, kb, r, z] = Array.from({ length: 5 }, () => f.local(V128));
  const c = (v: number) => {
    const l = f.local(V128);
    f.f64(v).op('f32.demote_f64').op('f32x4.splat').set(l);
    return l;
  };
  const cLo = c(EXPF.LO);
  const cLog2e = c(EXPF.LOG2E);
  const cOne = c(1);
  const cC1 = c(EXPF.C1);
  const cC2 = c(EXPF.C2);
  const cP = EXPF.P.map(c);
  // 1.5·2^23 + 127: adding it to |v| < 2^21 rounds v to an integer k and leaves k + 127 in the low bits
  const cMagic = c(EXP_MAGIC);
  return (x, e) => {
    // x' = x < LO ? LO : x (pmax: one instruction; NaN stays NaN)
    f.get(x).get(cLo).op('f32x4.pmax').set(xc);
    // x'·log2e + (1.5·2^23 + 127) rounds to an integer, ties to even: its low bits are k + 127
    f.get(xc).get(cLog2e).op('f32x4.mul').get(cMagic).op('f32x4.add').set(kb);
    f.get(kb).get(cMagic).op('f32x4.sub').set(kf);
    f.get(xc).get(kf).get(cC1).op('f32x4.mul').op('f32x4.sub').get(kf).get(cC2).op('f32x4.mul').op('f32x4.sub').set(r);
    f.get(r).get(r).op('f32x4.mul').set(z);
    f.get(cP[0]);
    for (let i = 1; i < 6; i++) f.get(r).op('f32x4.mul').get(cP[i]).op('f32x4.add');
    f.get(z).op('f32x4.mul').get(r).op('f32x4.add').get(cOne).op('f32x4.add');
    // · 2^k, whose bits are (k + 127) << 23 (the constant's own bits shift out); x < LO → 0 (NaN kept)
    f.get(kb).i32(23).op('i32x4.shl').op('f32x4.mul');
    f.get(x).get(cLo).op('f32x4.lt').op('v128.andnot').set(e);
  };
}

interface Layout {
  hs: number;
  seqLen: number;
  kv: number;
  nHeads: number;
  dim: number;
  kvMul: number;
  group: number;
  /** positions per key row: seq_len rounded up to 8 (scores are computed 8 positions per step) */
  kStride: number;
  k: number;
  v: number;
  q: number;
  att: number;
  qs: number;
  s: number;
  end: number;
}

function layout(hs: number, seqLen: number, kv: number, nHeads: number): Layout {
  const dim = nHeads * hs;
  const kvMul = nHeads / (kv / hs);
  const group = kvMul % 2 === 0 ? 2 : 1;
  const kStride = Math.ceil(seqLen / 8) * 8;
  const up = (b: number) => Math.ceil(b / 16) * 16;
  const k = 0;
  const v = k + up(kv * kStride * 4);
  const q = v + up(seqLen * kv * 4);
  const att = q + up(seqLen * dim * 4);
  const qs = att + up(seqLen * dim * 4);
  const s = qs + up(group * hs * 4);
  const end = s + up(group * kStride * 4);
  return { hs, seqLen, kv, nHeads, dim, kvMul, group, kStride, k, v, q, att, qs, s, end };
}

const modules = new Map<string, WebAssembly.Module>();

function layerModule(L: Layout): WebAssembly.Module {
  const key = `${L.hs}/${L.seqLen}/${L.kv}/${L.nHeads}`;
  let mod = modules.get(key);
  if (mod) return mod;
  const m = new ModuleBuilder();
  emitLayer(m.func('layer', [I32, I32, F64], []), L);
  mod = new WebAssembly.Module(m.bytes());
  modules.set(key, mod);
  return mod;
}

/** layer(T, startPos, scale): see the file comment; query row t at position startPos + t. */
function emitLayer(f: FunctionBuilder, L: Layout): void {
  const [T, START, SCALE] = [0, 1, 2];
  const { hs, kv, dim, kvMul, group: G, kStride } = L;
  const nKv = kv / hs;
  const rowStride = kStride * 4;
  const t = f.local(I32);
  const n = f.local(I32);
  const n4 = f.local(I32);
  const g = f.local(I32);
  const qg = f.local(I32);
  const ag = f.local(I32);
  const kb = f.local(I32);
  const vb = f.local(I32);
  const p = f.local(I32);
  const pk = f.local(I32);
  const ps = f.local(I32);
  const pv = f.local(I32);
  const s = Array.from({ length: G }, () => f.local(V128));
  const s2 = Array.from({ length: G }, () => f.local(V128)); // positions p+4 … p+7
  const n8 = f.local(I32);
  const nEven = f.local(I32);
  const kk2 = f.local(V128);
  const mx = Array.from({ length: G }, () => f.local(V128));
  const sum = Array.from({ length: G }, () => f.local(V128));
  const inv = Array.from({ length: G }, () => f.local(V128));
  const w = Array.from({ length: G }, () => f.local(V128));
  // value sums over even positions (acc) and odd positions (acc2)
  const acc = Array.from({ length: G }, () => Array.from({ length: hs / 4 }, () => f.local(V128)));
  const acc2 = Array.from({ length: G }, () => Array.from({ length: hs / 4 }, () => f.local(V128)));
  const w2 = Array.from({ length: G }, () => f.local(V128));
  const tmp2 = f.local(V128);
  const kk = f.local(V128);
  const tmp = f.local(V128);
  const pos = f.local(V128); // i32x4 positions p … p+3
  const nv = f.local(V128); // i32x4 splat of n
  const scale = f.local(V128);
  const cNegInf = f.local(V128);
  f.f64(-Infinity).op('f32.demote_f64').op('f32x4.splat').set(cNegInf);
  const cOne = f.local(V128);
  f.f64(1).op('f32.demote_f64').op('f32x4.splat').set(cOne);
  const x = f.local(V128);
  const expF32Lanes = expF32Emitter(f);
  const expLanes = (e: number) => expF32Lanes(x, e);
  f.get(SCALE).op('f32.demote_f64').op('f32x4.splat').set(scale);

  f.for(t, 0, () => f.get(T), 1, () => {
    f.get(START).get(t).op('i32.add').i32(1).op('i32.add').set(n);
    f.get(n).i32(3).op('i32.add').i32(-4).op('i32.and').set(n4);
    f.get(n).i32(7).op('i32.add').i32(-8).op('i32.and').set(n8);
    f.get(n).i32(-2).op('i32.and').set(nEven);
    f.get(n).op('i32x4.splat').set(nv);
    f.get(t).i32(dim * 4).op('i32.mul').set(qg);
    f.get(qg).i32(L.att).op('i32.add').set(ag);
    f.get(qg).i32(L.q).op('i32.add').set(qg);
    f.i32(L.k).set(kb);
    f.i32(L.v).set(vb);
    f.for(g, 0, nKv, 1, () => {
      for (let jj = 0; jj < kvMul; jj += G) {
        // qs = f32(q · scale) for the G heads g·kvMul + jj …
        for (let j = 0; j < G; j++) {
          for (let i = 0; i < hs; i += 4) {
            f.i32(0).get(qg).op('v128.load', ((jj + j) * hs + i) * 4, 2).get(scale).op('f32x4.mul').op('v128.store', L.qs + (j * hs + i) * 4, 2);
          }
        }
        // scores (4 positions per op, lanes ≥ n → −∞) and their maximum
        for (let j = 0; j < G; j++) f.get(cNegInf).set(mx[j]);
        f.get(kb).set(pk);
        f.i32(L.s).set(ps);
        f.v128i32(0, 1, 2, 3).set(pos);
        // eight positions per step (two independent sums per head), each lane's channels in order
        f.for(p, 0, () => f.get(n8), 8, () => {
          for (let j = 0; j < G; j++) {
            f.v128i32(0, 0, 0, 0).set(s[j]);
            f.v128i32(0, 0, 0, 0).set(s2[j]);
          }
          for (let i = 0; i < hs; i++) {
            f.get(pk).op('v128.load', i * rowStride, 2).set(kk);
            f.get(pk).op('v128.load', i * rowStride + 16, 2).set(kk2);
            for (let j = 0; j < G; j++) {
              f.i32(0).op('v128.load32_splat', L.qs + (j * hs + i) * 4, 2).set(tmp);
              f.get(s[j]).get(tmp).get(kk).op('f32x4.mul').op('f32x4.add').set(s[j]);
              f.get(s2[j]).get(tmp).get(kk2).op('f32x4.mul').op('f32x4.add').set(s2[j]);
            }
          }
          for (let j = 0; j < G; j++) {
            f.get(s[j]).get(cNegInf).get(pos).get(nv).op('i32x4.lt_s').op('v128.bitselect').set(s[j]);
            f.get(s2[j]).get(cNegInf).get(pos).i32(4).op('i32x4.splat').op('i32x4.add').get(nv).op('i32x4.lt_s').op('v128.bitselect').set(s2[j]);
            f.get(ps).get(s[j]).op('v128.store', j * rowStride, 2);
            f.get(ps).get(s2[j]).op('v128.store', j * rowStride + 16, 2);
            // running maximum: max < s ? s : max (pmax; a NaN score is not taken here, but its exp is NaN)
            f.get(mx[j]).get(s[j]).op('f32x4.pmax').get(s2[j]).op('f32x4.pmax').set(mx[j]);
          }
          f.get(pos).i32(8).op('i32x4.splat').op('i32x4.add').set(pos);
          f.get(pk).i32(32).op('i32.add').set(pk);
          f.get(ps).i32(32).op('i32.add').set(ps);
        });
        for (let j = 0; j < G; j++) {
          // every lane ← the maximum of the four
          f.get(mx[j]).get(mx[j]).get(mx[j]).shuffle32([2, 3, 0, 1]).op('f32x4.max').set(mx[j]);
          f.get(mx[j]).get(mx[j]).get(mx[j]).shuffle32([1, 0, 3, 2]).op('f32x4.max').set(mx[j]);
        }
        // exps in place and their lane sums
        for (let j = 0; j < G; j++) {
          f.v128i32(0, 0, 0, 0).set(sum[j]);
          f.i32(L.s + j * rowStride).set(ps);
          f.for(p, 0, () => f.get(n4), 4, () => {
            f.get(ps).op('v128.load', 0, 2).get(mx[j]).op('f32x4.sub').set(x);
            expLanes(tmp);
            f.get(ps).get(tmp).op('v128.store', 0, 2);
            f.get(sum[j]).get(tmp).op('f32x4.add').set(sum[j]);
            f.get(ps).i32(16).op('i32.add').set(ps);
          });
          // ((l0 + l1) + l2) + l3, then f32(1 / sum) in every lane
          f.get(sum[j]).op('f32x4.extract_lane', 0).get(sum[j]).op('f32x4.extract_lane', 1).op('f32.add');
          f.get(sum[j]).op('f32x4.extract_lane', 2).op('f32.add').get(sum[j]).op('f32x4.extract_lane', 3).op('f32.add');
          f.op('f32x4.splat').set(tmp);
          f.get(cOne).get(tmp).op('f32x4.div').set(inv[j]);
        }
        // value sums, four channels per op: even positions into acc, odd ones into acc2
        for (let j = 0; j < G; j++) for (const a of [...acc[j], ...acc2[j]]) f.v128i32(0, 0, 0, 0).set(a);
        f.get(vb).set(pv);
        f.i32(L.s).set(ps);
        const valueStep = (a2: number[][] | undefined) => {
          for (let j = 0; j < G; j++) {
            f.get(ps).op('v128.load32_splat', j * rowStride, 2).set(w[j]);
            if (a2) f.get(ps).op('v128.load32_splat', j * rowStride + 4, 2).set(w2[j]);
          }
          for (let a = 0; a < hs / 4; a++) {
            f.get(pv).op('v128.load', a * 16, 2).set(tmp);
            if (a2) f.get(pv).op('v128.load', kv * 4 + a * 16, 2).set(tmp2);
            for (let j = 0; j < G; j++) {
              f.get(acc[j][a]).get(w[j]).get(tmp).op('f32x4.mul').op('f32x4.add').set(acc[j][a]);
              if (a2) f.get(a2[j][a]).get(w2[j]).get(tmp2).op('f32x4.mul').op('f32x4.add').set(a2[j][a]);
            }
          }
        };
        f.for(p, 0, () => f.get(nEven), 2, () => {
          valueStep(acc2);
          f.get(pv).i32(2 * kv * 4).op('i32.add').set(pv);
          f.get(ps).i32(8).op('i32.add').set(ps);
        });
        f.get(n).i32(1).op('i32.and').if();
        valueStep(undefined);
        f.end();
        for (let j = 0; j < G; j++) {
          for (let a = 0; a < hs / 4; a++) f.get(ag).get(acc[j][a]).get(acc2[j][a]).op('f32x4.add').get(inv[j]).op('f32x4.mul').op('v128.store', ((jj + j) * hs + 4 * a) * 4, 2);
        }
      }
      f.get(qg).i32(kvMul * hs * 4).op('i32.add').set(qg);
      f.get(ag).i32(kvMul * hs * 4).op('i32.add').set(ag);
      f.get(kb).i32(hs * rowStride).op('i32.add').set(kb);
      f.get(vb).i32(hs * 4).op('i32.add').set(vb);
    });
  });
}

export const WASM_ATTENTION_F32_AVAILABLE = SIMD_AVAILABLE;

/** Whether the float32 kernel takes this shape: head size a multiple of 4, query heads sharing kv heads evenly. */
export function attentionF32Fits(hs: number, kv: number, nHeads: number): boolean {
  return hs % 4 === 0 && kv % hs === 0 && nHeads % (kv / hs) === 0;
}

/** WasmLayerAttention's interface (`run`) with the float32 kernel above. */
export class WasmLayerAttentionF32 {
  private readonly L: Layout;
  private readonly k32: Float32Array;
  private readonly v32: Float32Array;
  private readonly q32: Float32Array;
  private readonly att32: Float32Array;
  private readonly layerFn: (t: number, startPos: number, scale: number) => void;

  constructor(hs: number, seqLen: number, kv: number, nHeads: number) {
    if (!attentionF32Fits(hs, kv, nHeads)) throw new Error(`WasmLayerAttentionF32: head size ${hs}, kv ${kv}, ${nHeads} heads do not fit`);
    const L = (this.L = layout(hs, seqLen, kv, nHeads));
    const memory = new WebAssembly.Memory({ initial: Math.ceil(L.end / PAGE) });
    const inst = new WebAssembly.Instance(layerModule(L), { env: { memory } });
    this.layerFn = inst.exports.layer as WasmLayerAttentionF32['layerFn'];
    const buf = memory.buffer;
    this.k32 = new Float32Array(buf, L.k, kv * L.kStride);
    this.v32 = new Float32Array(buf, L.v, seqLen * kv);
    this.q32 = new Float32Array(buf, L.q, seqLen * L.dim);
    this.att32 = new Float32Array(buf, L.att, seqLen * L.dim);
  }

  /** as WasmLayerAttention.run: keys/values channel-major [kv, seq_len], this chunk's already written */
  run(keys: Float32Array, values: Float32Array, q: Float32Array, tokens: number, startPos: number, scale: number, att: Float32Array): void {
    const { seqLen, kv, kStride, dim } = this.L;
    const n = startPos + tokens;
    const v32 = this.v32;
    for (let ch = 0; ch < kv; ch++) {
      const row = ch * seqLen;
      this.k32.set(keys.subarray(row, row + n), ch * kStride);
      for (let p = 0; p < n; p++) v32[p * kv + ch] = values[row + p];
    }
    this.q32.set(q.subarray(0, tokens * dim));
    this.layerFn(tokens, startPos, scale);
    att.set(this.att32.subarray(0, tokens * dim));
  }
}
