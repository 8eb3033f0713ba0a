/**
 * CLACT criterion: score_tj = |x_tj| · ‖X[:,j]‖₂, the channel's L2 norm over the tokens of the
 * current batch (a cross-token reduction before selection). In decode with one token it
 * degenerates to magnitude (every channel's factor is |x_j| itself, so the ranking is |x|²).
 * With a shift mitigation (dpts, spts) the norms are taken over the shifted values Z = X − η that
 * are pruned (prune.ts passes Z): the paper's code prunes the shifted tensor, and its criterion
 * sees only that.
 */
export function channelNorms(x: Float32Array, tokens: number, k: number): Float32Array {
  const acc = new Float64Array(k);
  for (let t = 0; t < tokens; t++) {
    const row = t * k;
    for (let j = 0; j < k; j++) acc[j] += x[row + j] * x[row + j];
  }
  return Float32Array.from(acc, Math.sqrt);
}
