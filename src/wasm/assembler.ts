/**
 * A small WebAssembly assembler: nmsim's SIMD kernels are emitted as binary modules from
 * TypeScript (no toolchain, no committed binary). The kernels are written against this API, the
 * module is built once per process and compiled by the engine; the emitted bytes depend only on
 * the kernel code and its parameters (pattern list, group size), never on data.
 *
 *   const m = new ModuleBuilder();
 *   const f = m.func('add', [I32, I32], [I32]);
 *   f.get(0).get(1).op('i32.add');
 *   const instance = await m.instantiate(memory);
 *
 * Encoding: the WebAssembly 1.0 binary format (sections type 1, import 2, function 3, export 7,
 * code 10) plus the fixed-width SIMD proposal (0xFD prefix, 128-bit v128), as shipped by V8
 * since Node 16. One imported memory, `env.memory`. Opcode numbers are the specification's
 * (WebAssembly Core Specification 2.0, §5.4 "Instructions"); every one used is exercised by
 * test/wasm/assembler.test.ts against the JS arithmetic it replaces.
 */
export const I32 = 0x7f;
export const I64 = 0x7e;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof I64 | typeof F32 | typeof F64 | typeof V128;

/** Immediate kinds: none, a memory argument (align log2, offset), a lane index, a memarg then a lane. */
type Imm = 'none' | 'mem' | 'lane' | 'memlane';
/** [prefix (0 = none, 0xfd = SIMD), opcode, immediate kind, natural alignment log2] */
type OpInfo = [number, number, Imm, number];

const plain = (code: number): OpInfo => [0, code, 'none', 0];
const mem = (code: number, align: number): OpInfo => [0, code, 'mem', align];
const simd = (code: number): OpInfo => [0xfd, code, 'none', 0];
const smem = (code: number, align: number): OpInfo => [0xfd, code, 'mem', align];
const slane = (code: number): OpInfo => [0xfd, code, 'lane', 0];
const smemlane = (code: number, align: number): OpInfo => [0xfd, code, 'memlane', align];

