/** Option checks for `nmsim review` (usage errors name the option, the bound and the fix). */
import { usageError } from '../../diagnostics.js';
import { parseCriteria, parseMitigations } from '../../sparsity/registry.js';
import { isModelId, MODEL_IDS } from '../../workload/catalog.js';
import { didYouMean, excerpt } from '../../user-text.js';
import { formatBound, noEffect, nonEmptyList, OPTION_BOUNDS, parseQuoted, wholeNumberListOption as numberList, wholeNumberOption as number, type BoundedOption } from '../options.js';
import {
  DEFAULT_DECODE_BATCHES,
  DEFAULT_DECODE_CONTEXT_TOKENS,
  DEFAULT_PREFILL_TOKENS,
  reviewPatterns,
  type ReviewOptions,
} from './run-review.js';

/** "1–4,096": an option's bound for its --help text. */
export function boundText(option: BoundedOption): string {
  return `${formatBound(OPTION_BOUNDS[option].min)}–${formatBound(OPTION_BOUNDS[option].max)}`;
}

/**
 * A comma-separated list of whole numbers (e.g. `--decode-batches 1,8`): distinct values,
 * ascending, so the report's decode columns come out in the same order whatever the spelling.
 */
export function wholeNumberListOption(name: '--decode-batches', value: unknown): number[] {
  return numberList('decode-batches', value, name);
}

/** `--traces a,b --traces c` → ['a', 'b', 'c']. */
export function listArg(v: readonly unknown[] | undefined): string[] {
  return (v ?? []).flatMap((s) => String(s).split(',')).map((s) => s.trim()).filter((s) => s !== '');
}

export interface ReviewArgv {
  traces?: string[];
  profiles?: string[];
  model: string;
  patterns: string;
  criteria: string;
  mitigations: string;
  prefillTokens?: string;
  decodeBatches?: string;
  decodeBatch?: string;
  context?: string;
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
export function reviewOptions(args: ReviewArgv): Omit<ReviewOptions, 'batchSizes'> {
  if (args.decodeBatch !== undefined && args.decodeBatches !== undefined) {
    noEffect('--decode-batches', 'with --decode-batch (both set the decode batches)', 'give one: --decode-batch 8, or --decode-batches 1,8.');
  }
  return {
    traces: listArg(args.traces),
    profiles: listArg(args.profiles),
    model: reviewModel(args.model),
    patterns: nonEmptyList(parseQuoted(args.patterns, reviewPatterns), '--patterns', args.patterns, 'sparse pattern (dense is always the baseline)', '2:4,8:16'),
    criteria: nonEmptyList(parseQuoted(args.criteria, parseCriteria), '--criteria', args.criteria, 'criterion', 'magnitude'),
    mitigations: nonEmptyList(parseQuoted(args.mitigations, parseMitigations), '--mitigations', args.mitigations, 'mitigation', 'none'),
    prefillTokens: number('prefill-tokens', args.prefillTokens, DEFAULT_PREFILL_TOKENS),
    decodeBatches:
      args.decodeBatch !== undefined
        ? [number('decode-batches', args.decodeBatch, undefined, '--decode-batch')]
        : numberList('decode-batches', args.decodeBatches ?? DEFAULT_DECODE_BATCHES.join(',')),
    decodeContextTokens: number('context', args.context, DEFAULT_DECODE_CONTEXT_TOKENS),
  };
}
