/**
 * design-variants.csv: one row per variant × pattern of the review's design axes (review/axes.ts:
 * selector style × metadata encoding × provisioning on every activation core), the hardware
 * figures every configuration of it shares, and which variant the review chose for its core,
 * provisioning and pattern (explore/variants.ts). design-points.csv holds the chosen ones' points.
 */
import { csvText } from './csv.js';
import type { VariantRow } from '../explore/variants.js';
import { fixed, patternText, PRECISION } from './format.js';

export const DESIGN_VARIANTS_CSV = 'design-variants.csv';

export function designVariantsHeader(decodeBatches: readonly number[]): string[] {
  return [
    'profile',
    'variant_of',
    'selector_style',
    'metadata_encoding',
    'provisioning',
    'pattern',
    'native',
    'executed_as',
    'area_um2',
    'dense_area_um2',
    'area_overhead_fraction',
    'prefill_speedup',
    ...decodeBatches.map((b) => `decode_speedup_b${b}`),
    'chosen',
    'chosen_profile',
  ];
}

export function designVariantsCsv(rows: readonly VariantRow[], decodeBatches: readonly number[]): string {
  const body = rows.map((r) => [
    r.profile,
    r.base,
    r.selectorStyle,
    r.metadataEncoding,
    r.provisioning,
    patternText(r.pattern),
    r.native ? 'true' : 'false',
    patternText(r.executedAs),
    fixed(r.areaUm2, PRECISION.areaUm2),
    fixed(r.denseAreaUm2, PRECISION.areaUm2),
    fixed(r.areaOverheadFraction, PRECISION.fraction),
    fixed(r.prefillSpeedup, PRECISION.speedup),
    ...decodeBatches.map((b) => {
      const d = r.decode.find((x) => x.batchTokens === b);
      return d ? fixed(d.speedup, PRECISION.speedup) : '';
    }),
    r.chosen ? 'true' : 'false',
    r.chosenProfile,
  ]);
  return csvText([designVariantsHeader(decodeBatches), ...body]);
}
