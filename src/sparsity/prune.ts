/**
 * Pruning one site's input for one consumer: shift → criterion → N:M selection → mitigation.
 * The reference path used by capture (the real pruned forward pass) and by analysis for every
 * configuration but magnitude + none (whose fast kernels are tested against it).
 *
 *   z_t = x_t − η_t                     (η from dpts / spts; 0 otherwise: registry.ts `shift`)
 *   s_tj = |z_tj| · f_j                 (f = 1 magnitude, amber factors, clact norms ‖Z[:,j]‖₂)
 *   keep = select(s_t, pattern)         (tail and tie rules of pattern.ts)
 *   x̃_t = keep ⊙ z_t + η_t             (pruned positions hold η_t)
 *   var: x̃_t ← v_t · x̃_t              (v_t from var.ts)
 * One meaning per criterion: it sees only the values being pruned, z — so with a shift, clact's
 * channel norms are taken over z, as the paper's code prunes the shifted tensor.
 * "affine" prunes like "none" here; its correction acts on the consumer's output (affine.ts).
 */
import { selectKeep } from './select.js';
import { CRITERION_INFO, MITIGATION_INFO, checkPruneContext, type MitigationInfo, type PruneContext } from './registry.js';
import type { PruneSpec } from './configurations.js';

/** Writes z = x − η_t into out (float32, as the hardware holds it) and returns η per token. */
function shiftRows(x: Float32Array, tokens: number, k: number, mitigation: MitigationInfo, ctx: PruneContext, out: Float32Array): Float64Array {
  const shifts = new Float64Array(tokens);
  const scratch = new Float32Array(k);
  for (let t = 0; t < tokens; t++) {
    const row = t * k;
    const eta = mitigation.shift(x, k, row, ctx, scratch);
    shifts[t] = eta;
    for (let j = 0; j < k; j++) out[row + j] = x[row + j] - eta;
  }
  return shifts;
}

/**
 * Prunes x [tokens, K] (row-major) into out (same shape, not aliasing x); keep receives 1/0
 * per element. For clact, the tokens passed in are the batch the channel norms are taken over.
 * Returns the number of kept elements.
 */
export function pruneMatrix(
  x: Float32Array,
  tokens: number,
  k: number,
  spec: PruneSpec,
  ctx: PruneContext,
  out: Float32Array,
  keep: Uint8Array,
): number {
  checkPruneContext(spec.criterion, spec.mitigation, ctx, k);
  const mitigation = MITIGATION_INFO[spec.mitigation];
  const shifts = shiftRows(x, tokens, k, mitigation, ctx, out);
  const factors = CRITERION_INFO[spec.criterion].channelFactors(out, tokens, k, ctx);
  const scores = new Float32Array(k);
  let kept = 0;
  for (let t = 0; t < tokens; t++) {
    const row = t * k;
    const eta = shifts[t];
    for (let j = 0; j < k; j++) scores[j] = factors ? Math.abs(out[row + j]) * factors[j] : Math.abs(out[row + j]);
    kept += selectKeep(scores, k, spec.pattern, keep, 0, row);
    for (let j = 0; j < k; j++) out[row + j] = (keep[row + j] ? out[row + j] : 0) + eta;
    const v = mitigation.rowScale?.(x, out, k, row);
    if (v !== undefined) for (let j = 0; j < k; j++) out[row + j] *= v;
  }
  return kept;
}
