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
import type { Lane } from './lanes.js';
import type { SiteInput } from './site-analysis.js';

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

/** y = W x per consumer and row of a chunk, shared by every lane and pattern, and the scratch to compare W x̃ with it. */
export interface OutputScratch {
  /** [consumer] y rows of the chunk (null: no weight) */
  refs: (Float64Array | null)[];
  yRef: Float64Array;
  yErr: Float64Array;
  diff: Float64Array;
  pruned: Float64Array;
}

export function outputScratch(site: SiteInput, chunkRows: number, k: number): OutputScratch | null {
  if (!site.consumers.some((c) => c.weight)) return null;
  const maxOut = Math.max(1, ...site.consumers.map((c) => c.weight?.outFeatures ?? 0));
  return {
    refs: site.consumers.map((c) => (c.weight ? new Float64Array(chunkRows * c.weight.outFeatures) : null)),
    yRef: new Float64Array(maxOut),
    yErr: new Float64Array(maxOut),
    diff: new Float64Array(k),
    pruned: new Float64Array(k),
  };
}

/** The dense outputs y = W x of every row of the chunk, per consumer with a weight. */
export function referenceOutputs(site: SiteInput, out: OutputScratch, buf: Float32Array, rows: number, k: number): void {
  site.consumers.forEach((c, ci) => {
    if (!c.weight) return;
    const outDim = c.weight.outFeatures;
    for (let i = 0; i < rows; i++) {
      matVec(c.weight.data, outDim, k, buf, i * k, out.yRef);
      out.refs[ci]!.set(out.yRef.subarray(0, outDim), i * outDim);
    }
  });
}

/** Adds row i (chunk offset off) to lane × pattern p's output error; x̃ from the keep words (fast lanes) or the pruned chunk. */
export function addOutputError(site: SiteInput, out: OutputScratch, lane: Lane, p: number, buf: Float32Array, prunedChunk: Float32Array, i: number, off: number, k: number): void {
  const { pruned, diff, yErr } = out;
  const acc = lane.acc[p];
  for (let j = 0; j < k; j++) {
    const xv = buf[off + j];
    const yv = lane.fast ? ((acc.words[j >>> 5] >>> (j & 31)) & 1 ? xv : 0) : prunedChunk[off + j];
    pruned[j] = yv;
    diff[j] = yv - xv;
  }
  lane.consumers.forEach((c, ci) => {
    if (!c.weight) return;
    const outDim = c.weight.outFeatures;
    const ref = out.refs[site.consumers.indexOf(c)]!.subarray(i * outDim, (i + 1) * outDim);
    const sums = lane.output[p][ci];
    if (sums.affine) {
      matVec(c.weight.data, outDim, k, pruned, 0, yErr);
      addAffineToken(sums, ref, yErr, outDim);
      return;
    }
    matVec(c.weight.data, outDim, k, diff, 0, yErr);
    for (let o = 0; o < outDim; o++) {
      sums.err += yErr[o] * yErr[o];
      sums.ref += ref[o] * ref[o];
    }
  });
}
