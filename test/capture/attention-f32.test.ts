/**
 * The opt-in float32 attention (src/capture/attention-f32-wasm.ts): expF32 is within 2 float32 ulps
 * of exp over [−87.3, 0] (and 0 below, NaN for NaN), the kernel's exps are expF32's bits, and a whole
 * layer's attention equals, bit for bit, the float32 JavaScript reference below (every operation's
 * order as the kernel's file comment states) — head sizes 4–48, 1–4 query heads per kv head, chunks
 * from position 0 and mid-sequence, stale positions from a previous call — and is within float32
 * rounding of the float64 attendHead.
 */
import fc from 'fast-check';
import { attentionF32Fits, expF32, EXPF, WasmLayerAttentionF32, WASM_ATTENTION_F32_AVAILABLE } from '../../src/capture/attention-f32-wasm.js';
import { attendHead } from '../../src/capture/forward.js';

const f32 = Math.fround;
const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
}

/** one query head against positions 0 … n−1 of kv head `kh` (keys/values channel-major [kv, seqLen]) */
function headRef(q: Float32Array, qo: number, keys: Float32Array, values: Float32Array, kh: number, hs: number, seqLen: number, n: number, scale: number, out: Float32Array): void {
  const sc = f32(scale);
  const qs = Array.from({ length: hs }, (_, i) => f32(q[qo + i] * sc));
  const e = new Array<number>(n);
  // per lane (p mod 4) the running max < s ? s : max (f32x4.pmax), then the largest lane
  const laneMax = [-Infinity, -Infinity, -Infinity, -Infinity];
  for (let p = 0; p < n; p++) {
    let s = 0;
    for (let i = 0; i < hs; i++) s = f32(s + f32(qs[i] * keys[(kh * hs + i) * seqLen + p]));
    e[p] = s;
    if (laneMax[p & 3] < s) laneMax[p & 3] = s;
  }
  const max = Math.max(...laneMax);
  const lane = [0, 0, 0, 0];
  for (let p = 0; p < n; p++) {
    e[p] = expF32(f32(e[p] - max));
    lane[p & 3] = f32(lane[p & 3] + e[p]);
  }
  const sum = f32(f32(f32(lane[0] + lane[1]) + lane[2]) + lane[3]);
  const inv = f32(1 / sum);
  for (let c = 0; c < hs; c++) {
    const acc = [0, 0]; // even and odd positions
    for (let p = 0; p < n; p++) acc[p & 1] = f32(acc[p & 1] + f32(e[p] * values[(kh * hs + c) * seqLen + p]));
    out[qo + c] = f32(f32(acc[0] + acc[1]) * inv);
  }
}

interface Case {
  hs: number;
  nKv: number;
  kvMul: number;
  seqLen: number;
  startPos: number;
  tokens: number;
}

function makeCase(k: Case, seed: number) {
  const rnd = lcg(seed);
  const kv = k.nKv * k.hs;
  const dim = k.nKv * k.kvMul * k.hs;
  const keys = Float32Array.from({ length: kv * k.seqLen }, () => rnd() * 2);
  const values = Float32Array.from({ length: kv * k.seqLen }, rnd);
  const q = Float32Array.from({ length: k.tokens * dim }, () => rnd() * 3);
  return { kv, dim, keys, values, q, scale: 1 / Math.sqrt(k.hs) };
}

function reference(k: Case, c: ReturnType<typeof makeCase>): Float32Array {
  const out = new Float32Array(k.tokens * c.dim);
  for (let t = 0; t < k.tokens; t++)
    for (let h = 0; h < k.nKv * k.kvMul; h++) headRef(c.q, t * c.dim + h * k.hs, c.keys, c.values, Math.floor(h / k.kvMul), k.hs, k.seqLen, k.startPos + t + 1, c.scale, out);
  return out;
}

const d = WASM_ATTENTION_F32_AVAILABLE ? describe : describe.skip;

