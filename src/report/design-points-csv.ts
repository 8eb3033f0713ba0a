/**
 * design-points.csv: one row per design point in the stable design-point order, snake_case
 * headers with units, fixed precision (report/format.ts). Empty cell = not applicable.
 */
import { csvText } from './csv.js';
import { accuracyOf, decodeAt, sortDesignPoints, type DesignPoint } from '../explore/design-point.js';
import { fixed, patternText, PRECISION } from './format.js';
import { chipCoresMm2, chipOverheadMm2, isoAreaOf, perfPerAreaVsDense } from '../explore/iso-area.js';
import type { PatternEnergy } from '../review/energy.js';

/** Shares of an SM or a die are small (0.0031): six digits keep them readable. */
const SHARE_DIGITS = 6;
import { energyCsvCells, energyCsvColumns, energyLookup } from './review-energy.js';

/** Column names for decode at batch B: one speed-up and one I/O-savings column per batch. */
export function decodeColumns(batch: number): [string, string] {
  return [`decode_speedup_b${batch}`, `decode_io_savings_fraction_b${batch}`];
}

/** The fixed columns; the decode columns (decodeColumns, per batch) follow prefill_speedup. */
export const DESIGN_POINT_COLUMNS = [
  'profile',
  // the core's design on the review's axes (review/axes.ts): the profile it derives from and its choices
  'variant_of',
  'selector_style',
  'metadata_encoding',
  'provisioning',
  'pattern',
  'criterion',
  'mitigation',
  // activation (pruned online) or weight (pruned offline: today's 2:4 cores, the baseline)
  'operand',
  'native',
  'executed_as',
  'accuracy_kind',
  'perplexity',
  'proxy_rel_err_l2',
  'accuracy_source',
  'model',
  'prefill_tokens',
  'decode_context_tokens',
  'prefill_speedup',
  'area_um2',
  'dense_area_um2',
  'area_overhead_fraction',
  'area_overhead_vs_sm_fraction',
  'area_overhead_vs_die_fraction',
  // chip level (explore/iso-area.ts): the core × the profile's tensor cores, and the iso-area alternative
  'chip_tensor_cores',
  'chip_cores_mm2',
  'chip_area_overhead_mm2',
  'prefill_perf_per_area_vs_dense',
  'iso_area_extra_dense_cores',
  'iso_area_prefill_speedup',
  'on_accuracy_area_front',
  'on_accuracy_speedup_front',
  'prefill_bottleneck',
] as const;

/** Column of the sparse decode step's binding resource at batch B (after prefill_bottleneck). */
export function decodeBottleneckColumn(batch: number): string {
  return `decode_bottleneck_b${batch}`;
}

/** Column of whether the decode batch B's weights + KV cache at the decode context fit in the core's DRAM (after the iso-area columns; empty: not checked) */
export function decodeFitsColumn(batch: number): string {
  return `decode_fits_b${batch}`;
}

/** Column of the iso-area alternative's decode speed-up at batch B (after the bottleneck columns). */
export function isoAreaDecodeColumn(batch: number): string {
  return `iso_area_decode_speedup_b${batch}`;
}

/**
 * Header row: the fixed columns with the decode pair for each batch (ascending) after
 * prefill_speedup, a decode bottleneck column per batch, then the energy columns
 * (report/review-energy.ts: mJ per token, the point's core and its dense core).
 */
export function designPointsHeader(decodeBatches: readonly number[]): string[] {
  const cols: string[] = [...DESIGN_POINT_COLUMNS];
  const at = cols.indexOf('prefill_speedup') + 1;
  cols.splice(at, 0, ...decodeBatches.flatMap(decodeColumns));
  cols.push(...decodeBatches.map(decodeBottleneckColumn));
  cols.push('dense_prefill_bottleneck', ...decodeBatches.map((b) => `dense_decode_bottleneck_b${b}`));
  cols.push(...decodeBatches.map(isoAreaDecodeColumn));
  cols.push(...decodeBatches.map(decodeFitsColumn));
  return [...cols, ...energyCsvColumns(decodeBatches)];
}

