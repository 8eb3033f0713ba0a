/** Option checks for `nmsim review` (usage errors name the option, the bound and the fix). */
import { DEFAULT_DECODE_BATCHES, DEFAULT_DECODE_CONTEXT_TOKENS, DEFAULT_PREFILL_TOKENS, DEFAULT_UNION_BATCH_SIZES } from '../defaults.js';
import { usageError } from '../diagnostics.js';
import type { ResolvedReviewOptions } from '../review/run-review.js';
import { parseCriteria, parseMitigations } from '../sparsity/registry.js';
import { isModelId, MODEL_IDS } from '../workload/catalog.js';
import { didYouMean, excerpt } from '../user-text.js';
import { parseAxes } from '../review/axes.js';
import { parseServingMix, parseTpotTarget } from '../review/serving.js';
import { formatPattern, parsePatternList, samePattern, type Pattern } from '../sparsity/pattern.js';
import { listArg, noEffect, nonEmptyList, parseQuoted, sparsePatternsOption, wholeNumberListOption as numberList, wholeNumberOption as number } from './options.js';

/**
 * A comma-separated list of whole numbers (e.g. `--decode-batches 1,8`): distinct values,
 * ascending, so the report's decode columns come out in the same order whatever the spelling.
 */
export function wholeNumberListOption(name: '--decode-batches', value: unknown): number[] {
  return numberList('decode-batches', value, name);
}

export interface ReviewArgv {
  traces?: string[];
  profiles?: string[];
  model: string;
  patterns: string;
  criteria: string;
  mitigations: string;
  /** numbers arrive as text and are checked by options.ts (decimal digits, bounds) */
  prefillTokens?: string;
  decodeBatches?: string;
  decodeBatch?: string;
  context?: string;
  /** `--compare A,B`: the pair the recommendation compares */
  compare?: string;
  /** `--serving PROMPT:OUTPUT` and `--tpot-target-ms`: the serving metrics (review/serving.ts) */
  serving?: string;
  tpotTargetMs?: string;
  /** `--axes name=v1,v2` (repeatable): the design axes swept on the activation cores */
  axes?: string[];
}

/**
 * `--compare 8:16,16:32`: the two candidates the recommendation compares — two distinct sparse
 * patterns, both swept (--patterns), in the order given.
 */
export function compareOption(text: string | undefined, swept: readonly Pattern[]): [Pattern, Pattern] | undefined {
  if (text === undefined) return undefined;
  const pair = parseQuoted(String(text), (t) => parsePatternList(t, { path: '--compare' }));
  const shown = excerpt(String(text));
  if (pair.length !== 2 || pair.some((p) => p.kind === 'dense') || samePattern(pair[0], pair[1])) {
    throw usageError({
      code: 'review/compare-pair',
      path: '--compare',
      message: `--compare names the two candidates the recommendation compares: two distinct sparse patterns, found ${shown}.`,
      expected: 'two distinct sparse patterns, e.g. 8:16,16:32',
      found: shown,
      hint: 'nmsim review --compare 8:16,16:32',
    });
  }
  const missing = pair.filter((p) => !swept.some((q) => samePattern(p, q)));
  if (missing.length > 0) {
    throw usageError({
      code: 'review/compare-not-swept',
      path: '--compare',
      message: `--compare ${shown}: ${missing.map(formatPattern).join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not swept (--patterns ${swept.map(formatPattern).join(',')}).`,
      expected: `two of the swept patterns: ${swept.map(formatPattern).join(', ')}`,
      found: shown,
      hint: `add ${missing.map(formatPattern).join(',')} to --patterns, or compare two swept patterns`,
    });
  }
  return [pair[0], pair[1]];
}

/** `--model`: a catalog id or "bundle", checked before any input is read. */
function reviewModel(model: string): string {
  if (model === 'bundle' || isModelId(model)) return model;
  throw usageError({
    code: 'workload/unknown-model',
    path: '--model',
    message: `${excerpt(model)} is not a catalog model.${didYouMean(model, MODEL_IDS)}`,
    expected: `one of ${MODEL_IDS.join(', ')}, or "bundle" for the shapes of the bundle's own model`,
    found: excerpt(model),
    hint: 'the review models speed-ups on a catalog model\'s shapes; "bundle" uses the traced model.',
  });
}

/** Every option of `nmsim review`, checked, before any profile or bundle is read. */
export function reviewOptions(args: ReviewArgv): ResolvedReviewOptions {
  if (args.decodeBatch !== undefined && args.decodeBatches !== undefined) {
    noEffect('--decode-batches', 'with --decode-batch (both set the decode batches)', 'give one: --decode-batch 8, or --decode-batches 1,8.');
  }
  const patterns = sparsePatternsOption(args.patterns);
  const compare = compareOption(args.compare, patterns);
  return {
    ...(compare ? { compare } : {}),
    traces: listArg(args.traces),
    profiles: listArg(args.profiles),
    model: reviewModel(args.model),
    patterns,
    criteria: nonEmptyList(parseQuoted(args.criteria, parseCriteria), '--criteria', args.criteria, 'criterion', 'magnitude'),
    mitigations: nonEmptyList(parseQuoted(args.mitigations, parseMitigations), '--mitigations', args.mitigations, 'mitigation', 'none'),
    prefillTokens: number('prefill-tokens', args.prefillTokens, DEFAULT_PREFILL_TOKENS),
    decodeBatches:
      args.decodeBatch !== undefined
        ? [number('decode-batches', args.decodeBatch, undefined, '--decode-batch')]
        : numberList('decode-batches', args.decodeBatches ?? DEFAULT_DECODE_BATCHES.join(',')),
    decodeContextTokens: number('context', args.context, DEFAULT_DECODE_CONTEXT_TOKENS),
    batchSizes: [...DEFAULT_UNION_BATCH_SIZES],
    axes: parseAxes((args.axes ?? []).map(String)),
    ...(args.serving !== undefined ? { serving: parseServingMix(String(args.serving)) } : {}),
    ...(args.tpotTargetMs !== undefined ? { tpotTargetMs: parseTpotTarget(String(args.tpotTargetMs)) } : {}),
  };
}
