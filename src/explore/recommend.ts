/**
 * The recommendation, computed from the sweep as data (report/recommendation.ts words it): which
 * patterns are on the accuracy–area front (and on which cores), and what the wider pattern buys
 * over the narrower one — by default 16:32 over 8:16, the question the design review is about —
 * in accuracy, for how much area. No thresholds: it states the trade, the architect decides.
 *
 * One accuracy kind per comparison, always named: the front is on the headline kind; the pair
 * is compared on the headline kind when both patterns have it, else on the other kind when
 * both have that (recording which pattern lacks the headline kind), else not at all. A measured
 * perplexity is never set against a proxy error.
 */
import { nm, samePattern, type Pattern } from '../sparsity/pattern.js';
import type { Mitigation } from '../sparsity/registry.js';
import type { RunCriterion } from '../sparsity/weight-registry.js';
import { accuracyOf, compareDesignPoints, distinctPatterns, type AccuracyKind, type DesignPoint } from './design-point.js';
import type { PatternSummary } from './summary.js';
import { chipOverheadMm2, isoAreaOf, type IsoArea } from './iso-area.js';
import { bootstrapPairedPerplexity, type PerStoryNll } from './uncertainty.js';

export interface RecommendationInput {
  /** the activation points (the candidates) */
  points: readonly DesignPoint[];
  /** the weight baseline point (explore/summary.ts weightBaselinePoint), when the review has one */
  weightBaseline?: DesignPoint;
  frontIds: readonly string[];
  summary: readonly PatternSummary[];
  /** the kind the front and the summary are on (default: the summary's) */
  accuracyKind?: AccuracyKind;
  /** the pair to compare: [narrower, wider]; defaults to [8:16, 16:32] */
  compare?: [Pattern, Pattern];
}

/** The pair the review compares by default: the paper's recommended pattern and the next wider one. */
export const DEFAULT_COMPARISON: [Pattern, Pattern] = [nm(8, 16), nm(16, 32)];

export const OTHER_ACCURACY_KIND: Record<AccuracyKind, AccuracyKind> = { 'measured-perplexity': 'proxy-rel-err', 'proxy-rel-err': 'measured-perplexity' };

/** The most accurate configuration of a pattern on one accuracy kind. */
export interface BestConfiguration {
  pattern: Pattern;
  criterion: RunCriterion;
  mitigation: Mitigation;
  value: number;
}

/** The core a pattern's summary row names, with its cost. */
export interface CoreCost {
  profile: string;
  /** true when the core runs the pattern through a compatible pattern (wider or narrower), not natively */
  compatible: boolean;
  areaUm2: number;
  areaOverheadFraction: number;
}

export type PairComparison =
  /** one of the two has no design point at all (not swept, or no swept core runs it sparsely) */
  | { outcome: 'no-design-point'; narrow: Pattern; wide: Pattern; missing: Pattern }
  /** `lacking` has no figure of the headline kind, and the two share no other kind */
  | { outcome: 'no-common-kind'; narrow: Pattern; wide: Pattern; lacking: Pattern[] }
  | {
      outcome: 'compared';
      narrow: BestConfiguration;
      wide: BestConfiguration;
      /** the kind the two are compared on */
      accuracyKind: AccuracyKind;
      /** the patterns without the headline kind, when the comparison fell back to the other kind */
      lacking: Pattern[];
      /** (narrow − wide) / narrow: > 0 when the wider pattern is more accurate (lower is better) */
      gainFraction: number;
      area:
        | { outcome: 'compared'; narrow: CoreCost; wide: CoreCost; overheadDeltaFraction: number; areaDeltaUm2: number }
        /** no swept profile runs `missing`, so its area is unknown */
        | { outcome: 'unknown'; missing: Pattern };
      /** the two on their cores side by side (chip, speed-ups, iso-area, what the choice hinges on); absent when the area is unknown */
      pair?: PairDetails;
    };

/** One of the compared patterns on the core the summary names for it. */
export interface PairSide {
  pattern: Pattern;
  /** the point of the most accurate configuration on that core: the fields the pair is stated from */
  point: Pick<DesignPoint, 'id' | 'profile' | 'prefillSpeedup' | 'decode' | 'areaOverheadVsDieFraction' | 'chip'>;
  /** the accuracy figure's 95 % interval (bootstrap over stories), when the bundle had per-story data */
  interval?: readonly [number, number];
  /** the sparse additions on every tensor core of the chip, mm² (absent without a chip) */
  chipOverheadMm2?: number;
  isoArea?: IsoArea;
}

/** Another swept core that runs a compared pattern natively: where the answer moves with provisioning or node. */
export interface AlternativeCore {
  pattern: Pattern;
  profile: string;
  provisioning?: string;
  tech?: string;
  prefillSpeedup: number;
  areaOverheadFraction: number;
}

