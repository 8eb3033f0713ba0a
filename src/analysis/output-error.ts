/**
 * Output error of a pruned consumer, where the bundle carries its weight W [out, K]:
 * ‖W x̃ − W x‖ / ‖W x‖ summed over the site's tokens. For the affine mitigation the pruned
 * output is first corrected by the closed-form per-output scale and shift (affine.ts), fitted on
 * these same tokens (in-sample: an optimistic bound for held-out data), so every token's y and
 * ỹ are kept until the end.
 */
import { fitAffine, applyAffine } from '../sparsity/mitigation/affine.js';

export interface OutputErrorSums {
  err: number;
  ref: number;
  /** affine: every token's y and ỹ, fitted at the end */
  y?: number[][];
  yPruned?: number[][];
}

/** y[o] = Σ_j W[o, j] · v[vOff + j] (float64 accumulation). */
export function matVec(w: Float32Array, outDim: number, k: number, v: Float32Array | Float64Array, vOff: number, y: Float64Array): void {
  for (let o = 0; o < outDim; o++) {
    let s = 0;
    const row = o * k;
    for (let j = 0; j < k; j++) s += w[row + j] * v[vOff + j];
    y[o] = s;
  }
}

/**
 * ‖ŷ − y‖ / ‖y‖ over the site's tokens. For affine, ŷ = a ⊙ ỹ + b with (a, b) the closed-form
 * least-squares fit on these same tokens (in-sample: an optimistic bound for held-out data).
 */
export function outputRelErr(s: OutputErrorSums, outDim: number): number {
  if (s.y && s.yPruned) {
    const t = s.y.length;
    const y = new Float32Array(t * outDim);
    const yp = new Float32Array(t * outDim);
    for (let i = 0; i < t; i++) {
      y.set(s.y[i], i * outDim);
      yp.set(s.yPruned[i], i * outDim);
    }
    applyAffine(yp, t, outDim, fitAffine(y, yp, t, outDim));
    let err = 0;
    let ref = 0;
    for (let i = 0; i < t * outDim; i++) {
      err += (yp[i] - y[i]) ** 2;
      ref += y[i] * y[i];
    }
    return ref > 0 ? Math.sqrt(err / ref) : 0;
  }
  return s.ref > 0 ? Math.sqrt(s.err / s.ref) : 0;
}
