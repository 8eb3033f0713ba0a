/**
 * The analysis plan: what to compute. Defaults are the paper's patterns (arXiv 2509.22166) plus
 * unstructured, the magnitude criterion without mitigation, and decode batches 1 … 64.
 *
 * Work options are bounded so that no plan runs forever or without memory bound (generous
 * maxima, far above any use; README "Bounds"): decode batch B ≤ 4096, at most 64 batch sizes,
 * random batches per size ≤ 10,000, clact batches ≤ 65,536 tokens.
 */
import { inputError, usageError } from '../diagnostics.js';
import { parsePatternList } from '../sparsity/pattern.js';
import { NONFINITE_POLICIES, type AnalysisPlan, type NonfinitePolicy } from './types.js';

export const DEFAULT_PATTERNS = '2:4,4:8,8:16,16:32,unstructured';
export const DEFAULT_BATCH_SIZES = [1, 2, 4, 8, 16, 32, 64] as const;
/** random batches per batch size and site; 64 keeps the standard error of a mean density small */
export const DEFAULT_RANDOM_BATCHES = 64;
/** fixed seed of the random batches (stated in every result) */
export const DEFAULT_RANDOM_SEED = 2509;
/** clact channel norms over batches of this many tokens when the run does not record one */
export const DEFAULT_CLACT_BATCH_TOKENS = 64;
/** largest decode batch B (a serving batch far beyond any decode step of one device) */
export const MAX_BATCH_SIZE = 4096;
/** most distinct batch sizes in one plan (every size costs one union pass per pattern) */
export const MAX_BATCH_SIZE_COUNT = 64;
/** most random batches per batch size and site (the standard error at 64 is already small) */
export const MAX_RANDOM_BATCHES = 10_000;
/** longest clact batch (tokens sharing channel norms; a whole 64 Ki-token context at most) */
export const MAX_CLACT_BATCH_TOKENS = 65_536;

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
    nonfinite: 'exclude',
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
  plan.batchSizes = checkBatchSizes(plan.batchSizes, '--batch-sizes');
  if (!Number.isInteger(plan.randomBatchesPerSize) || plan.randomBatchesPerSize < 0 || plan.randomBatchesPerSize > MAX_RANDOM_BATCHES) {
    throw usageError({ code: 'analysis/invalid-option', path: '--random-batches', message: `--random-batches must be a whole number from 0 to ${MAX_RANDOM_BATCHES}.`, expected: `0 … ${MAX_RANDOM_BATCHES} (default ${DEFAULT_RANDOM_BATCHES})`, found: String(plan.randomBatchesPerSize), hint: `e.g. --random-batches ${DEFAULT_RANDOM_BATCHES}` });
  }
  if (!Number.isInteger(plan.randomSeed) || plan.randomSeed < 0 || plan.randomSeed > 0xffffffff) {
    throw usageError({ code: 'analysis/invalid-option', path: '--seed', message: '--seed must be a whole number from 0 to 2^32 − 1.', expected: '0 … 4294967295', found: String(plan.randomSeed), hint: `e.g. --seed ${DEFAULT_RANDOM_SEED}` });
  }
  if (!(NONFINITE_POLICIES as readonly string[]).includes(plan.nonfinite)) {
    throw usageError({ code: 'analysis/invalid-option', path: '--nonfinite', message: `"${plan.nonfinite}" is not a non-finite policy.`, expected: NONFINITE_POLICIES.join(', '), found: String(plan.nonfinite), hint: '--nonfinite exclude (leave out rows holding NaN/Inf) or --nonfinite error (refuse)' });
  }
  checkClactBatchTokens(plan.clactBatchTokens);
  return plan;
}

/**
 * Decode batch sizes: whole numbers 1 … 4096, 1 to 64 distinct; returns them distinct and
 * ascending. `option` names the flag the user wrote (--batch-sizes, --decode-batches).
 */
export function checkBatchSizes(sizes: readonly number[], option: string, hint = '--batch-sizes 1,2,4,8,16,32,64'): number[] {
  for (const b of sizes) {
    if (!Number.isInteger(b) || b < 1 || b > MAX_BATCH_SIZE) {
      throw usageError({ code: 'analysis/invalid-batch-size', path: option, message: `${b} is not a batch size.`, expected: `whole numbers from 1 to ${MAX_BATCH_SIZE}`, found: String(b), hint });
    }
  }
  const out = [...new Set(sizes)].sort((a, b) => a - b);
  if (out.length === 0 || out.length > MAX_BATCH_SIZE_COUNT) {
    throw usageError({ code: 'analysis/invalid-batch-size', path: option, message: `${out.length} batch sizes given; the union density takes 1 to ${MAX_BATCH_SIZE_COUNT}.`, expected: `1 to ${MAX_BATCH_SIZE_COUNT} distinct sizes`, found: String(out.length), hint });
  }
  return out;
}

/**
 * The clact batch comes from the plan or from a bundle's clact runs (clact_batch_tokens): an
 * invalid one is a bad option, or a bad bundle when recorded there.
 */
export function checkClactBatchTokens(tokens: number, recordedIn?: { file: string; path: string }): void {
  if (Number.isInteger(tokens) && tokens >= 1 && tokens <= MAX_CLACT_BATCH_TOKENS) return;
  const d = {
    code: 'analysis/invalid-clact-batch',
    message: `a clact batch of ${tokens} tokens is outside 1 … ${MAX_CLACT_BATCH_TOKENS}.`,
    expected: `whole tokens from 1 to ${MAX_CLACT_BATCH_TOKENS}`,
    found: String(tokens),
    hint: `clact takes channel norms over batches of tokens; ${DEFAULT_CLACT_BATCH_TOKENS} is the default`,
  };
  throw recordedIn ? inputError({ ...d, ...recordedIn }) : usageError({ ...d, path: 'clactBatchTokens' });
}

/** Parses --nonfinite. */
export function parseNonfinitePolicy(text: string): NonfinitePolicy {
  const v = text.trim().toLowerCase();
  if ((NONFINITE_POLICIES as readonly string[]).includes(v)) return v as NonfinitePolicy;
  throw usageError({ code: 'analysis/invalid-option', path: '--nonfinite', message: `"${text}" is not a non-finite policy.`, expected: NONFINITE_POLICIES.join(', '), found: text, hint: '--nonfinite exclude (default: leave out rows holding NaN/Inf, counted) or --nonfinite error (refuse)' });
}

/** Parses "1,2,4" for --batch-sizes. */
export function parseBatchSizes(text: string): number[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const v = Number(s);
      if (!/^\d+$/.test(s) || v < 1 || v > MAX_BATCH_SIZE) {
        throw usageError({ code: 'analysis/invalid-batch-size', path: '--batch-sizes', message: `"${s}" is not a batch size.`, expected: `whole numbers from 1 to ${MAX_BATCH_SIZE}`, found: s, hint: '--batch-sizes 1,2,4,8,16,32,64' });
      }
      return v;
    });
}