/** b − a of two measured perplexities under paired resampling of the same stories (explore/uncertainty.ts). */
export interface AccuracyDifference {
  difference: number;
  interval: readonly [number, number];
  /** the interval excludes 0 */
  distinguishable: boolean;
  stories: number;
}

export interface PairDetails {
  narrow: PairSide;
  wide: PairSide;
  /** wide − narrow, mm² on the chip (each core × its own tensor-core count); absent unless both have a chip */
  chipDeltaMm2?: number;
  /** wide − narrow share of the die; absent unless both give their die */
  dieDeltaFraction?: number;
  /** wide − narrow perplexity with its paired-bootstrap 95 % interval, when both figures were measured story by story on the same stories */
  accuracyDifference?: AccuracyDifference;
  /** wide − narrow prefill speed-up */
  prefillDelta: number;
  /** wide − narrow decode speed-up per batch both have */
  decodeDelta: { batchTokens: number; delta: number; narrow: number; wide: number }[];
  /** the other swept cores running either pattern natively with another provisioning or node than the compared core, in point order */
  alternatives: AlternativeCore[];
}

export type Recommendation =
  /** no swept core runs any swept pattern sparsely, or no pattern has an accuracy figure */
  | { outcome: 'no-design-point' }
  /** no design point has a figure of the headline kind */
  | { outcome: 'no-front'; accuracyKind: AccuracyKind }
  | {
      outcome: 'front';
      accuracyKind: AccuracyKind;
      /** the patterns some point has a measured perplexity for (stated when the front is on the proxy) */
      measuredPatterns: Pattern[];
      /** the patterns on the front, each with the cores it is on there (sorted) */
      front: { pattern: Pattern; profiles: string[] }[];
      /** summary patterns off the front that have a figure of the kind (dominated) */
      notOnFront: Pattern[];
      /** summary patterns without a figure of the kind */
      lackingKind: Pattern[];
      comparison: PairComparison;
      /** the narrower compared pattern's activations vs the weight baseline (absent: the review has no weight point) */
      weightBaseline?: WeightComparison;
    };

/** One side of the weight comparison: a configuration on its core. */
export interface ConfigurationOnCore {
  pattern: Pattern;
  criterion: RunCriterion;
  mitigation: Mitigation;
  /** measured perplexity */
  value: number;
  profile: string;
  /** the core runs the pattern through a compatible one */
  compatible: boolean;
  prefillSpeedup: number;
  areaOverheadFraction: number;
}

export type WeightComparison =
  | {
      outcome: 'compared';
      activation: ConfigurationOnCore;
      weight: ConfigurationOnCore;
      /** weight − activation perplexity with its paired-bootstrap 95 % interval, when both were measured story by story on the same stories */
      accuracyDifference?: AccuracyDifference;
      /** activation prefill speed-up / weight prefill speed-up */
      prefillSpeedupRatio: number;
    }
  /** the activation pattern has no measured perplexity (or no design point): the baseline is stated alone */
  | { outcome: 'baseline-only'; activationPattern: Pattern; weight: ConfigurationOnCore };

function bestOf(points: readonly DesignPoint[], pattern: Pattern, kind: AccuracyKind): BestConfiguration | undefined {
  const best = points
    .filter((p) => samePattern(p.pattern, pattern) && accuracyOf(p, kind))
    .sort((a, b) => accuracyOf(a, kind)!.value - accuracyOf(b, kind)!.value || compareDesignPoints(a, b))[0];
  return best ? { pattern, criterion: best.criterion, mitigation: best.mitigation, value: accuracyOf(best, kind)!.value } : undefined;
}

function coreCost(s: PatternSummary): CoreCost | undefined {
  if (s.areaUm2 === null || s.areaOverheadFraction === null) return undefined;
  const profile = s.nativeProfile ?? s.compatibleProfile;
  return profile === null ? undefined : { profile, compatible: s.nativeProfile === null, areaUm2: s.areaUm2, areaOverheadFraction: s.areaOverheadFraction };
}

