/**
 * Bar charts: grouped bars (I/O savings by pattern × metadata encoding) and stacked bars (area
 * breakdown per pattern by component). Categories keep the order they are given in.
 */
import { groupedNumber, px } from '../format.js';
import { SVG_TREE_BACKEND, type ChartBackend } from './backend.js';
import { createFrame, drawAxes, drawLegend, SERIES_COLORS } from './frame.js';

export interface BarSpec {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  /** x categories, in drawing order */
  groups: string[];
  /** series (grouped: side by side; stacked: bottom to top), in legend order */
  series: string[];
  value: (group: string, series: string) => number | undefined;
  yFormat?: (v: number) => string;
  /** text printed on top of each bar / stack */
  barLabel?: (v: number) => string;
  /** a stacked segment's value in its hover title (default: grouped whole number) */
  segmentLabel?: (v: number) => string;
}

export async function groupedBarChart(spec: BarSpec, backend: ChartBackend = SVG_TREE_BACKEND): Promise<string> {
  const frame = await createFrame(spec, backend);
  const { scales, plot, innerWidthPx, innerHeightPx } = frame;
  const x0 = scales.scaleBand().domain(spec.groups).range([0, innerWidthPx]).paddingInner(0.2).paddingOuter(0.1);
  const x1 = scales.scaleBand().domain(spec.series).range([0, x0.bandwidth()]).padding(0.05);
  const values = spec.groups.flatMap((g) => spec.series.map((s) => spec.value(g, s) ?? 0));
  const y = scales.scaleLinear().domain([Math.min(0, ...values), Math.max(...values, 0) * 1.1 || 1]).nice().range([innerHeightPx, 0]);
  drawAxes(frame, x0, y, { yFormat: spec.yFormat });
  const bars = plot.append('g').attr('class', 'bars');
  spec.groups.forEach((g) => {
    spec.series.forEach((s, si) => {
      const v = spec.value(g, s);
      if (v === undefined) return;
      const bx = x0(g)! + x1(s)!;
      bars
        .append('rect')
        .attr('x', px(bx))
        .attr('y', px(Math.min(y(v), y(0))))
        .attr('width', px(x1.bandwidth()))
        .attr('height', px(Math.abs(y(0) - y(v))))
        .attr('fill', SERIES_COLORS[si % SERIES_COLORS.length])
        .append('title')
        .text(`${g} · ${s}: ${(spec.barLabel ?? spec.yFormat ?? String)(v)}`);
      if (spec.barLabel) {
        bars.append('text').attr('x', px(bx + x1.bandwidth() / 2)).attr('y', px(Math.min(y(v), y(0)) - 3)).attr('text-anchor', 'middle').attr('font-size', 9).text(spec.barLabel(v));
      }
    });
  });
  drawLegend(frame, spec.series.map((s, i) => ({ label: s, color: SERIES_COLORS[i % SERIES_COLORS.length], mark: 'box' })));
  return frame.toString();
}

export async function stackedBarChart(spec: BarSpec, backend: ChartBackend = SVG_TREE_BACKEND): Promise<string> {
  const frame = await createFrame(spec, backend);
  const { scales, plot, innerWidthPx, innerHeightPx } = frame;
  const x = scales.scaleBand().domain(spec.groups).range([0, innerWidthPx]).padding(0.3);
  const totals = spec.groups.map((g) => spec.series.reduce((sum, s) => sum + Math.max(0, spec.value(g, s) ?? 0), 0));
  const y = scales.scaleLinear().domain([0, Math.max(...totals, 0) * 1.08 || 1]).nice().range([innerHeightPx, 0]);
  drawAxes(frame, x, y, { yFormat: spec.yFormat });
  const bars = plot.append('g').attr('class', 'bars');
  spec.groups.forEach((g, gi) => {
    let base = 0;
    spec.series.forEach((s, si) => {
      const v = Math.max(0, spec.value(g, s) ?? 0);
      if (v === 0) return;
      bars
        .append('rect')
        .attr('x', px(x(g)!))
        .attr('y', px(y(base + v)))
        .attr('width', px(x.bandwidth()))
        .attr('height', px(y(base) - y(base + v)))
        .attr('fill', SERIES_COLORS[si % SERIES_COLORS.length])
        .append('title')
        .text(`${g} · ${s}: ${(spec.segmentLabel ?? groupedNumber)(v)}`);
      base += v;
    });
    const label = spec.barLabel ? spec.barLabel(totals[gi]) : groupedNumber(totals[gi], 0);
    bars.append('text').attr('x', px(x(g)! + x.bandwidth() / 2)).attr('y', px(y(totals[gi]) - 4)).attr('text-anchor', 'middle').attr('font-size', 10).text(label);
  });
  drawLegend(frame, spec.series.map((s, i) => ({ label: s, color: SERIES_COLORS[i % SERIES_COLORS.length], mark: 'box' })), 'component');
  return frame.toString();
}
