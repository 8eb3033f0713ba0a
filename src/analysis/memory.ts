/**
 * Memory bound of the analysis, checked before anything is allocated.
 *
 * Streaming bounds the token count: a site is read in chunks of ~1 Mi elements, whatever T.
 * It cannot bound the row width K: unstructured keeps the top ⌊K/2⌋ of the whole row, dpts
 * takes the row's median, clact a batch's column norms, and every pattern keeps per-channel
 * counters and decode-union masks of K entries. So K is bounded instead:
 *
 *   K ≤ MAX_ROW_ELEMENTS = 2^20 = 1,048,576 — far above any LLM's hidden or FFN width
 *   (Llama-3.1-405B: hidden 16,384, FFN 53,248)
 *
 * and the working set of one site, estimated by `siteWorkingBytes` from K and the plan (the
 * per-K buffers below, the chunk buffers, the random-batch plan), must stay within
 * SITE_MEMORY_BUDGET_BYTES = 2 GiB. A default plan (5 patterns, magnitude, 7 batch sizes,
 * 64 random batches) needs about 223 bytes per element of K: ≈ 0.22 GiB at K = 2^20 (measured
 * peak RSS of the whole process, four patterns: 173 MiB for [64, 2^20], 217 MiB for [512, 2^20]).
 * analyze() runs at most 2 sites at once (worker threads), so the analysis stays under
 * 2 × 2 GiB plus the trace's weights (weight_stats, read whole: out × K float32 per consumer).
 */
import { inputError } from '../diagnostics.js';
import type { AnalysisPlan } from './types.js';
import { CRITERION_INFO } from '../sparsity/registry.js';
import { hasFastKernel } from './lanes.js';
import { randomUnionBits } from './union-density.js';

export const MAX_ROW_ELEMENTS = 1 << 20;
export const SITE_MEMORY_BUDGET_BYTES = 2 * 1024 ** 3;
/** rows per chunk: about this many elements (4 MiB of float32) */
export const CHUNK_ELEMENTS = 1 << 20;

/** Rows per chunk for a site: ~CHUNK_ELEMENTS, a whole number of clact batches when clact runs, ≤ tokens. */
export function chunkRowsFor(k: number, tokens: number, clactBatchTokens: number | null): number {
  let rows = Math.max(1, Math.floor(CHUNK_ELEMENTS / Math.max(1, k)));
  if (clactBatchTokens !== null) rows = Math.max(clactBatchTokens, Math.floor(rows / clactBatchTokens) * clactBatchTokens);
  return Math.min(rows, Math.max(1, tokens));
}

export interface SiteShape {
  tokens: number;
  k: number;
  /** consumers of the site (amber runs one lane per consumer) */
  consumers: number;
}

/** Lanes (criterion × mitigation [× consumer for amber]) and whether one of them is the fast magnitude/none lane. */
function laneCount(plan: AnalysisPlan, consumers: number): { lanes: number; fast: number } {
  let lanes = 0;
  for (const c of plan.criteria) lanes += plan.mitigations.length * (CRITERION_INFO[c].perConsumer ? consumers : 1);
  const fast = plan.criteria.some((c) => plan.mitigations.some((m) => hasFastKernel(c, m))) ? 1 : 0;
  return { lanes, fast };
}

/**
 * Bytes one site's analysis allocates (an upper estimate):
 *   per row element: x² and two float64 rows (24 B), the float32 chunk (4 B · chunk rows);
 *   fast lane: network composites and keys (16 B), ranked keys and ranks (8 B + 1 B per group size),
 *   the SIMD kernel's memory (codes, transposed keys and x²: 16 B);
 *   other lanes (one at a time): keep and pruned chunk (5 B · chunk rows), prune scratch (28 B);
 *   each a scored network (scored-lane.ts): SIMD memory (16 B), scores and scratch (12 B), the
 *   WebAssembly sums' row and dpts's median memory (row-median.ts: bits and keys) (12 B), keep
 *   words of the chunk (1 bit per pattern · chunk rows);
 *   per lane × pattern: keep words, channel counter (4 B counts + 1 B planes), consecutive
 *   unions (1 bit per batch size) and random unions (union-density.ts: per draw one union per
 *   size bucket, or where those would pass 16 MiB the bucket rank's bit-planes, or one bit per
 *   sampled token where there are fewer of those);
 *   the random-batch plan: ~48 B per (draw, sampled token).
 */