function comparePair(points: readonly DesignPoint[], summary: readonly PatternSummary[], kind: AccuracyKind, [narrowPattern, widePattern]: [Pattern, Pattern]): PairComparison {
  const narrow = summary.find((s) => samePattern(s.pattern, narrowPattern));
  const wide = summary.find((s) => samePattern(s.pattern, widePattern));
  if (!narrow || !wide) return { outcome: 'no-design-point', narrow: narrowPattern, wide: widePattern, missing: narrow ? widePattern : narrowPattern };
  // one kind for both: the headline's, else the other one where both have it
  let on = kind;
  let a = bestOf(points, narrowPattern, on);
  let b = bestOf(points, widePattern, on);
  let lacking: Pattern[] = [];
  if (!a || !b) {
    lacking = [!a ? narrowPattern : null, !b ? widePattern : null].filter((x): x is Pattern => x !== null);
    on = OTHER_ACCURACY_KIND[kind];
    a = bestOf(points, narrowPattern, on);
    b = bestOf(points, widePattern, on);
    if (!a || !b) return { outcome: 'no-common-kind', narrow: narrowPattern, wide: widePattern, lacking };
  }
  const narrowCore = coreCost(narrow);
  const wideCore = coreCost(wide);
  const pair = narrowCore && wideCore ? pairDetails(points, [a, narrowCore], [b, wideCore], on) : undefined;
  return {
    outcome: 'compared',
    narrow: a,
    wide: b,
    accuracyKind: on,
    lacking,
    gainFraction: (a.value - b.value) / a.value,
    area:
      narrowCore && wideCore
        ? { outcome: 'compared', narrow: narrowCore, wide: wideCore, overheadDeltaFraction: wideCore.areaOverheadFraction - narrowCore.areaOverheadFraction, areaDeltaUm2: wideCore.areaUm2 - narrowCore.areaUm2 }
        : { outcome: 'unknown', missing: narrowCore ? widePattern : narrowPattern },
    ...(pair ? { pair } : {}),
  };
}

function side(points: readonly DesignPoint[], best: BestConfiguration, core: CoreCost, kind: AccuracyKind): (PairSide & { perStory?: PerStoryNll }) | undefined {
  const onCore = points.filter((p) => p.profile === core.profile && samePattern(p.pattern, best.pattern));
  const point = onCore.find((p) => p.criterion === best.criterion && p.mitigation === best.mitigation) ?? onCore[0];
  if (!point) return undefined;
  const accuracy = accuracyOf(point, kind);
  const interval = accuracy?.interval;
  const mm2 = chipOverheadMm2(point);
  const iso = isoAreaOf(point);
  const { id, profile, prefillSpeedup, decode, areaOverheadVsDieFraction, chip } = point;
  const slim = { id, profile, prefillSpeedup, decode, ...(areaOverheadVsDieFraction !== undefined ? { areaOverheadVsDieFraction } : {}), ...(chip ? { chip } : {}) };
  return { pattern: best.pattern, point: slim, ...(interval ? { interval } : {}), ...(mm2 !== undefined ? { chipOverheadMm2: mm2 } : {}), ...(iso ? { isoArea: iso } : {}), ...(accuracy?.perStory ? { perStory: accuracy.perStory } : {}) };
}

/** Paired bootstrap of wide − narrow when both figures come story by story from the same stories (same token counts per story). */
function accuracyDifference(narrow: PerStoryNll | undefined, wide: PerStoryNll | undefined): AccuracyDifference | undefined {
  if (!narrow || !wide || narrow.tokens.length !== wide.tokens.length || narrow.tokens.some((t, i) => t !== wide.tokens[i])) return undefined;
  const c = bootstrapPairedPerplexity(wide, narrow);
  return { difference: c.difference, interval: c.differenceInterval, distinguishable: c.distinguishable, stories: c.stories };
}

/** The compared pair on its cores: chip mm², % of die, speed-up deltas per phase, iso-area, and the other cores that run them. */
function pairDetails(points: readonly DesignPoint[], [nb, nc]: [BestConfiguration, CoreCost], [wb, wc]: [BestConfiguration, CoreCost], kind: AccuracyKind): PairDetails | undefined {
  const narrowSide = side(points, nb, nc, kind);
  const wideSide = side(points, wb, wc, kind);
  if (!narrowSide || !wideSide) return undefined;
  const { perStory: narrowStories, ...narrow } = narrowSide;
  const { perStory: wideStories, ...wide } = wideSide;
  const difference = kind === 'measured-perplexity' ? accuracyDifference(narrowStories, wideStories) : undefined;
  const n = narrow.point;
  const w = wide.point;
  const seen = new Set<string>();
  const alternatives: AlternativeCore[] = [];
  for (const p of points) {
    const compared = [narrow, wide].some((q) => q.point.profile === p.profile && samePattern(q.pattern, p.pattern));
    if (compared || !p.native || !(samePattern(p.pattern, nb.pattern) || samePattern(p.pattern, wb.pattern))) continue;
    // only a core that differs in an assumption the answer hinges on: provisioning or node
    const mine = samePattern(p.pattern, nb.pattern) ? n : w;
    if (p.chip && mine.chip && p.chip.provisioning === mine.chip.provisioning && p.chip.tech === mine.chip.tech) continue;
    const key = `${p.profile}|${p.pattern.kind === 'nm' ? `${p.pattern.n}:${p.pattern.m}` : p.pattern.kind}`;
    if (seen.has(key)) continue;
    seen.add(key);
    alternatives.push({ pattern: p.pattern, profile: p.profile, ...(p.chip ? { provisioning: p.chip.provisioning, tech: p.chip.tech } : {}), prefillSpeedup: p.prefillSpeedup, areaOverheadFraction: p.areaOverheadFraction });
  }
  return {
    narrow,
    wide,
    ...(narrow.chipOverheadMm2 !== undefined && wide.chipOverheadMm2 !== undefined ? { chipDeltaMm2: wide.chipOverheadMm2 - narrow.chipOverheadMm2 } : {}),
    ...(n.areaOverheadVsDieFraction !== undefined && w.areaOverheadVsDieFraction !== undefined ? { dieDeltaFraction: w.areaOverheadVsDieFraction - n.areaOverheadVsDieFraction } : {}),
    ...(difference ? { accuracyDifference: difference } : {}),
    prefillDelta: w.prefillSpeedup - n.prefillSpeedup,
    decodeDelta: n.decode.flatMap((d) => {
      const x = w.decode.find((e) => e.batchTokens === d.batchTokens);
      return x ? [{ batchTokens: d.batchTokens, delta: x.speedup - d.speedup, narrow: d.speedup, wide: x.speedup }] : [];
    }),
    alternatives,
  };
}

