/**
 * forward.ts's per-element JavaScript loops that run between the kernels — RMSNorm and the
 * residual adds — in WebAssembly, for chunks of ≥ 4 tokens. In a fresh process these loops run
 * cold (interpreted, one boxed float64 per operation) for the first windows, ~10⁶ iterations per
 * window; compiled WebAssembly has no such warm-up. The same bits:
 *   rmsnorm: ss = Σ_i x_i·x_i in i order from 0 (float64, x promoted exactly), inv = 1/√(ss/dim + eps),
 *            out_i = f32(g_i · (inv · x_i)) — forward.ts's float64 operations one for one;
 *   add:     x_i = f32(x_i + o_i) — float32 addition, which equals the float64 sum of the two
 *            float32 values rounded to float32 (53 ≥ 2·24 + 2 bits: double rounding is innocuous).
 * Tested against forward.ts's loops in test/capture/glue-wasm.test.ts.
 */
import { ModuleBuilder, I32, F64, V128, SIMD_AVAILABLE } from '../wasm/assembler.js';

const PAGE = 65536;
let compiled: WebAssembly.Module | undefined;

function kernelModule(): WebAssembly.Module {
  if (compiled) return compiled;
  const m = new ModuleBuilder();
  // rmsnorm(out, x, g, tokens, dim, eps)
  {
    const f = m.func('rmsnorm', [I32, I32, I32, I32, I32, F64], []);
    const [OUT, X, G, TOKENS, DIM, EPS] = [0, 1, 2, 3, 4, 5];
    const t = f.local(I32);
    const i = f.local(I32);
    const px = f.local(I32);
    const po = f.local(I32);
    const ss = f.local(F64);
    const inv = f.local(F64);
    const v = f.local(F64);
    f.get(X).set(px);
    f.get(OUT).set(po);
    f.for(t, 0, () => f.get(TOKENS), 1, () => {
      f.f64(0).set(ss);
      f.for(i, 0, () => f.get(DIM), 1, () => {
        f.get(px).get(i).i32(2).op('i32.shl').op('i32.add').op('f32.load', 0, 2).op('f64.promote_f32').set(v);
        f.get(ss).get(v).get(v).op('f64.mul').op('f64.add').set(ss);
      });
      f.f64(1).get(ss).get(DIM).op('f64.convert_i32_s').op('f64.div').get(EPS).op('f64.add').op('f64.sqrt').op('f64.div').set(inv);
      f.for(i, 0, () => f.get(DIM), 1, () => {
        f.get(po).get(i).i32(2).op('i32.shl').op('i32.add');
        f.get(G).get(i).i32(2).op('i32.shl').op('i32.add').op('f32.load', 0, 2).op('f64.promote_f32');
        f.get(inv).get(px).get(i).i32(2).op('i32.shl').op('i32.add').op('f32.load', 0, 2).op('f64.promote_f32').op('f64.mul');
        f.op('f64.mul').op('f32.demote_f64').op('f32.store', 0, 2);
      });
      f.get(DIM).i32(2).op('i32.shl').get(px).op('i32.add').set(px);
      f.get(DIM).i32(2).op('i32.shl').get(po).op('i32.add').set(po);
    });
  }
  // add(x, o, n): x[i] = f32(x[i] + o[i]), n a multiple of 4 (the buffers are padded)
  {
    const f = m.func('add', [I32, I32, I32], []);
    const [X, O, N] = [0, 1, 2];
    const i = f.local(I32);
    f.for(i, 0, () => f.get(N), 4, () => {
      f.get(X).get(i).i32(2).op('i32.shl').op('i32.add');
      f.get(X).get(i).i32(2).op('i32.shl').op('i32.add').op('v128.load', 0, 2);
      f.get(O).get(i).i32(2).op('i32.shl').op('i32.add').op('v128.load', 0, 2);
      f.op('f32x4.add').op('v128.store', 0, 2);
    });
  }
  compiled = new WebAssembly.Module(m.bytes());
  return compiled;
}

export const WASM_GLUE_AVAILABLE = SIMD_AVAILABLE;

/** RMSNorm and residual adds of one model's width for up to `capacity` floats per call. */
export class WasmGlue {
  private readonly a: Float32Array;
  private readonly b: Float32Array;
  private readonly g: Float32Array;
  private readonly aOffset = 0;
  private readonly bOffset: number;
  private readonly gOffset: number;
  private readonly rmsnormFn: (out: number, x: number, g: number, tokens: number, dim: number, eps: number) => void;
  private readonly addFn: (x: number, o: number, n: number) => void;

  constructor(
    readonly capacity: number,
    maxDim: number,
  ) {
    const bytes = Math.ceil((capacity + 4) / 4) * 16;
    this.bOffset = bytes;
    this.gOffset = 2 * bytes;
    const memory = new WebAssembly.Memory({ initial: Math.ceil((2 * bytes + maxDim * 4) / PAGE) || 1 });
    const inst = new WebAssembly.Instance(kernelModule(), { env: { memory } });
    this.rmsnormFn = inst.exports.rmsnorm as WasmGlue['rmsnormFn'];
    this.addFn = inst.exports.add as WasmGlue['addFn'];
    this.a = new Float32Array(memory.buffer, this.aOffset, capacity + 4);
    this.b = new Float32Array(memory.buffer, this.bOffset, capacity + 4);
    this.g = new Float32Array(memory.buffer, this.gOffset, maxDim);
  }

  /** forward.ts's rmsnorm: out[t·dim + i] = f32(g_i · (inv_t · x[t·dim + i])). */
  rmsnorm(out: Float32Array, x: Float32Array, g: Float32Array, tokens: number, dim: number, eps: number): void {
    const n = tokens * dim;
    this.a.set(x.subarray(0, n));
    this.g.set(g.subarray(0, dim));
    this.rmsnormFn(this.bOffset, this.aOffset, this.gOffset, tokens, dim, eps);
    out.set(this.b.subarray(0, n));
  }

  /** x[i] += o[i] for i < n, rounded to float32 as a Float32Array store does. */
  add(x: Float32Array, o: Float32Array, n: number): void {
    this.a.set(x.subarray(0, n));
    this.b.set(o.subarray(0, n));
    this.addFn(this.aOffset, this.bOffset, Math.ceil(n / 4) * 4);
    x.set(this.a.subarray(0, n));
  }
}
