/**
 * Everything a design-review report shows, as plain data. The review (src/review, from the
 * models of explore/, perf/, area/ and analysis/) builds it; the writers in report/ only render
 * it — they compute nothing that is not a re-arrangement or a format of these fields. Units are
 * in the field names; patterns stay Pattern values until a renderer formats them.
 */
import type { VariantRow } from '../explore/variants.js';
import type { AccuracyKind, DesignPoint } from '../explore/design-point.js';
import type { Recommendation } from '../explore/recommend.js';
import type { PatternSummary } from '../explore/summary.js';
import type { MetadataEncoding, NmPattern, Pattern } from '../sparsity/pattern.js';
import type { Mitigation } from '../sparsity/registry.js';
import type { RunCriterion } from '../sparsity/weight-registry.js';
import type { PatternEnergy } from './energy.js';
import type { SensitivityResult } from './sensitivity.js';
import type { ServingResult } from './serving.js';

/** One input file with its content hash (hex SHA-256). */
export interface HashedFile {
  path: string;
  sha256: string;
}

export interface ReviewProfile {
  name: string;
  path: string;
  sha256: string;
  description: string;
  /** the N:M patterns the core runs natively */
  patterns: NmPattern[];
  illustrative: boolean;
}

export interface ReviewBundleRun {
  id: string;
  pattern: Pattern;
  /** 'weight': the run pruned the linear weights once, offline; absent: activations (or dense) */
  operand?: 'weight';
  /** absent for the dense run (it prunes nothing); a weight run's is a weight criterion */
  criterion?: RunCriterion;
  mitigation?: Mitigation;
  /** measured perplexity of the run, when recorded */
  perplexity?: number;
  perplexityDataset?: string;
  scoredTokens?: number;
}

export interface ReviewBundle {
  path: string;
  model: string;
  checkpoint: string;
  files: HashedFile[];
  runs: ReviewBundleRun[];
}

/** Compressed activation I/O per pattern and metadata encoding, vs dense, at one value width. */
export interface IoSavingsRow {
  pattern: NmPattern;
  encoding: MetadataEncoding;
  valueBits: number;
  /** compressed (values + metadata) bits / dense bits */
  footprintFraction: number;
  savingsFraction: number;
  /** "closed form (pattern.ts)" or "measured on <bundle>" */
  source: string;
}

/** One component of one core's area (stacked bar segment). */
export interface AreaBreakdownRow {
  /** the bar: a pattern, or dense for the core without sparsity support */
  pattern: Pattern;
  profile: string;
  /**
   * which core of the profile: its own; its single-pattern variant at the same dense throughput
   * (a pattern no single-pattern profile runs); or the same core without sparsity support
   */
  core: 'profile' | 'single-pattern-variant' | 'without-sparsity';
  component: string;
  areaUm2: number;
  source: string;
}

/** Decode weight-row union density for a batch of B tokens. */
export interface UnionDensityRow {
  pattern: Pattern;
  batch: number;
  measuredDensity: number;
  /** 1 − (1 − d)^B with d the measured kept fraction */
  independenceDensity: number;
}

/** A modelling constant with its unit in the name (or `quantity`) and its source. */
export interface Assumption {
  name: string;
  /** a number (report/ renders it at the precision of its quantity) or a statement */
  value: number | string;
  /** what a number is: a standard-cell or bitcell area, a fraction, or a constant shown as written */
  quantity?: 'area_um2' | 'fraction' | 'constant';
  /** the standard cell behind an area */
  cell?: string;
  source: string;
}

/** One row of the summary table (computed by explore/summary.ts). */
export type PatternSummaryRow = PatternSummary;

export interface HeadlineFront {
  accuracyKind: AccuracyKind;
  frontIds: string[];
}

/**
 * Accuracy of configurations that are not design points (no swept core runs them sparsely),
 * drawn as horizontal reference lines: dense, unstructured 50%.
 */
export interface AccuracyReference {
  label: string;
  kind: AccuracyKind;
  value: number;
  source: string;
}

export interface ReviewData {
  title: string;
  toolVersion: string;
  /** what the speed-ups are computed for and how (e.g. catalog model, phase parameters) */
  workload: string;
  /** decode batch sizes B every point and summary row has figures for, ascending */
  decodeBatches: number[];
  profiles: ReviewProfile[];
  bundles: ReviewBundle[];
  points: DesignPoint[];
  headline: HeadlineFront;
  /**
   * the weight baseline's point id ("2:4 weights on today's core": explore/summary.ts
   * weightBaselinePoint); absent when the review has no weight point
   */
  weightBaselineId?: string;
  accuracyReferences: AccuracyReference[];
  /** front of accuracy vs prefill speed-up (same accuracy kind as the headline) */
  speedupFrontIds: string[];
  summary: PatternSummaryRow[];
  ioSavings: IoSavingsRow[];
  areaBreakdown: AreaBreakdownRow[];
  /**
   * energy per token of every profile × swept pattern and of each profile's dense core, prefill
   * and each decode batch (review/energy.ts); absent when no tech file has an energy table
   */
  energy?: PatternEnergy[];
  unionDensity: UnionDensityRow[];
  /** where the union densities come from, e.g. 'traces/stories260k run "dense", consecutive batches' */
  unionDensitySource: string;
  recommendation: Recommendation;
  assumptions: Assumption[];
  /** non-fatal findings shown in the report (e.g. "no measured perplexity for 4:8 amber") */
  notes: string[];
  /** the sensitivity sweep (review/sensitivity.ts), when requested (--sensitivity, --set) */
  sensitivity?: SensitivityResult;
  /** time to first token, time per output token and tokens/s per batch (review/serving.ts); absent in a merge of shards */
  serving?: ServingResult;
  /**
   * every variant × pattern of the swept design axes (review/axes.ts, explore/variants.ts), the
   * chosen ones flagged; `points` holds the chosen variants' points only. Absent when no core was swept
   */
  variants?: VariantRow[];
}

/** run.json: the one file allowed to differ between runs (timings). */
export interface RunRecord {
  toolVersion: string;
  command: string;
  timingsMs: Record<string, number>;
}
