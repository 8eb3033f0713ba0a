/**
 * The analysis plan: what to compute. Defaults are the paper's patterns (arXiv 2509.22166) plus
 * unstructured, the magnitude criterion without mitigation, and decode batches 1 … 64.
 */
import { usageError } from '../diagnostics.js';
import { parsePatternList } from '../sparsity/pattern.js';
import type { AnalysisPlan } from './types.js';

export const DEFAULT_PATTERNS = '2:4,4:8,8:16,16:32,unstructured';
export const DEFAULT_BATCH_SIZES = [1, 2, 4, 8, 16, 32, 64] as const;
/** random batches per batch size and site; 64 keeps the standard error of a mean density small */
export const DEFAULT_RANDOM_BATCHES = 64;
/** fixed seed of the random batches (stated in every result) */
export const DEFAULT_RANDOM_SEED = 2509;
/** clact channel norms over batches of this many tokens when the run does not record one */
export const DEFAULT_CLACT_BATCH_TOKENS = 64;

export function defaultPlan(): AnalysisPlan {
  return {
    patterns: parsePatternList(DEFAULT_PATTERNS),
    criteria: ['magnitude'],
    mitigations: ['none'],
    batchSizes: [...DEFAULT_BATCH_SIZES],
    runs: [],
    randomBatchesPerSize: DEFAULT_RANDOM_BATCHES,
    randomSeed: DEFAULT_RANDOM_SEED,
    clactBatchTokens: DEFAULT_CLACT_BATCH_TOKENS,
    topChannels: 8,
    channelHistogramBins: 10,
  };
}

export function resolvePlan(partial: Partial<AnalysisPlan> = {}): AnalysisPlan {
  const plan = { ...defaultPlan(), ...Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) } as AnalysisPlan;
  if (plan.patterns.length === 0) {
    throw usageError({ code: 'analysis/no-patterns', path: '--patterns', message: 'No pattern to analyse.', hint: `e.g. --patterns ${DEFAULT_PATTERNS}` });
  }
  if (plan.criteria.length === 0 || plan.mitigations.length === 0) {
    throw usageError({ code: 'analysis/empty-list', path: plan.criteria.length === 0 ? '--criteria' : '--mitigations', message: 'Give at least one criterion and one mitigation.', hint: '--criteria magnitude --mitigations none' });
  }
  for (const b of plan.batchSizes) {
    if (!Number.isInteger(b) || b < 1 || b > 4096) {
      throw usageError({ code: 'analysis/invalid-batch-size', path: '--batch-sizes', message: `${b} is not a batch size.`, expected: 'whole numbers from 1 to 4096', found: String(b), hint: '--batch-sizes 1,2,4,8,16,32,64' });
    }
  }
  plan.batchSizes = [...new Set(plan.batchSizes)].sort((a, b) => a - b);
  return plan;
}

/** Parses "1,2,4" for --batch-sizes. */
export function parseBatchSizes(text: string): number[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const v = Number(s);
      if (!/^\d+$/.test(s) || v < 1 || v > 4096) {
        throw usageError({ code: 'analysis/invalid-batch-size', path: '--batch-sizes', message: `"${s}" is not a batch size.`, expected: 'whole numbers from 1 to 4096', found: s, hint: '--batch-sizes 1,2,4,8,16,32,64' });
      }
      return v;
    });
}
