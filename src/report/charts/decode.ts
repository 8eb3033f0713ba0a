/**
 * Decode speed-up vs batch size on a log₂ x axis: one line per pattern on its best core
 * (review/serving.ts bestCoreSeries), dense = 1× as a reference line. A batch whose weights + KV
 * cache exceed the core's DRAM capacity is a grey ring off the line (its title says by how much).
 * With a weight baseline (today's core running pruned weights), its decode speed-ups are a dashed
 * black series of diamonds with its own legend entry: at the serving batches and mix, from the serving
 * runs of the weight plan (ServingResult.weightRows; a batch that does not fit is a grey diamond off the
 * line), else — a review without those rows — at the design point's decode batches and context.
 */
import { bestCoreSeries, type ServingResult } from '../../review/serving.js';
import { distinctPatterns } from '../../explore/design-point.js';
import type { UnionDensityRow } from '../../review/review-data.js';
import { samePattern } from '../../sparsity/pattern.js';
import { fixed, patternText, PRECISION, px, signedPercentPoints, speedup } from '../format.js';
import { SVG_TREE_BACKEND, type ChartBackend } from './backend.js';
import { createFrame, diamondPath, drawAxes, polylinePath, drawLegend, paddedDomain, patternColor, type LegendEntry } from './frame.js';
import { DECODE_CHART_TITLE } from '../review-serving.js';
import type { WeightBaselineRow } from '../review-baseline.js';

/** Grey of a batch that does not fit in device memory. */
export const NO_FIT_COLOR = '#9a9a9a';
const BASELINE_COLOR = '#000000';

/** The weight baseline's series: its label ("2:4 weights on today's core (a100-like)") and decode speed-up per batch. */
export interface DecodeBaseline {
  label: string;
  /** the decode context of its steps: the serving mix's when `serving`, else the design point's (the review's --context); said in the subtitle */
  contextTokens: number;
  /** the steps are the serving runs of the weight plan (every serving batch, `fits` as the serving rows') */
  serving?: boolean;
  steps: readonly { batch: number; speedup: number; fits?: boolean }[];
}

/**
 * The weight baseline row as the decode chart's series ("2:4 weights, a100-like"); undefined without one.
 * With the review's serving result holding that core × pattern's weight row, the series is that row
 * (every serving batch, at the serving mix); else the design point's decode batches.
 */
export function decodeBaseline(row: WeightBaselineRow | undefined, serving?: ServingResult): DecodeBaseline | undefined {
  if (!row) return undefined;
  const p = row.point;
  const label = `${patternText(p.pattern)} weights, ${p.profile}`;
  const s = serving?.weightRows?.find((r) => r.profile === p.profile && samePattern(r.pattern, p.pattern));
  if (s && serving) return { label, contextTokens: serving.decodeContextTokens, serving: true, steps: s.steps.map((t) => ({ batch: t.batch, speedup: t.speedup, ...(t.fits !== undefined ? { fits: t.fits } : {}) })) };
  return { label, contextTokens: p.decodeContextTokens, steps: p.decode.map((d) => ({ batch: d.batchTokens, speedup: d.speedup })) };
}

