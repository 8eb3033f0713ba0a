/**
 * Speed-ups and I/O savings per profile × pattern from the performance model, on one workload:
 * prefill of T tokens and one decode step at context L for each decode batch B. The pattern's measured
 * structure (union density, compatibility) comes from the trace; shapes from the workload
 * model (a catalog model by default: the tiny bundle model would be launch-bound on any GPU-
 * class profile and say nothing about the silicon).
 */
import type { MeasuredSparsity } from '../../perf/measured-sparsity.js';
import { compareModel, type Comparison } from '../../perf/model-sim.js';
import type { HardwareProfile } from '../../profile/schema.js';
import type { ExecutionEstimate } from '../../explore/sweep.js';
import { formatPattern, parsePattern } from '../../sparsity/pattern.js';
import { modelWorkload } from '../../workload/layer-ops.js';
import type { ModelShape } from '../../workload/model-shape.js';

export interface ReviewWorkload {
  shape: ModelShape;
  prefillTokens: number;
  /** decode batch sizes B, ascending, distinct */
  decodeBatches: number[];
  decodeContextTokens: number;
}

export function workloadText(w: ReviewWorkload): string {
  return `speed-ups and I/O for ${w.shape.id} (${w.shape.source}) at prefill T = ${w.prefillTokens}, decode B = ${w.decodeBatches.join(', ')} at L = ${w.decodeContextTokens}`;
}

/** Bytes per stored element: the profile's operand width. */
function elementBytes(profile: HardwareProfile): number {
  return profile.tensorCore.operandBits / 8;
}

/** Runs the performance model for every pattern on one profile; returns estimates keyed by pattern. */
export function estimateProfile(
  profile: HardwareProfile,
  patterns: readonly string[],
  workload: ReviewWorkload,
  measured: readonly MeasuredSparsity[],
): { byPattern: Map<string, ExecutionEstimate>; prefill: Comparison; decode: Comparison[] } {
  const parsed = patterns.map((p) => parsePattern(p)).filter((p) => p.kind !== 'dense');
  const bytes = elementBytes(profile);
  const prefill = compareModel(modelWorkload(workload.shape, { kind: 'prefill', tokens: workload.prefillTokens }, bytes), profile, parsed, [...measured]);
  const decode = workload.decodeBatches.map((batch) =>
    compareModel(modelWorkload(workload.shape, { kind: 'decode', batch, contextTokens: workload.decodeContextTokens }, bytes), profile, parsed, [...measured]),
  );
  const byPattern = new Map<string, ExecutionEstimate>();
  parsed.forEach((p, i) => {
    const pre = prefill.patterns[i];
    const plan = pre.sim.plan;
    const executedAs = plan.mode === 'dense' ? 'dense' : formatPattern(plan.runPattern ?? p);
    byPattern.set(formatPattern(p), {
      native: plan.mode === 'native',
      executedAs,
      prefillSpeedup: pre.speedup,
      decode: decode.map((c, j) => ({ batchTokens: workload.decodeBatches[j], speedup: c.patterns[i].speedup, ioSavingsFraction: c.patterns[i].ioSavings })),
    });
  });
  return { byPattern, prefill, decode };
}
