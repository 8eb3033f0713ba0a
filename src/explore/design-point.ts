/**
 * A design point: one hardware profile running one sparsity configuration on one workload, with
 * accuracy beside its hardware cost. The configuration prunes activations online (pattern ×
 * criterion × mitigation: nmsim's subject) or, on today's sparse tensor cores, the weights
 * offline (pattern × weight criterion, measured runs only: the baseline a new core must beat).
 * Plain record, units in the field names; everything else in explore/ and report/ reads these.
 */
import { formatPattern, type Pattern } from '../sparsity/pattern.js';
import { MITIGATIONS, type Mitigation } from '../sparsity/registry.js';
import { RUN_CRITERIA, type Operand, type RunCriterion } from '../sparsity/weight-registry.js';
import type { PerStoryNll } from './uncertainty.js';

/**
 * How the accuracy figure was obtained. Measured perplexity comes from a real pruned forward
 * pass recorded in a trace bundle's runs; the proxy is the element-weighted relative L2 error
 * of the pruned linear inputs from the analysis of the bundle's dense run. They are never
 * mixed on one axis.
 */
export const ACCURACY_KINDS = ['measured-perplexity', 'proxy-rel-err'] as const;
export type AccuracyKind = (typeof ACCURACY_KINDS)[number];

export interface Accuracy {
  /** perplexity (≥ 1) or relative L2 error (≥ 0); lower is better for both */
  value: number;
  kind: AccuracyKind;
  /** where it comes from, e.g. `traces/stories260k run "p8of16-magnitude" perplexity on tinystories[0:100]` */
  source: string;
  /** optional 95 % interval [lo, hi] of the value (bootstrap over stories, explore/uncertainty.ts); charts draw it as an error bar */
  interval?: readonly [number, number];
  /** the figure story by story (measured perplexity with per-story NLL): what a paired comparison of two figures resamples */
  perStory?: PerStoryNll;
}

/**
 * One decode step of B tokens at context L on one core: the speed-up over the same core run
 * dense, and the bytes saved. Decode is reported at several batch sizes because the answer
 * flips with B: a single stream (B = 1) fetches only the weight rows its one token keeps, a
 * batch fetches the union of its tokens' rows, which approaches every row as B grows.
 */
export interface DecodeAtBatch {
  batchTokens: number;
  /** dense cycles / sparse cycles for one decode step, whole model */
  speedup: number;
  /** 1 − sparse bytes / dense bytes moved per decode step (activations, metadata, weights) */
  ioSavingsFraction: number;
  /** the sparse decode step's binding resource (perf ModelSim.bottleneck), when the model named one */
  bottleneck?: string;
  /** the same core's DENSE decode step's binding resource (explore/iso-area.ts: is the dense chip memory-bound?) */
  denseBottleneck?: string;
  /** weights + the KV cache of the batch's sequences at the decode context, bytes (review/serving.ts memoryOf) */
  memoryBytes?: number;
  /** memoryBytes ≤ the profile's DRAM capacity; absent when the profile gives none (not checked) */
  fits?: boolean;
}

/**
 * The chip a design point's core sits on: how many tensor cores (profile tensorCore.count), the
 * die (profile chip block, when given), the tech node and the operand provisioning. Lets the
 * review state a per-core area delta per chip (mm², % of die) and price the iso-area alternative.
 */
export interface CoreChip {
  tensorCores: number;
  dieAreaMm2?: number;
  tech: string;
  provisioning: string;
}

export interface DesignPoint {
  /** stable key: `profile|pattern|criterion|mitigation` */
  id: string;
  profile: string;
  /** what the pattern prunes: activations online, or weights offline (a measured weight run on a core that takes sparse weights) */
  operand: Operand;
  /** the pattern the configuration prunes with (N:M or unstructured) */
  pattern: Pattern;
  /** an activation criterion, or for a weight point a weight criterion (magnitude, wanda) */
  criterion: RunCriterion;
  /** activation points; a weight point's is none (the weights are pruned once, before the run) */
  mitigation: Mitigation;
  /** true when the profile runs `pattern` natively */
  native: boolean;
  /** what the core actually executes: the pattern, or a compatible one (wider, its masks fit; or narrower, with second passes) */
  executedAs: Pattern;
  /** the point's own figure: measured perplexity where the bundle has a run of it, else the proxy */
  accuracy: Accuracy;
  /**
   * the analysis proxy beside a measured `accuracy` (absent when `accuracy` is the proxy, or no
   * proxy was computed): lets a comparison fall back to the proxy for every point at once
   */
  proxy?: Accuracy;
  /** the workload the speed-ups and I/O savings are for (catalog id or bundle model name) */
  model: string;
  prefillTokens: number;
  decodeContextTokens: number;
  /** dense cycles / sparse cycles on the same profile, whole model */
  prefillSpeedup: number;
  /** the sparse prefill step's binding resource (register file, shared memory, L2, dram, compute, pruning unit …) */
  prefillBottleneck?: string;
  /** the same core's DENSE prefill step's binding resource (explore/iso-area.ts) */
  densePrefillBottleneck?: string;
  /** one entry per decode batch size of the review, ascending by batchTokens (never empty) */
  decode: DecodeAtBatch[];
  /** core area with sparsity support, and the same core without it */
  areaUm2: number;
  denseAreaUm2: number;
  /** areaUm2 / denseAreaUm2 − 1 */
  areaOverheadFraction: number;
  /** the overhead of an SM's tensor cores ÷ the SM's area (die ÷ physical SMs), when the profile gives its chip */
  areaOverheadVsSmFraction?: number;
  /** the overhead of every tensor core ÷ the die area, when the profile gives its chip */
  areaOverheadVsDieFraction?: number;
  /** the chip the core sits on (absent on hand-made points) */
  chip?: CoreChip;
  /** the core's design on the review's swept axes (review/axes.ts): the profile it is a variant of, selector, encoding, provisioning */
  variant?: CoreVariant;
}

