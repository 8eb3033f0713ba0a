/**
 * The opt-in float32 matmul (`precision: 'f32'`, forward.ts): y = x·Wᵀ with float32 products and
 * float32 accumulators, four output columns per f32x4 lane group — the arithmetic of llama2.c
 * run.c's `matmul` (`float val = 0; for j: val += w[i*n+j] * x[j];`, compiled without fused
 * multiply-add or reassociation) and of a numpy float32 forward pass up to its BLAS's summation
 * order. NOT bit-identical to matmulXWt (float64 accumulation, the default): each lane rounds
 * every product and every partial sum to float32, so |y − y₆₄| ≤ γ_n·Σ|x_i·w_i| with
 * γ_n = n·u/(1 − n·u), u = 2⁻²⁴ (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed.,
 * §3.1, eq. 3.5; the product roundings included since each is one more relative u).
 *
 * Exactly (bit for bit) the sequential float32 sum acc = f32(acc + f32(x_i·w_i)), i = 0 … n−1,
 * from acc = 0: WebAssembly's f32x4.mul/add round to nearest even per lane with subnormals
 * (no flush to zero) — test/capture/matmul-f32-wasm.test.ts checks it against that JavaScript loop.
 *
 * Layout: the weights of each model are packed once as octets of output rows: octet q holds, for
 * i = 0 … n−1, [w[8q … 8q+3, i]] then [w[8q+4 … 8q+7, i]] (32 bytes per i), so two v128.loads give
 * 8 outputs' weights at i; x is packed per call into groups of 4 tokens, token-adjacent
 * (x[4g + j, i] at ((g·n + i)·4 + j)·4), read by v128.load32_splat at an immediate offset. The
 * kernel computes 4 tokens × 8 outputs per block (8 f32x4 accumulators), octets cut into tiles of
 * ~TILE_BYTES of weights like the float64 kernels.
 */
import { ModuleBuilder, I32, V128, SIMD_AVAILABLE, type FunctionBuilder } from '../wasm/assembler.js';
import { TILE_BYTES } from './matmul.js';
import type { PackedWeight } from './matmul-wasm.js';

const PAGE = 65536;
/** output rows per block (two f32x4 lane groups) */
const OCTET = 8;
let compiled: WebAssembly.Module | undefined;

/** mm(x, wp, y, n, dPad, q0, q1, tokens4): y[t, 8q …] for t < tokens4 (step 4), octets q0 … q1−1. */
function kernelModule(): WebAssembly.Module {
  if (compiled) return compiled;
  const m = new ModuleBuilder();
  const f = m.func('mm', [I32, I32, I32, I32, I32, I32, I32, I32], []);
  const [X, WP, Y, N, DPAD, Q0, Q1, TOKENS] = [0, 1, 2, 3, 4, 5, 6, 7];
  const t = f.local(I32);
  const q = f.local(I32);
  const i = f.local(I32);
  const rowBytes = f.local(I32);
  const px = f.local(I32);
  const pw = f.local(I32);
  const py = f.local(I32);
  const acc = Array.from({ length: 8 }, () => f.local(V128)); // acc[2j] token j outputs 8q…8q+3, acc[2j+1] 8q+4…8q+7
  const wa = f.local(V128);
  const wb = f.local(V128);
  const xs = f.local(V128);
  f.get(N).i32(2).op('i32.shl').set(rowBytes);
  f.for(t, 0, () => f.get(TOKENS), 4, () => {
    f.for(q, () => f.get(Q0), () => f.get(Q1), 1, () => {
      for (const a of acc) f.v128i32(0, 0, 0, 0).set(a);
      // x group t/4: 16 bytes per i (four tokens' float32), so the group starts at x + t·n·4
      f.get(X).get(t).get(rowBytes).op('i32.mul').op('i32.add').set(px);
      // octet q: 32 bytes per i
      f.get(WP).get(q).get(rowBytes).op('i32.mul').i32(3).op('i32.shl').op('i32.add').set(pw);
      f.get(N).set(i);
      f.block().loop();
      f.get(i).op('i32.eqz').brIf(1);
      f.get(pw).op('v128.load', 0, 4).set(wa);
      f.get(pw).op('v128.load', 16, 4).set(wb);
      for (let j = 0; j < 4; j++) {
        f.get(px).op('v128.load32_splat', 4 * j, 2).set(xs);
        f.get(acc[2 * j]).get(xs).get(wa).op('f32x4.mul').op('f32x4.add').set(acc[2 * j]);
        f.get(acc[2 * j + 1]).get(xs).get(wb).op('f32x4.mul').op('f32x4.add').set(acc[2 * j + 1]);
      }
      f.get(px).i32(16).op('i32.add').set(px);
      f.get(pw).i32(32).op('i32.add').set(pw);
      f.get(i).i32(1).op('i32.sub').set(i);
      f.br(0).end().end();
      // y[t + j, 8q … 8q+7]
      for (let j = 0; j < 4; j++) {
        f.get(Y).get(t).i32(j).op('i32.add').get(DPAD).op('i32.mul').get(q).i32(3).op('i32.shl').op('i32.add').i32(2).op('i32.shl').op('i32.add').set(py);
        f.get(py).get(acc[2 * j]).op('v128.store', 0, 2);
        f.get(py).get(acc[2 * j + 1]).op('v128.store', 16, 2);
      }
    });
  });
  emitPackX(m.func('packx', [I32, I32, I32, I32], []));
  compiled = new WebAssembly.Module(m.bytes());
  return compiled;
}

