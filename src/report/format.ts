/**
 * Fixed number formatting for every report file, so two runs on the same inputs write the same
 * bytes and golden tests can compare text. One precision per kind of quantity.
 */
export const PRECISION = {
  /** perplexity: 4 decimals (the capture protocol reports 4 significant digits at ppl ≈ 3.5) */
  perplexity: 4,
  relErr: 5,
  fraction: 4,
  speedup: 3,
  areaUm2: 1,
  density: 4,
  svgPx: 2,
} as const;

/** toFixed that never prints "-0.000" and maps non-finite values to "" (empty CSV cell). */
export function fixed(value: number, digits: number): string {
  if (!Number.isFinite(value)) return '';
  const s = value.toFixed(digits);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}

export function percent(fraction: number, digits = 1): string {
  return `${fixed(fraction * 100, digits)}%`;
}

/** Signed percentage points, e.g. "+3.2 pp". */
export function signedPercentPoints(fraction: number, digits = 1): string {
  const s = fixed(fraction * 100, digits);
  return `${s.startsWith('-') ? '' : '+'}${s} pp`;
}

export function speedup(x: number): string {
  return `${fixed(x, 2)}×`;
}

/** Thousands-grouped area, e.g. "1,234,567.8 µm²" — grouping written by hand (no locale). */
export function areaUm2(v: number, digits = 0): string {
  const [int, frac] = fixed(Math.abs(v), digits).split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${v < 0 ? '-' : ''}${grouped}${frac ? `.${frac}` : ''} µm²`;
}

/** SVG coordinates: 2 decimals, trailing zeros dropped. */
export function px(v: number): string {
  return String(Number(fixed(v, PRECISION.svgPx)));
}
