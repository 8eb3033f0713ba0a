/**
 * The SwiGLU gate in WebAssembly SIMD (src/capture/silu-wasm.ts, fdlibm's exp in f64x2 lanes)
 * against forward.ts's JavaScript expression f32((a / (1 + Math.exp(−a))) · u), bit for bit, on
 * float32 inputs from every argument range of fdlibm's exp (|x| < 2^−28, ≤ 0.5·ln2, < 1.5·ln2,
 * up to the limit), range boundaries, ±0, and odd lengths; and the refusal (false, output
 * untouched) when an input is out of its range or NaN.
 */
import { SILU_EXP_LIMIT, WasmSilu, WASM_SILU_AVAILABLE } from '../../src/capture/silu-wasm.js';

function reference(out: Float32Array, g: Float32Array, u: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const a = g[i];
    out[i] = (a / (1 + Math.exp(-a))) * u[i];
  }
}

const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

function inputs(n: number, seed: number): { g: Float32Array; u: Float32Array } {
  let s = seed >>> 0 || 1;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0), s / 2 ** 32);
  const g = new Float32Array(n);
  const u = new Float32Array(n);
  const ln2 = Math.LN2;
  const edges = [0, -0, 2 ** -28, -(2 ** -28), 2 ** -29, 0.5 * ln2, -0.5 * ln2, 1.5 * ln2, -1.5 * ln2, 1, -1, 706.9, -706.9, 1e-40, -1e-40];
  for (let i = 0; i < n; i++) {
    const kind = i % 6;
    const sign = rnd() < 0.5 ? -1 : 1;
    const v =
      i < edges.length
        ? edges[i]
        : kind === 0
          ? sign * rnd() * 2 ** -27
          : kind === 1
            ? sign * rnd() * 0.35
            : kind === 2
              ? sign * (0.34 + rnd() * 0.7)
              : kind === 3
                ? sign * rnd() * 8
                : kind === 4
                  ? sign * rnd() * 700
                  : (rnd() - 0.5) * 2 ** Math.floor(rnd() * 20 - 10);
    g[i] = v;
    u[i] = (rnd() - 0.5) * 4;
  }
  return { g, u };
}

(WASM_SILU_AVAILABLE ? describe : describe.skip)('the SwiGLU gate in WebAssembly', () => {
  test('equals f32((a / (1 + Math.exp(-a))) * u) bit for bit over every range of fdlibm exp, odd and even lengths', () => {
    const n = 200001;
    const kernel = new WasmSilu(n);
    for (const len of [n, n - 1, 1, 2, 3]) {
      const { g, u } = inputs(len, len);
      const want = new Float32Array(len);
      reference(want, g, u, len);
      const got = new Float32Array(len);
      expect(kernel.gate(got, g, u, len)).toBe(true);
      let mismatches = 0;
      for (let i = 0; i < len; i++) if (!Object.is(got[i], want[i])) mismatches++;
      expect(mismatches).toBe(0);
      expect(bits(got)).toEqual(bits(want));
    }
  });

  test('refuses (false, output untouched) an input at the range limit, beyond it, infinite or NaN', () => {
    const kernel = new WasmSilu(8);
    for (const bad of [SILU_EXP_LIMIT, -SILU_EXP_LIMIT, 1e6, Infinity, -Infinity, Number.NaN]) {
      const g = Float32Array.from([0.5, -1, bad, 2]);
      const u = Float32Array.from([1, 1, 1, 1]);
      const out = new Float32Array(4).fill(7);
      expect(kernel.gate(out, g, u, 4)).toBe(false);
      expect(Array.from(out)).toEqual([7, 7, 7, 7]);
    }
    // just inside the limit: computed
    const out = new Float32Array(1);
    expect(kernel.gate(out, Float32Array.from([-706.5]), Float32Array.from([1]), 1)).toBe(true);
    expect(out[0]).toBe(Math.fround(-706.5 / (1 + Math.exp(706.5))));
  });
});
