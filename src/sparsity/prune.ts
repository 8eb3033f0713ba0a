/**
 * Pruning one site's input for one consumer: criterion → N:M selection → mitigation.
 * The reference path used by capture (the real pruned forward pass) and by analysis for
 * weight-aware criteria; analysis has faster kernels for magnitude that are tested against it.
 *
 *   u_t = x_t − η_t                     (η from dpts / spts; 0 otherwise)
 *   s_tj = |u_tj| · f_j                 (f = 1 magnitude, amber factors, clact channel norms)
 *   keep = select(s_t, pattern)         (tail and tie rules of pattern.ts)
 *   x̃_t = keep ⊙ u_t + η_t             (pruned positions hold η_t)
 *   var: x̃_t ← v_t · x̃_t              (v_t from var.ts)
 * "affine" prunes like "none" here; its correction acts on the consumer's output (affine.ts).
 */
import { usageError } from '../diagnostics.js';
import type { Pattern } from './pattern.js';
import { selectKeep } from './select.js';
import { channelNorms } from './criteria/clact.js';
import { varScale } from './mitigation/var.js';
import { lowerMedian } from './mitigation/shift.js';

export const CRITERIA = ['magnitude', 'amber', 'clact'] as const;
export type Criterion = (typeof CRITERIA)[number];
export const MITIGATIONS = ['none', 'var', 'dpts', 'spts', 'affine'] as const;
export type Mitigation = (typeof MITIGATIONS)[number];

export function isCriterion(s: string): s is Criterion {
  return (CRITERIA as readonly string[]).includes(s);
}
export function isMitigation(s: string): s is Mitigation {
  return (MITIGATIONS as readonly string[]).includes(s);
}

function parseNamed<T extends string>(text: string, valid: readonly T[], what: string, option: string): T[] {
  const out: T[] = [];
  for (const part of text.split(',').map((p) => p.trim().toLowerCase()).filter((p) => p !== '')) {
    if (!(valid as readonly string[]).includes(part)) {
      throw usageError({
        code: `sparsity/unknown-${what}`,
        path: option,
        message: `"${part}" is not a known ${what}.`,
        expected: valid.join(', '),
        found: part,
        hint: `pass a comma-separated list of: ${valid.join(', ')}`,
      });
    }
    if (!out.includes(part as T)) out.push(part as T);
  }
  return out;
}

export function parseCriteria(text: string): Criterion[] {
  return parseNamed(text, CRITERIA, 'criterion', '--criteria');
}
export function parseMitigations(text: string): Mitigation[] {
  return parseNamed(text, MITIGATIONS, 'mitigation', '--mitigations');
}

export interface PruneSpec {
  pattern: Pattern;
  criterion: Criterion;
  mitigation: Mitigation;
}

export interface PruneContext {
  /** amber: per-input-channel factors f_j of this consumer (length K) */
  amberFactors?: Float32Array;
  /** spts: the site's calibrated static shift η */
  staticShift?: number;
}

/**
 * Prunes x [tokens, K] (row-major) into out (same shape); keep receives 1/0 per element.
 * For clact, the tokens passed in are the batch the channel norms are taken over.
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
  const { pattern, criterion, mitigation } = spec;
  let factors: Float32Array | undefined;
  if (criterion === 'amber') {
    if (!ctx.amberFactors || ctx.amberFactors.length !== k) {
      throw usageError({
        code: 'sparsity/missing-amber-factors',
        message: `the amber criterion needs this consumer's ${k} per-channel weight factors.`,
        hint: 'record weight statistics (column norms) with the trace, or use --criteria magnitude',
      });
    }
    factors = ctx.amberFactors;
  }
  if (mitigation === 'spts' && ctx.staticShift === undefined) {
    throw usageError({
      code: 'sparsity/missing-static-shift',
      message: 'the spts mitigation needs a static shift calibrated for this site.',
      hint: 'calibrate it with calibrateStaticShift() on calibration tokens, or use --mitigations dpts',
    });
  }
  // η per token, then the shifted values z = x − η (float32, in `out`): the criterion sees and
  // prunes z, so clact's channel norms are taken over z — the paper's code prunes the shifted
  // tensor, and its criterion sees only that
  const shifts = new Float64Array(tokens);
  const scratch = new Float32Array(k);
  for (let t = 0; t < tokens; t++) {
    const row = t * k;
    const eta = mitigation === 'dpts' ? lowerMedian(x, k, row, scratch) : mitigation === 'spts' ? ctx.staticShift! : 0;
    shifts[t] = eta;
    for (let j = 0; j < k; j++) out[row + j] = x[row + j] - eta;
  }
  if (criterion === 'clact') factors = channelNorms(out, tokens, k);
  const scores = new Float32Array(k);
  let kept = 0;
  for (let t = 0; t < tokens; t++) {
    const row = t * k;
    const eta = shifts[t];
    for (let j = 0; j < k; j++) scores[j] = factors ? Math.abs(out[row + j]) * factors[j] : Math.abs(out[row + j]);
    kept += selectKeep(scores, k, pattern, keep, 0, row);
    for (let j = 0; j < k; j++) out[row + j] = (keep[row + j] ? out[row + j] : 0) + eta;
    if (mitigation === 'var') {
      const v = varScale(x, out, k, row, row);
      for (let j = 0; j < k; j++) out[row + j] *= v;
    }
  }
  return kept;
}