/** packx(src, dst, n, tokens4): x [tokens4, n] float32 → x[t, i] at dst + ((t>>2)·n + i)·16 + (t&3)·4. */
function emitPackX(f: FunctionBuilder): void {
  const [SRC, DST, N, TOKENS] = [0, 1, 2, 3];
  const t = f.local(I32);
  const i = f.local(I32);
  const ps = f.local(I32);
  const pd = f.local(I32);
  f.get(SRC).set(ps);
  f.for(t, 0, () => f.get(TOKENS), 1, () => {
    f.get(DST).get(t).i32(2).op('i32.shr_u').get(N).op('i32.mul').i32(4).op('i32.shl').get(t).i32(3).op('i32.and').i32(2).op('i32.shl').op('i32.add').op('i32.add').set(pd);
    f.for(i, 0, () => f.get(N), 1, () => {
      f.get(pd).get(ps).op('f32.load', 0, 2).op('f32.store', 0, 2);
      f.get(ps).i32(4).op('i32.add').set(ps);
      f.get(pd).i32(16).op('i32.add').set(pd);
    });
  });
}

export const WASM_MATMUL_F32_AVAILABLE = SIMD_AVAILABLE;

/** Bytes a packed W [d, n] takes in this kernel: ceil(d/8)·8 rows of n float32. */
export function packedBytesF32(d: number, n: number): number {
  return Math.ceil(d / OCTET) * OCTET * n * 4;
}

/**
 * A kernel instance with its own memory (WasmMatmul's interface): weights packed once (`pack`),
 * then `matmul` calls of up to `maxTokens` tokens, inputs up to `maxN` wide, outputs up to `maxD`.
 */
export class WasmMatmulF32 {
  private readonly memory: WebAssembly.Memory;
  private readonly mm: (x: number, wp: number, y: number, n: number, dPad: number, q0: number, q1: number, tokens4: number) => void;
  private readonly packx: (src: number, dst: number, n: number, tokens4: number) => void;
  private readonly xOffset: number;
  private readonly stageOffset: number;
  private readonly yOffset: number;
  private packedN = -1;
  private packedTokens4 = -1;
  private next: number;
  private readonly end: number;

  constructor(weightBytes: number, maxTokens: number, maxN: number, maxD: number) {
    const tokens4 = Math.ceil(maxTokens / 4) * 4;
    const dPad = Math.ceil(maxD / OCTET) * OCTET;
    this.xOffset = 0;
    this.stageOffset = tokens4 * maxN * 4;
    this.yOffset = this.stageOffset + tokens4 * maxN * 4;
    this.next = this.yOffset + tokens4 * dPad * 4;
    this.end = this.next + weightBytes;
    this.memory = new WebAssembly.Memory({ initial: Math.ceil(this.end / PAGE) || 1 });
    const inst = new WebAssembly.Instance(kernelModule(), { env: { memory: this.memory } });
    this.mm = inst.exports.mm as WasmMatmulF32['mm'];
    this.packx = inst.exports.packx as WasmMatmulF32['packx'];
  }

  /** Copies W [d, n] into the memory as octets of rows (zero rows pad d to 8·k). */
  pack(w: Float32Array, d: number, n: number): PackedWeight {
    const dPad = Math.ceil(d / OCTET) * OCTET;
    const bytes = dPad * n * 4;
    if (this.next + bytes > this.end) throw new Error(`WasmMatmulF32: ${bytes} bytes of weights exceed the reserved ${this.end - this.next}`);
    const offset = this.next;
    this.next += bytes;
    const mem = new Float32Array(this.memory.buffer, offset, dPad * n);
    for (let o = 0; o < d; o++) {
      const base = (o >> 3) * OCTET * n + (o & 7);
      const row = o * n;
      for (let i = 0; i < n; i++) mem[base + OCTET * i] = w[row + i];
    }
    return { offset, d, n, dPad };
  }

  /** y [tokens, d] = x [tokens, n] · Wᵀ in float32 (see the file comment). sameX: as WasmMatmul.matmul. */
  matmul(y: Float32Array, x: Float32Array, w: PackedWeight, tokens: number, sameX = false): void {
    const { n, d, dPad } = w;
    const tokens4 = Math.ceil(tokens / 4) * 4;
    const buf = this.memory.buffer;
    if (!(sameX && this.packedN === n && this.packedTokens4 === tokens4)) {
      const stage = new Float32Array(buf, this.stageOffset, tokens4 * n);
      stage.set(x.subarray(0, tokens * n));
      stage.fill(0, tokens * n);
      this.packx(this.stageOffset, this.xOffset, n, tokens4);
      this.packedN = n;
      this.packedTokens4 = tokens4;
    }
    const octets = dPad / OCTET;
    const tileOctets = Math.max(1, Math.floor(TILE_BYTES / (4 * OCTET * n)));
    for (let q0 = 0; q0 < octets; q0 += tileOctets) this.mm(this.xOffset, w.offset, this.yOffset, n, dPad, q0, Math.min(octets, q0 + tileOctets), tokens4);
    const ym = new Float32Array(buf, this.yOffset, tokens4 * dPad);
    if (dPad === d) y.set(ym.subarray(0, tokens * d));
    else for (let t = 0; t < tokens; t++) y.set(ym.subarray(t * dPad, t * dPad + d), t * d);
  }
}
