/**
 * The objectives a design point can be judged on, with their directions, and the fronts the
 * review draws. Accuracy is only compared within one accuracy kind (perplexity and proxy error
 * are different quantities), so a front that includes accuracy is computed over the points of
 * one kind.
 */
import { accuracyOf, asKind, objectiveDecode, patternKey, type AccuracyKind, type DesignPoint } from './design-point.js';
import { paretoFront, type Objective } from './pareto.js';

export const OBJECTIVE_NAMES = [
  'accuracy',
  'area_overhead_fraction',
  'prefill_speedup',
  'decode_speedup',
  'io_savings_fraction',
] as const;
export type ObjectiveName = (typeof OBJECTIVE_NAMES)[number];

export const DESIGN_OBJECTIVES: Record<ObjectiveName, Objective<DesignPoint>> = {
  accuracy: { name: 'accuracy', direction: 'minimize', value: (p) => p.accuracy.value },
  area_overhead_fraction: { name: 'area_overhead_fraction', direction: 'minimize', value: (p) => p.areaOverheadFraction },
  prefill_speedup: { name: 'prefill_speedup', direction: 'maximize', value: (p) => p.prefillSpeedup },
  // decode objectives are taken at the review's largest decode batch (objectiveDecode); the
  // review's own fronts (accuracy vs area, accuracy vs prefill) do not use them
  decode_speedup: { name: 'decode_speedup', direction: 'maximize', value: (p) => objectiveDecode(p).speedup },
  io_savings_fraction: { name: 'io_savings_fraction', direction: 'maximize', value: (p) => objectiveDecode(p).ioSavingsFraction },
};

export function isObjectiveName(s: string): s is ObjectiveName {
  return (OBJECTIVE_NAMES as readonly string[]).includes(s);
}

/**
 * The accuracy kind a review compares on: measured perplexity when it covers at least
 * `minMeasured` patterns (something to compare), or every pattern of the sweep (one measured
 * pattern alone: nothing else to compare it with); else the proxy, which the analysis gives
 * every pattern. Counting patterns, not points: one pattern measured on three cores says
 * nothing about the others.
 */
export function headlineAccuracyKind(points: readonly DesignPoint[], minMeasured = 2): AccuracyKind {
  const patterns = new Set(points.map((p) => patternKey(p.pattern)));
  const measured = new Set(points.filter((p) => accuracyOf(p, 'measured-perplexity')).map((p) => patternKey(p.pattern)));
  const proxied = new Set(points.filter((p) => accuracyOf(p, 'proxy-rel-err')).map((p) => patternKey(p.pattern)));
  if (measured.size >= minMeasured || (measured.size > 0 && measured.size === patterns.size)) return 'measured-perplexity';
  return proxied.size > 0 || measured.size === 0 ? 'proxy-rel-err' : 'measured-perplexity';
}

export interface DesignFront {
  objectives: ObjectiveName[];
  accuracyKind: AccuracyKind | null;
  /** the points the front was computed over (all points, or those with an `accuracyKind` figure, `accuracy` set to it) */
  candidates: DesignPoint[];
  /** ids of the points on the front, in candidate order */
  frontIds: string[];
}

/** Pareto front of design points over named objectives (2 or 3 in reports). */
export function designFront(
  points: readonly DesignPoint[],
  objectives: readonly ObjectiveName[],
  accuracyKind?: AccuracyKind,
): DesignFront {
  const usesAccuracy = objectives.includes('accuracy');
  const kind = usesAccuracy ? (accuracyKind ?? headlineAccuracyKind(points)) : null;
  const candidates = kind === null ? [...points] : points.flatMap((p) => asKind(p, kind) ?? []);
  const result = paretoFront(candidates, objectives.map((n) => DESIGN_OBJECTIVES[n]));
  return {
    objectives: [...objectives],
    accuracyKind: kind,
    candidates,
    frontIds: result.front.map((i) => candidates[i].id),
  };
}
