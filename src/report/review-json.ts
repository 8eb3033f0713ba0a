/**
 * `nmsim review --json`: one document with where the report went, the recommendation, the front,
 * the summary per pattern and every design point (snake_case keys with units).
 */
import type { Diagnostic } from '../diagnostics.js';
import { sortDesignPoints, type DecodeAtBatch } from '../explore/design-point.js';
import { weightBaselineJson, weightBaselineRow } from './review-baseline.js';
import type { ReviewData } from '../review/review-data.js';
import { patternText } from './format.js';
import { recommendationText } from './recommendation.js';
import { pairEnergyText } from './review-energy.js';
import { chipCoresMm2, chipOverheadMm2, isoAreaOf, perfPerAreaVsDense } from '../explore/iso-area.js';
import { sensitivityJson } from './review-sensitivity.js';
import { servingJson } from './review-serving.js';

/** Where the report folder went (report/write-report.ts WrittenReport). */
export interface ReportLocation {
  outDir: string;
  headlinePng: string;
  files: string[];
}

function decodeJson(d: DecodeAtBatch): { batch_tokens: number; speedup: number; io_savings_fraction: number } {
  return { batch_tokens: d.batchTokens, speedup: d.speedup, io_savings_fraction: d.ioSavingsFraction };
}

/** The iso-area alternative of an activation point with a chip (explore/iso-area.ts); nothing otherwise. */
function isoJson(p: ReviewData['points'][number]) {
  const iso = p.operand === 'activation' ? isoAreaOf(p) : undefined;
  if (!iso) return {};
  const phase = (x: { isoAreaSpeedup: number; bound: boolean; sparseWins: boolean; denseBottleneck?: string }) => ({ speedup: x.isoAreaSpeedup, dense_bottleneck: x.denseBottleneck ?? null, memory_bound: x.bound, sparse_wins: x.sparseWins });
  return {
    iso_area: {
      extra_mm2: iso.extraMm2,
      dense_core_mm2: iso.denseCoreMm2,
      extra_dense_cores: iso.extraDenseCores,
      prefill: phase(iso.prefill),
      decode: iso.decode.map((d) => ({ batch_tokens: d.batchTokens, ...phase(d) })),
    },
  };
}

/** The compared pair as numbers: accuracy, area per core and per chip, speed-up deltas, iso-area. */
function comparisonJson(data: ReviewData) {
  const r = data.recommendation;
  if (r.outcome !== 'front' || r.comparison.outcome !== 'compared' || !r.comparison.pair) return null;
  const c = r.comparison;
  const pair = c.pair!;
  const side = (x: typeof pair.narrow, best: typeof c.narrow) => ({
    pattern: patternText(x.pattern),
    profile: x.point.profile,
    config: `${best.criterion}+${best.mitigation}`,
    accuracy: best.value,
    accuracy_interval_95: x.interval ? [x.interval[0], x.interval[1]] : null,
    chip_area_overhead_mm2: x.chipOverheadMm2 ?? null,
    area_overhead_vs_die_fraction: x.point.areaOverheadVsDieFraction ?? null,
    prefill_speedup: x.point.prefillSpeedup,
    iso_area_prefill_speedup: x.isoArea?.prefill.isoAreaSpeedup ?? null,
    beats_iso_area_in_prefill: x.isoArea?.prefill.sparseWins ?? null,
  });
  return {
    accuracy_kind: c.accuracyKind,
    narrow: side(pair.narrow, c.narrow),
    wide: side(pair.wide, c.wide),
    accuracy_gain_fraction: c.gainFraction,
    // wide − narrow perplexity with its paired-bootstrap 95 % interval (null without per-story NLL on both)
    accuracy_delta: pair.accuracyDifference
      ? { value: pair.accuracyDifference.difference, interval_95: [pair.accuracyDifference.interval[0], pair.accuracyDifference.interval[1]], distinguishable: pair.accuracyDifference.distinguishable, stories: pair.accuracyDifference.stories }
      : null,
    area_delta_um2_per_core: c.area.outcome === 'compared' ? c.area.areaDeltaUm2 : null,
    chip_area_delta_mm2: pair.chipDeltaMm2 ?? null,
    die_delta_fraction: pair.dieDeltaFraction ?? null,
    prefill_speedup_delta: pair.prefillDelta,
    decode_speedup_delta: pair.decodeDelta.map((d) => ({ batch_tokens: d.batchTokens, delta: d.delta })),
  };
}

