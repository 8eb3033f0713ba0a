/**
 * prune-fast.ts's N:M magnitude selection (no mitigation) in WebAssembly SIMD, M a multiple of 4
 * up to 32, tail groups included (a tail of r keeps min(N, r)).
 * Per group, each element's rank = #(scores greater) + #(equal scores at a lower index), kept
 * when rank < N — selectKeep's rule, so the same set as prune-fast.ts's threshold walk. Scores
 * are compared as the bits of |x| read as int32: for non-negative floats (+0 … +∞) the integer
 * order is the float order and equality is float equality, and a NaN |x| (bits above +∞'s) is
 * mapped to −1, below every other score and equal to another NaN — prune-fast.ts's "NaN ranks as
 * −∞". Outputs are f32((keep ? x : +0) + 0) by v128.and and f32x4.add (−0 kept becomes +0, as
 * float64 x + 0 rounded to float32 does); masks 1/0. Bit-equal to pruneMatrix
 * (test/capture/prune-fast.test.ts).
 */
import { ModuleBuilder, I32, V128, SIMD_AVAILABLE } from '../wasm/assembler.js';

const PAGE = 65536;
const NAN_ABOVE = 0x7f800000;
const modules = new Map<string, WebAssembly.Module>();

/** Whether the kernel takes N:M (M a multiple of 4 up to 32, N < M). */
export function wasmPruneApplies(n: number, m: number): boolean {
  return SIMD_AVAILABLE && m % 4 === 0 && m <= 32 && n < m;
}

/**
 * prune(x, out, keep, s, tokens, k): every row of x [tokens, k] (f32) into out (f32) and keep (u8),
 * s = 4·M bytes of scratch. A row's tail group of r = k mod M elements is loaded as a full group
 * whose lanes from r on score −2 (below every real score, NaN's −1 included, and at higher
 * indices, so the real elements' ranks are those of a group of r, and min(N, r) of them are
 * kept); its lanes from r on are written past the row — into the next row's first group, which
 * is computed after it, or into the slack after the last row.
 */
