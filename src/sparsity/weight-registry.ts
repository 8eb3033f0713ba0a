/**
 * What a run prunes — its operand — and the criteria of weight pruning, declared once like the
 * activation criteria in registry.ts (closed sets as `as const` arrays: runtime list, type and
 * parser). Today's sparse tensor cores prune weights (2:4, offline); nmsim's subject is the
 * activation, pruned online. Weight pruning is the baseline it is compared with (issue 14).
 *
 * A separate registry, one meaning per name: a weight criterion scores the elements of a weight
 * W [out, in], an activation criterion (registry.ts) those of an input x [tokens, K].
 * - magnitude is in both and means the same thing in both: the absolute value of the element
 *   being pruned (|W_oj| here, |x_tj| there);
 * - wanda (Sun et al., ICLR 2024, arXiv 2306.11695) is a weight criterion only: |W_oj| · ‖X_j‖₂,
 *   with ‖X_j‖₂ the norm of input feature j over calibration tokens of the dense model. Applied
 *   to an activation it would be another criterion (a per-channel weight statistic times |x|:
 *   amber's shape), so it is not in the activation registry;
 * - amber and clact score activations only.
 */
import { usageError } from '../diagnostics.js';
import { CRITERIA, type Criterion } from './registry.js';

export const OPERANDS = ['activation', 'weight'] as const;
export type Operand = (typeof OPERANDS)[number];

/** Weight criteria that are not activation criteria (no name means two things). */
export const WEIGHT_ONLY_CRITERIA = ['wanda'] as const;
export const WEIGHT_CRITERIA = ['magnitude', ...WEIGHT_ONLY_CRITERIA] as const;
export type WeightCriterion = (typeof WEIGHT_CRITERIA)[number];
/** Every criterion a run may name, whatever its operand (the trace manifest's `criterion`). */
export const RUN_CRITERIA = [...CRITERIA, ...WEIGHT_ONLY_CRITERIA] as const;
export type RunCriterion = (typeof RUN_CRITERIA)[number];

export interface WeightCriterionInfo {
  name: WeightCriterion;
  description: string;
  /** reads the layer's input-feature norms ‖X_j‖₂, calibrated on the dense model */
  needsInputNorms: boolean;
}

export const WEIGHT_CRITERION_INFO: { readonly [C in WeightCriterion]: WeightCriterionInfo } = {
  magnitude: { name: 'magnitude', description: 'keep the largest |W|', needsInputNorms: false },
  wanda: {
    name: 'wanda',
    description: "Wanda: |W_oj| · ‖X_j‖₂, X_j the layer's input feature j over the dense model's calibration tokens",
    needsInputNorms: true,
  },
};

export function isWeightCriterion(name: string): name is WeightCriterion {
  return (WEIGHT_CRITERIA as readonly string[]).includes(name);
}

export function isActivationCriterion(name: string): name is Criterion {
  return (CRITERIA as readonly string[]).includes(name);
}

/** The operands a criterion can score ("magnitude" → both). */
export function operandsOf(name: RunCriterion): Operand[] {
  return OPERANDS.filter((o) => (o === 'activation' ? isActivationCriterion(name) : isWeightCriterion(name)));
}

/** Parses "activation,weight" (order kept, repeats dropped); an unknown name lists the valid ones. */
export function parseOperands(text: string): Operand[] {
  const out: Operand[] = [];
  for (const part of text.split(',').map((p) => p.trim().toLowerCase()).filter((p) => p !== '')) {
    if (!(OPERANDS as readonly string[]).includes(part)) {
      throw usageError({
        code: 'sparsity/unknown-operand',
        path: '--operand',
        message: `"${part}" is not an operand nmsim prunes.`,
        expected: OPERANDS.join(', '),
        found: part,
        hint: part === 'both' || part === 'weights' || part === 'activations'
          ? 'write activation, weight, or activation,weight for runs of each (dual-sided runs, both operands in one run, are not modelled)'
          : `pass one or more of: ${OPERANDS.join(', ')}`,
      });
    }
    if (!out.includes(part as Operand)) out.push(part as Operand);
  }
  return out;
}

/**
 * Parses a criteria list that may name activation and weight criteria (order kept, repeats
 * dropped); an unknown name is a usage error listing every valid name with its operand.
 */
export function parseRunCriteria(text: string): RunCriterion[] {
  const out: RunCriterion[] = [];
  for (const part of text.split(',').map((p) => p.trim().toLowerCase()).filter((p) => p !== '')) {
    if (!(RUN_CRITERIA as readonly string[]).includes(part)) {
      throw usageError({
        code: 'sparsity/unknown-criterion',
        path: '--criteria',
        message: `"${part}" is not a known criterion.`,
        expected: `${CRITERIA.join(', ')} (activation); ${WEIGHT_CRITERIA.join(', ')} (weight)`,
        found: part,
        hint: `pass a comma-separated list of: ${RUN_CRITERIA.join(', ')}`,
      });
    }
    if (!out.includes(part as RunCriterion)) out.push(part as RunCriterion);
  }
  return out;
}

/**
 * Which criteria of a list each operand's runs use: a criterion applies to every listed operand
 * whose registry names it (magnitude to both). A criterion no listed operand can use, or a
 * listed operand left without a criterion, is a usage error naming the fix.
 */
export function criteriaByOperand(criteria: readonly RunCriterion[], operands: readonly Operand[]): { activation: Criterion[]; weight: WeightCriterion[] } {
  const activation = operands.includes('activation') ? criteria.filter(isActivationCriterion) : [];
  const weight = operands.includes('weight') ? criteria.filter(isWeightCriterion) : [];
  const listed = operands.join(',');
  for (const c of criteria) {
    if (operandsOf(c).some((o) => operands.includes(o))) continue;
    const weightOnly = isWeightCriterion(c);
    throw usageError({
      code: 'sparsity/criterion-operand',
      path: '--criteria',
      message: weightOnly
        ? `"${c}" scores weights, but --operand is ${listed}.`
        : `"${c}" scores activations, but --operand is ${listed}: weight runs take ${WEIGHT_CRITERIA.join(', ')}.`,
      expected: operands.map((o) => (o === 'activation' ? CRITERIA : WEIGHT_CRITERIA).join(', ')).join(', '),
      found: c,
      hint: weightOnly ? `add --operand weight (or activation,weight), or drop ${c}` : `add --operand activation,weight for activation runs too, or score weights by ${WEIGHT_CRITERIA.join(' or ')}`,
    });
  }
  for (const o of operands) {
    if ((o === 'activation' ? activation : weight).length > 0) continue;
    const valid = (o === 'activation' ? CRITERIA : WEIGHT_CRITERIA).join(', ');
    throw usageError({
      code: 'sparsity/criterion-operand',
      path: '--criteria',
      message: `--operand ${o} needs ${o === 'activation' ? 'an activation' : 'a weight'} criterion, and --criteria names none.`,
      expected: `one of ${valid}`,
      found: criteria.join(','),
      hint: `add one of ${valid} to --criteria, or drop ${o} from --operand`,
    });
  }
  return { activation, weight };
}
