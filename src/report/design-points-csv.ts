/**
 * design-points.csv: one row per design point in the stable design-point order, snake_case
 * headers with units, fixed precision (report/format.ts). Empty cell = not applicable.
 */
import { stringify } from 'csv-stringify/sync';
import { accuracyOf, decodeAt, sortDesignPoints, type DesignPoint } from '../explore/design-point.js';
import { fixed, patternText, PRECISION } from './format.js';
import type { PatternEnergy } from '../review/energy.js';

/** Shares of an SM or a die are small (0.0031): six digits keep them readable. */
const SHARE_DIGITS = 6;
import { energyCsvCells, energyCsvColumns } from './review-energy.js';

/** Column names for decode at batch B: one speed-up and one I/O-savings column per batch. */
export function decodeColumns(batch: number): [string, string] {
  return [`decode_speedup_b${batch}`, `decode_io_savings_fraction_b${batch}`];
}

/** The fixed columns; the decode columns (decodeColumns, per batch) follow prefill_speedup. */
export const DESIGN_POINT_COLUMNS = [
  'profile',
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
  'on_accuracy_area_front',
  'on_accuracy_speedup_front',
  'prefill_bottleneck',
] as const;

/** Column of the sparse decode step's binding resource at batch B (after prefill_bottleneck). */
export function decodeBottleneckColumn(batch: number): string {
  return `decode_bottleneck_b${batch}`;
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
  const rows = sortDesignPoints(points).map((p) => [
    p.profile,
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
    headline.has(p.id) ? 'true' : 'false',
    speed.has(p.id) ? 'true' : 'false',
    p.prefillBottleneck ?? '',
    ...decodeBatches.map((b) => decodeAt(p, b)?.bottleneck ?? ''),
    ...energyCsvCells(p, energy, decodeBatches),
  ]);
  return stringify([designPointsHeader(decodeBatches), ...rows], { record_delimiter: '\n' });
}
