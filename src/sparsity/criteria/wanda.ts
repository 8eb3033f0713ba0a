/**
 * Wanda's input-feature norms (Sun et al., ICLR 2024, arXiv 2306.11695): ‖X_j‖₂ of a layer's
 * input feature j over every calibration row of the dense model, the weight criterion's factor
 * s_oj = |W_oj| · ‖X_j‖₂. Streamed over windows: sums of squares in float64, the square root
 * rounded to float32 at the end — the arithmetic of clact's channelNorms (clact.ts), which takes
 * the same norm over one batch of the values being pruned.
 */

/** Running Σ_t x_tj² per input feature j. */
export interface InputNormAccumulator {
  sumSquares: Float64Array;
  rows: number;
}

export function createInputNormAccumulator(k: number): InputNormAccumulator {
  return { sumSquares: new Float64Array(k), rows: 0 };
}

/** Adds the rows of x [tokens, K] (row-major). */
export function accumulateInputNorms(acc: InputNormAccumulator, x: Float32Array, tokens: number, k: number): void {
  const s = acc.sumSquares;
  if (s.length !== k) throw new RangeError(`accumulateInputNorms: accumulator holds ${s.length} features, rows have ${k}`);
  for (let t = 0; t < tokens; t++) {
    const row = t * k;
    for (let j = 0; j < k; j++) s[j] += x[row + j] * x[row + j];
  }
  acc.rows += tokens;
}

/** ‖X_j‖₂ per feature, float32. */
export function finishInputNorms(acc: InputNormAccumulator): Float32Array {
  return Float32Array.from(acc.sumSquares, Math.sqrt);
}