d('float32 attention', () => {
  test('expF32 is within 2 float32 ulps of exp on [−87.3, 0]; 0 below −87.33654 and at −∞; NaN for NaN', () => {
    let worstUlps = 0;
    const rnd = lcg(7);
    const xs = [0, -0, -1e-30, -1e-7, -0.5, -Math.LN2, -1, -10, -87.3, EXPF.LO];
    for (let i = 0; i < 200_000; i++) xs.push(f32(rnd() * 43.6 - 43.7));
    for (let i = 0; i < 20_000; i++) xs.push(f32(-Math.abs(rnd()) * 1e-3));
    for (const x of xs) {
      const e = expF32(x);
      const exact = Math.exp(x);
      const ulp = 2 ** (Math.floor(Math.log2(exact)) - 23);
      worstUlps = Math.max(worstUlps, Math.abs(e - exact) / ulp);
    }
    expect(worstUlps).toBeLessThanOrEqual(2);
    expect(expF32(-87.34)).toBe(0);
    expect(expF32(-Infinity)).toBe(0);
    expect(expF32(Number.NaN)).toBeNaN();
    expect(expF32(0)).toBe(1);
  });

  test('a whole layer equals the float32 JavaScript reference bit for bit (head sizes 4–48, 1–4 heads per kv head, chunks from 0 and mid-sequence)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(4, 8, 12, 48),
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom(1, 2, 3, 4),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (hs, nKv, kvMul, seqLen, seed) => {
          const startPos = seed % seqLen;
          const tokens = 1 + ((seed >>> 8) % (seqLen - startPos));
          const k: Case = { hs, nKv, kvMul, seqLen, startPos, tokens };
          const c = makeCase(k, seed);
          expect(attentionF32Fits(hs, c.kv, nKv * kvMul)).toBe(true);
          const kernel = new WasmLayerAttentionF32(hs, seqLen, c.kv, nKv * kvMul);
          const att = new Float32Array(tokens * c.dim).fill(Number.NaN);
          kernel.run(c.keys, c.values, c.q, tokens, startPos, c.scale, att);
          expect(bits(att)).toEqual(bits(reference(k, c)));
        },
      ),
      { numRuns: 150 },
    );
  });

  test('a reused kernel ignores a previous call\'s later positions, and stories260K\'s layer shape (512 positions) matches the reference and attendHead within float32 rounding', () => {
    const k: Case = { hs: 8, nKv: 4, kvMul: 2, seqLen: 512, startPos: 0, tokens: 512 };
    const c = makeCase(k, 11);
    const kernel = new WasmLayerAttentionF32(8, 512, c.kv, 8);
    // first a call whose keys are 1000× larger: its positions 7 … stay in the kernel's memory
    kernel.run(c.keys.map((v) => v * 1000), c.values, c.q, 512, 0, c.scale, new Float32Array(512 * c.dim));
    const att7 = new Float32Array(7 * c.dim);
    kernel.run(c.keys, c.values, c.q, 7, 0, c.scale, att7);
    const ref = reference(k, c);
    expect(bits(att7)).toEqual(bits(ref.subarray(0, 7 * c.dim)));
    const att = new Float32Array(512 * c.dim);
    kernel.run(c.keys, c.values, c.q, 512, 0, c.scale, att);
    expect(bits(att)).toEqual(bits(ref));
    // against the float64 attendHead: each output is a convex combination of values in [−1, 1];
    // its float32 error is a few u per operation over ≤ 512 terms: |Δ| ≤ 512·8·u·max|v| ≈ 2.4e-4
    const scores = new Float64Array(512);
    const qs = new Float64Array(8);
    let worst = 0;
    const out = new Float32Array(512 * c.dim);
    for (const t of [0, 1, 100, 511]) {
      for (let h = 0; h < 8; h++) {
        const qo = t * c.dim + h * 8;
        attendHead(c.q, qo, c.keys, c.values, Math.floor(h / 2) * 8, 8, t + 1, 512, c.scale, scores, qs, out);
        for (let i = 0; i < 8; i++) worst = Math.max(worst, Math.abs(out[qo + i] - att[qo + i]));
      }
    }
    expect(worst).toBeLessThanOrEqual(512 * 8 * 2 ** -24);
    expect(worst).toBeGreaterThan(0);
  });
});
