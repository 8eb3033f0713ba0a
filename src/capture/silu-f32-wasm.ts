/**
 * The opt-in float32 SwiGLU gate (precision 'f32', precision.ts): h = silu(a) · u four elements
 * per f32x4, in float32 — NOT the f64 path's bits (silu-wasm.ts reproduces Math.exp in float64).
 * With E = expF32(−|a|) ∈ [0, 1] (attention-f32-wasm.ts's exp, so no overflow for any a):
 *   s = (a ≥ 0 ? 1 : E) / (1 + E)      (= 1/(1 + e^−a) for either sign of a)
 *   h = f32(f32(a · s) · u)
 * each operation rounded to float32; NaN stays NaN, a = +∞ gives u·∞ and a = −∞ gives NaN, as
 * a / (1 + exp(−a)) does. Bit for bit `siluF32` below (test/capture/silu-f32.test.ts).
 */
import { ModuleBuilder, I32, V128, SIMD_AVAILABLE } from '../wasm/assembler.js';
import { expF32, expF32Emitter } from './attention-f32-wasm.js';

const PAGE = 65536;
const f32 = Math.fround;

/** one element of the gate in JavaScript, every operation rounded to float32 (the kernel's lanes) */
export function siluF32(a: number, u: number): number {
  const e = expF32(-Math.abs(a));
  const s = f32((a >= 0 ? 1 : e) / f32(1 + e));
  return f32(f32(a * s) * u);
}

let compiled: WebAssembly.Module | undefined;

/** silu(g, u, out, n4): out[i] for i < n4 (a multiple of 4) */
function kernelModule(): WebAssembly.Module {
  if (compiled) return compiled;
  const m = new ModuleBuilder();
  const f = m.func('silu', [I32, I32, I32, I32], []);
  const [G, U, OUT, N] = [0, 1, 2, 3];
  const i = f.local(I32);
  const [a, x, e, one, zero] = Array.from({ length: 5 }, () => f.local(V128));
  f.f64(1).op('f32.demote_f64').op('f32x4.splat').set(one);
  f.v128i32(0, 0, 0, 0).set(zero);
  const exp = expF32Emitter(f);
  f.for(i, 0, () => f.get(N), 4, () => {
    f.get(G).get(i).i32(2).op('i32.shl').op('i32.add').op('v128.load', 0, 2).set(a);
    // x = −|a| (the sign bit set)
    f.get(a).v128i32(-0x80000000, -0x80000000, -0x80000000, -0x80000000).op('v128.or').set(x);
    exp(x, e);
    // s = (a ≥ 0 ? 1 : E) / (1 + E)
    f.get(OUT).get(i).i32(2).op('i32.shl').op('i32.add');
    f.get(a);
    f.get(one).get(e).get(a).get(zero).op('f32x4.ge').op('v128.bitselect');
    f.get(one).get(e).op('f32x4.add').op('f32x4.div');
    f.op('f32x4.mul');
    f.get(U).get(i).i32(2).op('i32.shl').op('i32.add').op('v128.load', 0, 2).op('f32x4.mul');
    f.op('v128.store', 0, 2);
  });
  compiled = new WebAssembly.Module(m.bytes());
  return compiled;
}

export const WASM_SILU_F32_AVAILABLE = SIMD_AVAILABLE;

/** WasmSilu's interface (`gate`) in float32; it takes every input (no fallback). */
export class WasmSiluF32 {
  private readonly g: Float32Array;
  private readonly u: Float32Array;
  private readonly out: Float32Array;
  private readonly fn: (g: number, u: number, out: number, n4: number) => void;
  private readonly offsets: [number, number, number];

  constructor(readonly capacity: number) {
    const bytes = Math.ceil(capacity / 4) * 16;
    const memory = new WebAssembly.Memory({ initial: Math.ceil((3 * bytes) / PAGE) || 1 });
    this.fn = new WebAssembly.Instance(kernelModule(), { env: { memory } }).exports.silu as WasmSiluF32['fn'];
    this.offsets = [0, bytes, 2 * bytes];
    this.g = new Float32Array(memory.buffer, 0, bytes / 4);
    this.u = new Float32Array(memory.buffer, bytes, bytes / 4);
    this.out = new Float32Array(memory.buffer, 2 * bytes, bytes / 4);
  }

  /** out[i] = siluF32(g[i], u[i]) for i < n; always true (WasmSilu.gate's contract: computed) */
  gate(out: Float32Array, g: Float32Array, u: Float32Array, n: number): boolean {
    const n4 = Math.ceil(n / 4) * 4;
    this.g.set(g.subarray(0, n));
    this.u.set(u.subarray(0, n));
    this.g.fill(0, n, n4);
    this.u.fill(0, n, n4);
    this.fn(this.offsets[0], this.offsets[1], this.offsets[2], n4);
    out.set(this.out.subarray(0, n));
    return true;
  }
}
