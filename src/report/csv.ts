/**
 * The review's CSV files (design-points.csv, design-variants.csv) as text: comma-separated, one
 * line per row ending in "\n", a cell quoted only when it holds a comma, a double quote or a
 * newline, its quotes doubled (RFC 4180). These are the bytes csv-stringify wrote with
 * `{ record_delimiter: '\n' }` (which leaves a lone carriage return unquoted), checked against it
 * in test/report/csv-text.test.ts; written here because csv-stringify's per-cell generality
 * (casts, options merged per field, separator scans) took ~65 ms of a review's ~100 ms
 * design-points.csv (issue 16).
 */

/** Cells that must be quoted: a delimiter, a quote or a record delimiter inside. */
const NEEDS_QUOTES = /[",\n]/;

function cellText(cell: string): string {
  return NEEDS_QUOTES.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

export function csvText(rows: readonly (readonly string[])[]): string {
  let text = '';
  for (const row of rows) text += `${row.map(cellText).join(',')}\n`;
  return text;
}
