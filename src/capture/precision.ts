/**
 * The arithmetic of an evaluation (`ModelWeights.precision`, `nmsim capture --precision`):
 *   f64 (default) — float32 storage, float64 accumulation: bit-identical to the JavaScript
 *                   reference in every kernel, the precision every shipped trace was made in;
 *   f32           — the projections (every linear layer and the classifier, chunks of ≥ 4 tokens)
 *                   accumulate in float32, four outputs per f32x4 lane group (matmul-f32-wasm.ts):
 *                   the precision of llama2.c run.c and of a numpy float32 forward pass, NOT
 *                   bit-identical to f64. Attention, softmax, SwiGLU, RMSNorm and the NLL stay
 *                   float64-accumulated as in f64 (only the matmul is float32 so far). One-token
 *                   chunks (generation steps), and every chunk where WebAssembly SIMD is missing
 *                   or setWasmMatmul(false) holds, take the JavaScript float64 matmul as in f64.
 */
export const PRECISIONS = ['f64', 'f32'] as const;
export type Precision = (typeof PRECISIONS)[number];
export const DEFAULT_PRECISION: Precision = 'f64';

export function isPrecision(s: string): s is Precision {
  return (PRECISIONS as readonly string[]).includes(s);
}

/** the model to evaluate in `precision` (the same tensors; f64 gives back a model without the field) */
export function withPrecision<M extends { precision?: Precision }>(model: M, precision: Precision): M {
  const { precision: _old, ...rest } = model;
  return (precision === DEFAULT_PRECISION ? rest : { ...rest, precision }) as M;
}