export async function decodeServingChart(s: ServingResult, baseline?: DecodeBaseline, backend: ChartBackend = SVG_TREE_BACKEND): Promise<string> {
  const frame = await createFrame({
    title: DECODE_CHART_TITLE,
    subtitle:
      `TPOT of dense ÷ TPOT of the pattern on the same core, decode step at context ${s.decodeContextTokens} tokens (--serving ${s.promptTokens}:${s.outputTokens})` +
      (baseline && baseline.steps.length > 0
        ? baseline.serving
          ? `; ${baseline.label}: the review's weight baseline at the same batches and context`
          : `; ${baseline.label}: the review's weight baseline at B = ${baseline.steps.map((t) => t.batch).join(', ')}, context ${baseline.contextTokens}`
        : ''),
    xLabel: 'decode batch B (sequences, log₂)',
    yLabel: 'decode speed-up vs dense (×)',
  }, backend);
  const { plot, innerWidthPx, innerHeightPx, scales } = frame;
  const series = bestCoreSeries(s);
  const lo = s.batches[0] ?? 1;
  const hi = s.batches[s.batches.length - 1] ?? 2;
  const base = baseline ? baseline.steps.filter((t) => t.batch >= lo && t.batch <= hi) : [];
  const x = scales.scaleLog().base(2).domain([lo, hi]).range([0, innerWidthPx]);
  const y = scales.scaleLinear().domain(paddedDomain([...series.flatMap((r) => r.steps.map((t) => t.speedup)), ...base.map((t) => t.speedup)], 1)).range([innerHeightPx, 0]);
  drawAxes(frame, x, y, { xTickValues: [...s.batches], xFormat: (v) => String(v), yFormat: (v) => `${fixed(v, 2)}×` });
  const lines = plot.append('g').attr('class', 'lines');
  lines.append('line').attr('x1', 0).attr('x2', innerWidthPx).attr('y1', px(y(1))).attr('y2', px(y(1))).attr('stroke', '#555555').attr('stroke-dasharray', '5,3');
  const legend: LegendEntry[] = [];
  let noFit = false;
  series.forEach((r, i) => {
    const label = `${patternText(r.pattern)} on ${r.profile}`;
    // a design-axis variant's label ("act-8of16 · hierarchical · combinatorial") does not fit the legend's
    // ~150 px: the legend names the core it derives from; each point's title and the table under the chart name the variant
    const legendLabel = `${patternText(r.pattern)} on ${r.profile.split(' · ')[0]}`;
    const color = patternColor(patternText(r.pattern), i);
    // the line joins the batches that fit in memory; the others are grey rings off it
    const fitting = r.steps.filter((t) => t.fits !== false);
    lines.append('path').attr('d', polylinePath(fitting.map((t) => [x(t.batch), y(t.speedup)]))).attr('fill', 'none').attr('stroke', color).attr('stroke-width', 2);
    for (const t of r.steps) {
      const fits = t.fits !== false;
      noFit ||= !fits;
      const circle = lines
        .append('circle')
        .attr('class', fits ? 'point' : 'point no-fit')
        .attr('tabindex', 0)
        .attr('data-pattern', patternText(r.pattern))
        .attr('data-batch', t.batch)
        .attr('cx', px(x(t.batch)))
        .attr('cy', px(y(t.speedup)))
        .attr('r', fits ? 3 : 4);
      if (fits) circle.attr('fill', color);
      else circle.attr('fill', 'none').attr('stroke', NO_FIT_COLOR).attr('stroke-width', 1.5);
      circle
        .append('title')
        .text(
          `${label} · B = ${t.batch}\ndecode speed-up ${speedup(t.speedup)}, TPOT ${fixed(t.tpotMs, 2)} ms (${t.bottleneck}-bound)${t.weightRows ? `\nweight rows fetched ${fixed(t.weightRows.fraction, 3)} (${t.weightRows.source.startsWith('measured') ? 'measured' : 'independence bound'})` : ''}` +
            (fits ? '' : `\ndoes not fit: weights + KV cache ${fixed(t.memoryBytes / 1e9, 1)} GB > ${fixed((r.dramCapacityBytes ?? 0) / 1e9, 1)} GB of device memory`),
        );
    }
    legend.push({ label: legendLabel, color, mark: 'line' });
  });
  if (baseline && base.length > 0) {
    // the dashed line joins the batches that fit in memory; the others are grey diamonds off it
    const fittingBase = base.filter((t) => t.fits !== false);
    lines.append('path').attr('class', 'weight-baseline').attr('d', polylinePath(fittingBase.map((t) => [x(t.batch), y(t.speedup)]))).attr('fill', 'none').attr('stroke', BASELINE_COLOR).attr('stroke-width', 1.5).attr('stroke-dasharray', '2,3');
    for (const t of base) {
      const fits = t.fits !== false;
      noFit ||= !fits;
      lines
        .append('path')
        .attr('class', fits ? 'point weight-point' : 'point weight-point no-fit')
        .attr('tabindex', 0)
        .attr('data-batch', t.batch)
        .attr('d', diamondPath(x(t.batch), y(t.speedup), 6))
        .attr('fill', fits ? BASELINE_COLOR : 'none')
        .attr('stroke', fits ? BASELINE_COLOR : NO_FIT_COLOR)
        .append('title')
        .text(
          `${baseline.label} · B = ${t.batch}, context ${baseline.contextTokens}\ndecode speed-up ${speedup(t.speedup)} (weights pruned offline: every token of the batch reads the same compressed weights)` +
            (fits ? '' : '\ndoes not fit: weights + KV cache exceed the device memory'),
        );
    }
    legend.push({ label: baseline.label, color: BASELINE_COLOR, mark: 'diamond' });
  }
  if (noFit) legend.push({ label: 'does not fit in DRAM', color: NO_FIT_COLOR, mark: 'ring' });
  legend.push({ label: 'dense = 1×', color: '#555555', mark: 'dash' });
  drawLegend(frame, legend, 'pattern on core');
  return frame.toString();
}

