/**
 * design-points.csv: one row per design point in the stable design-point order, snake_case
 * headers with units, fixed precision (report/format.ts). Empty cell = not applicable.
 */
import { stringify } from 'csv-stringify/sync';
import { sortDesignPoints, type DesignPoint } from '../explore/design-point.js';
import { fixed, PRECISION } from './format.js';

export const DESIGN_POINT_COLUMNS = [
  'profile',
  'pattern',
  'criterion',
  'mitigation',
  'native',
  'executed_as',
  'accuracy_kind',
  'perplexity',
  'proxy_rel_err_l2',
  'accuracy_source',
  'model',
  'prefill_tokens',
  'decode_batch',
  'decode_context_tokens',
  'prefill_speedup',
  'decode_speedup',
  'io_savings_fraction',
  'area_um2',
  'dense_area_um2',
  'area_overhead_fraction',
  'on_accuracy_area_front',
  'on_accuracy_speedup_front',
] as const;

export function designPointsCsv(points: readonly DesignPoint[], headlineFrontIds: readonly string[], speedupFrontIds: readonly string[]): string {
  const headline = new Set(headlineFrontIds);
  const speed = new Set(speedupFrontIds);
  const rows = sortDesignPoints(points).map((p) => [
    p.profile,
    p.pattern,
    p.criterion,
    p.mitigation,
    p.native ? 'true' : 'false',
    p.executedAs,
    p.accuracy.kind,
    p.accuracy.kind === 'measured-perplexity' ? fixed(p.accuracy.value, PRECISION.perplexity) : '',
    p.accuracy.kind === 'proxy-rel-err' ? fixed(p.accuracy.value, PRECISION.relErr) : '',
    p.accuracy.source,
    p.model,
    String(p.prefillTokens),
    String(p.decodeBatch),
    String(p.decodeContextTokens),
    fixed(p.prefillSpeedup, PRECISION.speedup),
    fixed(p.decodeSpeedup, PRECISION.speedup),
    fixed(p.ioSavingsFraction, PRECISION.fraction),
    fixed(p.areaUm2, PRECISION.areaUm2),
    fixed(p.denseAreaUm2, PRECISION.areaUm2),
    fixed(p.areaOverheadFraction, PRECISION.fraction),
    headline.has(p.id) ? 'true' : 'false',
    speed.has(p.id) ? 'true' : 'false',
  ]);
  return stringify([[...DESIGN_POINT_COLUMNS], ...rows], { record_delimiter: '\n' });
}
