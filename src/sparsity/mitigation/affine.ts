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

/**
 * Streaming form of fitAffine for calibration sets too large to hold: per output channel the
 * float64 sums Σỹ, Σy, Σỹ², Σỹy over tokens; `finishAffine` gives the same a_o, b_o as fitAffine
 * on the concatenated tokens (up to float64 rounding of the one-pass moments).
 */
export interface AffineStats {
  outDim: number;
  tokens: number;
  sumPruned: Float64Array;
  sumDense: Float64Array;
  sumPrunedSq: Float64Array;
  sumPrunedDense: Float64Array;
}

export function createAffineStats(outDim: number): AffineStats {
  return {
    outDim,
    tokens: 0,
    sumPruned: new Float64Array(outDim),
    sumDense: new Float64Array(outDim),
    sumPrunedSq: new Float64Array(outDim),
    sumPrunedDense: new Float64Array(outDim),
  };
}

/** Adds tokens rows of yDense and yPruned ([tokens, outDim], row-major) to the sums. */
export function accumulateAffine(s: AffineStats, yDense: Float32Array, yPruned: Float32Array, tokens: number): void {
  const d = s.outDim;
  for (let t = 0; t < tokens; t++) {
    for (let o = 0; o < d; o++) {
      const p = yPruned[t * d + o];
      const y = yDense[t * d + o];
      s.sumPruned[o] += p;
      s.sumDense[o] += y;
      s.sumPrunedSq[o] += p * p;
      s.sumPrunedDense[o] += p * y;
    }
  }
  s.tokens += tokens;
}

export function finishAffine(s: AffineStats): AffineCorrection {
  const scale = new Float32Array(s.outDim).fill(1);
  const shift = new Float32Array(s.outDim);
  const n = s.tokens;
  if (n === 0) return { scale, shift };
  for (let o = 0; o < s.outDim; o++) {
    const mp = s.sumPruned[o] / n;
    const my = s.sumDense[o] / n;
    const vp = s.sumPrunedSq[o] - n * mp * mp;
    const cov = s.sumPrunedDense[o] - n * mp * my;
    // a constant channel (variance lost in the one-pass rounding) keeps a_o = 1, as in fitAffine
    const a = vp > 1e-30 && vp > 1e-12 * s.sumPrunedSq[o] ? cov / vp : 1;
    scale[o] = a;
    shift[o] = my - a * mp;
  }
  return { scale, shift };
}
