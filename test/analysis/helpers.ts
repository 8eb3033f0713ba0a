import type { RowSource, SiteInput, ConsumerInput } from '../../src/analysis/site-analysis.js';
import { bf16ToFloat32, float32ToBf16, float32ToFp16, fp16ToFloat32 } from '../../src/trace/dtype.js';
import { resolvePlan } from '../../src/analysis/plan.js';
import type { AnalysisPlan } from '../../src/analysis/types.js';

/** An in-memory [tokens, K] tensor behind the RowSource interface (copies rows like a reader). */
export function memorySource(x: Float32Array, tokens: number, k: number): RowSource {
  return {
    rows: tokens,
    cols: k,
    async readRows(rowStart, rowCount, out) {
      const target = out && out.length >= rowCount * k ? out : new Float32Array(rowCount * k);
      target.set(x.subarray(rowStart * k, (rowStart + rowCount) * k));
      return target;
    },
  };
}

export function siteInput(x: Float32Array, tokens: number, k: number, extra: Partial<SiteInput> & { consumers?: ConsumerInput[] } = {}): SiteInput {
  return {
    index: 0,
    name: 'layers.0.mlp.down_proj.input',
    layer: 0,
    source: memorySource(x, tokens, k),
    dtype: 'F16',
    dtypeBits: 16,
    consumers: [{ consumer: 'down' }],
    clactBatchTokens: 4,
    ...extra,
  };
}

export function plan(p: Partial<AnalysisPlan>): AnalysisPlan {
  return resolvePlan(p);
}

export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

/** Laplace-like activations with a few zeros, rounded to F16-representable values when asked. */
export function activations(seed: number, tokens: number, k: number, zeroFraction = 0.05, f16Like = true): Float32Array {
  const rand = lcg(seed);
  const x = new Float32Array(tokens * k);
  for (let i = 0; i < x.length; i++) {
    if (rand() < zeroFraction) continue;
    const v = Math.log(rand() + 1e-9) * (rand() < 0.5 ? -1 : 1) * (i % k === 3 ? 30 : 1);
    x[i] = f16Like ? Math.fround(Math.round(v * 512) / 512) : v;
  }
  return x;
}

/**
 * An in-memory [tokens, K] tensor stored as F16 or BF16 codes: readBytes gives the codes (the
 * fast lane's half path), readRows decodes them like the trace readers do.
 */
export function halfSource(x: Float32Array, tokens: number, k: number, dtype: 'F16' | 'BF16' = 'F16'): RowSource {
  const codes = Uint16Array.from(x, (v) => (dtype === 'F16' ? float32ToFp16(v) : float32ToBf16(v)));
  const bytes = new Uint8Array(codes.buffer);
  const decoded = Float32Array.from(codes, (c) => (dtype === 'F16' ? fp16ToFloat32(c) : bf16ToFloat32(c)));
  return {
    rows: tokens,
    cols: k,
    info: { dtype },
    async readRows(rowStart, rowCount, out) {
      const target = out && out.length >= rowCount * k ? out : new Float32Array(rowCount * k);
      target.set(decoded.subarray(rowStart * k, (rowStart + rowCount) * k));
      return target;
    },
    async readBytes(byteStart, byteCount, out) {
      const target = out && out.length >= byteCount ? out : new Uint8Array(byteCount);
      target.set(bytes.subarray(byteStart, byteStart + byteCount));
      return target;
    },
  };
}

/** x without the listed token rows. */
export function dropRows(x: Float32Array, tokens: number, k: number, rows: readonly number[]): Float32Array {
  const keep = Array.from({ length: tokens }, (_, t) => t).filter((t) => !rows.includes(t));
  const out = new Float32Array(keep.length * k);
  keep.forEach((t, i) => out.set(x.subarray(t * k, (t + 1) * k), i * k));
  return out;
}
