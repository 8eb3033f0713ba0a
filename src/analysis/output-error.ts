/**
 * Output error of a pruned consumer, where the bundle carries its weight W [out, K]:
 * ‖W x̃ − W x‖ / ‖W x‖ summed over the site's tokens. For the affine mitigation the pruned
 * output is first corrected by the closed-form per-output scale and shift (affine.ts), fitted on
 * these same tokens (in-sample: an optimistic bound for held-out data).
 *
 * Streaming, in O(out) memory whatever the token count: the least-squares residual of the
 * affine fit is a function of per-channel moments, kept with Welford's updates (numerically
 * stable one-pass means, variances and co-moment):
 *   residual_o = M2y − C²/M2p        (a_o = C/M2p, b_o = ȳ − a_o·p̄: the fit of fitAffine)
 *   residual_o = M2y + M2p − 2C      (constant pruned channel, M2p ≤ 1e-30: a_o = 1, b_o = ȳ − p̄)
 * with p = ỹ_o, y = y_o, M2 the sums of squared deviations and C the co-moment.
 */
export interface AffineMoments {
  n: number;
  meanP: Float64Array;
  meanY: Float64Array;
  m2P: Float64Array;
  m2Y: Float64Array;
  coPY: Float64Array;
}

export interface OutputErrorSums {
  /** Σ ‖W x̃ − W x‖² (not used by affine, whose error comes from `affine` at the end) */
  err: number;
  /** Σ ‖W x‖² */
  ref: number;
  /** affine: per-output moments of y and ỹ */
  affine?: AffineMoments;
}

export function outputErrorSums(outDim: number, affine: boolean): OutputErrorSums {
  if (!affine) return { err: 0, ref: 0 };
  const z = () => new Float64Array(outDim);
  return { err: 0, ref: 0, affine: { n: 0, meanP: z(), meanY: z(), m2P: z(), m2Y: z(), coPY: z() } };
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

/** Adds one token's dense output y and pruned output ỹ (affine sums). */
export function addAffineToken(s: OutputErrorSums, y: Float64Array, pruned: Float64Array, outDim: number): void {
  const m = s.affine!;
  const n = ++m.n;
  let ref = 0;
  for (let o = 0; o < outDim; o++) {
    const p = pruned[o];
    const yv = y[o];
    ref += yv * yv;
    const dp = p - m.meanP[o];
    const dy = yv - m.meanY[o];
    m.meanP[o] += dp / n;
    m.meanY[o] += dy / n;
    const dy2 = yv - m.meanY[o];
    m.m2P[o] += dp * (p - m.meanP[o]);
    m.m2Y[o] += dy * dy2;
    m.coPY[o] += dp * dy2;
  }
  s.ref += ref;
}

/**
 * ‖ŷ − y‖ / ‖y‖ over the site's tokens (ŷ = ỹ, or a ⊙ ỹ + b for affine). 0 when the error is 0
 * (also for y = 0); null when there is no token, or an error against a zero output (undefined).
 */
export function outputRelErr(s: OutputErrorSums, outDim: number): number | null {
  let err = s.err;
  if (s.affine) {
    const m = s.affine;
    if (m.n === 0) return null;
    err = 0;
    for (let o = 0; o < outDim; o++) {
      const r = m.m2P[o] > 1e-30 ? m.m2Y[o] - (m.coPY[o] * m.coPY[o]) / m.m2P[o] : m.m2Y[o] + m.m2P[o] - 2 * m.coPY[o];
      err += Math.max(0, r);
    }
  }
  if (s.ref > 0) return Math.sqrt(err / s.ref);
  return err === 0 && (s.affine ? s.affine.n > 0 : true) ? 0 : null;
}
