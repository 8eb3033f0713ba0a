/**
 * Speed-ups and I/O savings per profile × pattern from the performance model, on one workload:
 * prefill of T tokens and one decode step at context L for each decode batch B. The pattern's measured
 * structure (union density, compatibility) comes from the trace; shapes from the workload
 * model (a catalog model by default: the tiny bundle model would be launch-bound on any GPU-
 * class profile and say nothing about the silicon).
 */
import type { MeasuredSparsity } from '../perf/measured-sparsity.js';
import type { Comparison, GemmMemo, SparseOperand } from '../perf/model-sim.js';
import { simulate } from '../perf/simulate.js';
import type { HardwareProfile } from '../profile/schema.js';
import type { ExecutionEstimate } from '../explore/sweep.js';
import type { Pattern } from '../sparsity/pattern.js';
import { patternKey } from '../explore/design-point.js';
import { memoryOf } from './serving.js';
import type { Phase } from '../workload/layer-ops.js';
import type { ModelShape } from '../workload/model-shape.js';

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

/**
 * Runs the performance model for every pattern on one profile — through perf/simulate.ts, the
 * function `nmsim simulate` calls — and returns the estimates keyed by patternKey. With
 * `operand` weight the patterns are on the weights, pruned offline (perf/execution-plan.ts
 * planWeightPattern): a pattern the core does not run on weights executes dense. `gemms`
 * (perf/model-sim.ts gemmMemo) shares GEMM results with other estimates of the same workload.
 */
export function estimateProfile(
  profile: HardwareProfile,
  patterns: readonly Pattern[],
  workload: ReviewWorkload,
  measured: readonly MeasuredSparsity[],
  operand: SparseOperand = 'activation',
  gemms?: GemmMemo,
): { byPattern: Map<string, ExecutionEstimate>; prefill: Comparison; decode: Comparison[] } {
  const sparse = patterns.filter((p) => p.kind !== 'dense');
  const run = (phase: Phase) => simulate({ profile, model: workload.shape, phase, patterns: sparse, measured, operand, ...(gemms ? { gemms } : {}) });
  const prefill = run({ kind: 'prefill', tokens: workload.prefillTokens });
  const decode = workload.decodeBatches.map((batch) => run({ kind: 'decode', batch, contextTokens: workload.decodeContextTokens }));
  const byPattern = new Map<string, ExecutionEstimate>();
  sparse.forEach((p, i) => {
    const pre = prefill.patterns[i];
    const plan = pre.sim.plan;
    const executedAs: Pattern = plan.mode === 'dense' ? { kind: 'dense' } : (plan.runPattern ?? p);
    byPattern.set(patternKey(p), {
      native: plan.mode === 'native',
      executedAs,
      prefillSpeedup: pre.speedup,
      prefillBottleneck: pre.sim.bottleneck,
      densePrefillBottleneck: prefill.dense.bottleneck,
      decode: decode.map((c, j) => ({
        batchTokens: workload.decodeBatches[j],
        speedup: c.patterns[i].speedup,
        ioSavingsFraction: c.patterns[i].ioSavings,
        bottleneck: c.patterns[i].sim.bottleneck,
        denseBottleneck: c.dense.bottleneck,
        // the B sequences' KV cache at the decode context + the weights, against the device memory (issue 16)
        ...memoryOf(workload.shape, workload.decodeBatches[j], workload.decodeContextTokens, c.hw.operandBytes, profile.memory.dramCapacityBytes),
      })),
    });
  });
  return { byPattern, prefill, decode };
}
