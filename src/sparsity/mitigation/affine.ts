/**
 * affine mitigation: a closed-form least-squares per-output-channel scale a_o and shift b_o
 * applied to the pruned layer's output, ŷ_o = a_o · ỹ_o + b_o, fitted on calibration tokens so
 * that ŷ approximates the dense output y = W x. It is the cheap, deterministic form of the
 * learned scale/shift variants in arXiv 2509.22166:
 *   a_o = cov(ỹ_o, y_o) / var(ỹ_o),  b_o = mean(y_o) − a_o · mean(ỹ_o)
 * A channel whose pruned output is constant gets a_o = 1 and b_o = mean(y_o − ỹ_o).
 */
export interface AffineCorrection {
  scale: Float32Array;
  shift: Float32Array;
}

/** yDense and yPruned are row-major [tokens, outDim]. */
export function fitAffine(yDense: Float32Array, yPruned: Float32Array, tokens: number, outDim: number): AffineCorrection {
  const scale = new Float32Array(outDim).fill(1);
  const shift = new Float32Array(outDim);
  if (tokens === 0) return { scale, shift };
  const sy = new Float64Array(outDim);
  const sp = new Float64Array(outDim);
  for (let t = 0; t < tokens; t++) {
    for (let o = 0; o < outDim; o++) {
      sy[o] += yDense[t * outDim + o];
      sp[o] += yPruned[t * outDim + o];
    }
  }
  const cov = new Float64Array(outDim);
  const vp = new Float64Array(outDim);
  for (let t = 0; t < tokens; t++) {
    for (let o = 0; o < outDim; o++) {
      const dp = yPruned[t * outDim + o] - sp[o] / tokens;
      cov[o] += dp * (yDense[t * outDim + o] - sy[o] / tokens);
      vp[o] += dp * dp;
    }
  }
  for (let o = 0; o < outDim; o++) {
    const my = sy[o] / tokens;
    const mp = sp[o] / tokens;
    const a = vp[o] > 1e-30 ? cov[o] / vp[o] : 1;
    scale[o] = a;
    shift[o] = my - a * mp;
  }
  return { scale, shift };
}

/** In place: y[t, o] = scale[o] · y[t, o] + shift[o]. */
export function applyAffine(y: Float32Array, tokens: number, outDim: number, c: AffineCorrection): void {
  for (let t = 0; t < tokens; t++) {
    for (let o = 0; o < outDim; o++) y[t * outDim + o] = c.scale[o] * y[t * outDim + o] + c.shift[o];
  }
}