function accuracyCsv(p: DesignPoint, kind: 'measured-perplexity' | 'proxy-rel-err', digits: number): string {
  const a = accuracyOf(p, kind);
  return a ? fixed(a.value, digits) : '';
}

export function designPointsCsv(
  points: readonly DesignPoint[],
  headlineFrontIds: readonly string[],
  speedupFrontIds: readonly string[],
  decodeBatches: readonly number[],
  /** the review's energy rows (empty cells where absent) */
  energy?: readonly PatternEnergy[],
): string {
  const headline = new Set(headlineFrontIds);
  const speed = new Set(speedupFrontIds);
  const decodeCells = (p: DesignPoint): string[] =>
    decodeBatches.flatMap((b) => {
      const d = decodeAt(p, b);
      return d ? [fixed(d.speedup, PRECISION.speedup), fixed(d.ioSavingsFraction, PRECISION.fraction)] : ['', ''];
    });
  const opt = (v: number | undefined, digits: number) => (v === undefined ? '' : fixed(v, digits));
  const energyOfPoint = energyLookup(energy);
  const rows = sortDesignPoints(points).map((p) => {
    // weight points are the baseline, not a sparse core to price against dense cores
    const iso = p.operand === 'activation' ? isoAreaOf(p) : undefined;
    return [
    p.profile,
    p.variant?.base ?? '',
    p.variant?.selectorStyle ?? '',
    p.variant?.metadataEncoding ?? '',
    p.variant?.provisioning ?? '',
    patternText(p.pattern),
    p.criterion,
    p.mitigation,
    p.operand,
    p.native ? 'true' : 'false',
    patternText(p.executedAs),
    p.accuracy.kind,
    // both figures where the point has both (measured perplexity beside its analysis proxy)
    accuracyCsv(p, 'measured-perplexity', PRECISION.perplexity),
    accuracyCsv(p, 'proxy-rel-err', PRECISION.relErr),
    p.accuracy.source,
    p.model,
    String(p.prefillTokens),
    String(p.decodeContextTokens),
    fixed(p.prefillSpeedup, PRECISION.speedup),
    ...decodeCells(p),
    fixed(p.areaUm2, PRECISION.areaUm2),
    fixed(p.denseAreaUm2, PRECISION.areaUm2),
    fixed(p.areaOverheadFraction, PRECISION.fraction),
    p.areaOverheadVsSmFraction === undefined ? '' : fixed(p.areaOverheadVsSmFraction, SHARE_DIGITS),
    p.areaOverheadVsDieFraction === undefined ? '' : fixed(p.areaOverheadVsDieFraction, SHARE_DIGITS),
    p.chip ? String(p.chip.tensorCores) : '',
    opt(chipCoresMm2(p), PRECISION.fraction),
    opt(chipOverheadMm2(p), PRECISION.fraction),
    fixed(perfPerAreaVsDense(p.prefillSpeedup, p), PRECISION.speedup),
    opt(iso?.extraDenseCores, PRECISION.fraction),
    opt(iso?.prefill.isoAreaSpeedup, PRECISION.speedup),
    headline.has(p.id) ? 'true' : 'false',
    speed.has(p.id) ? 'true' : 'false',
    p.prefillBottleneck ?? '',
    ...decodeBatches.map((b) => decodeAt(p, b)?.bottleneck ?? ''),
    p.densePrefillBottleneck ?? '',
    ...decodeBatches.map((b) => decodeAt(p, b)?.denseBottleneck ?? ''),
    ...decodeBatches.map((b) => opt(iso?.decode.find((d) => d.batchTokens === b)?.isoAreaSpeedup, PRECISION.speedup)),
    ...decodeBatches.map((b) => {
      const fits = decodeAt(p, b)?.fits;
      return fits === undefined ? '' : fits ? 'true' : 'false';
    }),
    ...energyCsvCells(p, energyOfPoint, decodeBatches),
  ];
  });
  return csvText([designPointsHeader(decodeBatches), ...rows]);
}
