/**
 * The records analysis/ returns. Plain data (numbers, strings, arrays): the hardware models,
 * explore/ and report/ consume these, never tensors. camelCase here; `toSnakeCase` (json.ts)
 * gives the snake_case form the CLI prints (relErrL2 → rel_err_l2).
 *
 * Unit of measurement: a "slot" is one (site, consumer) under one configuration
 * (pattern × criterion × mitigation). q, k and v read the same site, so a qkv site gives three
 * slots; their activation statistics are equal unless the criterion is per consumer (amber).
 * Aggregates (layer, consumer kind, model) are element-weighted means over slots: each slot
 * weighs tokens · K, the GEMM operand elements it feeds.
 */
import type { Consumer } from '../trace/manifest.js';
import type { Criterion, Mitigation } from '../sparsity/registry.js';
import type { MetadataEncoding, Pattern } from '../sparsity/pattern.js';
import type { Diagnostic } from '../diagnostics.js';
import type { ValueFormat } from './compressed-size.js';

/** What to do with a token row holding NaN or ±Inf (README "Non-finite values"). */
export const NONFINITE_POLICIES = ['exclude', 'error'] as const;
export type NonfinitePolicy = (typeof NONFINITE_POLICIES)[number];

export interface AnalysisPlan {
  patterns: Pattern[];
  criteria: Criterion[];
  mitigations: Mitigation[];
  /** decode batch sizes B for the union density */
  batchSizes: number[];
  /** run ids to analyse; empty = the bundle's dense run (or its first run when none is dense) */
  runs: string[];
  /** random batches drawn per batch size and site */
  randomBatchesPerSize: number;
  randomSeed: number;
  /** tokens per clact channel-norm batch (default: the bundle's clact runs' clact_batch_tokens, else 64) */
  clactBatchTokens: number;
  /** channels listed in channelKeep.top */
  topChannels: number;
  /** bins of the per-channel keep-frequency histogram over [0, 1] */
  channelHistogramBins: number;
  /** exclude (default): rows holding NaN/±Inf are left out of every statistic and counted; error: refuse */
  nonfinite: NonfinitePolicy;
}

export interface CompressedSizeRecord {
  encoding: MetadataEncoding;
  valueFormat: ValueFormat;
  valueBits: number;
  compressedBits: number;
  denseBits: number;
  /** compressedBits / denseBits */
  ratio: number;
}

/** Data pruned at this slot's pattern A, run on hardware for `target` B. */
export interface CompatibilityRecord {
  target: string;
  /** elements per unit checked: max(M_A, M_B) when one divides the other, else M_B */
  unitElements: number;
  units: number;
  /** fraction of units in which every B-group holds ≤ N_B kept positions (null: no unit checked) */
  structuralFraction: number | null;
  /** same, counting only kept values that are nonzero (a density-bound core: natural zeros free) */
  densityBoundFraction: number | null;
}

export interface UnionDensityRecord {
  batchSize: number;
  /** mean union density over aligned consecutive batches (null: fewer than B tokens) */
  consecutive: number | null;
  consecutiveBatches: number;
  /** mean over random batches of B distinct tokens (null: fewer than B tokens) */
  random: number | null;
  randomBatches: number;
  /** 1 − (1 − keptFraction)^B (null: no analysed token) */
  independent: number | null;
}

export interface ChannelKeepRecord {
  /** channels per keep-frequency bin, bins of equal width over [0, 1] (the last includes 1) */
  histogram: number[];
  /** most often kept channels, by keep fraction, ties to the lower index */
  top: { channel: number; keepFraction: number }[];
}

/**
 * Statistics shared by slots and aggregates. A ratio is null where it is undefined: no analysed
 * token (every row non-finite, or an empty site), or a zero denominator (an all-zero input has
 * no relative error once a mitigation makes x̃ ≠ 0, no retained-energy fraction, no cosine).
 * Aggregates average the non-null values only (element-weighted).
 */