export function reviewJson(data: ReviewData, written: ReportLocation, warnings: readonly Diagnostic[], elapsedS: number) {
  return {
    ok: true,
    out: written.outDir,
    headline_png: written.headlinePng,
    files: written.files,
    recommendation: recommendationText(data.recommendation),
    // the named pair's numbers (issue 16), null when the two were not compared on their cores
    comparison: comparisonJson(data),
    accuracy_kind: data.headline.accuracyKind,
    design_points: data.points.length,
    decode_batches: data.decodeBatches,
    front: data.headline.frontIds,
    summary: data.summary.map((s) => ({
      pattern: patternText(s.pattern),
      best_config: s.bestConfig,
      accuracy: s.accuracyValue,
      accuracy_kind: s.accuracyKind,
      native_profile: s.nativeProfile,
      compatible_profile: s.compatibleProfile,
      area_um2: s.areaUm2,
      area_overhead_fraction: s.areaOverheadFraction,
      prefill_speedup: s.prefillSpeedup,
      decode: s.decode.map(decodeJson),
      on_front: s.onFront,
    })),
    // "2:4 weights on today's core", only when the review has a weight point (absent: the JSON is as before)
    ...(data.weightBaselineId !== undefined ? { weight_baseline: weightBaselineJson(weightBaselineRow(data)) } : {}),
    points: sortDesignPoints(data.points).map((p) => ({
      profile: p.profile,
      // the core's design on the review's axes (review/axes.ts), when it has one
      ...(p.variant ? { variant_of: p.variant.base, selector_style: p.variant.selectorStyle, metadata_encoding: p.variant.metadataEncoding, provisioning: p.variant.provisioning } : {}),
      operand: p.operand,
      pattern: patternText(p.pattern),
      criterion: p.criterion,
      mitigation: p.mitigation,
      accuracy: p.accuracy.value,
      accuracy_kind: p.accuracy.kind,
      // only when the data has one (bootstrap over stories): absent, the JSON is as before
      ...(p.accuracy.interval ? { accuracy_interval_95: [p.accuracy.interval[0], p.accuracy.interval[1]] } : {}),
      prefill_speedup: p.prefillSpeedup,
      decode: p.decode.map(decodeJson),
      area_um2: p.areaUm2,
      area_overhead_fraction: p.areaOverheadFraction,
      ...(p.areaOverheadVsSmFraction !== undefined ? { area_overhead_vs_sm_fraction: p.areaOverheadVsSmFraction } : {}),
      ...(p.areaOverheadVsDieFraction !== undefined ? { area_overhead_vs_die_fraction: p.areaOverheadVsDieFraction } : {}),
      ...(p.chip ? { chip_tensor_cores: p.chip.tensorCores, chip_cores_mm2: chipCoresMm2(p), chip_area_overhead_mm2: chipOverheadMm2(p) } : {}),
      prefill_perf_per_area_vs_dense: perfPerAreaVsDense(p.prefillSpeedup, p),
      ...isoJson(p),
    })),
    // energy per token of every profile × pattern and each profile's dense core (review/energy.ts)
    energy_sentence: pairEnergyText(data) ?? null,
    energy: (data.energy ?? []).map((e) => ({
      profile: e.profile,
      pattern: patternText(e.pattern),
      ...(e.operand ? { operand: e.operand } : {}),
      prefill_j_per_token: e.prefill.joulesPerToken,
      decode: e.decode.map((d) => ({ batch_tokens: d.batchTokens, j_per_token: d.joulesPerToken, average_power_w: d.averagePowerW })),
    })),
    // every variant × pattern of the design axes and the one chosen per core, provisioning and pattern (explore/variants.ts)
    ...(data.variants
      ? {
          variants: data.variants.map((v) => ({
            profile: v.profile,
            variant_of: v.base,
            selector_style: v.selectorStyle,
            metadata_encoding: v.metadataEncoding,
            provisioning: v.provisioning,
            pattern: patternText(v.pattern),
            native: v.native,
            area_um2: v.areaUm2,
            area_overhead_fraction: v.areaOverheadFraction,
            prefill_speedup: v.prefillSpeedup,
            decode: v.decode.map((d) => ({ batch_tokens: d.batchTokens, speedup: d.speedup })),
            chosen: v.chosen,
            chosen_profile: v.chosenProfile,
          })),
        }
      : {}),
    // the serving metrics (review/serving.ts), when the review computed them
    ...(data.serving ? { serving: servingJson(data.serving) } : {}),
    // the sensitivity sweep, only when requested (absent: the JSON is as before)
    ...(data.sensitivity ? { sensitivity: sensitivityJson(data.sensitivity) } : {}),
    warnings: warnings.map((w) => ({ code: w.code, message: w.message, file: w.file, path: w.path })),
    elapsed_s: Number(elapsedS.toFixed(2)),
  };
}
