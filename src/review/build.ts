/**
 * Assembles a design review from a finished sweep: the headline front (accuracy vs area
 * overhead) and the speed-up front on the same accuracy kind, the per-pattern summary, the
 * recommendation, and notes on what was skipped. Pure; runReview (run-review.ts) gathers the
 * inputs (profiles, bundles, model results) and report/ renders the outcome.
 */
import type { ReviewData } from './review-data.js';
import { accuracyOf, activationPoints, distinctPatterns, isWeightPoint, patternKey } from '../explore/design-point.js';
import { designFront, headlineAccuracyKind } from '../explore/objectives.js';
import { recommend } from '../explore/recommend.js';
import { summarizeByPattern, weightBaselinePoint } from '../explore/summary.js';
import type { SweepResult } from '../explore/sweep.js';
import { countNoun } from '../plural.js';
import { formatPattern, type Pattern } from '../sparsity/pattern.js';

/** What buildReview needs: the report's pass-through fields plus the sweep it derives the rest from. */
export type ReviewInput = Pick<
  ReviewData,
  | 'title'
  | 'toolVersion'
  | 'workload'
  | 'decodeBatches'
  | 'profiles'
  | 'bundles'
  | 'accuracyReferences'
  | 'ioSavings'
  | 'areaBreakdown'
  | 'energy'
  | 'unionDensity'
  | 'unionDensitySource'
  | 'assumptions'
  | 'notes'
  | 'serving'
> & {
  sweep: SweepResult;
  /** the pair the recommendation compares, default [8:16, 16:32] */
  compare?: [Pattern, Pattern];
};

export function buildReview(input: ReviewInput): ReviewData {
  // the fronts, the summary per pattern and the recommendation are about activation patterns;
  // weight points (today's cores) are the baseline beside them, never a candidate
  const allPoints = input.sweep.points;
  const points = activationPoints(allPoints);
  const weightBaseline = weightBaselinePoint(allPoints);
  const kind = headlineAccuracyKind(points);
  const headline = designFront(points, ['accuracy', 'area_overhead_fraction'], kind);
  const speed = designFront(points, ['accuracy', 'prefill_speedup'], kind);
  const summary = summarizeByPattern(points, kind, headline.frontIds);
  const notes = [...input.notes];
  const runsDense = input.sweep.skipped.filter((s) => s.reason === 'runs-dense');
  if (runsDense.length > 0) {
    const byProfile = new Map<string, Pattern[]>();
    for (const s of runsDense) byProfile.set(s.profile, [...(byProfile.get(s.profile) ?? []), s.pattern]);
    const parts = [...byProfile].map(([profile, pats]) => `${profile}: ${[...new Set(pats.map(formatPattern))].join(', ')}`);
    notes.push(`Not design points (the core would run them dense, so pruning buys nothing) — ${parts.join('; ')}.`);
  }
  const noAccuracy = input.sweep.skipped.filter((s) => s.reason === 'no-accuracy');
  if (noAccuracy.length > 0) {
    const configs = [...new Set(noAccuracy.map((s) => `${formatPattern(s.pattern)} ${s.criterion}+${s.mitigation}`))];
    notes.push(`No accuracy (neither a measured run nor an analysis proxy) for: ${configs.join('; ')}.`);
  }
  const lacking = points.filter((p) => !accuracyOf(p, kind)).length;
  if (lacking > 0) {
    notes.push(`${countNoun(lacking, 'design point')} ${lacking === 1 ? 'has' : 'have'} only the ${kind === 'measured-perplexity' ? 'analysis proxy' : 'measured perplexity'}; ${lacking === 1 ? 'it is' : 'they are'} in design-points.csv but not on the ${kind} charts, which never mix the two kinds.`);
  }
  if (kind === 'proxy-rel-err') {
    const measuredPatterns = distinctPatterns(points.filter((p) => accuracyOf(p, 'measured-perplexity')).map((p) => p.pattern));
    if (measuredPatterns.length > 0) {
      notes.push(`Measured perplexity exists only for ${measuredPatterns.map(patternKey).join(', ')}: too few patterns to compare on it, so the summary, the fronts and the charts use the analysis proxy for every pattern; the perplexities are in design-points.csv and in the bundle's runs.`);
    }
  }
  const weightPoints = allPoints.filter(isWeightPoint);
  if (weightPoints.length > 0) {
    const cores = [...new Set(weightPoints.map((p) => p.profile))].sort();
    notes.push(
      `Weight points (${countNoun(weightPoints.length, 'point')} on ${cores.join(', ')}): measured runs with pruned weights, on the cores that run their pattern on weights (sparsity.operand weight or both), priced with the weight plan (compressed weights + metadata, no online pruning). They have no activation masks to analyse, so no proxy; the most accurate weight run of each pattern is drawn with its own marker (the others only stretch the axis: design-points.csv has them). They are the baseline, not candidates: the fronts, the summary per pattern and the recommendation's front are over activation points.`,
    );
  }
  const withoutCore = input.sweep.weightRunsWithoutCore ?? [];
  if (withoutCore.length > 0) {
    const weightCores = distinctPatterns(weightPoints.map((p) => p.pattern)).map(patternKey);
    notes.push(
      `Weight runs without a design point (no swept core runs their pattern on weights${weightCores.length > 0 ? `: today's cores take ${weightCores.join(', ')} weights only` : ''}); their perplexities are in the bundle's run table: ${withoutCore.map((r) => `${formatPattern(r.pattern)} ${r.criterion} ${r.perplexity.toFixed(4)} ("${r.runId}")`).join(', ')}.`,
    );
  }
  return {
    title: input.title,
    toolVersion: input.toolVersion,
    workload: input.workload,
    decodeBatches: [...input.decodeBatches],
    profiles: input.profiles,
    bundles: input.bundles,
    points: allPoints,
    headline: { accuracyKind: kind, frontIds: headline.frontIds },
    ...(weightBaseline ? { weightBaselineId: weightBaseline.id } : {}),
    speedupFrontIds: speed.frontIds,
    accuracyReferences: input.accuracyReferences,
    summary,
    ioSavings: input.ioSavings,
    areaBreakdown: input.areaBreakdown,
    ...(input.energy ? { energy: input.energy } : {}),
    unionDensity: input.unionDensity,
    unionDensitySource: input.unionDensitySource,
    recommendation: recommend({ points, frontIds: headline.frontIds, summary, accuracyKind: kind, compare: input.compare, ...(weightBaseline ? { weightBaseline } : {}) }),
    assumptions: input.assumptions,
    notes,
    ...(input.serving ? { serving: input.serving } : {}),
  };
}