function kernelModule(n: number, m: number): WebAssembly.Module {
  const key = `${n}:${m}`;
  let mod = modules.get(key);
  if (mod) return mod;
  const mb = new ModuleBuilder();
  const f = mb.func('prune', [I32, I32, I32, I32, I32, I32], []);
  const [X, OUT, KEEP, S, TOKENS, K] = [0, 1, 2, 3, 4, 5];
  const V = m / 4;
  const t = f.local(I32);
  const g = f.local(I32);
  const full = f.local(I32);
  const px = f.local(I32);
  const po = f.local(I32);
  const pk = f.local(I32);
  const xv = Array.from({ length: V }, () => f.local(V128));
  const sv = Array.from({ length: V }, () => f.local(V128));
  const cnt = Array.from({ length: V }, () => f.local(V128));
  const sj = f.local(V128);
  const nanAbove = f.local(V128);
  const quota = f.local(V128);
  const rv = f.local(V128);
  f.i32(NAN_ABOVE).op('i32x4.splat').set(nanAbove);
  f.i32(n).op('i32x4.splat').set(quota);
  // full = k − k mod M; r = k mod M (splat) for the tail's lane mask
  f.get(K).get(K).i32(m).op('i32.rem_u').op('i32.sub').set(full);
  f.get(K).i32(m).op('i32.rem_u').op('i32x4.splat').set(rv);
  f.get(X).set(px);
  f.get(OUT).set(po);
  f.get(KEEP).set(pk);
  /** one group at px/po/pk; tail: lanes ≥ r score −2 */
  const group = (tail: boolean) => {
    for (let v = 0; v < V; v++) {
      f.get(px).op('v128.load', 16 * v, 2).set(xv[v]);
      // s = bits of |x|, NaN → −1
      f.get(xv[v]).op('f32x4.abs').set(sv[v]);
      f.v128i32(-1, -1, -1, -1).get(sv[v]).get(sv[v]).get(nanAbove).op('i32x4.gt_s').op('v128.bitselect').set(sv[v]);
      if (tail) f.get(sv[v]).v128i32(-2, -2, -2, -2).v128i32(4 * v, 4 * v + 1, 4 * v + 2, 4 * v + 3).get(rv).op('i32x4.lt_s').op('v128.bitselect').set(sv[v]);
      f.get(S).get(sv[v]).op('v128.store', 16 * v, 2);
      f.v128i32(0, 0, 0, 0).set(cnt[v]);
    }
    for (let j = 0; j < m; j++) {
      f.get(S).op('v128.load32_splat', 4 * j, 2).set(sj);
      for (let v = 0; v < V; v++) {
        // greater scores count; equal ones count where j is a lower index than the lane's
        f.get(cnt[v]).get(sj).get(sv[v]).op('i32x4.gt_s').op('i32x4.sub').set(cnt[v]);
        const lower = [0, 1, 2, 3].map((l) => (j < 4 * v + l ? -1 : 0));
        if (lower.some((b) => b !== 0)) {
          f.get(cnt[v]).get(sj).get(sv[v]).op('i32x4.eq');
          if (!lower.every((b) => b !== 0)) f.v128i32(lower[0], lower[1], lower[2], lower[3]).op('v128.and');
          f.op('i32x4.sub').set(cnt[v]);
        }
      }
    }
    for (let v = 0; v < V; v++) {
      // keep = rank < N (lanes −1/0): out = f32((keep ? x : +0) + 0), keep byte = 1/0
      f.get(cnt[v]).get(quota).op('i32x4.lt_s').set(cnt[v]);
      f.get(po).get(xv[v]).get(cnt[v]).op('v128.and').v128i32(0, 0, 0, 0).op('f32x4.add').op('v128.store', 16 * v, 2);
      f.get(pk).get(cnt[v]).v128i32(1, 1, 1, 1).op('v128.and');
      f.v128i32(0, 0, 0, 0).shuffle([0, 4, 8, 12, 0, 4, 8, 12, 0, 4, 8, 12, 0, 4, 8, 12]);
      f.op('v128.store32_lane', 4 * v, 0);
    }
  };
  const advance = (elements: () => void) => {
    elements();
    f.i32(2).op('i32.shl').get(px).op('i32.add').set(px);
    elements();
    f.i32(2).op('i32.shl').get(po).op('i32.add').set(po);
    elements();
    f.get(pk).op('i32.add').set(pk);
  };
  f.for(t, 0, () => f.get(TOKENS), 1, () => {
    f.for(g, 0, () => f.get(full), m, () => {
      group(false);
      advance(() => f.i32(m));
    });
    f.get(K).get(full).op('i32.ne').if();
    group(true);
    advance(() => f.get(K).get(full).op('i32.sub'));
    f.end();
  });
  mod = new WebAssembly.Module(mb.bytes());
  modules.set(key, mod);
  return mod;
}

/** One N:M kernel with room for `capacity` elements per call (grown by replacing it). */
export class WasmNmPrune {
  private readonly x: Float32Array;
  private readonly out: Float32Array;
  private readonly keep: Uint8Array;
  private readonly fn: (x: number, out: number, keep: number, s: number, tokens: number, k: number) => void;
  private readonly outOffset: number;
  private readonly keepOffset: number;
  private readonly sOffset: number;

  constructor(
    readonly n: number,
    readonly m: number,
    readonly capacity: number,
  ) {
    if (!wasmPruneApplies(n, m)) throw new Error(`WasmNmPrune: ${n}:${m} is not a kernel pattern`);
    // + one group of slack: a tail group's loads and its lanes past the last row
    const bytes = Math.ceil(((capacity + m) * 4) / 16) * 16;
    this.outOffset = bytes;
    this.keepOffset = 2 * bytes;
    this.sOffset = 2 * bytes + Math.ceil((capacity + m) / 16) * 16;
    const memory = new WebAssembly.Memory({ initial: Math.ceil((this.sOffset + 4 * m) / PAGE) });
    this.fn = new WebAssembly.Instance(kernelModule(n, m), { env: { memory } }).exports.prune as WasmNmPrune['fn'];
    this.x = new Float32Array(memory.buffer, 0, capacity);
    this.out = new Float32Array(memory.buffer, this.outOffset, capacity);
    this.keep = new Uint8Array(memory.buffer, this.keepOffset, capacity);
  }

  /** Every group of every row of x [tokens, k] (tail groups included) into out and keep; tokens·k ≤ capacity. */
  prune(x: Float32Array, tokens: number, k: number, out: Float32Array, keep: Uint8Array): void {
    const total = tokens * k;
    this.x.set(x.subarray(0, total));
    this.fn(0, this.outOffset, this.keepOffset, this.sOffset, tokens, k);
    out.set(this.out.subarray(0, total));
    keep.set(this.keep.subarray(0, total));
  }
}
