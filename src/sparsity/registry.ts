/**
 * The selection criteria and error mitigations of arXiv 2509.22166 (DESIGN.md §1), declared
 * once: the closed sets (runtime list, type, parser) and, per name, a description, what it
 * needs besides the activations, and the function prune.ts calls. A new criterion or mitigation
 * is one entry here (and its arithmetic, if long, in criteria/ or mitigation/); every user —
 * pruneMatrix, capture, analysis, the CLI, the profile and manifest schemas — reads from here.
 */
import { usageError } from '../diagnostics.js';
import { channelNorms } from './criteria/clact.js';
import { lowerMedian } from './mitigation/shift.js';
import { varScale } from './mitigation/var.js';

export const CRITERIA = ['magnitude', 'amber', 'clact'] as const;
export type Criterion = (typeof CRITERIA)[number];
export const MITIGATIONS = ['none', 'var', 'dpts', 'spts', 'affine'] as const;
export type Mitigation = (typeof MITIGATIONS)[number];

/** What pruning one site's input for one consumer may read besides the activations. */
export interface PruneContext {
  /** amber: per-input-channel factors f_j of this consumer (length K) */
  amberFactors?: Float32Array;
  /** spts: the site's calibrated static shift η */
  staticShift?: number;
}

export interface CriterionInfo {
  name: Criterion;
  description: string;
  /** reads the consumer's amber factors: q, k, v (gate, up) of one input prune apart */
  perConsumer: boolean;
  /** reduces over the tokens of a batch before selecting: results depend on the batch */
  batchReduction: boolean;
  /**
   * Per-channel factors f_j of the score s_tj = |z_tj| · f_j, for a batch z [tokens, K] of the
   * (shifted) values being pruned; undefined means f = 1. Its inputs are checked first
   * (checkPruneContext).
   */
  channelFactors(z: Float32Array, tokens: number, k: number, ctx: PruneContext): Float32Array | undefined;
}

export interface MitigationInfo {
  name: Mitigation;
  description: string;
  /** reads the site's calibrated static shift η (PruneContext.staticShift) */
  needsStaticShift: boolean;
  /** is calibrated on calibration tokens disjoint from the evaluated ones (capture/calibrate.ts) */
  needsCalibration: boolean;
  /** acts on the consumer's output (affine.ts), pruning like none */
  correctsOutput: boolean;
  /** η_t of the row at `offset`: the values pruned are x − η, and pruned places hold η */
  shift(x: Float32Array, k: number, offset: number, ctx: PruneContext, scratch: Float32Array): number;
  /** scale of the pruned row x̃ (offset shared by x and x̃); undefined means 1 */
  rowScale?(x: Float32Array, pruned: Float32Array, k: number, offset: number): number;
}

const noShift = (): number => 0;

export const CRITERION_INFO: { readonly [C in Criterion]: CriterionInfo } = {
  magnitude: {
    name: 'magnitude',
    description: 'keep the largest |x|',
    perConsumer: false,
    batchReduction: false,
    channelFactors: () => undefined,
  },
  amber: {
    name: 'amber',
    description: "Amber-Pruner: |x| · f_j, f_j the consumer's standardised weight-column norm over its minimum",
    perConsumer: true,
    batchReduction: false,
    channelFactors: (_z, _tokens, _k, ctx) => ctx.amberFactors,
  },
  clact: {
    name: 'clact',
    description: "CLACT: |z| · ‖Z[:,j]‖₂, the channel's norm over the batch of the values pruned",
    perConsumer: false,
    batchReduction: true,
    channelFactors: (z, tokens, k) => channelNorms(z, tokens, k),
  },
};

export const MITIGATION_INFO: { readonly [M in Mitigation]: MitigationInfo } = {
  none: { name: 'none', description: 'prune only', needsStaticShift: false, needsCalibration: false, correctsOutput: false, shift: noShift },
  var: {
    name: 'var',
    description: 'scale each token by sqrt(var(x) / var(P(x)))',
    needsStaticShift: false,
    needsCalibration: false,
    correctsOutput: false,
    shift: noShift,
    rowScale: (x, pruned, k, offset) => varScale(x, pruned, k, offset, offset),
  },
  dpts: {
    name: 'dpts',
    description: "dynamic per-token shift: prune x − η_t, η_t the token's lower median",
    needsStaticShift: false,
    needsCalibration: false,
    correctsOutput: false,
    shift: (x, k, offset, _ctx, scratch) => lowerMedian(x, k, offset, scratch),
  },
  spts: {
    name: 'spts',
    description: "static shift: prune x − η, η the site's calibrated mean per-token median",
    needsStaticShift: true,
    needsCalibration: true,
    correctsOutput: false,
    shift: (_x, _k, _offset, ctx) => ctx.staticShift!,
  },
  affine: {
    name: 'affine',
    description: "least-squares per-output-channel scale and shift of the consumer's output",
    needsStaticShift: false,
    needsCalibration: true,
    correctsOutput: true,
    shift: noShift,
  },
};

/** Throws a usage diagnostic when the context lacks an input the configuration needs (amber factors of length K, spts η). */
export function checkPruneContext(criterion: Criterion, mitigation: Mitigation, ctx: PruneContext, k: number): void {
  if (CRITERION_INFO[criterion].perConsumer && (!ctx.amberFactors || ctx.amberFactors.length !== k)) {
    throw usageError({
      code: 'sparsity/missing-amber-factors',
      message: `the amber criterion needs this consumer's ${k} per-channel weight factors.`,
      hint: 'record weight statistics (column norms) with the trace, or use --criteria magnitude',
    });
  }
  if (MITIGATION_INFO[mitigation].needsStaticShift && ctx.staticShift === undefined) {
    throw usageError({
      code: 'sparsity/missing-static-shift',
      message: 'the spts mitigation needs a static shift calibrated for this site.',
      hint: 'calibrate it with calibrateStaticShift() on calibration tokens, or use --mitigations dpts',
    });
  }
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

/** Parses "magnitude,clact" (order kept, repeats dropped); an unknown name is a usage error listing the valid ones. */
export function parseCriteria(text: string): Criterion[] {
  return parseNamed(text, CRITERIA, 'criterion', '--criteria');
}

export function parseMitigations(text: string): Mitigation[] {
  return parseNamed(text, MITIGATIONS, 'mitigation', '--mitigations');
}
