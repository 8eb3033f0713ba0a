/**
 * Amber-Pruner criterion: score_tj = |x_tj| · f_j with f_j = ‖Ŵ[:,j]‖₂ / min_k ‖Ŵ[:,k]‖₂,
 * Ŵ = (W − μ)/σ, μ and σ (population, ddof 0) taken over W's elements after dropping those
 * outside the 0.5 %–99.5 % quantiles (linear interpolation between order statistics, numpy's
 * default). The standardisation is then applied to every element of W. Static per channel;
 * each consumer (q, k, v …) has its own factors.
 */
export const AMBER_LOW_QUANTILE = 0.005;
export const AMBER_HIGH_QUANTILE = 0.995;

/** Linear-interpolation quantile of an ascending-sorted array (numpy "linear"). */
export function sortedQuantile(sorted: Float64Array | Float32Array, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Standardised column L2 norms ‖Ŵ[:,j]‖₂ of a weight W stored row-major [outDim, inDim]
 * (PyTorch/llama2.c layout: y = W x, column j multiplies input channel j).
 */
export function amberColumnNorms(weight: Float32Array, outDim: number, inDim: number): Float32Array {
  const sorted = Float64Array.from(weight.subarray(0, outDim * inDim)).sort();
  const lo = sortedQuantile(sorted, AMBER_LOW_QUANTILE);
  const hi = sortedQuantile(sorted, AMBER_HIGH_QUANTILE);
  let count = 0;
  let sum = 0;
  for (const w of sorted) {
    if (w >= lo && w <= hi) {
      count++;
      sum += w;
    }
  }
  const mu = sum / count;
  let ss = 0;
  for (const w of sorted) if (w >= lo && w <= hi) ss += (w - mu) * (w - mu);
  const sigma = Math.sqrt(ss / count) || 1;
  const acc = new Float64Array(inDim);
  for (let o = 0; o < outDim; o++) {
    const row = o * inDim;
    for (let j = 0; j < inDim; j++) {
      const z = (weight[row + j] - mu) / sigma;
      acc[j] += z * z;
    }
  }
  return Float32Array.from(acc, Math.sqrt);
}

/** f_j = norm_j / min_k norm_k (≥ 1). A zero minimum gives factors of 1 (no preference). */
export function amberFactorsFromNorms(norms: ArrayLike<number>): Float32Array {
  let min = Infinity;
  for (let j = 0; j < norms.length; j++) min = Math.min(min, norms[j]);
  const out = new Float32Array(norms.length);
  for (let j = 0; j < norms.length; j++) out[j] = min > 0 ? norms[j] / min : 1;
  return out;
}

export function amberFactors(weight: Float32Array, outDim: number, inDim: number): Float32Array {
  return amberFactorsFromNorms(amberColumnNorms(weight, outDim, inDim));
}
