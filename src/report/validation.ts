/**
 * `nmsim validate` output: the per-row table and per-group mean absolute errors (text), the
 * same as CSV and JSON, and a predicted-vs-measured log-log chart (SVG; PNG via png.ts).
 * Deterministic: fixed precision, rows in corpus order.
 */
import type { OutputKind } from '../io/output-kind.js';
import type { ValidationResult } from '../validation/predict.js';
import { renderPng } from './png.js';
import { fixed, px, textTable } from './format.js';
import { SVG_TREE_BACKEND, type ChartBackend } from './charts/backend.js';
import { createFrame, drawAxisGroup, drawLegend, SERIES_COLORS, type LegendEntry } from './charts/frame.js';

export const VALIDATION_FILES = { csv: 'validation.csv', chartStem: 'predicted-vs-measured' } as const;

const pct = (x: number) => `${fixed(x * 100, 1)}%`;

function shapeText(r: ValidationResult['rows'][number]['row']): string {
  if (r.kind === 'prune') return `prune ${r.rows}×${r.k} to ${r.pattern}`;
  if (r.kind === 'decode') return `${r.model} decode B=${r.batch} L=${r.contextTokens}`;
  if (r.kind === 'speedup') return `${r.m}×${r.k}×${r.n} w${r.pattern}`;
  return r.kind === 'gemm' ? `${r.m}×${r.k}×${r.n}` : `${r.op} ${r.elements.toLocaleString('en-US')} el`;
}

/** µs for time rows, × for speed-up rows, tokens/s for decode rows */
const unitOf = (r: ValidationResult['rows'][number]['row']) => (r.kind === 'speedup' ? 'x' : r.kind === 'decode' ? 'tokens/s' : 'us');
const valueText = (r: ValidationResult['rows'][number]['row'], v: number) =>
  r.kind === 'speedup' ? `${fixed(v, 3)}×` : r.kind === 'decode' ? `${fixed(v, 1)} tok/s` : fixed(v, 1);

export function validationText(result: ValidationResult): string {
  const rows: string[][] = [['row', 'profile', 'shape (M×K×N)', 'role', 'measured µs / ×', 'predicted µs / ×', 'error', 'bound']];
  for (const r of result.rows) {
    rows.push([r.row.id, r.row.profile, shapeText(r.row), r.row.role, valueText(r.row, r.row.measuredUs), valueText(r.row, r.predictedUs), pct(r.error), r.bound]);
  }
  const groups: string[][] = [['group', 'rows', 'mean |error|', 'max |error|', 'mean error']];
  for (const g of result.groups) groups.push([g.group, String(g.rows), pct(g.meanAbsError), pct(g.maxAbsError), pct(g.meanError)]);
  return `${textTable(rows)}\n\nmean absolute error by group (error = (predicted − measured) / measured)\n${textTable(groups)}\n`;
}

const csvCell = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

export function validationCsv(result: ValidationResult): string {
  const lines = ['dataset,id,profile,kind,shape,role,measured,predicted,unit,error_fraction,bound'];
  for (const r of result.rows) {
    lines.push(
      [r.row.dataset, r.row.id, r.row.profile, r.row.kind, shapeText(r.row), r.row.role, fixed(r.row.measuredUs, 3), fixed(r.predictedUs, 3), unitOf(r.row), fixed(r.error, 6), r.bound]
        .map(csvCell)
        .join(','),
    );
  }
  return lines.join('\n') + '\n';
}

export function validationJson(result: ValidationResult) {
  return {
    rows: result.rows.map((r) => ({
      dataset: r.row.dataset,
      id: r.row.id,
      profile: r.row.profile,
      kind: r.row.kind,
      shape: shapeText(r.row),
      role: r.row.role,
      measured: Number(fixed(r.row.measuredUs, 3)),
      predicted: Number(fixed(r.predictedUs, 3)),
      unit: unitOf(r.row),
      error_fraction: Number(fixed(r.error, 6)),
      bound: r.bound,
    })),
    groups: result.groups.map((g) => ({
      group: g.group,
      rows: g.rows,
      mean_abs_error_fraction: Number(fixed(g.meanAbsError, 6)),
      max_abs_error_fraction: Number(fixed(g.maxAbsError, 6)),
      mean_error_fraction: Number(fixed(g.meanError, 6)),
    })),
  };
}