export function recommend(input: RecommendationInput): Recommendation {
  const { points, summary } = input;
  if (points.length === 0) return { outcome: 'no-design-point' };
  const kind: AccuracyKind = input.accuracyKind ?? summary[0]?.accuracyKind ?? points[0].accuracy.kind;
  const byId = new Map(points.map((p) => [p.id, p]));
  const front = input.frontIds.map((id) => byId.get(id)).filter((p): p is DesignPoint => p !== undefined);
  if (front.length === 0) return { outcome: 'no-front', accuracyKind: kind };
  const frontPatterns = distinctPatterns(front.map((p) => p.pattern));
  const off = summary.filter((s) => !frontPatterns.some((p) => samePattern(p, s.pattern)));
  return {
    outcome: 'front',
    accuracyKind: kind,
    measuredPatterns: distinctPatterns(points.filter((p) => accuracyOf(p, 'measured-perplexity')).map((p) => p.pattern)),
    front: frontPatterns.map((pattern) => ({ pattern, profiles: [...new Set(front.filter((p) => samePattern(p.pattern, pattern)).map((p) => p.profile))].sort() })),
    notOnFront: off.filter((s) => s.accuracyValue !== null).map((s) => s.pattern),
    lackingKind: off.filter((s) => s.accuracyValue === null).map((s) => s.pattern),
    comparison: comparePair(points, summary, kind, input.compare ?? DEFAULT_COMPARISON),
    ...(input.weightBaseline ? { weightBaseline: compareWithWeights(points, summary, input.weightBaseline, (input.compare ?? DEFAULT_COMPARISON)[0]) } : {}),
  };
}

function onCore(p: DesignPoint, value: number, compatible: boolean): ConfigurationOnCore {
  return { pattern: p.pattern, criterion: p.criterion, mitigation: p.mitigation, value, profile: p.profile, compatible, prefillSpeedup: p.prefillSpeedup, areaOverheadFraction: p.areaOverheadFraction };
}

/**
 * The pattern's activations against the weight baseline, on measured perplexity only (the
 * baseline has no proxy): the pattern's most accurate measured configuration on the core its
 * summary row names (the cheapest that runs it).
 */
function compareWithWeights(points: readonly DesignPoint[], summary: readonly PatternSummary[], baseline: DesignPoint, pattern: Pattern): WeightComparison {
  const weight = onCore(baseline, baseline.accuracy.value, !baseline.native);
  const row = summary.find((s) => samePattern(s.pattern, pattern));
  const best = bestOf(points, pattern, 'measured-perplexity');
  const core = row ? (row.nativeProfile ?? row.compatibleProfile) : null;
  const point = best && core !== null ? points.find((p) => p.profile === core && samePattern(p.pattern, pattern) && p.criterion === best.criterion && p.mitigation === best.mitigation) : undefined;
  if (!best || !row || !point) return { outcome: 'baseline-only', activationPattern: pattern, weight };
  const difference = accuracyDifference(accuracyOf(point, 'measured-perplexity')?.perStory, baseline.accuracy.kind === 'measured-perplexity' ? baseline.accuracy.perStory : undefined);
  return { outcome: 'compared', activation: onCore(point, best.value, row.nativeProfile === null), weight, prefillSpeedupRatio: point.prefillSpeedup / baseline.prefillSpeedup, ...(difference ? { accuracyDifference: difference } : {}) };
}