export const UNION_GAP_STEM = 'union-density-gap';
export const UNION_GAP_TITLE = 'Decode: measured union density minus the independence bound';

/**
 * The union-density chart made legible: both curves crowd towards 1 as B grows, so this one
 * plots their difference, measured − (1 − (1 − d)^B), in percentage points per pattern (below 0:
 * the batch's tokens share channels, and fewer weight rows are fetched than independence says).
 */
export async function unionGapChart(rows: readonly UnionDensityRow[], subtitle: string, backend: ChartBackend = SVG_TREE_BACKEND): Promise<string> {
  const frame = await createFrame({ title: UNION_GAP_TITLE, subtitle, xLabel: 'decode batch B (tokens, log₂)', yLabel: 'measured − independence (pp)' }, backend);
  const { scales, plot, innerWidthPx, innerHeightPx } = frame;
  const batches = [...new Set(rows.map((r) => r.batch))].sort((a, b) => a - b);
  const gapPp = (r: UnionDensityRow) => (r.measuredDensity - r.independenceDensity) * 100;
  const x = scales.scaleLog().base(2).domain([batches[0] ?? 1, batches[batches.length - 1] ?? 2]).range([0, innerWidthPx]);
  const y = scales.scaleLinear().domain(paddedDomain(rows.map(gapPp), 0)).range([innerHeightPx, 0]);
  drawAxes(frame, x, y, { xTickValues: batches, xFormat: (v) => String(v), yFormat: (v) => fixed(v, 1) });
  const lines = plot.append('g').attr('class', 'lines');
  lines.append('line').attr('x1', 0).attr('x2', innerWidthPx).attr('y1', px(y(0))).attr('y2', px(y(0))).attr('stroke', '#555555').attr('stroke-dasharray', '5,3');
  const legend: LegendEntry[] = [];
  for (const pattern of distinctPatterns(rows.map((r) => r.pattern))) {
    const series = rows.filter((r) => samePattern(r.pattern, pattern)).sort((a, b) => a.batch - b.batch);
    const color = patternColor(patternText(pattern));
    lines.append('path').attr('d', polylinePath(series.map((r) => [x(r.batch), y(gapPp(r))]))).attr('fill', 'none').attr('stroke', color).attr('stroke-width', 2);
    for (const r of series) {
      lines
        .append('circle')
        .attr('class', 'point')
        .attr('tabindex', 0)
        .attr('data-pattern', patternText(pattern))
        .attr('data-batch', r.batch)
        .attr('cx', px(x(r.batch)))
        .attr('cy', px(y(gapPp(r))))
        .attr('r', 3)
        .attr('fill', color)
        .append('title')
        .text(`${patternText(pattern)} · B = ${r.batch}\nmeasured ${fixed(r.measuredDensity, PRECISION.densityText)} − independence ${fixed(r.independenceDensity, PRECISION.densityText)} = ${signedPercentPoints(r.measuredDensity - r.independenceDensity)}`);
    }
    legend.push({ label: patternText(pattern), color, mark: 'line' });
  }
  legend.push({ label: 'independence (0)', color: '#555555', mark: 'dash' });
  drawLegend(frame, legend, 'pattern');
  return frame.toString();
}
