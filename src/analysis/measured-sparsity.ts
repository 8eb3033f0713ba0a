/**
 * The summary the performance model reads for one pattern: the measured kept fraction, the
 * union density of consecutive decode batches per batch size, and the structural compatibility
 * of data pruned at this pattern with other patterns' hardware. Model-level, element-weighted.
 */
import { usageError } from '../diagnostics.js';
import { formatPattern, parsePattern, type Pattern } from '../sparsity/pattern.js';
import type { Criterion, Mitigation } from '../sparsity/registry.js';
import type { AnalysisResult, MeasuredSparsity } from './types.js';

export function measuredSparsityFor(
  result: AnalysisResult,
  pattern: Pattern | string,
  select: { runId?: string; criterion?: Criterion; mitigation?: Mitigation } = {},
): MeasuredSparsity {
  const name = typeof pattern === 'string' ? formatPattern(parsePattern(pattern)) : formatPattern(pattern);
  const run = select.runId ? result.runs.find((r) => r.runId === select.runId) : result.runs[0];
  const criterion = select.criterion ?? 'magnitude';
  const mitigation = select.mitigation ?? 'none';
  // a configuration with no analysed token (every row non-finite) has no kept fraction to give
  const config = run?.configs.find((c) => c.pattern === name && c.criterion === criterion && c.mitigation === mitigation && c.model.slots > 0 && c.model.keptFraction !== null);
  if (!run || !config) {
    throw usageError({
      code: 'analysis/pattern-not-analysed',
      message: `The analysis has no ${name} (${criterion}, ${mitigation}) result${select.runId ? ` for run "${select.runId}"` : ''}.`,
      expected: result.plan.patterns.join(', '),
      found: name,
      hint: `analyse it: nmsim analyze <bundle> --patterns ${name}`,
    });
  }
  const unionDensityByBatch: Record<number, number> = {};
  for (const u of config.model.unionDensity) if (u.consecutive !== null) unionDensityByBatch[u.batchSize] = u.consecutive;
  const compatibleFraction: Record<string, number> = {};
  for (const c of config.model.compatibility) if (c.structuralFraction !== null) compatibleFraction[c.target] = c.structuralFraction;
  return { pattern: name, keptFraction: config.model.keptFraction!, unionDensityByBatch, unionSource: 'measured-consecutive', compatibleFraction };
}
