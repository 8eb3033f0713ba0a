/**
 * Per-pattern summary of a sweep: the best accuracy each pattern reaches (any criterion ×
 * mitigation) on ONE accuracy kind, the review's headline kind — a pattern without a figure of
 * that kind gets none (null), never a figure of the other kind — and the cheapest core that
 * runs it natively (else the cheapest that runs it through a compatible pattern, wider or narrower) with
 * that core's speed-ups and I/O savings.
 */
import { samePattern, type Pattern } from '../sparsity/pattern.js';
import { accuracyOf, compareDesignPoints, distinctPatterns, isWeightPoint, type AccuracyKind, type DecodeAtBatch, type DesignPoint } from './design-point.js';

export interface PatternSummary {
  pattern: Pattern;
  /** "criterion+mitigation" of the most accurate point of this pattern (null: no figure of the kind) */
  bestConfig: string | null;
  /** best accuracy of `accuracyKind` (null: the pattern has no figure of that kind) */
  accuracyValue: number | null;
  /** the kind every row of one summary shares */
  accuracyKind: AccuracyKind;
  /** the cheapest profile that runs the pattern natively, if any */
  nativeProfile: string | null;
  /** when no profile runs it natively: the cheapest that runs it through a compatible pattern (wider or narrower) */
  compatibleProfile: string | null;
  areaUm2: number | null;
  areaOverheadFraction: number | null;
  prefillSpeedup: number | null;
  /** that core's decode figures, one per decode batch (empty when no core runs the pattern) */
  decode: DecodeAtBatch[];
  /** some point of this pattern is on the headline front */
  onFront: boolean;
}

/** The first of the minima under the stable design-point order (deterministic ties). */
function argMin<T>(items: readonly T[], key: (t: T) => number, order: (a: T, b: T) => number): T | undefined {
  return [...items].sort((a, b) => key(a) - key(b) || order(a, b))[0];
}

export function summarizeByPattern(points: readonly DesignPoint[], accuracyKind: AccuracyKind, frontIds: readonly string[]): PatternSummary[] {
  const front = new Set(frontIds);
  const rows: PatternSummary[] = [];
  for (const pattern of distinctPatterns(points.map((p) => p.pattern))) {
    const of = points.filter((p) => samePattern(p.pattern, pattern));
    const value = (p: DesignPoint) => accuracyOf(p, accuracyKind)!.value;
    const best = argMin(of.filter((p) => accuracyOf(p, accuracyKind)), value, compareDesignPoints);
    const cheapestNative = argMin(of.filter((p) => p.native), (p) => p.areaOverheadFraction, compareDesignPoints);
    const cheapestCompatible = cheapestNative ? undefined : argMin(of, (p) => p.areaOverheadFraction, compareDesignPoints);
    const chosen = cheapestNative ?? cheapestCompatible;
    const onCore = chosen
      ? ((best && of.find((p) => p.profile === chosen.profile && p.criterion === best.criterion && p.mitigation === best.mitigation)) ?? chosen)
      : undefined;
    rows.push({
      pattern,
      bestConfig: best ? `${best.criterion}+${best.mitigation}` : null,
      accuracyValue: best ? value(best) : null,
      accuracyKind,
      nativeProfile: cheapestNative ? onCore!.profile : null,
      compatibleProfile: cheapestCompatible ? onCore!.profile : null,
      areaUm2: onCore?.areaUm2 ?? null,
      areaOverheadFraction: onCore?.areaOverheadFraction ?? null,
      prefillSpeedup: onCore?.prefillSpeedup ?? null,
      decode: onCore ? onCore.decode.map((d) => ({ ...d })) : [],
      onFront: of.some((p) => front.has(p.id)),
    });
  }
  return rows;
}

/**
 * The weight baseline: today's sparse tensor core running pruned weights — the most accurate
 * weight point (measured perplexity), on the core that runs it fastest in prefill (ties: the
 * stable design-point order). Undefined when the review has no weight point.
 */
export function weightBaselinePoint(points: readonly DesignPoint[]): DesignPoint | undefined {
  return [...points.filter(isWeightPoint)].sort((a, b) => a.accuracy.value - b.accuracy.value || b.prefillSpeedup - a.prefillSpeedup || compareDesignPoints(a, b))[0];
}