const OPS: Record<string, OpInfo> = {
  unreachable: plain(0x00),
  nop: plain(0x01),
  return: plain(0x0f),
  drop: plain(0x1a),
  select: plain(0x1b),
  'i32.load': mem(0x28, 2),
  'i64.load': mem(0x29, 3),
  'f32.load': mem(0x2a, 2),
  'f64.load': mem(0x2b, 3),
  'i32.load8_u': mem(0x2d, 0),
  'i32.load16_u': mem(0x2f, 1),
  'i32.store': mem(0x36, 2),
  'i64.store': mem(0x37, 3),
  'f32.store': mem(0x38, 2),
  'f64.store': mem(0x39, 3),
  'i32.store8': mem(0x3a, 0),
  'i32.store16': mem(0x3b, 1),
  'i32.eqz': plain(0x45),
  'i32.eq': plain(0x46),
  'i32.ne': plain(0x47),
  'i32.lt_s': plain(0x48),
  'i32.lt_u': plain(0x49),
  'i32.gt_s': plain(0x4a),
  'i32.gt_u': plain(0x4b),
  'i32.le_s': plain(0x4c),
  'i32.le_u': plain(0x4d),
  'i32.ge_s': plain(0x4e),
  'i32.ge_u': plain(0x4f),
  'f32.eq': plain(0x5b),
  'f32.ne': plain(0x5c),
  'f32.lt': plain(0x5d),
  'f32.gt': plain(0x5e),
  'f64.eq': plain(0x61),
  'f64.ne': plain(0x62),
  'f64.lt': plain(0x63),
  'f64.gt': plain(0x64),
  'f64.le': plain(0x65),
  'f64.ge': plain(0x66),
  'i32.popcnt': plain(0x69),
  'i32.add': plain(0x6a),
  'i32.sub': plain(0x6b),
  'i32.mul': plain(0x6c),
  'i32.div_u': plain(0x6e),
  'i32.rem_u': plain(0x70),
  'i32.and': plain(0x71),
  'i32.or': plain(0x72),
  'i32.xor': plain(0x73),
  'i32.shl': plain(0x74),
  'i32.shr_s': plain(0x75),
  'i32.shr_u': plain(0x76),
  'i64.popcnt': plain(0x7b),
  'i64.add': plain(0x7c),
  'i64.and': plain(0x83),
  'i64.or': plain(0x84),
  'i64.xor': plain(0x85),
  'i64.shl': plain(0x86),
  'i64.shr_u': plain(0x88),
  'f32.abs': plain(0x8b),
  'f32.neg': plain(0x8c),
  'f32.add': plain(0x92),
  'f32.sub': plain(0x93),
  'f32.mul': plain(0x94),
  'f64.abs': plain(0x99),
  'f64.neg': plain(0x9a),
  'f64.ceil': plain(0x9b),
  'f64.floor': plain(0x9c),
  'f64.sqrt': plain(0x9f),
  'f64.add': plain(0xa0),
  'f64.sub': plain(0xa1),
  'f64.mul': plain(0xa2),
  'f64.div': plain(0xa3),
  'f64.max': plain(0xa5),
  'i32.wrap_i64': plain(0xa7),
  'i32.trunc_f64_s': plain(0xaa),
  'i64.extend_i32_s': plain(0xac),
  'i64.extend_i32_u': plain(0xad),
  'f32.demote_f64': plain(0xb6),
  'f64.convert_i32_s': plain(0xb7),
  'f64.promote_f32': plain(0xbb),
  'i32.reinterpret_f32': plain(0xbc),
  'i64.reinterpret_f64': plain(0xbd),
  'f32.reinterpret_i32': plain(0xbe),
  'f64.reinterpret_i64': plain(0xbf),
  // SIMD
  'v128.load': smem(0x00, 4),
  'v128.load16x4_u': smem(0x04, 3),
  'v128.load32_splat': smem(0x09, 2),
  'v128.load64_splat': smem(0x0a, 3),
  'v128.store': smem(0x0b, 4),
  'i8x16.swizzle': simd(0x0e),
  'i32x4.splat': simd(0x11),
  'i64x2.splat': simd(0x12),
  'f32x4.splat': simd(0x13),
  'f64x2.splat': simd(0x14),
  'i32x4.extract_lane': slane(0x1b),
  'i32x4.replace_lane': slane(0x1c),
  'i64x2.extract_lane': slane(0x1d),
  'i64x2.replace_lane': slane(0x1e),
  'f32x4.extract_lane': slane(0x1f),
  'f64x2.extract_lane': slane(0x21),
  'f64x2.replace_lane': slane(0x22),
  'i32x4.eq': simd(0x37),
  'i32x4.ne': simd(0x38),
  'i32x4.lt_s': simd(0x39),
  'i32x4.gt_s': simd(0x3b),
  'i32x4.gt_u': simd(0x3c),
  'i32x4.ge_s': simd(0x3f),
  'f64x2.eq': simd(0x47),
  'f64x2.ne': simd(0x48),
  'f64x2.lt': simd(0x49),
  'f64x2.gt': simd(0x4a),
  'f64x2.ge': simd(0x4c),
  'v128.not': simd(0x4d),
  'v128.and': simd(0x4e),
  'v128.andnot': simd(0x4f),
  'v128.or': simd(0x50),
  'v128.xor': simd(0x51),
  'v128.bitselect': simd(0x52),
  'v128.any_true': simd(0x53),
  'v128.load32_lane': smemlane(0x56, 2),
  'v128.load64_lane': smemlane(0x57, 3),
  'v128.store32_lane': smemlane(0x5a, 2),
  'v128.store64_lane': smemlane(0x5b, 3),
  'v128.load32_zero': smem(0x5c, 2),
  'v128.load64_zero': smem(0x5d, 3),
  'f32x4.demote_f64x2_zero': simd(0x5e),
  'f64x2.promote_low_f32x4': simd(0x5f),
  'i8x16.popcnt': simd(0x62),
  'i8x16.bitmask': simd(0x64),
  'i8x16.add': simd(0x6e),
  'i16x8.extadd_pairwise_i8x16_u': simd(0x7d),
  'i32x4.extadd_pairwise_i16x8_u': simd(0x7f),
  'i16x8.bitmask': simd(0x84),
  'i32x4.all_true': simd(0xa3),
  'i32x4.bitmask': simd(0xa4),
  'i32x4.extend_low_i16x8_u': simd(0xa9),
  'i32x4.extend_high_i16x8_u': simd(0xaa),
  'i32x4.shl': simd(0xab),
  'i32x4.shr_s': simd(0xac),
  'i32x4.shr_u': simd(0xad),
  'i32x4.add': simd(0xae),
  'i32x4.sub': simd(0xb1),
  'i32x4.mul': simd(0xb5),
  'i32x4.min_s': simd(0xb6),
  'i32x4.max_s': simd(0xb8),
  'i64x2.bitmask': simd(0xc4),
  'i64x2.extend_low_i32x4_s': simd(0xc7),
  'i64x2.extend_high_i32x4_s': simd(0xc8),
  'i64x2.shl': simd(0xcb),
  'i64x2.shr_s': simd(0xcc),
  'i64x2.add': simd(0xce),
  'f32x4.abs': simd(0xe0),
  'f32x4.add': simd(0xe4),
  'f32x4.sub': simd(0xe5),
  'f32x4.mul': simd(0xe6),
  'f64x2.floor': simd(0x75),
  'f64x2.trunc': simd(0x7a),
  'f64x2.abs': simd(0xec),
  'i32x4.trunc_sat_f64x2_s_zero': simd(0xfc),
  'f64x2.neg': simd(0xed),
  'f64x2.add': simd(0xf0),
  'f64x2.sub': simd(0xf1),
  'f64x2.mul': simd(0xf2),
  'f64x2.div': simd(0xf3),
  'f64x2.convert_low_i32x4_s': simd(0xfe),
  'f64x2.max': simd(0xf5),
  // appended for the float32 attention (capture/attention-f32-wasm.ts)
  'f32x4.replace_lane': slane(0x20),
  'f32x4.lt': simd(0x43),
  'f32x4.ge': simd(0x46),
  'f32x4.floor': simd(0x68),
  'f32x4.div': simd(0xe7),
  'f32x4.min': simd(0xe8),
  'f32x4.max': simd(0xe9),
  'i32x4.trunc_sat_f32x4_s': simd(0xf8),
  'f32x4.convert_i32x4_s': simd(0xfa),
  'f32x4.pmax': simd(0xeb),
};

