import { formatPattern, type Pattern } from '../sparsity/pattern.js';

/**
 * What the analysis engine measures on real traces for one pattern (produced by the analysis
 * branch's `measuredSparsityFor(result, pattern)`); the performance model takes it optionally.
 */
import { independentUnionDensity } from '../sparsity/union-density.js';

export interface MeasuredSparsity {
  /** the pattern the trace was pruned with, e.g. "8:16" */
  pattern: string;
  /** kept elements / all elements over the measured sites */
  keptFraction: number;
  /** fraction of input channels kept by at least one of B tokens, keyed by B */
  unionDensityByBatch: Record<number, number>;
  /** where the union densities come from (bundle, runs, sites), for the report */
  unionSource: string;
  /**
   * keyed by a narrower (or wider) native pattern "n':m'": the fraction of this pattern's
   * M-groups whose every m'-subgroup holds ≤ n' kept values, i.e. runs on n':m' hardware in
   * one pass
   */
  compatibleFraction: Record<string, number>;
}

/** True when the statistics were measured on data pruned with `pattern` ("8:16", any spacing or case). */
export function isMeasuredFor(measured: MeasuredSparsity, pattern: Pattern): boolean {
  return measured.pattern.trim().toLowerCase() === formatPattern(pattern);
}

/** Union density for batch B: measured when the trace has B, else 1 − (1 − d)^B (independence). */
export function unionDensity(
  density: number,
  batch: number,
  measured?: MeasuredSparsity,
): { density: number; source: string } {
  const m = measured?.unionDensityByBatch[batch];
  if (m !== undefined && Number.isFinite(m)) {
    return { density: m, source: `measured (${measured!.unionSource})` };
  }
  return { density: independentUnionDensity(density, batch), source: 'independence assumption 1 − (1 − d)^B' };
}
