/**
 * F16 → float32 decode in WebAssembly SIMD (wasm/assembler.ts), eight codes per step, with the
 * non-finite check for free: the same bits as dtype.ts's lookup table (the reference; tested
 * equal on all 65,536 codes in test/trace/f16-wasm.test.ts).
 *
 * Per code h (i32 lane), o = (h & 0x7fff) << 13 puts exponent and mantissa in binary32 places:
 *   normal (exponent 1…30):   o + (112 << 23)                      (rebias 15 → 127)
 *   Inf/NaN (exponent 31):    o + (224 << 23)                      (exponent 255, payload kept)
 *   zero/subnormal (exp. 0):  f32(o + (113 << 23)) − 2^−14        (= m · 2^−24 exactly: Sterbenz)
 * then | sign << 16. A lane whose exponent is 31 sets the returned flag (NaN or ±Inf present).
 *
 * The decoder owns its memory, sized once: `codes` (read the raw bytes straight into it) and
 * `values` (the decoded float32) are views that stay valid for the decoder's life.
 */
import { ModuleBuilder, I32, V128, SIMD_AVAILABLE } from '../wasm/assembler.js';

const PAGE = 65536;
let module: WebAssembly.Module | undefined;

/** decode(src, n8, dst) → i32: n8 groups of eight codes at src to float32 at dst; 1 if any is NaN/±Inf. */
function decodeModule(): WebAssembly.Module {
  if (module) return module;
  const m = new ModuleBuilder();
  const f = m.func('decode', [I32, I32, I32], [I32]);
  const [SRC, N8, DST] = [0, 1, 2];
  const i = f.local(I32);
  const h8 = f.local(V128);
  const h = f.local(V128);
  const o = f.local(V128);
  const e = f.local(V128);
  const inf = f.local(V128);
  const bad = f.local(V128);
  const r = f.local(V128);
  const splat = (v: number) => f.v128i32(v, v, v, v);
  f.v128i32(0, 0, 0, 0).set(bad);
  f.for(i, 0, () => f.get(N8), 1, () => {
    f.get(SRC).get(i).i32(4).op('i32.shl').op('i32.add').op('v128.load').set(h8);
    for (const half of [0, 1] as const) {
      f.get(h8).op(half === 0 ? 'i32x4.extend_low_i16x8_u' : 'i32x4.extend_high_i16x8_u').set(h);
      f.get(h);
      splat(0x7fff);
      f.op('v128.and').i32(13).op('i32x4.shl').set(o);
      f.get(o);
      splat(0x0f800000);
      f.op('v128.and').set(e);
      f.get(e);
      splat(0x0f800000);
      f.op('i32x4.eq').set(inf);
      f.get(bad).get(inf).op('v128.or').set(bad);
      // Inf/NaN or normal
      f.get(o);
      splat(0x70000000);
      f.op('i32x4.add').get(o);
      splat(0x38000000);
      f.op('i32x4.add').get(inf).op('v128.bitselect').set(r);
      // zero or subnormal: f32(o + (113 << 23)) − 2^−14
      f.get(o);
      splat(0x38800000);
      f.op('i32x4.add');
      splat(0x38800000);
      f.op('f32x4.sub').get(r).get(e);
      splat(0);
      f.op('i32x4.eq').op('v128.bitselect');
      f.get(h);
      splat(0x8000);
      f.op('v128.and').i32(16).op('i32x4.shl').op('v128.or').set(r);
      f.get(DST).get(i).i32(5).op('i32.shl').op('i32.add').get(r).op('v128.store', half * 16);
    }
  });
  f.get(bad).op('v128.any_true');
  module = new WebAssembly.Module(m.bytes());
  return module;
}

/** True where the WebAssembly decoder can run (SIMD); else callers use dtype.ts's decodeToFloat32. */
export const HALF_DECODER_AVAILABLE = SIMD_AVAILABLE;

export class HalfDecoder {
  /** capacity in elements */
  readonly capacity: number;
  /** raw little-endian F16 bytes, 2 · capacity (+ padding to eight codes) */
  readonly codes: Uint8Array;
  /** decoded values, capacity (+ padding) */
  readonly values: Float32Array;
  private readonly run: (src: number, n8: number, dst: number) => number;
  private readonly dst: number;
  private readonly codes16: Uint16Array;

  constructor(capacity: number) {
    this.capacity = capacity;
    const padded = Math.ceil(capacity / 8) * 8;
    this.dst = padded * 2;
    const bytes = this.dst + padded * 4;
    const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / PAGE) + 1 });
    const instance = new WebAssembly.Instance(decodeModule(), { env: { memory } });
    this.run = instance.exports.decode as HalfDecoder['run'];
    const buf = memory.buffer as ArrayBuffer;
    this.codes = new Uint8Array(buf, 0, capacity * 2);
    this.codes16 = new Uint16Array(buf, 0, padded);
    this.values = new Float32Array(buf, this.dst, capacity);
  }

  /** Decodes the first `count` codes of `codes` into `values`; true if any is NaN or ±Inf. */
  decode(count: number): boolean {
    if (count > this.capacity) throw new Error(`internal: HalfDecoder of ${this.capacity} asked for ${count}`);
    const n8 = Math.ceil(count / 8);
    // the padding codes of the last group are zeros (finite)
    this.codes16.fill(0, count, n8 * 8);
    return this.run(0, n8, this.dst) !== 0;
  }
}
