import { ModuleBuilder, I32, I64, F64, V128, SIMD_AVAILABLE } from '../../src/wasm/assembler.js';

/** Instantiates a module over a fresh one-page memory. */
function instantiate(m: ModuleBuilder): { exports: Record<string, (...a: number[]) => number>; memory: WebAssembly.Memory } {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(m.bytes()), { env: { memory } });
  return { exports: instance.exports, memory };
}

describe('the WebAssembly assembler', () => {
  test('emits a module whose i32 arithmetic, loops and memory ops compute what JavaScript computes', () => {
    const m = new ModuleBuilder();
    // sum(n) = 0 + 1 + … + (n − 1) with a for loop; 100 → 4950
    const sum = m.func('sum', [I32], [I32]);
    const i = sum.local(I32);
    const acc = sum.local(I32);
    sum.for(i, 0, () => sum.get(0), 1, () => sum.get(acc).get(i).op('i32.add').set(acc));
    sum.get(acc);
    // a signed immediate below −64 and above 63 needs more than one LEB128 byte: (−1000 · 3) >> 1
    const imm = m.func('imm', [], [I32]);
    imm.i32(-1000).i32(3).op('i32.mul').i32(1).op('i32.shr_s');
    // stores a word at 8 and reads it back popcounted
    const pop = m.func('pop', [I32], [I32]);
    pop.i32(8).get(0).op('i32.store').i32(8).op('i32.load').op('i32.popcnt');
    const { exports } = instantiate(m);
    expect(exports.sum(100)).toBe(4950);
    expect(exports.imm()).toBe(-1500);
    expect(exports.pop(0xf0f0)).toBe(8);
  });

  test('emits f64 constants bit-exactly and a function body longer than the engine’s argument limit', () => {
    const m = new ModuleBuilder();
    const f = m.func('big', [], [F64]);
    const x = f.local(F64);
    f.f64(0.1).set(x);
    // 40,000 additions of 0.1 (≈ 1 MB of code): as long as a 32-wide SIMD network kernel body
    for (let r = 0; r < 40000; r++) f.get(x).f64(0.1).op('f64.add').set(x);
    f.get(x);
    let expected = 0.1;
    for (let r = 0; r < 40000; r++) expected += 0.1;
    expect(instantiate(m).exports.big()).toBe(expected);
  });

  test('emits i64 bit masks over f64 bits: a branch-free select −0.5 ^ ((2.25 ^ −0.5) & −keep) gives 2.25 when kept, −0.5 when not', () => {
    const m = new ModuleBuilder();
    const f = m.func('pick', [I32], [F64]);
    const d = f.local(I64);
    f.f64(-0.5).op('i64.reinterpret_f64').tee(d);
    f.f64(2.25).op('i64.reinterpret_f64').get(d).op('i64.xor');
    f.i32(0).get(0).op('i32.sub').op('i64.extend_i32_s').op('i64.and').op('i64.xor').op('f64.reinterpret_i64');
    const { exports } = instantiate(m);
    expect(exports.pick(1)).toBe(2.25);
    expect(exports.pick(0)).toBe(-0.5);
  });

  (SIMD_AVAILABLE ? test : test.skip)('emits SIMD lane ops: i32x4 max/min as a compare-exchange, bitmask, f64x2 promote and add', () => {
    const m = new ModuleBuilder();
    const f = m.func('cx', [], [I32]);
    const a = f.local(V128);
    const b = f.local(V128);
    f.v128i32(5, -3, 7, 0).set(a);
    f.v128i32(2, 9, 7, -1).set(b);
    // max lanes [5, 9, 7, 0], min lanes [2, −3, 7, −1]; lanes where max > min: 1,1,0,1 → bitmask 0b1011
    f.get(a).get(b).op('i32x4.max_s').get(a).get(b).op('i32x4.min_s').op('i32x4.gt_s').op('i32x4.bitmask');
    const g = m.func('sq', [], [F64]);
    const v = g.local(V128);
    // float32 lanes 1.5 and 2.5 promoted to f64, squared and summed: 2.25 + 6.25 = 8.5
    g.v128i32(0x3fc00000, 0x40200000, 0, 0).op('f64x2.promote_low_f32x4').tee(v).get(v).op('f64x2.mul').tee(v);
    g.op('f64x2.extract_lane', 0).get(v).op('f64x2.extract_lane', 1).op('f64.add');
    const { exports } = instantiate(m);
    expect(exports.cx()).toBe(0b1011);
    expect(exports.sq()).toBe(8.5);
  });

  (SIMD_AVAILABLE ? test : test.skip)('emits i64x2 lane masks and v128.bitselect: lanes [keep, drop] pick 2.25 from the first vector and 7 from the second', () => {
    const m = new ModuleBuilder();
    const f = m.func('pick', [], [F64]);
    const v = f.local(V128);
    // mask lanes: −1 (all ones), then 0 replaced into lane 1 of a splat of −1
    f.f64(2.25).op('f64x2.splat').f64(7).op('f64x2.splat');
    f.i32(-1).op('i64.extend_i32_s').op('i64x2.splat').i32(0).op('i64.extend_i32_s').op('i64x2.replace_lane', 1);
    f.op('v128.bitselect').tee(v).op('f64x2.extract_lane', 0).get(v).op('f64x2.extract_lane', 1).f64(10).op('f64.mul').op('f64.add');
    expect(instantiate(m).exports.pick()).toBe(2.25 + 70);
  });
});
