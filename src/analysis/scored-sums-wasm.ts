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
import { ModuleBuilder, I32, I64, F64 } from '../wasm/assembler.js';

const PAGE = 65536;
const modules = new Map<number, WebAssembly.Module>();

/** sums(x, k, eta, words, strideBytes, out): x f32[k] at x, pattern p's words at words + p·strideBytes, out f64[4P]. */
function sumsModule(patterns: number): WebAssembly.Module {
  let mod = modules.get(patterns);
  if (mod) return mod;
  const m = new ModuleBuilder();
  const f = m.func('sums', [I32, I32, F64, I32, I32, I32], []);
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
    f.get(X).get(j).i32(2).op('i32.shl').op('i32.add').op('f32.load').op('f64.promote_f32').set(xv);
    f.get(xv).get(xv).op('f64.mul').set(x2);
    // ỹ = f32(f32(x − η) + η)
    f.get(xv).get(ETA).op('f64.sub').op('f32.demote_f64').op('f64.promote_f32').get(ETA).op('f64.add').op('f32.demote_f64').op('f64.promote_f32').set(yk);
    f.get(yk).get(xv).op('f64.sub').tee(t).get(t).op('f64.mul').set(dk2);
    f.get(yd).get(xv).op('f64.sub').tee(t).get(t).op('f64.mul').set(dd2);
    f.get(xv).get(yk).op('f64.mul').set(xyk);
    f.get(xv).get(yd).op('f64.mul').set(xyd);
    f.get(yk).get(yk).op('f64.mul').set(yk2);
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
  mod = new WebAssembly.Module(m.bytes());
  modules.set(patterns, mod);
  return mod;
}

/** The sums of one row width K and P patterns; owns its memory (sized once). */
export class WasmRowSums {
  private readonly k: number;
  readonly patterns: number;
  private readonly nWords: number;
  private readonly run: (x: number, k: number, eta: number, words: number, stride: number, out: number) => void;
  private readonly x: Float32Array;
  private readonly words: Uint32Array[];
  /** [keptE, err, xy, yy] per pattern of the last row */
  readonly sums: Float64Array;
  private readonly ptr: { x: number; words: number; stride: number; out: number };

  constructor(k: number, patterns: number) {
    this.k = k;
    this.patterns = patterns;
    this.nWords = (k + 31) >>> 5;
    const stride = 4 * this.nWords;
    const x = 0;
    const words = Math.ceil((4 * k) / 16) * 16;
    const out = words + Math.ceil((stride * patterns) / 16) * 16;
    const bytes = out + 32 * patterns;
    this.ptr = { x, words, stride, out };
    const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / PAGE) + 1 });
    const instance = new WebAssembly.Instance(sumsModule(patterns), { env: { memory } });
    this.run = instance.exports.sums as WasmRowSums['run'];
    const buf = memory.buffer as ArrayBuffer;
    this.x = new Float32Array(buf, x, k);
    this.words = Array.from({ length: patterns }, (_, p) => new Uint32Array(buf, words + p * stride, this.nWords));
    this.sums = new Float64Array(buf, out, 4 * patterns);
  }

  /** Row x[off …), η, pattern p's keep words at words[p][w0 …): fills `sums`. */
  row(x: Float32Array, off: number, eta: number, words: Uint32Array[], w0: number): void {
    this.x.set(x.subarray(off, off + this.k));
    for (let p = 0; p < words.length; p++) this.words[p].set(words[p].subarray(w0, w0 + this.nWords));
    const { ptr } = this;
    this.run(ptr.x, this.k, eta, ptr.words, ptr.stride, ptr.out);
  }
}
