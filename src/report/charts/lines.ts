/**
 * Line chart on a log₂ x axis: decode union density vs batch size, measured (solid, one line
 * per pattern) against the independence assumption 1 − (1 − d)^B (dashed).
 */
import { distinctPatterns } from '../../explore/design-point.js';
import { samePattern } from '../../sparsity/pattern.js';
import type { UnionDensityRow } from '../../review/review-data.js';
import { fixed, patternText, PRECISION, px, signedPercentPoints } from '../format.js';
import { SVG_TREE_BACKEND, type ChartBackend } from './backend.js';
import { createFrame, drawAxes, drawLegend, patternColor, polylinePath, type LegendEntry } from './frame.js';

export async function unionDensityChart(rows: readonly UnionDensityRow[], subtitle: string, backend: ChartBackend = SVG_TREE_BACKEND): Promise<string> {
  const frame = await createFrame({
    title: 'Decode: weight rows fetched vs batch size',
    subtitle,
    xLabel: 'decode batch B (tokens)',
    yLabel: 'union density (fraction of weight rows fetched)',
  }, backend);
  const { scales, plot, innerWidthPx, innerHeightPx } = frame;
  const batches = [...new Set(rows.map((r) => r.batch))].sort((a, b) => a - b);
  const x = scales.scaleLog().base(2).domain([batches[0] ?? 1, batches[batches.length - 1] ?? 2]).range([0, innerWidthPx]);
  const y = scales.scaleLinear().domain([0, 1]).range([innerHeightPx, 0]);
  // log axis: ticks only at the measured batch sizes
  drawAxes(frame, x, y, { xTickValues: batches, xFormat: (v) => String(v) });
  const patterns = distinctPatterns(rows.map((r) => r.pattern));
  const legend: LegendEntry[] = [];
  const lines = plot.append('g').attr('class', 'lines');
  for (const pattern of patterns) {
    const series = rows.filter((r) => samePattern(r.pattern, pattern)).sort((a, b) => a.batch - b.batch);
    const color = patternColor(patternText(pattern));
    const path = (get: (r: UnionDensityRow) => number) => polylinePath(series.map((r) => [x(r.batch), y(get(r))]));
    lines.append('path').attr('d', path((r) => r.measuredDensity)).attr('fill', 'none').attr('stroke', color).attr('stroke-width', 2);
    lines.append('path').attr('d', path((r) => r.independenceDensity)).attr('fill', 'none').attr('stroke', color).attr('stroke-width', 1.5).attr('stroke-dasharray', '5,3');
    for (const r of series) {
      // hover details, as on the scatters: the HTML page shows the <title>; SVG viewers too
      const measured = fixed(r.measuredDensity, PRECISION.densityText);
      const independence = fixed(r.independenceDensity, PRECISION.densityText);
      const gap = signedPercentPoints(r.measuredDensity - r.independenceDensity);
      lines
        .append('circle')
        .attr('class', 'point')
        .attr('tabindex', 0)
        .attr('data-pattern', patternText(pattern))
        .attr('data-batch', r.batch)
        .attr('data-measured', measured)
        .attr('data-independence', independence)
        .attr('cx', px(x(r.batch)))
        .attr('cy', px(y(r.measuredDensity)))
        .attr('r', 3)
        .attr('fill', color)
        .append('title')
        .text(`${patternText(pattern)} · decode batch B = ${r.batch}\nmeasured union density ${measured}\nindependence 1 − (1 − d)^B ${independence} (measured ${gap})`);
    }
    legend.push({ label: patternText(pattern), color, mark: 'line' });
  }
  // line style, once: solid = measured on the trace, dashed = independence assumption
  legend.push({ label: 'measured', color: '#555555', mark: 'line' });
  legend.push({ label: 'independence', color: '#555555', mark: 'dash' });
  drawLegend(frame, legend, 'pattern');
  return frame.toString();
}
