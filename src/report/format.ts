/**
 * Number and pattern formatting for every renderer (report files, terminal tables, JSON), so two
 * runs on the same inputs write the same bytes and golden tests can compare text. One table of
 * precisions, by kind of quantity and where it is shown.
 */
import { formatPattern, type Pattern } from '../sparsity/pattern.js';

export const PRECISION = {
  /** perplexity in files: 4 decimals (the capture protocol reports 4 significant digits at ppl ≈ 3.5) */
  perplexity: 4,
  /** perplexity in sentences and terminal summaries */
  perplexityText: 3,
  relErr: 5,
  /** proxy error in terminal summaries */
  relErrText: 4,
  fraction: 4,
  /** a speed-up in files and `simulate`'s table */
  speedup: 3,
  /** a speed-up in one-screen summaries ("1.57×") */
  speedupText: 2,
  areaUm2: 1,
  density: 4,
  /** union densities in the review's table cells */
  densityText: 3,
  /** percentages in sentences and summaries ("27.9%") */
  percentText: 1,
  /** percentages in the review's summary table ("27.93%") */
  percentTable: 2,
  /** standard-cell and bitcell areas in the assumptions table */
  cellAreaUm2: 5,
  /** fractions in the assumptions table (SRAM array efficiency) */
  assumptionFraction: 3,
  svgPx: 2,
  /** JSON ratios and fractions (speed-ups, utilisation, overheads, fractions of rows) */
  jsonRatio: 6,
  /** JSON times in µs or ms, TFLOP/s and areas in µm² */
  jsonMeasure: 3,
  /** analyze's table: statistics */
  analysisText: 4,
  /** analyze's table: compatibility and union densities */
  analysisFractionText: 3,
  /** simulate's table: milliseconds and MB */
  timeMsText: 3,
  megabytesText: 2,
  tflopsText: 1,
  /** capture's perplexity lines */
  capturePerplexity: 4,
  /** area's chip totals in mm² */
  chipMm2Text: 2,
} as const;

/** toFixed that never prints "-0.000" and maps non-finite values to "" (empty CSV cell). */
export function fixed(value: number, digits: number): string {
  if (!Number.isFinite(value)) return '';
  const s = value.toFixed(digits);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}

/** A number for JSON, rounded to `digits` decimals (stable across runs and platforms). */
export function rounded(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

export function percent(fraction: number, digits: number = PRECISION.percentText): string {
  return `${fixed(fraction * 100, digits)}%`;
}

/** Signed percentage points, e.g. "+3.2 pp". */
export function signedPercentPoints(fraction: number, digits: number = PRECISION.percentText): string {
  const s = fixed(fraction * 100, digits);
  return `${s.startsWith('-') ? '' : '+'}${s} pp`;
}

export function speedup(x: number, digits: number = PRECISION.speedupText): string {
  return `${fixed(x, digits)}×`;
}

/** Thousands-grouped area, e.g. "1,234,567.8 µm²" — grouping written by hand (no locale). */
export function areaUm2(v: number, digits = 0): string {
  return `${groupedNumber(v, digits)} µm²`;
}

/** Thousands-grouped number, e.g. "1,234,567.8" — grouping written by hand (no locale). */
export function groupedNumber(v: number, digits = 0): string {
  const [int, frac] = fixed(Math.abs(v), digits).split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${v < 0 ? '-' : ''}${grouped}${frac ? `.${frac}` : ''}`;
}

/** SVG coordinates: 2 decimals, trailing zeros dropped. */
export function px(v: number): string {
  return String(Number(fixed(v, PRECISION.svgPx)));
}

/** A pattern as every report shows it: "8:16", "unstructured", "dense". */
export function patternText(p: Pattern): string {
  return formatPattern(p);
}

/** A fixed-width text table: first column left-aligned, the others right-aligned, two spaces apart. */
export function textTable(rows: readonly (readonly string[])[]): string {
  // a loop, not Math.max(...rows): a table can have a row per tensor of a bare file (200k rows)
  const widths = rows[0].map((_, c) => rows.reduce((w, r) => Math.max(w, r[c].length), 0));
  return rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ')).join('\n');
}
