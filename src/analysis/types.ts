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
import type { Criterion, Mitigation } from '../sparsity/prune.js';
import type { MetadataEncoding, Pattern } from '../sparsity/pattern.js';
import type { Diagnostic } from '../diagnostics.js';
import type { ValueFormat } from './compressed-size.js';

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
  /** fraction of units in which every B-group holds ≤ N_B kept positions */
  structuralFraction: number;
  /** same, counting only kept values that are nonzero (a density-bound core: natural zeros free) */
  densityBoundFraction: number;
}

export interface UnionDensityRecord {
  batchSize: number;
  /** mean union density over aligned consecutive batches (null: fewer than B tokens) */
  consecutive: number | null;
  consecutiveBatches: number;
  /** mean over random batches of B distinct tokens (null: fewer than B tokens) */
  random: number | null;
  randomBatches: number;
  /** 1 − (1 − keptFraction)^B */
  independent: number;
}

export interface ChannelKeepRecord {
  /** channels per keep-frequency bin, bins of equal width over [0, 1] (the last includes 1) */
  histogram: number[];
  /** most often kept channels, by keep fraction, ties to the lower index */
  top: { channel: number; keepFraction: number }[];
}

/** Statistics shared by slots and aggregates. */
export interface Stats {
  elements: number;
  /** ‖x̃ − x‖ / ‖x‖ */
  relErrL2: number;
  /** ⟨x, x̃⟩ / (‖x‖ ‖x̃‖) */
  cosine: number;
  /** Σ_kept x² / Σ x² (energy of the input at kept positions) */
  retainedEnergy: number;
  /** measured kept positions / elements */
  keptFraction: number;
  /** closed form keptPerToken(pattern, K) / K (tail rule included) */
  effectiveDensity: number;
  /** exact zeros in the input / elements */
  naturalZeroFraction: number;
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
  tokens: number;
  k: number;
}

export interface AggregateStats extends Stats {
  slots: number;
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
  };
  /** the conventions the numbers follow, in words (copied into reports) */
  conventions: string[];
  runs: RunAnalysis[];
  /** problems that did not stop the analysis (e.g. a configuration skipped for a missing statistic) */
  warnings: Diagnostic[];
}

/** What the performance model needs about one pattern, measured on a trace. */
/** The performance model's input contract, produced by measuredSparsityFor() (one definition, in perf/). */
export type { MeasuredSparsity } from '../perf/measured-sparsity.js';

export type { ValueFormat };