/** Log-log scatter, one colour per dataset, the y = x line and ±10 % band dashed. */
export async function validationChart(input: ValidationResult, backend: ChartBackend = SVG_TREE_BACKEND): Promise<string> {
  // kernel times only: speed-up rows are ratios and decode rows rates, listed in the table and CSV
  const result: ValidationResult = { rows: input.rows.filter((r) => r.row.kind !== 'speedup' && r.row.kind !== 'decode'), groups: input.groups };
  const frame = await createFrame({
    title: 'Predicted vs measured kernel time',
    subtitle: `${result.rows.length} published kernel times · ${result.groups
      .filter((g) => !g.group.includes('·') && !g.group.includes('speedup') && !g.group.includes('decode'))
      .map((g) => `${g.group}: mean |error| ${pct(g.meanAbsError)}`)
      .join(' · ')}`,
    xLabel: 'measured time (µs, log scale)',
    yLabel: 'predicted time (µs, log scale)',
  }, backend);
  const { scales, plot, innerWidthPx, innerHeightPx } = frame;
  const all = result.rows.flatMap((r) => [r.row.measuredUs, r.predictedUs]);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...all)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...all)));
  const x = scales.scaleLog().domain([lo, hi]).range([0, innerWidthPx]);
  const y = scales.scaleLog().domain([lo, hi]).range([innerHeightPx, 0]);
  const decades: number[] = [];
  for (let v = lo; v <= hi * 1.0001; v *= 10) decades.push(v);
  drawAxisGroup(frame, 'bottom', x, { values: decades, format: (v: number) => String(v) });
  drawAxisGroup(frame, 'left', y, { values: decades, format: (v: number) => String(v) });
  const line = (f: number, dash: string) =>
    plot.append('path').attr('d', `M${px(x(lo))},${px(y(lo * f))}L${px(x(hi / f))},${px(y(hi))}`).attr('stroke', '#888888').attr('fill', 'none').attr('stroke-dasharray', dash);
  line(1, '');
  line(1.1, '4,3');
  line(1 / 1.1, '4,3');
  const datasets = [...new Set(result.rows.map((r) => r.row.dataset))];
  const legend: LegendEntry[] = [];
  datasets.forEach((d, i) => {
    const color = SERIES_COLORS[i % SERIES_COLORS.length];
    for (const r of result.rows.filter((q) => q.row.dataset === d)) {
      plot.append('circle').attr('cx', px(x(r.row.measuredUs))).attr('cy', px(y(r.predictedUs))).attr('r', 3.5).attr('fill', r.row.role === 'calibration' ? color : 'none').attr('stroke', color).attr('stroke-width', 1.5);
    }
    legend.push({ label: fitText(d.replace(/^llmcompass-/, 'LLMCompass '), 22), color, mark: 'dot' });
  });
  legend.push({ label: 'calibration', color: '#555555', mark: 'dot' });
  legend.push({ label: 'held out', color: '#555555', mark: 'ring' });
  legend.push({ label: 'y = x, ±10 %', color: '#888888', mark: 'dash' });
  drawLegend(frame, legend, 'dataset');
  return frame.toString();
}

/** The output kind of `nmsim validate --out` (io/output-folder.ts: replaced only when it is one). */
export const VALIDATION_OUTPUT: OutputKind = { id: 'validation-report', label: 'validation report' };

/** Every file of the validation report: CSV, chart SVG and PNG. */
export async function renderValidationFiles(result: ValidationResult): Promise<Map<string, string | Uint8Array>> {
  const svg = await validationChart(result);
  const { png } = await renderPng(svg);
  return new Map<string, string | Uint8Array>([
    [VALIDATION_FILES.csv, validationCsv(result)],
    [`${VALIDATION_FILES.chartStem}.svg`, svg],
    [`${VALIDATION_FILES.chartStem}.png`, png],
  ]);
}

/** Shortens a legend label to `max` characters with an ellipsis. */
function fitText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}
