/**
 * matmulXWt (matmul.ts) in WebAssembly SIMD, emitted by wasm/assembler.ts: two output columns
 * per f64x2 lane pair. The weights of each model are packed once into the kernel's memory as
 * row pairs, interleaved: pair p holds [w[2p, i], w[2p+1, i]] (float32) for i = 0 … n−1, so one
 * 8-byte load + f64x2.promote_low_f32x4 gives both columns' weights at i. Per call, x is copied
 * in as float64 lane pairs (each x_i splat once per call, four tokens' splats adjacent; padded to a
 * multiple of 4 rows with zeros), the kernel computes 4 tokens × 4 outputs per
 * block (8 f64x2 accumulators), output pairs cut into tiles of ~TILE_BYTES of weights like the
 * JS kernel, and y is copied out.
 *
 * Bit-identical to matmulXWt: each lane accumulates acc = acc + x_i·w_i for i = 0 … n−1 in order
 * from 0, in float64 (f32 products are exact in f64; WebAssembly has no fused multiply-add; adds
 * round to nearest even as in JS), then rounds to float32 to nearest even (f32x4.demote_f64x2_zero,
 * as a Float32Array store does). Tested in test/capture/matmul-wasm.test.ts on random and real
 * shapes, odd sizes included.
 */
import { ModuleBuilder, I32, V128, SIMD_AVAILABLE, type FunctionBuilder } from '../wasm/assembler.js';
import { TILE_BYTES } from './matmul.js';

const PAGE = 65536;
let compiled: WebAssembly.Module | undefined;

/** mm(x, wp, y, n, dPad, p0, p1, tokens4): y[t, 2p …] for t < tokens4 (step 4), pairs p0 … p1−1 (step 2). */
function kernelModule(): WebAssembly.Module {
  if (compiled) return compiled;
  const m = new ModuleBuilder();
  const f = m.func('mm', [I32, I32, I32, I32, I32, I32, I32, I32], []);
  const [X, WP, Y, N, DPAD, P0, P1, TOKENS] = [0, 1, 2, 3, 4, 5, 6, 7];
  const t = f.local(I32);
  const p = f.local(I32);
  const i = f.local(I32);
  const rowBytes = f.local(I32);
  const px = f.local(I32);
  const pwa = f.local(I32);
  const pwb = f.local(I32);
  const py = f.local(I32);
  const acc = Array.from({ length: 8 }, () => f.local(V128)); // acc[2j] token j pair a, acc[2j+1] pair b
  const wva = f.local(V128);
  const wvb = f.local(V128);
  const xs = f.local(V128);
  f.get(N).i32(2).op('i32.shl').set(rowBytes);
  f.for(t, 0, () => f.get(TOKENS), 4, () => {
    f.for(p, () => f.get(P0), () => f.get(P1), 2, () => {
      for (const a of acc) f.v128i32(0, 0, 0, 0).set(a);
      // x rows t … t+3, packed: for each i, four f64x2 splats (token t+j's x_i at 16·j), 64 bytes per i
      f.get(X).get(t).get(rowBytes).op('i32.mul').i32(2).op('i32.shl').op('i32.add').set(px);
      // weight pairs p and p+1 (n·8 bytes each)
      f.get(WP).get(p).get(rowBytes).op('i32.mul').i32(1).op('i32.shl').op('i32.add').set(pwa);
      f.get(pwa).get(rowBytes).i32(1).op('i32.shl').op('i32.add').set(pwb);
      f.get(N).set(i);
      f.block().loop();
      f.get(i).op('i32.eqz').brIf(1);
      f.get(pwa).op('v128.load64_zero').op('f64x2.promote_low_f32x4').set(wva);
      f.get(pwb).op('v128.load64_zero').op('f64x2.promote_low_f32x4').set(wvb);
      for (let j = 0; j < 4; j++) {
        f.get(px).op('v128.load', 16 * j, 3).set(xs);
        f.get(acc[2 * j]).get(xs).get(wva).op('f64x2.mul').op('f64x2.add').set(acc[2 * j]);
        f.get(acc[2 * j + 1]).get(xs).get(wvb).op('f64x2.mul').op('f64x2.add').set(acc[2 * j + 1]);
      }
      f.get(px).i32(64).op('i32.add').set(px);
      f.get(pwa).i32(8).op('i32.add').set(pwa);
      f.get(pwb).i32(8).op('i32.add').set(pwb);
      f.get(i).i32(1).op('i32.sub').set(i);
      f.br(0).end().end();
      // y[t + j, 2p … 2p+3] = f32(acc a lanes, acc b lanes)
      for (let j = 0; j < 4; j++) {
        f.get(Y).get(t).i32(j).op('i32.add').get(DPAD).op('i32.mul').get(p).i32(1).op('i32.shl').op('i32.add').i32(2).op('i32.shl').op('i32.add').set(py);
        f.get(py);
        f.get(acc[2 * j]).op('f32x4.demote_f64x2_zero');
        f.get(acc[2 * j + 1]).op('f32x4.demote_f64x2_zero');
        f.shuffle([0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23]);
        f.op('v128.store', 0, 2);
      }
    });
  });
  emitPackX(m.func('packx', [I32, I32, I32, I32], []));
  compiled = new WebAssembly.Module(m.bytes());
  return compiled;
}

/**
 * packx(src, dst, n, tokens4): x [tokens4, n] (float32 at src) → for each group g of 4 tokens,
 * column i and token j, the float64 splat [x, x] at dst + ((g·n + i)·4 + j)·16 (a float32 →
 * float64 promotion is exact).
 */
