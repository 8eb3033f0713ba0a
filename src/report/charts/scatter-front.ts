/**
 * Scatter of design points coloured by pattern, with the Pareto front drawn as a step line
 * through its points (ringed and labelled). Used for accuracy vs area overhead (the headline)
 * and accuracy vs speed-up.
 *
 * Every point carries its details at render time — a <title> (a tooltip in any SVG viewer and
 * the HTML report) and the same facts as data-* attributes — so the SVG and the HTML page hold
 * them and the page's script only shows them. Front points and points the recommendation names
 * are labelled; a label that cannot be placed without overlapping another is left out (the
 * point keeps its title). An accuracy interval, when the data has one, is an error bar.
 */
import { comparePatterns, distinctPatterns } from '../../explore/design-point.js';
import type { Pattern } from '../../sparsity/pattern.js';
import { fixed, patternText, px } from '../format.js';
import { SVG_TREE_BACKEND, type ChartBackend } from './backend.js';
import { createFrame, diamondPath, drawAxes, drawLegend, paddedDomain, patternColor, textWidthPx, type LegendEntry } from './frame.js';

/** What a point's hover shows: one line per fact, and the same facts as data-* attributes (name → text). */
export interface PointDetails {
  lines: string[];
  attributes: Record<string, string>;
}

export interface ScatterPoint {
  id: string;
  pattern: Pattern;
  x: number;
  y: number;
  /** short label drawn beside front points */
  label: string;
  onFront: boolean;
  /** labelled although off the front (the recommendation names it) */
  named?: boolean;
  /** 95 % interval of y, drawn as an error bar */
  yInterval?: readonly [number, number];
  /** a weight point (today's cores, the baseline): drawn as a diamond, with its own legend entry */
  weight?: boolean;
  details?: PointDetails;
}

export interface ScatterSpec {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  /** direction of the x objective, to draw the front as a staircase in the right order */
  xDirection: 'minimize' | 'maximize';
  /** a value the x axis always includes and starts at when no point is below it (1 for speed-ups) */
  xAnchor?: number;
  xFormat?: (v: number) => string;
  points: ScatterPoint[];
  /** horizontal reference lines (e.g. dense and unstructured accuracy) */
  references?: { label: string; y: number }[];
  /** the legend text of the weight points' marker, e.g. "weights 2:4 (today's cores)" */
  weightLegend?: string;
}