export function siteWorkingBytes(shape: SiteShape, plan: AnalysisPlan): number {
  const { k, tokens } = shape;
  const { lanes, fast } = laneCount(plan, shape.consumers);
  const patterns = plan.patterns.length;
  const sizes = plan.batchSizes.length;
  const maxB = Math.max(0, ...plan.batchSizes);
  const draws = Math.min(tokens, maxB) > 0 ? plan.randomBatchesPerSize : 0;
  const randomBits = randomUnionBits(tokens, plan.batchSizes, draws, k);
  const chunkRows = chunkRowsFor(k, tokens, plan.criteria.some((c) => CRITERION_INFO[c].batchReduction) ? plan.clactBatchTokens : null);
  const perElement =
    24 +
    4 * chunkRows +
    fast * (16 + 8 + patterns + 16) +
    (lanes > fast ? 5 * chunkRows + 28 : 0) +
    (lanes - fast) * (16 + 12 + 12 + (chunkRows * patterns) / 8) +
    lanes * patterns * (1 / 8 + 5 + sizes / 8 + randomBits / 8);
  const randomPlan = draws * Math.min(tokens, maxB) * 48;
  return Math.ceil(k * perElement + randomPlan);
}

function mib(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(0)} MiB`;
}

/**
 * Refuses a site before anything is allocated: K outside 1 … 2^20, or a working set over the
 * budget. `where` names the tensor in the diagnostic.
 */
export function checkSiteBounds(shape: SiteShape, plan: AnalysisPlan, where: { site: string; tensorKey: string; file?: string; path?: string }): void {
  const shapeText = `[${shape.tokens}, ${shape.k}]`;
  const loc = { file: where.file, path: where.path };
  if (shape.k < 1) {
    throw inputError({
      code: 'analysis/empty-row',
      ...loc,
      message: `Tensor "${where.tensorKey}" (site ${where.site}) has shape ${shapeText}: a row of K = 0 elements has nothing to prune.`,
      expected: '[tokens, K] with K ≥ 1',
      found: shapeText,
      hint: 'export the linear layer input with its feature dimension last',
    });
  }
  if (shape.k > MAX_ROW_ELEMENTS) {
    throw inputError({
      code: 'analysis/row-too-wide',
      ...loc,
      message:
        `Tensor "${where.tensorKey}" (site ${where.site}) has shape ${shapeText}: rows of K = ${shape.k} elements exceed the analysis bound K ≤ ${MAX_ROW_ELEMENTS} (2^20). ` +
        'Unstructured selection, dpts medians, clact norms and per-channel counters need whole rows in memory, so K is bounded (far above any LLM hidden or FFN width).',
      expected: `K ≤ ${MAX_ROW_ELEMENTS}`,
      found: `K = ${shape.k}`,
      hint: 'is the tensor [tokens, K]? a flattened [1, tokens·K] export puts every token in one row: reshape it to (-1, K)',
    });
  }
  const bytes = siteWorkingBytes(shape, plan);
  if (bytes > SITE_MEMORY_BUDGET_BYTES) {
    throw inputError({
      code: 'analysis/too-much-memory',
      ...loc,
      message:
        `Analysing tensor "${where.tensorKey}" (site ${where.site}, shape ${shapeText}) under this plan needs about ${mib(bytes)}, over the ${mib(SITE_MEMORY_BUDGET_BYTES)} bound of one site ` +
        `(${plan.patterns.length} patterns × ${laneCount(plan, shape.consumers).lanes} criterion/mitigation lanes, ${plan.batchSizes.length} batch sizes, ${plan.randomBatchesPerSize} random batches, K = ${shape.k}).`,
      expected: `≤ ${mib(SITE_MEMORY_BUDGET_BYTES)} per site`,
      found: mib(bytes),
      hint: 'analyse fewer patterns, criteria or mitigations at once, fewer --batch-sizes, or fewer --random-batches',
    });
  }
}
