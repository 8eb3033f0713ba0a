/**
 * prune-fast.ts's N:M magnitude selection (no mitigation) in WebAssembly SIMD for the full groups
 * of M (M a multiple of 4, at most 32); a row's tail group of r < M stays with prune-fast.ts.
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

/** prune(x, out, keep, s, groups): `groups` consecutive full groups of M at x (f32), out (f32), keep (u8); s = 4·M bytes of scratch. */
function kernelModule(n: number, m: number): WebAssembly.Module {
  const key = `${n}:${m}`;
  let mod = modules.get(key);
  if (mod) return mod;
  const mb = new ModuleBuilder();
  const f = mb.func('prune', [I32, I32, I32, I32, I32], []);
  const [X, OUT, KEEP, S, GROUPS] = [0, 1, 2, 3, 4];
  const V = m / 4;
  const g = f.local(I32);
  const px = f.local(I32);
  const po = f.local(I32);
  const pk = f.local(I32);
  const xv = Array.from({ length: V }, () => f.local(V128));
  const sv = Array.from({ length: V }, () => f.local(V128));
  const cnt = Array.from({ length: V }, () => f.local(V128));
  const sj = f.local(V128);
  const nanAbove = f.local(V128);
  const quota = f.local(V128);
  f.i32(NAN_ABOVE).op('i32x4.splat').set(nanAbove);
  f.i32(n).op('i32x4.splat').set(quota);
  f.get(X).set(px);
  f.get(OUT).set(po);
  f.get(KEEP).set(pk);
  f.for(g, 0, () => f.get(GROUPS), 1, () => {
    for (let v = 0; v < V; v++) {
      f.get(px).op('v128.load', 16 * v, 2).set(xv[v]);
      // s = bits of |x|, NaN → −1
      f.get(xv[v]).op('f32x4.abs').set(sv[v]);
      f.v128i32(-1, -1, -1, -1).get(sv[v]).get(sv[v]).get(nanAbove).op('i32x4.gt_s').op('v128.bitselect').set(sv[v]);
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
    f.get(px).i32(4 * m).op('i32.add').set(px);
    f.get(po).i32(4 * m).op('i32.add').set(po);
    f.get(pk).i32(m).op('i32.add').set(pk);
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
  private readonly fn: (x: number, out: number, keep: number, s: number, groups: number) => void;
  private readonly outOffset: number;
  private readonly keepOffset: number;
  private readonly sOffset: number;

  constructor(
    readonly n: number,
    readonly m: number,
    readonly capacity: number,
  ) {
    if (!wasmPruneApplies(n, m)) throw new Error(`WasmNmPrune: ${n}:${m} is not a kernel pattern`);
    const bytes = Math.ceil((capacity * 4) / 16) * 16;
    this.outOffset = bytes;
    this.keepOffset = 2 * bytes;
    this.sOffset = 2 * bytes + Math.ceil(capacity / 16) * 16;
    const memory = new WebAssembly.Memory({ initial: Math.ceil((this.sOffset + 4 * m) / PAGE) });
    this.fn = new WebAssembly.Instance(kernelModule(n, m), { env: { memory } }).exports.prune as WasmNmPrune['fn'];
    this.x = new Float32Array(memory.buffer, 0, capacity);
    this.out = new Float32Array(memory.buffer, this.outOffset, capacity);
    this.keep = new Uint8Array(memory.buffer, this.keepOffset, capacity);
  }

  /**
   * The full groups of every row of x [tokens, k] (k ≥ M): out and keep at the same positions;
   * the tail of each row (k mod M elements) is left untouched. tokens·k ≤ capacity.
   */
  fullGroups(x: Float32Array, tokens: number, k: number, out: Float32Array, keep: Uint8Array): void {
    const m = this.m;
    const full = Math.floor(k / m) * m;
    const total = tokens * k;
    this.x.set(x.subarray(0, total));
    if (full === k) {
      this.fn(0, this.outOffset, this.keepOffset, this.sOffset, tokens * (k / m));
      out.set(this.out.subarray(0, total));
      keep.set(this.keep.subarray(0, total));
      return;
    }
    for (let t = 0; t < tokens; t++) {
      const row = t * k;
      this.fn(row * 4, this.outOffset + row * 4, this.keepOffset + row, this.sOffset, full / m);
      out.set(this.out.subarray(row, row + full), row);
      keep.set(this.keep.subarray(row, row + full), row);
    }
  }
}