export type OpName = keyof typeof OPS;

function uleb(out: number[], v: number): void {
  let x = v >>> 0;
  do {
    let b = x & 0x7f;
    x >>>= 7;
    if (x !== 0) b |= 0x80;
    out.push(b);
  } while (x !== 0);
}

function sleb(out: number[], v: number): void {
  let x = v | 0;
  for (;;) {
    const b = x & 0x7f;
    x >>= 7;
    if ((x === 0 && (b & 0x40) === 0) || (x === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return;
    }
    out.push(b | 0x80);
  }
}

function name(out: number[], s: string): void {
  const bytes = new TextEncoder().encode(s);
  uleb(out, bytes.length);
  out.push(...bytes);
}

/** A block type: void, or one result. */
export type BlockType = ValType | 'void';

/** One function body, emitted instruction by instruction (stack machine; methods chain). */
export class FunctionBuilder {
  readonly name: string;
  readonly params: ValType[];
  readonly results: ValType[];
  private readonly locals: ValType[] = [];
  readonly code: number[] = [];

  constructor(name: string, params: ValType[], results: ValType[]) {
    this.name = name;
    this.params = params;
    this.results = results;
  }

  /** A new local of this type; returns its index. */
  local(type: ValType): number {
    this.locals.push(type);
    return this.params.length + this.locals.length - 1;
  }

  get(i: number): this {
    this.code.push(0x20);
    uleb(this.code, i);
    return this;
  }

  set(i: number): this {
    this.code.push(0x21);
    uleb(this.code, i);
    return this;
  }

  tee(i: number): this {
    this.code.push(0x22);
    uleb(this.code, i);
    return this;
  }

  i32(v: number): this {
    this.code.push(0x41);
    sleb(this.code, v);
    return this;
  }

  f64(v: number): this {
    this.code.push(0x44);
    const b = new Uint8Array(new Float64Array([v]).buffer);
    this.code.push(...b);
    return this;
  }

  /** v128.const from four i32 lanes. */
  v128i32(a: number, b: number, c: number, d: number): this {
    this.code.push(0xfd);
    uleb(this.code, 0x0c);
    this.code.push(...new Uint8Array(new Int32Array([a, b, c, d]).buffer));
    return this;
  }

  /** i8x16.shuffle with 16 byte-lane indices (0–15 first operand, 16–31 second). */
  shuffle(lanes: number[]): this {
    if (lanes.length !== 16) throw new Error('shuffle needs 16 lanes');
    this.code.push(0xfd);
    uleb(this.code, 0x0d);
    this.code.push(...lanes);
    return this;
  }

  /** i32x4 lane shuffle: result lane i = lane idx[i] of (a ++ b), idx in 0–7. */
  shuffle32(idx: [number, number, number, number]): this {
    return this.shuffle(idx.flatMap((l) => [l * 4, l * 4 + 1, l * 4 + 2, l * 4 + 3]));
  }

  /** An instruction by name; memory ops take (offset, align?), lane ops take (lane) or (offset, lane). */
  op(n: OpName, a = 0, b?: number): this {
    const info = OPS[n];
    if (!info) throw new Error(`unknown op ${n}`);
    const [prefix, code, imm, natural] = info;
    if (prefix) {
      this.code.push(prefix);
      uleb(this.code, code);
    } else this.code.push(code);
    if (imm === 'mem') {
      uleb(this.code, b ?? natural);
      uleb(this.code, a);
    } else if (imm === 'lane') this.code.push(a);
    else if (imm === 'memlane') {
      uleb(this.code, natural);
      uleb(this.code, a);
      this.code.push(b ?? 0);
    }
    return this;
  }

  private blockType(t: BlockType): void {
    this.code.push(t === 'void' ? 0x40 : t);
  }

  block(t: BlockType = 'void'): this {
    this.code.push(0x02);
    this.blockType(t);
    return this;
  }

  loop(t: BlockType = 'void'): this {
    this.code.push(0x03);
    this.blockType(t);
    return this;
  }

  if(t: BlockType = 'void'): this {
    this.code.push(0x04);
    this.blockType(t);
    return this;
  }

  else(): this {
    this.code.push(0x05);
    return this;
  }

  end(): this {
    this.code.push(0x0b);
    return this;
  }

  br(depth: number): this {
    this.code.push(0x0c);
    uleb(this.code, depth);
    return this;
  }

  brIf(depth: number): this {
    this.code.push(0x0d);
    uleb(this.code, depth);
    return this;
  }

  call(index: number): this {
    this.code.push(0x10);
    uleb(this.code, index);
    return this;
  }

  /**
   * for (i = from; i < to; i += step) body(): `from`, `to` and `step` are emitters that push an
   * i32 (or constants). The loop variable is the local `i`.
   */
  for(i: number, from: number | (() => void), to: number | (() => void), step: number, body: () => void): this {
    const push = (v: number | (() => void)) => (typeof v === 'number' ? this.i32(v) : v());
    push(from);
    this.set(i);
    this.block().loop();
    this.get(i);
    push(to);
    this.op('i32.ge_s').brIf(1);
    body();
    this.get(i).i32(step).op('i32.add').set(i).br(0);
    this.end().end();
    return this;
  }

  bytes(): number[] {
    const out: number[] = [];
    // locals: run-length groups of equal types
    const groups: [number, ValType][] = [];
    for (const t of this.locals) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    uleb(out, groups.length);
    for (const [n, t] of groups) {
      uleb(out, n);
      out.push(t);
    }
    for (const b of this.code) out.push(b);
    out.push(0x0b);
    const sized: number[] = [];
    uleb(sized, out.length);
    return sized.concat(out);
  }
}

/** A module of exported functions over one imported memory (env.memory). */
export class ModuleBuilder {
  private readonly funcs: FunctionBuilder[] = [];
  private readonly shared: boolean;
  private readonly maxPages: number;

  constructor(opts: { shared?: boolean; maxPages?: number } = {}) {
    this.shared = opts.shared ?? false;
    this.maxPages = opts.maxPages ?? 65536;
  }

  func(name: string, params: ValType[], results: ValType[] = []): FunctionBuilder {
    const f = new FunctionBuilder(name, params, results);
    this.funcs.push(f);
    return f;
  }

  /** Index of a function (for `call`). */
  indexOf(f: FunctionBuilder): number {
    return this.funcs.indexOf(f);
  }

  bytes(): Uint8Array {
    const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    const section = (id: number, body: number[]) => {
      out.push(id);
      uleb(out, body.length);
      for (const b of body) out.push(b); // no spread: a kernel's body exceeds the argument limit
    };
    // types: one per function (duplicates are allowed)
    const types: number[] = [];
    uleb(types, this.funcs.length);
    for (const f of this.funcs) {
      types.push(0x60);
      uleb(types, f.params.length);
      types.push(...f.params);
      uleb(types, f.results.length);
      types.push(...f.results);
    }
    section(1, types);
    const imports: number[] = [];
    uleb(imports, 1);
    name(imports, 'env');
    name(imports, 'memory');
    // limits: unshared memory declares only its minimum (any imported size fits); shared needs a maximum
    imports.push(0x02, this.shared ? 0x03 : 0x00);
    uleb(imports, 1);
    if (this.shared) uleb(imports, this.maxPages);
    section(2, imports);
    const fn: number[] = [];
    uleb(fn, this.funcs.length);
    this.funcs.forEach((_, i) => uleb(fn, i));
    section(3, fn);
    const exp: number[] = [];
    uleb(exp, this.funcs.length);
    this.funcs.forEach((f, i) => {
      name(exp, f.name);
      exp.push(0x00);
      uleb(exp, i);
    });
    section(7, exp);
    const code: number[] = [];
    uleb(code, this.funcs.length);
    for (const f of this.funcs) for (const b of f.bytes()) code.push(b);
    section(10, code);
    return Uint8Array.from(out);
  }
}

/** True when this JavaScript engine compiles WebAssembly with 128-bit SIMD (Node ≥ 16). */
export const SIMD_AVAILABLE: boolean = (() => {
  try {
    const m = new ModuleBuilder();
    m.func('f', [], [I32]).v128i32(1, 2, 3, 4).op('i32x4.extract_lane', 2);
    return typeof WebAssembly === 'object' && WebAssembly.validate(m.bytes());
  } catch {
    return false;
  }
})();
