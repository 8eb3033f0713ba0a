/**
 * perplexity.ts's tokenNll for every row of a window's logits in WebAssembly SIMD: per row the
 * maximum (two logits per f64x2, then the larger lane, then an odd vocabulary's last logit) and
 * Σ_i Math.exp(l_i − max) in i order from 0 — fdlibm's exp lane by lane (silu-wasm.ts's emitter,
 * the same bits as V8's Math.exp) — so max and sum are tokenNll's float64 values; JavaScript then
 * takes Math.log(sum) + max − l_target as tokenNll does. A row with some |l_i − max| ≥
 * SILU_EXP_LIMIT or a NaN (a NaN or ±∞ logit) is flagged and scored by tokenNll itself: the same
 * bits in every case (test/capture/nll-wasm.test.ts).
 */
import { ModuleBuilder, I32, F64, V128, SIMD_AVAILABLE } from '../wasm/assembler.js';
import { fdlibmExpEmitter, SILU_EXP_LIMIT } from './silu-wasm.js';

const PAGE = 65536;
const modules = new Map<number, WebAssembly.Module>();

/** lse(logits, rows, out, flags): out[2r] = max, out[2r + 1] = Σ exp(l − max); flags[r] = 1 where the row left the exp's range. */
function kernelModule(vocab: number): WebAssembly.Module {
  let mod = modules.get(vocab);
  if (mod) return mod;
  const m = new ModuleBuilder();
  const f = m.func('lse', [I32, I32, I32, I32], []);
  const [LOGITS, ROWS, OUT, FLAGS] = [0, 1, 2, 3];
  const r = f.local(I32);
  const i = f.local(I32);
  const row = f.local(I32);
  const mx = f.local(V128);
  const max = f.local(F64);
  const sum = f.local(F64);
  const ok = f.local(V128);
  const [l, x, ax, e, cMax] = Array.from({ length: 5 }, () => f.local(V128));
  const { exp, k } = fdlibmExpEmitter(f);
  const even = vocab & ~1;
  f.get(LOGITS).set(row);
  f.for(r, 0, () => f.get(ROWS), 1, () => {
    // the maximum: lanes that are not greater (NaN among them) keep the running value, as `>` in tokenNll
    f.f64(-Infinity).op('f64x2.splat').set(mx);
    f.for(i, 0, even, 2, () => {
      f.get(row).get(i).i32(2).op('i32.shl').op('i32.add').op('v128.load64_zero', 0, 2).op('f64x2.promote_low_f32x4').set(l);
      f.get(l).get(mx).get(l).get(mx).op('f64x2.gt').op('v128.bitselect').set(mx);
    });
    f.get(mx).op('f64x2.extract_lane', 1);
    f.get(mx).op('f64x2.extract_lane', 0);
    f.get(mx).op('f64x2.extract_lane', 1);
    f.get(mx).op('f64x2.extract_lane', 0);
    f.op('f64.gt').op('select').set(max);
    if (vocab & 1) {
      f.get(row).op('f32.load', even * 4).op('f64.promote_f32').get(max).op('f64.gt').if();
      f.get(row).op('f32.load', even * 4).op('f64.promote_f32').set(max);
      f.end();
    }
    f.get(max).op('f64x2.splat').set(cMax);
    // the exps and their sum in order
    f.f64(0).set(sum);
    f.v128i32(-1, -1, -1, -1).set(ok);
    const term = (lanes: 1 | 2) => {
      f.get(l).get(cMax).op('f64x2.sub').set(x);
      f.get(x).op('f64x2.abs').set(ax);
      f.get(ok).get(ax); k(SILU_EXP_LIMIT); f.op('f64x2.lt').op('v128.and').set(ok);
      exp(x, ax, e);
      f.get(sum).get(e).op('f64x2.extract_lane', 0).op('f64.add').set(sum);
      if (lanes === 2) f.get(sum).get(e).op('f64x2.extract_lane', 1).op('f64.add').set(sum);
    };
    f.for(i, 0, even, 2, () => {
      f.get(row).get(i).i32(2).op('i32.shl').op('i32.add').op('v128.load64_zero', 0, 2).op('f64x2.promote_low_f32x4').set(l);
      term(2);
    });
    if (vocab & 1) {
      // the last logit alone; its spare lane is x = 0 (in range, not summed)
      f.get(row).op('f32.load', even * 4).op('f64.promote_f32').op('f64x2.splat').get(max).op('f64x2.replace_lane', 1).set(l);
      term(1);
    }
    f.get(OUT).get(r).i32(4).op('i32.shl').op('i32.add').get(max).op('f64.store', 0);
    f.get(OUT).get(r).i32(4).op('i32.shl').op('i32.add').get(sum).op('f64.store', 8);
    f.get(FLAGS).get(r).i32(2).op('i32.shl').op('i32.add').get(ok).op('i32x4.all_true').op('i32.eqz').op('i32.store', 0);
    f.get(row).i32(vocab * 4).op('i32.add').set(row);
  });
  mod = new WebAssembly.Module(m.bytes());
  modules.set(vocab, mod);
  return mod;
}

export const WASM_NLL_AVAILABLE = SIMD_AVAILABLE;

/** tokenNll of up to `capacityRows` rows of one vocabulary size per call. */
export class WasmRowNll {
  private readonly logits: Float32Array;
  private readonly out: Float64Array;
  private readonly flags: Int32Array;
  private readonly outOffset: number;
  private readonly flagsOffset: number;
  private readonly fn: (logits: number, rows: number, out: number, flags: number) => void;

  constructor(
    readonly capacityRows: number,
    readonly vocab: number,
  ) {
    const logitBytes = Math.ceil((capacityRows * vocab * 4) / 16) * 16;
    this.outOffset = logitBytes;
    this.flagsOffset = logitBytes + capacityRows * 16;
    const memory = new WebAssembly.Memory({ initial: Math.ceil((this.flagsOffset + capacityRows * 4) / PAGE) || 1 });
    this.fn = new WebAssembly.Instance(kernelModule(vocab), { env: { memory } }).exports.lse as WasmRowNll['fn'];
    this.logits = new Float32Array(memory.buffer, 0, capacityRows * vocab);
    this.out = new Float64Array(memory.buffer, this.outOffset, 2 * capacityRows);
    this.flags = new Int32Array(memory.buffer, this.flagsOffset, capacityRows);
  }

  /**
   * losses[t] = tokenNll(logits, t·vocab, vocab, targets[t]) for t < rows (rows ≤ capacityRows),
   * the same bits; `fallback` is tokenNll itself, for the rows the kernel flags.
   */
  losses(
    logits: Float32Array,
    rows: number,
    targets: ArrayLike<number>,
    losses: Float64Array,
    fallback: (logits: Float32Array, offset: number, vocab: number, target: number) => number,
  ): void {
    const vocab = this.vocab;
    this.logits.set(logits.subarray(0, rows * vocab));
    this.fn(0, rows, this.outOffset, this.flagsOffset);
    const out = this.out;
    const flags = this.flags;
    for (let t = 0; t < rows; t++) {
      const offset = t * vocab;
      losses[t] = flags[t] ? fallback(logits, offset, vocab, targets[t]) : Math.log(out[2 * t + 1]) + out[2 * t] - logits[offset + targets[t]];
    }
  }
}
