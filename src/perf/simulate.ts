/**
 * One whole-model step of one phase on one profile, dense and per pattern: the single function
 * `nmsim simulate` and the design review (src/review) both call, so the two give the same
 * speed-up for the same profile, model, phase, patterns and measured sparsity.
 *
 *   model shape + phase ── modelWorkload (elements of the profile's operand width) ──┐
 *   profile ─────────────────────────────────────────────────────────────────────────┼─ compareModel ─▶ Comparison
 *   patterns + measured sparsity (the analysis of a trace, optional) ─────────────────┘
 *
 * How each pattern runs (natively, through a compatible native pattern, or dense) is decided in
 * one place, execution-plan.ts planPattern.
 */
import type { Diagnostic } from '../diagnostics.js';
import type { HardwareProfile } from '../profile/schema.js';
import type { Pattern } from '../sparsity/pattern.js';
import { modelWorkload, type Phase } from '../workload/layer-ops.js';
import type { ModelShape } from '../workload/model-shape.js';
import { hardwareView } from './hardware-view.js';
import type { MeasuredSparsity } from './measured-sparsity.js';
import { compareModel, type Comparison, type GemmMemo, type SparseOperand } from './model-sim.js';

export interface SimulateInput {
  profile: HardwareProfile;
  model: ModelShape;
  phase: Phase;
  /** the patterns to compare with dense (a dense entry is ignored: dense is always the baseline) */
  patterns: readonly Pattern[];
  /** statistics measured on a trace (union densities, compatible fractions), per pattern */
  measured?: readonly MeasuredSparsity[];
  /** the sparse operand: activations pruned online (default) or weights pruned offline (execution-plan.ts planWeightPattern) */
  operand?: SparseOperand;
  /** GEMM results to reuse and add to (model-sim.ts gemmMemo): changes no number, only what is simulated again */
  gemms?: GemmMemo;
}

export function simulate(input: SimulateInput): Comparison {
  const workload = modelWorkload(input.model, input.phase, hardwareView(input.profile).operandBytes);
  const patterns = input.patterns.filter((p) => p.kind !== 'dense');
  return compareModel(workload, input.profile, patterns, input.measured ? [...input.measured] : undefined, input.operand ?? 'activation', input.gemms);
}

/** Every warning of a comparison's runs (dense first, then each pattern), each once. */
export function comparisonWarnings(c: Comparison): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const sim of [c.dense, ...c.patterns.map((p) => p.sim)]) {
    for (const d of sim.warnings) {
      const key = `${d.code}:${d.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(d);
    }
  }
  return out;
}