function emitPackX(f: FunctionBuilder): void {
  const [SRC, DST, N, TOKENS] = [0, 1, 2, 3];
  const t = f.local(I32);
  const i = f.local(I32);
  const ps = f.local(I32);
  const pd = f.local(I32);
  f.get(SRC).set(ps);
  f.for(t, 0, () => f.get(TOKENS), 1, () => {
    // pd = dst + ((t >> 2)·n·4 + (t & 3))·16
    f.get(DST).get(t).i32(2).op('i32.shr_u').get(N).op('i32.mul').i32(2).op('i32.shl').get(t).i32(3).op('i32.and').op('i32.add').i32(4).op('i32.shl').op('i32.add').set(pd);
    f.for(i, 0, () => f.get(N), 1, () => {
      f.get(pd).get(ps).op('f32.load', 0, 2).op('f64.promote_f32').op('f64x2.splat').op('v128.store', 0, 3);
      f.get(ps).i32(4).op('i32.add').set(ps);
      f.get(pd).i32(64).op('i32.add').set(pd);
    });
  });
}

/** One weight matrix W [d, n] packed in a kernel's memory. */
export interface PackedWeight {
  offset: number;
  d: number;
  n: number;
  /** d rounded up to a multiple of 4 (padding rows are zero) */
  dPad: number;
}

export const WASM_MATMUL_AVAILABLE = SIMD_AVAILABLE;

/** Bytes a packed W [d, n] takes: ceil(d/4)·4 rows of n float32. */
export function packedBytes(d: number, n: number): number {
  return Math.ceil(d / 4) * 4 * n * 4;
}

/**
 * A kernel instance with its own memory: weights packed once (`pack`), then any number of
 * `matmul` calls of up to `maxTokens` tokens, inputs up to `maxN` wide and outputs up to `maxD`.
 */
export class WasmMatmul {
  private readonly memory: WebAssembly.Memory;
  private readonly mm: (x: number, wp: number, y: number, n: number, dPad: number, p0: number, p1: number, tokens4: number) => void;
  private readonly xOffset: number;
  private readonly stageOffset: number;
  private readonly packx: (src: number, dst: number, n: number, tokens4: number) => void;
  private packedN = -1;
  private packedTokens4 = -1;
  private readonly yOffset: number;
  private next: number;
  private readonly end: number;

  constructor(weightBytes: number, maxTokens: number, maxN: number, maxD: number) {
    const tokens4 = Math.ceil(maxTokens / 4) * 4;
    const dPad = Math.ceil(maxD / 4) * 4;
    this.xOffset = 0;
    this.stageOffset = tokens4 * maxN * 16;
    this.yOffset = this.stageOffset + tokens4 * maxN * 4;
    this.next = this.yOffset + tokens4 * dPad * 4;
    this.end = this.next + weightBytes;
    this.memory = new WebAssembly.Memory({ initial: Math.ceil(this.end / PAGE) || 1 });
    const inst = new WebAssembly.Instance(kernelModule(), { env: { memory: this.memory } });
    this.mm = inst.exports.mm as WasmMatmul['mm'];
    this.packx = inst.exports.packx as WasmMatmul['packx'];
  }

  /** Copies W [d, n] into the memory as interleaved row pairs (zero rows pad d to 4·k). */
  pack(w: Float32Array, d: number, n: number): PackedWeight {
    const dPad = Math.ceil(d / 4) * 4;
    const bytes = dPad * n * 4;
    if (this.next + bytes > this.end) throw new Error(`WasmMatmul: ${bytes} bytes of weights exceed the reserved ${this.end - this.next}`);
    const offset = this.next;
    this.next += bytes;
    const mem = new Float32Array(this.memory.buffer, offset, dPad * n);
    for (let o = 0; o < d; o++) {
      const pair = o >> 1;
      const lane = o & 1;
      const base = pair * 2 * n + lane;
      const row = o * n;
      for (let i = 0; i < n; i++) mem[base + 2 * i] = w[row + i];
    }
    // padding rows are already zero (fresh memory)
    return { offset, d, n, dPad };
  }

  /**
   * y [tokens, d] = x [tokens, n] · Wᵀ, the same bits as matmulXWt. sameX: x is the previous
   * call's input, unchanged since (its packed copy is reused when the shape matches).
   */
  matmul(y: Float32Array, x: Float32Array, w: PackedWeight, tokens: number, sameX = false): void {
    const { n, d, dPad } = w;
    const tokens4 = Math.ceil(tokens / 4) * 4;
    const buf = this.memory.buffer;
    // x staged as float32 [tokens4, n] (absent tokens 0), then packed by packx: a call whose x is
    // the previous call's (same array, same contents: the caller says so) skips both
    if (!(sameX && this.packedN === n && this.packedTokens4 === tokens4)) {
      const stage = new Float32Array(buf, this.stageOffset, tokens4 * n);
      stage.set(x.subarray(0, tokens * n));
      stage.fill(0, tokens * n);
      this.packx(this.stageOffset, this.xOffset, n, tokens4);
      this.packedN = n;
      this.packedTokens4 = tokens4;
    }
    const pairs = dPad / 2;
    // pairs per tile: an even number whose weights fill ~TILE_BYTES (at least 2)
    const tilePairs = Math.max(2, Math.floor(TILE_BYTES / (8 * n) / 2) * 2);
    for (let p0 = 0; p0 < pairs; p0 += tilePairs) this.mm(this.xOffset, w.offset, this.yOffset, n, dPad, p0, Math.min(pairs, p0 + tilePairs), tokens4);
    const ym = new Float32Array(buf, this.yOffset, tokens4 * dPad);
    if (dPad === d) y.set(ym.subarray(0, tokens * d));
    else for (let t = 0; t < tokens; t++) y.set(ym.subarray(t * dPad, t * dPad + d), t * d);
  }
}