/** A core's choice on each design axis of the review (review/axes.ts), and the profile it derives from. */
export interface CoreVariant {
  base: string;
  selectorStyle: string;
  metadataEncoding: string;
  provisioning: string;
}

/** The point's accuracy of one kind, or undefined when it has none of that kind. */
export function accuracyOf(p: Pick<DesignPoint, 'accuracy' | 'proxy'>, kind: AccuracyKind): Accuracy | undefined {
  if (p.accuracy.kind === kind) return p.accuracy;
  return p.proxy?.kind === kind ? p.proxy : undefined;
}

/** The point as seen on a chart or front of one accuracy kind (accuracy = that kind's figure), or undefined. */
export function asKind(p: DesignPoint, kind: AccuracyKind): DesignPoint | undefined {
  const a = accuracyOf(p, kind);
  return a ? (a === p.accuracy ? p : { ...p, accuracy: a }) : undefined;
}

/**
 * The decode batch the fronts and objectives use when one decode figure is needed: the largest
 * batch of the review (the serving case, and the conservative one — a batch's union density is
 * never below a single token's kept fraction).
 */
export function objectiveDecode(p: Pick<DesignPoint, 'decode'>): DecodeAtBatch {
  return p.decode[p.decode.length - 1];
}

/** The decode figures at batch B, or undefined when the review did not model B. */
export function decodeAt(p: Pick<DesignPoint, 'decode'>, batchTokens: number): DecodeAtBatch | undefined {
  return p.decode.find((d) => d.batchTokens === batchTokens);
}

/**
 * A pattern as a key (Map keys, ids, sets): its canonical text, e.g. "8:16". A key, not a label:
 * renderers format patterns themselves.
 */
export function patternKey(pattern: Pattern): string {
  return formatPattern(pattern);
}

/** stable key `profile|pattern|criterion|mitigation`, and `…|weight` for a weight point */
export function designPointId(profile: string, pattern: Pattern, criterion: RunCriterion, mitigation: Mitigation, operand: Operand = 'activation'): string {
  return `${profile}|${patternKey(pattern)}|${criterion}|${mitigation}${operand === 'weight' ? '|weight' : ''}`;
}

/** A point whose pattern is on the weights (today's sparse tensor cores), not the activations. */
export function isWeightPoint(p: Pick<DesignPoint, 'operand'>): boolean {
  return p.operand === 'weight';
}

/**
 * The activation points: the ones the review's question is about (fronts, summary per pattern,
 * recommendation). Weight points are the baseline they are compared with, never a candidate.
 */
export function activationPoints(points: readonly DesignPoint[]): DesignPoint[] {
  return points.filter((p) => !isWeightPoint(p));
}

/**
 * Stable order for every listing and file: profile, then activation before weight points, then pattern (dense, N:M by M then N,
 * unstructured last), then criterion, then mitigation (declaration order of the closed sets).
 */
export function patternRank(pattern: Pattern): number {
  switch (pattern.kind) {
    case 'dense':
      return 0;
    case 'nm':
      return 1 + pattern.m * 100 + pattern.n;
    case 'unstructured':
      return 100_000;
  }
}

export function comparePatterns(a: Pattern, b: Pattern): number {
  return patternRank(a) - patternRank(b);
}

/** The distinct patterns of a list, in the stable pattern order. */
export function distinctPatterns(patterns: Iterable<Pattern>): Pattern[] {
  const byKey = new Map<string, Pattern>();
  for (const p of patterns) byKey.set(patternKey(p), p);
  return [...byKey.values()].sort(comparePatterns);
}

/** the activation criteria in declaration order, then the weight-only ones (RUN_CRITERIA) */
const CRITERION_ORDER: readonly string[] = RUN_CRITERIA;
const MITIGATION_ORDER: readonly string[] = MITIGATIONS;

function cmpText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareDesignPoints(a: DesignPoint, b: DesignPoint): number {
  return (
    cmpText(a.profile, b.profile) ||
    Number(isWeightPoint(a)) - Number(isWeightPoint(b)) ||
    comparePatterns(a.pattern, b.pattern) ||
    CRITERION_ORDER.indexOf(a.criterion) - CRITERION_ORDER.indexOf(b.criterion) ||
    MITIGATION_ORDER.indexOf(a.mitigation) - MITIGATION_ORDER.indexOf(b.mitigation) ||
    cmpText(a.id, b.id)
  );
}

export function sortDesignPoints(points: readonly DesignPoint[]): DesignPoint[] {
  return [...points].sort(compareDesignPoints);
}
