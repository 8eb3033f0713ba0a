/**
 * var mitigation: per token, scale the kept values by v_t = sqrt(var(x_t) / var(P(x_t))),
 * unbiased variance (K − 1) over all K elements, P(x_t) including its zeros. Equivalent to a
 * per-output-row scale on the GEMM result. A pruned vector with zero variance gets v_t = 1.
 */
export function unbiasedVariance(v: ArrayLike<number>, k: number, offset = 0): number {
  if (k < 2) return 0;
  let sum = 0;
  for (let j = 0; j < k; j++) sum += v[offset + j];
  const mean = sum / k;
  let ss = 0;
  for (let j = 0; j < k; j++) {
    const d = v[offset + j] - mean;
    ss += d * d;
  }
  return ss / (k - 1);
}

export function varScale(x: ArrayLike<number>, pruned: ArrayLike<number>, k: number, xOffset = 0, prunedOffset = 0): number {
  const vp = unbiasedVariance(pruned, k, prunedOffset);
  if (!(vp > 0)) return 1;
  return Math.sqrt(unbiasedVariance(x, k, xOffset) / vp);
}
