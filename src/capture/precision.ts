/**
 * The arithmetic of an evaluation (`ModelWeights.precision`, `nmsim capture --precision`):
 *   f64 (default) — float32 storage, float64 accumulation: bit-identical to the JavaScript
 *                   reference in every kernel, the precision every shipped trace was made in;
 *   f32           — float32 arithmetic with four lanes per op where nmsim spends its time: the
 *                   projections (every linear layer and the classifier; matmul-f32-wasm.ts) and the
 *                   attention (scores, softmax with a float32 exp, value sums; attention-f32-wasm.ts),
 *                   for chunks of ≥ 4 tokens (the perplexity windows) — the precision of llama2.c
 *                   run.c and of a numpy float32 forward pass, NOT bit-identical to f64 — and the
 *                   SwiGLU gate (silu-f32-wasm.ts). RMSNorm, the residual adds and the NLL stay as
 *                   in f64. One-token chunks
 *                   (generation steps), and every chunk where WebAssembly SIMD is missing or
 *                   setWasmMatmul(false) holds, take the JavaScript float64 kernels as in f64.
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
