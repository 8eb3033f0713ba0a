/**
 * Small wordings of review data shared by the report document, the charts and the terminal
 * summary.
 */
import type { AccuracyKind } from '../explore/design-point.js';
import type { AreaBreakdownRow, Assumption, ReviewBundleRun } from '../review/review-data.js';
import { fixed, patternText, PRECISION } from './format.js';

/** The core behind an area bar: "act-8of16", "act-flex (8:16-only variant)", "act-2of4 without sparsity". */
export function areaCoreText(row: Pick<AreaBreakdownRow, 'profile' | 'core' | 'pattern'>): string {
  switch (row.core) {
    case 'profile':
      return row.profile;
    case 'single-pattern-variant':
      return `${row.profile} (${patternText(row.pattern)}-only variant)`;
    case 'without-sparsity':
      return `${row.profile} without sparsity`;
  }
}

/** An accuracy figure at the precision of its kind (files and report tables). */
export function accuracyCell(kind: AccuracyKind, v: number | null): string {
  if (v === null) return '—';
  return kind === 'measured-perplexity' ? fixed(v, PRECISION.perplexity) : fixed(v, PRECISION.relErr);
}

/** An assumption's value: numbers at the precision of their quantity. */
export function assumptionValue(a: Assumption): string {
  if (typeof a.value === 'string') return a.value;
  switch (a.quantity) {
    case 'area_um2':
      return `${fixed(a.value, PRECISION.cellAreaUm2)} µm²${a.cell ? ` (${a.cell})` : ''}`;
    case 'fraction':
      return fixed(a.value, PRECISION.assumptionFraction);
    default:
      return String(a.value);
  }
}

/** A bundle run's criterion or mitigation ("—" for the dense run). */
export function runPart(run: ReviewBundleRun, part: 'criterion' | 'mitigation'): string {
  return run[part] ?? '—';
}
