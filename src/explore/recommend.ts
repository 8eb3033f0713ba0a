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
    };

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
  return { outcome: 'compared', activation: onCore(point, best.value, row.nativeProfile === null), weight, prefillSpeedupRatio: point.prefillSpeedup / baseline.prefillSpeedup };
}