export async function scatterFrontChart(spec: ScatterSpec, backend: ChartBackend = SVG_TREE_BACKEND): Promise<string> {
  const frame = await createFrame(spec, backend);
  const { scales, plot, innerWidthPx, innerHeightPx } = frame;
  const xs = spec.points.map((p) => p.x);
  const refs = spec.references ?? [];
  const ys = [...spec.points.flatMap((p) => [p.y, ...(p.yInterval ?? [])]), ...refs.map((r) => r.y)];
  const x = scales.scaleLinear().domain(paddedDomain(xs, spec.xAnchor)).nice().range([0, innerWidthPx]);
  const y = scales.scaleLinear().domain(paddedDomain(ys)).nice().range([innerHeightPx, 0]);
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
  const bars = plot.append('g').attr('class', 'error-bars').attr('stroke-width', 1.2);
  for (const p of ordered) {
    if (!p.yInterval) continue;
    const [lo, hi] = p.yInterval;
    const cx = px(x(p.x));
    const color = patternColor(patternText(p.pattern));
    bars.append('line').attr('class', 'error-bar').attr('data-point', p.id).attr('x1', cx).attr('x2', cx).attr('y1', px(y(lo))).attr('y2', px(y(hi))).attr('stroke', color);
    for (const v of [lo, hi]) bars.append('line').attr('class', 'error-cap').attr('x1', px(x(p.x) - 4)).attr('x2', px(x(p.x) + 4)).attr('y1', px(y(v))).attr('y2', px(y(v))).attr('stroke', color);
  }
  const pointLayer = plot.append('g').attr('class', 'points');
  for (const p of ordered) {
    const c = p.weight
      ? pointLayer
          .append('path')
          .attr('class', 'point weight-point')
          .attr('data-point', p.id)
          .attr('d', diamondPath(x(p.x), y(p.y), 7))
          .attr('fill', patternColor(patternText(p.pattern)))
          .attr('stroke', '#000000')
          .attr('stroke-width', 1.5)
      : pointLayer
          .append('circle')
          .attr('class', 'point')
          .attr('data-point', p.id)
          .attr('cx', px(x(p.x)))
          .attr('cy', px(y(p.y)))
          .attr('r', p.onFront ? 6 : 4)
          .attr('fill', patternColor(patternText(p.pattern)))
          .attr('fill-opacity', p.onFront ? 1 : 0.55)
          .attr('stroke', p.onFront ? '#000000' : 'none')
          .attr('stroke-width', 1.5);
    if (p.details) {
      // focusable, so a keyboard reaches the same details as a pointer (the HTML page shows them on focus)
      c.attr('tabindex', 0);
      for (const [name, value] of Object.entries(p.details.attributes)) c.attr(`data-${name}`, value);
      c.append('title').text(p.details.lines.join('\n'));
    }
  }

  // label each distinct labelled location once (duplicates share a label): front points first
  const toLabel = [...front, ...spec.points.filter((p) => !p.onFront && p.named).sort((a, b) => (a.id < b.id ? -1 : 1))];
  const labelled = new Map<string, string[]>();
  for (const p of toLabel) {
    const key = `${fixed(p.x, 6)}|${fixed(p.y, 6)}`;
    const list = labelled.get(key) ?? [];
    if (!list.includes(p.label)) list.push(p.label);
    labelled.set(key, list);
  }
  // greedy placement: beside the point (right, else left), else a line further down or up
  // (then a thin leader joins label and point); never over another label or a labelled point; a
  // label that finds no free place is left out (its point keeps its title)
  const FONT_PX = 10;
  const LINE_PX = 13;
  type Box = { x0: number; x1: number; y0: number; y1: number };
  const placed: Box[] = toLabel.map((p) => ({ x0: x(p.x) - 6, x1: x(p.x) + 6, y0: y(p.y) - 6, y1: y(p.y) + 6 }));
  const overlaps = (box: Box) => placed.some((b) => b.x0 < box.x1 && box.x0 < b.x1 && b.y0 < box.y1 && box.y0 < b.y1);
  const leaders = plot.append('g').attr('class', 'label-leaders').attr('stroke', '#777777').attr('stroke-width', 0.8);
  const labels = plot.append('g').attr('class', 'point-labels').attr('font-size', FONT_PX);
  for (const p of toLabel) {
    const key = `${fixed(p.x, 6)}|${fixed(p.y, 6)}`;
    const list = labelled.get(key);
    if (!list) continue;
    labelled.delete(key);
    const text = list.length > 2 ? `${list[0]} (+${list.length - 1})` : list.join(', ');
    const widthPx = textWidthPx(text, FONT_PX);
    const cx = x(p.x);
    const cy = y(p.y);
    const sides = [cx + 8, cx - 8 - widthPx].filter((lx) => lx >= 0 && lx + widthPx <= innerWidthPx);
    const boxAt = (lx: number, ly: number): Box => ({ x0: lx, x1: lx + widthPx, y0: ly - LINE_PX + 3, y1: ly + 3 });
    let spot: { lx: number; ly: number; k: number } | undefined;
    for (const k of [0, 1, -1, 2, -2, 3, -3, 4, -4]) {
      // k = 0: a front point's label sits above and beside it, clear of the front line drawn through
      // it; any other point's label is centred beside it, so it cannot be read as its neighbour's
      const ly = (p.onFront ? cy - 8 : cy + 4) + k * LINE_PX;
      if (ly - FONT_PX < 0 || ly > innerHeightPx) continue;
      const lx = sides.find((sx) => !overlaps(boxAt(sx, ly)));
      if (lx !== undefined) {
        spot = { lx, ly, k };
        break;
      }
    }
    if (!spot) continue;
    placed.push(boxAt(spot.lx, spot.ly));
    labels.append('text').attr('x', px(spot.lx)).attr('y', px(spot.ly)).text(text);
    if (spot.k !== 0) {
      // from the point's edge to the middle of the label's near side
      const right = spot.lx > cx;
      const ex = right ? spot.lx - 1 : spot.lx + widthPx + 1;
      const ey = spot.ly - 4;
      const d = Math.hypot(ex - cx, ey - cy) || 1;
      leaders.append('line').attr('x1', px(cx + ((ex - cx) * 6) / d)).attr('y1', px(cy + ((ey - cy) * 6) / d)).attr('x2', px(ex)).attr('y2', px(ey));
    }
  }

  const patterns = distinctPatterns(spec.points.map((p) => p.pattern)).map(patternText);
  const legend: LegendEntry[] = patterns.map((p) => ({ label: p, color: patternColor(p), mark: 'dot' }));
  legend.push({ label: 'Pareto front', color: '#333333', mark: 'dash' });
  if (spec.points.some((p) => p.weight)) legend.push({ label: spec.weightLegend ?? 'weights (today’s cores)', color: '#777777', mark: 'diamond' });
  if (spec.points.some((p) => p.yInterval)) legend.push({ label: '95 % interval', color: '#555555', mark: 'line' });
  drawLegend(frame, legend, 'pattern');
  return frame.toString();
}
