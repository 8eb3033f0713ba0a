/**
 * Shift mitigations: x̃ = P(x − η) + η, selection on the shifted values.
 * - dpts (dynamic per-token shift): η_t = lower median of x_t (element ⌊(K−1)/2⌋ of the sorted
 *   vector). On hardware: sparse GEMM plus η_t · rowsum(W) added in the epilogue.
 * - spts (static shift): one η per site, the mean per-token lower median over calibration
 *   tokens disjoint from the evaluation set.
 */
export function lowerMedian(x: ArrayLike<number>, k: number, offset = 0, scratch?: Float32Array): number {
  const buf = scratch && scratch.length >= k ? scratch.subarray(0, k) : new Float32Array(k);
  for (let j = 0; j < k; j++) buf[j] = x[offset + j];
  buf.sort();
  return buf[Math.floor((k - 1) / 2)];
}

/** spts calibration: mean over tokens of each token's lower median. */
export function calibrateStaticShift(x: Float32Array, tokens: number, k: number): number {
  if (tokens === 0) return 0;
  const scratch = new Float32Array(k);
  let sum = 0;
  for (let t = 0; t < tokens; t++) sum += lowerMedian(x, k, t * k, scratch);
  return sum / tokens;
}
