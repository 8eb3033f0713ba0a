/**
 * One-shot N:M pruning of a weight W [out, in] (row-major, y = W x) along its input (reduction)
 * dimension, with the one selection of select.ts: each output row is pruned as a "token" of
 * K = in elements — groups of M consecutive input columns from column 0 keep the N highest
 * scores, a tail group of r < M keeps min(N, r), equal scores keep the lower column, and
 * "unstructured" keeps the top ⌊in/2⌋ of the row.
 *
 *   s_oj = |W_oj|                        magnitude
 *   s_oj = fround(|W_oj| · ‖X_j‖₂)       wanda (criteria/wanda.ts norms)
 *   keep_o = select(s_o, pattern)        (select.ts: tail and tie rules of pattern.ts)
 *   W̃_oj = keep_oj ? W_oj : 0
 * Scores are float32 like the activation scores of prune.ts: |w| is exact, and the wanda
 * product of two float32 values is exact in float64, so storing it rounds once.
 */
import { usageError } from '../diagnostics.js';
import type { Pattern } from './pattern.js';
import { selectKeep } from './select.js';
import { WEIGHT_CRITERION_INFO, type WeightCriterion } from './weight-registry.js';

/** What scoring a weight may read besides the weight itself. */
export interface WeightPruneContext {
  /** wanda: ‖X_j‖₂ of the layer's input, one per input column */
  inputNorms?: Float32Array;
}

export interface PrunedWeight {
  /** W with the dropped elements set to 0, [out, in] */
  pruned: Float32Array;
  /** 1 = kept, [out, in] */
  keep: Uint8Array;
  kept: number;
}

/** Throws a usage diagnostic when the criterion needs input norms the context lacks. */
export function checkWeightPruneContext(criterion: WeightCriterion, ctx: WeightPruneContext, inFeatures: number): void {
  if (WEIGHT_CRITERION_INFO[criterion].needsInputNorms && (!ctx.inputNorms || ctx.inputNorms.length !== inFeatures)) {
    throw usageError({
      code: 'sparsity/missing-input-norms',
      message: `the ${criterion} criterion needs the layer's ${inFeatures} input-feature norms ‖X_j‖₂${ctx.inputNorms ? ` (got ${ctx.inputNorms.length})` : ''}.`,
      hint: 'calibrate them on the dense model (capture/calibrate.ts calibrateInputNorms), or use the magnitude criterion',
    });
  }
}

/** Writes the float32 scores of output row o into `scores` (length in). */
export function weightRowScores(
  weight: Float32Array,
  inFeatures: number,
  o: number,
  criterion: WeightCriterion,
  ctx: WeightPruneContext,
  scores: Float32Array,
): void {
  const row = o * inFeatures;
  const norms = WEIGHT_CRITERION_INFO[criterion].needsInputNorms ? ctx.inputNorms! : undefined;
  if (norms) for (let j = 0; j < inFeatures; j++) scores[j] = Math.abs(weight[row + j]) * norms[j];
  else for (let j = 0; j < inFeatures; j++) scores[j] = Math.abs(weight[row + j]);
}

/** Prunes W [outFeatures, inFeatures] along its input dimension; W itself is not changed. */
export function pruneWeight(
  weight: Float32Array,
  outFeatures: number,
  inFeatures: number,
  pattern: Pattern,
  criterion: WeightCriterion,
  ctx: WeightPruneContext = {},
): PrunedWeight {
  if (weight.length !== outFeatures * inFeatures) {
    throw new RangeError(`pruneWeight: a [${outFeatures}, ${inFeatures}] weight holds ${outFeatures * inFeatures} elements, got ${weight.length}`);
  }
  checkWeightPruneContext(criterion, ctx, inFeatures);
  const pruned = new Float32Array(weight.length);
  const keep = new Uint8Array(weight.length);
  const scores = new Float32Array(inFeatures);
  let kept = 0;
  for (let o = 0; o < outFeatures; o++) {
    const row = o * inFeatures;
    weightRowScores(weight, inFeatures, o, criterion, ctx, scores);
    kept += selectKeep(scores, inFeatures, pattern, keep, 0, row);
    for (let j = 0; j < inFeatures; j++) pruned[row + j] = keep[row + j] ? weight[row + j] : 0;
  }
  return { pruned, keep, kept };
}