export interface Stats {
  /** analysed elements: finite token rows × K */
  elements: number;
  /** ‖x̃ − x‖ / ‖x‖ (0 when x̃ = x, also for x = 0) */
  relErrL2: number | null;
  /** ⟨x, x̃⟩ / (‖x‖ ‖x̃‖); 0 when x ≠ 0 and x̃ = 0 */
  cosine: number | null;
  /** Σ_kept x² / Σ x² (energy of the input at kept positions) */
  retainedEnergy: number | null;
  /** measured kept positions / elements */
  keptFraction: number | null;
  /** closed form keptPerToken(pattern, K) / K (tail rule included) */
  effectiveDensity: number;
  /** exact zeros in the input / elements */
  naturalZeroFraction: number | null;
  /** ‖W x̃ − W x‖ / ‖W x‖ where the bundle has the consumer's weight; null otherwise */
  outputRelErrL2: number | null;
  /** groups of M by number of kept nonzero values, index 0..N (N:M patterns only, else []) */
  keptNonzeroHistogram: number[];
  /** input groups of M by number of nonzero values, index 0..M (N:M patterns only, else []) */
  inputNonzeroHistogram: number[];
  /** fraction of input groups a density-bound N:M core takes unpruned (≤ N nonzeros); null if not N:M */
  densityBoundAcceptance: number | null;
  compressed: CompressedSizeRecord[];
  compatibility: CompatibilityRecord[];
  unionDensity: UnionDensityRecord[];
  channelKeep: ChannelKeepRecord;
}

export interface SlotStats extends Stats {
  site: string;
  layer: number | null;
  consumer: Consumer;
  /** token rows analysed (the site's rows minus the excluded non-finite ones) */
  tokens: number;
  k: number;
  /** token rows excluded because they hold NaN or ±Inf (a site's count, repeated on each of its slots) */
  nonfiniteRows: number;
  /** NaN and ±Inf values in the site */
  nonfiniteValues: number;
}

export interface AggregateStats extends Stats {
  slots: number;
  /** excluded rows and non-finite values, summed over the distinct sites of the slots */
  nonfiniteRows: number;
  nonfiniteValues: number;
}

/** The non-finite values of one site (all zero for a clean site). */
export interface NonfiniteSite {
  site: string;
  /** the tensor's key in its file (the file name for a .npy) */
  tensorKey: string;
  /** token rows in the tensor */
  tokens: number;
  k: number;
  /** rows holding at least one non-finite value (excluded from every statistic) */
  rows: number;
  values: number;
  nan: number;
  posInf: number;
  negInf: number;
  /** position [row, column] of the first non-finite value in row-major order; null when none */
  firstRow: number | null;
  firstColumn: number | null;
}

/** A run's non-finite values: totals and the sites that hold any. */
export interface NonfiniteSummary {
  policy: NonfinitePolicy;
  rows: number;
  values: number;
  nan: number;
  posInf: number;
  negInf: number;
  /** token rows in the run's sites, summed (the denominator of `rows`) */
  tokenRows: number;
  /** sites with at least one non-finite value, in site order */
  sites: NonfiniteSite[];
}

export interface ConfigResult {
  pattern: string;
  criterion: Criterion;
  mitigation: Mitigation;
  model: AggregateStats;
  layers: ({ layer: number | null } & AggregateStats)[];
  consumers: ({ consumer: Consumer } & AggregateStats)[];
  sites: SlotStats[];
}

export interface RunAnalysis {
  runId: string;
  /** the run's own configuration as recorded ("dense" for pre-pruning inputs) */
  runPattern: string;
  tokens: number;
  sites: number;
  configs: ConfigResult[];
  nonfinite: NonfiniteSummary;
}

export interface AnalysisResult {
  source: { root: string; anonymous: boolean; model: string; traceDtype: string };
  plan: {
    patterns: string[];
    criteria: Criterion[];
    mitigations: Mitigation[];
    batchSizes: number[];
    randomBatchesPerSize: number;
    randomSeed: number;
    clactBatchTokens: number;
    nonfinite: NonfinitePolicy;
  };
  /** the conventions the numbers follow, in words (copied into reports) */
  conventions: string[];
  runs: RunAnalysis[];
  /** problems that did not stop the analysis (e.g. a configuration skipped for a missing statistic, excluded non-finite rows) */
  warnings: Diagnostic[];
  /** problems that leave statistics undefined (null), e.g. a site with no finite row; the CLI exits 1 on any */
  errors: Diagnostic[];
}

/** What the performance model needs about one pattern, measured on a trace. */
/** The performance model's input contract, produced by measuredSparsityFor() (one definition, in perf/). */
export type { MeasuredSparsity } from '../perf/measured-sparsity.js';

export type { ValueFormat };
