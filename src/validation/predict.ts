/**
 * Predicted vs measured: every corpus row predicted by the same perf functions `simulate` and
 * the review call (a dense GEMM through the tile pipeline, a streaming operator through the
 * non-GEMM model), plus the harness's own per-call time; then the signed error per row and the
 * mean absolute error per group. Pure: profiles come in already loaded.
 *
 *   error = (predicted − measured) / measured;   MAE(group) = mean |error| over its rows
 */
import { planPattern, planWeightPattern } from '../perf/execution-plan.js';
import { parsePattern } from '../sparsity/pattern.js';
import { simulateGemm } from '../perf/gemm-pipeline.js';
import { hardwareView } from '../perf/hardware-view.js';
import { simulateNonGemm, simulateSoftwarePrunePass } from '../perf/non-gemm.js';
import type { HardwareProfile } from '../profile/schema.js';
import type { ValidationRow } from './corpus.js';
import { simulateModel } from '../perf/model-sim.js';
import { modelWorkload } from '../workload/layer-ops.js';
import { catalogModel } from '../workload/catalog.js';

/** A GEMM at or above this much work (2·M·K·N flops) is "large" (the "rows above 1 TFLOP"). */
export const LARGE_GEMM_FLOPS = 1e12;

export interface RowResult {
  row: ValidationRow;
  /** predicted time in µs; for a speed-up row, the predicted speed-up (×) */
  predictedUs: number;
  /** (predicted − measured) / measured */
  error: number;
  /** the binding resource the model names (GEMM bottleneck or operator bound) */
  bound: string;
  /** the groups this row is summarised in (see groupsOf) */
  groups: string[];
}

export interface GroupSummary {
  group: string;
  rows: number;
  meanAbsError: number;
  maxAbsError: number;
  /** mean signed error: > 0 the model is slow, < 0 fast */
  meanError: number;
}

export interface ValidationResult {
  rows: RowResult[];
  groups: GroupSummary[];
}

/**
 * Groups of a row: its dataset, dataset × role (calibration / held-out; an unreliable row is in
 * its own group only), and per kind: GEMMs of
 * ≥ 1 TFLOP of work, streaming rows per operator, and per profile for datasets spanning several.
 */
export function groupsOf(row: ValidationRow): string[] {
  // an unreliable row is shown but kept out of the dataset's error: only its own group
  if (row.role === 'unreliable') return [`${row.dataset} · unreliable`];
  const g = [row.dataset, `${row.dataset} · ${row.role}`];
  if (row.kind === 'speedup' || row.kind === 'decode' || row.kind === 'prune') g.push(`${row.dataset} · ${row.profile}`);
  else if (row.kind === 'gemm') {
    if (2 * row.m * row.k * row.n >= LARGE_GEMM_FLOPS) g.push(`${row.dataset} · ≥ 1 TFLOP of work`);
    g.push(`${row.dataset} · ${row.profile}`);
  } else g.push(`${row.dataset} · ${row.op}`);
  return g;
}

/** One row's prediction in µs on its profile, and the bound the model names. */
export function predictRow(row: ValidationRow, profile: HardwareProfile): { predictedUs: number; bound: string } {
  const hw = hardwareView(profile);
  const plan = planPattern(profile, { kind: 'dense' });
  if (row.kind === 'speedup') {
    // the same GEMM dense and with weights pruned offline to the pattern (a projection: it has a site)
    const op = { name: 'up' as const, site: 'mlp_in' as const, rowsTokens: row.m, kIn: row.k, nOut: row.n };
    const dense = simulateGemm(op, plan, hw, 1);
    const sparse = simulateGemm(op, planWeightPattern(profile, parsePattern(row.pattern)), hw, 1);
    return { predictedUs: dense.cycles / sparse.cycles, bound: `${dense.binding} → ${sparse.binding}` };
  }
  if (row.kind === 'prune') {
    // the software prune pass the model charges an activation site (perf/non-gemm.ts), on a rows × k tensor
    const pass = simulateSoftwarePrunePass('validation', row.rows, row.k, planPattern(profile, parsePattern(row.pattern)), hw);
    return { predictedUs: (pass.cycles / hw.clockHz) * 1e6, bound: pass.binding };
  }
  if (row.kind === 'decode') {
    // the whole model, dense, one decode step: tokens/s = sequences per step ÷ step time
    const w = modelWorkload(catalogModel(row.model), { kind: 'decode', batch: row.batch, contextTokens: row.contextTokens }, hw.operandBytes);
    const s = simulateModel(w, profile, { kind: 'dense' });
    return { predictedUs: row.batch / s.timeS, bound: s.bottleneck };
  }
  if (row.kind === 'gemm') {
    // no site: the GEMM runs dense whatever the profile supports
    const g = simulateGemm({ name: 'up', rowsTokens: row.m, kIn: row.k, nOut: row.n }, plan, hw, 1);
    return { predictedUs: (g.cycles / hw.clockHz) * 1e6 + row.harnessOverheadUs, bound: g.bottleneck };
  }
  const half = (row.elements * row.bytesPerElement) / 2;
  const op = simulateNonGemm(
    { name: row.op, tensorCoreFlops: 0, vectorFlops: row.elements * row.flopsPerElement, bytesRead: half, bytesWritten: half, kvCacheBytesRead: 0, kvCacheBytesWritten: 0 },
    plan,
    hw,
    profile,
  );
  return { predictedUs: (op.cycles / hw.clockHz) * 1e6 + row.harnessOverheadUs, bound: op.bound };
}

export function summarize(group: string, results: readonly RowResult[]): GroupSummary {
  const errs = results.map((r) => r.error);
  return {
    group,
    rows: errs.length,
    meanAbsError: errs.reduce((s, e) => s + Math.abs(e), 0) / errs.length,
    maxAbsError: Math.max(...errs.map(Math.abs)),
    meanError: errs.reduce((s, e) => s + e, 0) / errs.length,
  };
}

/** Predicts every row; groups in order of first appearance. */
export function validate(rows: readonly ValidationRow[], profileOf: (name: string) => HardwareProfile): ValidationResult {
  const results: RowResult[] = rows.map((row) => {
    const { predictedUs, bound } = predictRow(row, profileOf(row.profile));
    return { row, predictedUs, error: (predictedUs - row.measuredUs) / row.measuredUs, bound, groups: groupsOf(row) };
  });
  const order: string[] = [];
  for (const r of results) for (const g of r.groups) if (!order.includes(g)) order.push(g);
  return { rows: results, groups: order.map((g) => summarize(g, results.filter((r) => r.groups.includes(g)))) };
}
