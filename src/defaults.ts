/**
 * The defaults every command and the library share, defined once: the workload a speed-up is
 * modelled on (model, prefill length, decode batches and context) and the patterns swept.
 * `nmsim simulate` and `nmsim review` show the same numbers for the same options because they
 * read the same constants (README "Commands").
 */
import { DEFAULT_BATCH_SIZES, DEFAULT_PATTERNS as DEFAULT_PATTERN_LIST } from './analysis/plan.js';
import { parsePatternList, type Pattern } from './sparsity/pattern.js';
import type { ModelId } from './workload/catalog.js';

/** the catalog model whose shapes speed-ups and I/O are computed for */
export const DEFAULT_MODEL: ModelId = 'llama3.1-8b';
/** prefill: prompt length T, one sequence */
export const DEFAULT_PREFILL_TOKENS = 2048;
/** decode: context length L read from the KV cache per step */
export const DEFAULT_DECODE_CONTEXT_TOKENS = 4096;
/** decode batches B: a single stream (where activation sparsity pays) and a small serving batch; simulate's one --batch defaults to the first */
export const DEFAULT_DECODE_BATCHES: readonly number[] = [1, 8];
/** the paper's patterns and unstructured 50 % (dense is always the baseline) */
export const DEFAULT_PATTERNS_TEXT: string = DEFAULT_PATTERN_LIST;
export const DEFAULT_PATTERNS: readonly Pattern[] = parsePatternList(DEFAULT_PATTERN_LIST);
/** decode batch sizes whose union density the review measures on the trace (beside its decode batches) */
export const DEFAULT_UNION_BATCH_SIZES: readonly number[] = DEFAULT_BATCH_SIZES;
