/**
 * Scatter of design points coloured by pattern, with the Pareto front drawn as a step line
 * through its points (ringed and labelled). Used for accuracy vs area overhead (the headline)
 * and accuracy vs speed-up.
 */
import { comparePatterns, distinctPatterns } from '../../explore/design-point.js';
import type { Pattern } from '../../sparsity/pattern.js';
import { fixed, patternText, px } from '../format.js';
import { createFrame, drawAxes, drawLegend, paddedDomain, patternColor, type LegendEntry } from './frame.js';

export interface ScatterPoint {
  id: string;
  pattern: Pattern;
  x: number;
  y: number;
  /** short label drawn beside front points */
  label: string;
  onFront: boolean;
}

export interface ScatterSpec {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  /** direction of the x objective, to draw the front as a staircase in the right order */
  xDirection: 'minimize' | 'maximize';
  xFormat?: (v: number) => string;
  points: ScatterPoint[];
  /** horizontal reference lines (e.g. dense and unstructured accuracy) */
  references?: { label: string; y: number }[];
}

export async function scatterFrontChart(spec: ScatterSpec): Promise<string> {
  const frame = await createFrame(spec);
  const { d3, plot, innerWidthPx, innerHeightPx } = frame;
  const xs = spec.points.map((p) => p.x);
  const refs = spec.references ?? [];
  const ys = [...spec.points.map((p) => p.y), ...refs.map((r) => r.y)];
  const x = d3.scaleLinear().domain(paddedDomain(xs)).nice().range([0, innerWidthPx]);
  const y = d3.scaleLinear().domain(paddedDomain(ys)).nice().range([innerHeightPx, 0]);
  drawAxes(frame, x, y, { xFormat: spec.xFormat });

  const refLayer = plot.append('g').attr('class', 'references').attr('font-size', 10).attr('fill', '#555555');
  for (const r of refs) {
    refLayer.append('line').attr('x1', 0).attr('x2', innerWidthPx).attr('y1', px(y(r.y))).attr('y2', px(y(r.y))).attr('stroke', '#888888').attr('stroke-dasharray', '2,3');
    refLayer.append('text').attr('x', 4).attr('y', px(y(r.y) + 12)).text(`${r.label}: ${fixed(r.y, 3)}`);
  }

  // front as a staircase: sorted by x from best to worst, y monotone by construction
  const front = spec.points.filter((p) => p.onFront).sort((a, b) => (spec.xDirection === 'minimize' ? a.x - b.x : b.x - a.x) || a.y - b.y || (a.id < b.id ? -1 : 1));
  if (front.length > 1) {
    let d = `M${px(x(front[0].x))},${px(y(front[0].y))}`;
    for (let i = 1; i < front.length; i++) d += `H${px(x(front[i].x))}V${px(y(front[i].y))}`;
    plot.append('path').attr('class', 'pareto-front').attr('d', d).attr('fill', 'none').attr('stroke', '#333333').attr('stroke-width', 1.5).attr('stroke-dasharray', '6,3');
  }

  const ordered = [...spec.points].sort((a, b) => Number(a.onFront) - Number(b.onFront) || comparePatterns(a.pattern, b.pattern) || (a.id < b.id ? -1 : 1));
  plot
    .append('g')
    .attr('class', 'points')
    .selectAll('circle')
    .data(ordered)
    .enter()
    .append('circle')
    .attr('cx', (p: ScatterPoint) => px(x(p.x)))
    .attr('cy', (p: ScatterPoint) => px(y(p.y)))
    .attr('r', (p: ScatterPoint) => (p.onFront ? 6 : 4))
    .attr('fill', (p: ScatterPoint) => patternColor(patternText(p.pattern)))
    .attr('fill-opacity', (p: ScatterPoint) => (p.onFront ? 1 : 0.55))
    .attr('stroke', (p: ScatterPoint) => (p.onFront ? '#000000' : 'none'))
    .attr('stroke-width', 1.5);

  // label each distinct front location once (duplicates share a label)
  const labelled = new Map<string, string[]>();
  for (const p of front) {
    const key = `${fixed(p.x, 6)}|${fixed(p.y, 6)}`;
    const list = labelled.get(key) ?? [];
    if (!list.includes(p.label)) list.push(p.label);
    labelled.set(key, list);
  }
  // greedy placement: a label that would overlap an earlier one moves down a line
  const LINE_PX = 13;
  const CHAR_PX = 6;
  const placed: { x0: number; x1: number; y0: number; y1: number }[] = [];
  const labels = plot.append('g').attr('class', 'front-labels').attr('font-size', 10);
  for (const p of front) {
    const key = `${fixed(p.x, 6)}|${fixed(p.y, 6)}`;
    const list = labelled.get(key);
    if (!list) continue;
    labelled.delete(key);
    const text = list.length > 2 ? `${list[0]} (+${list.length - 1})` : list.join(', ');
    const widthPx = text.length * CHAR_PX;
    let lx = x(p.x) + 8;
    if (lx + widthPx > innerWidthPx) lx = Math.max(0, x(p.x) - 8 - widthPx);
    let ly = y(p.y) - 8;
    for (let tries = 0; tries < 8; tries++) {
      const box = { x0: lx, x1: lx + widthPx, y0: ly - LINE_PX + 3, y1: ly + 3 };
      if (!placed.some((b) => b.x0 < box.x1 && box.x0 < b.x1 && b.y0 < box.y1 && box.y0 < b.y1)) break;
      ly += LINE_PX;
    }
    placed.push({ x0: lx, x1: lx + widthPx, y0: ly - LINE_PX + 3, y1: ly + 3 });
    labels.append('text').attr('x', px(lx)).attr('y', px(ly)).text(text);
  }

  const patterns = distinctPatterns(spec.points.map((p) => p.pattern)).map(patternText);
  const legend: LegendEntry[] = patterns.map((p) => ({ label: p, color: patternColor(p), mark: 'dot' }));
  legend.push({ label: 'Pareto front', color: '#333333', mark: 'dash' });
  drawLegend(frame, legend, 'pattern');
  return frame.toString();
}
