/**
 * Shared chart frame: fixed size, title, axes with labels, legend, drawn into our own SVG tree
 * (svg-tree.ts; no DOM) with d3-scale's scales (imported lazily, as only the charts need them).
 * Deterministic by construction — no ids, no random numbers, no timestamps; coordinates rounded
 * to 2 decimals.
 */
import { px } from '../format.js';
import type { AxisOrient, AxisScale, AxisTicks } from './axis.js';
import { SVG_TREE_BACKEND, type ChartBackend } from './backend.js';
import type { ChartNode } from './svg-tree.js';

export const CHART_FONT_FAMILY = 'DejaVu Sans';
export const CHART_WIDTH_PX = 800;
export const CHART_HEIGHT_PX = 500;
export const MARGIN_PX = { top: 56, right: 190, bottom: 64, left: 80 } as const;

/** Colour per pattern (Okabe–Ito palette, colour-blind safe); other labels fall back to grey. */
export const PATTERN_COLORS: Record<string, string> = {
  dense: '#000000',
  '2:4': '#E69F00',
  '4:8': '#56B4E9',
  '8:16': '#009E73',
  '16:32': '#D55E00',
  unstructured: '#CC79A7',
};
export const SERIES_COLORS = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000'];

export function patternColor(pattern: string, i = 0): string {
  return PATTERN_COLORS[pattern] ?? SERIES_COLORS[i % SERIES_COLORS.length];
}

export interface Frame {
  /** d3-scale's scale constructors */
  scales: typeof import('d3-scale');
  backend: ChartBackend;
  /** the plot area group, translated by the margins */
  plot: ChartNode;
  svg: ChartNode;
  /** where the plot area starts, below the title and every subtitle line */
  topPx: number;
  innerWidthPx: number;
  innerHeightPx: number;
  toString(): string;
}

/**
 * A conservative width of `text` in DejaVu Sans at `fontPx`, by character class, never below
 * the font's advance widths (DejaVuSans.ttf, 2048 units per em; checked glyph by glyph in
 * test/report/charts.test.ts): digits 0.636 em, space and "·" 0.318, i/l 0.278, m 0.974,
 * w 0.818, "+ < = > × −" 0.838. Charts have no text measurement at render time (there is no
 * layout engine), so labels and subtitle lines are placed and wrapped on this estimate, erring wide.
 */
export function textWidthPx(text: string, fontPx: number): number {
  let em = 0;
  for (const ch of text) em += charWidthEm(ch);
  return em * fontPx;
}

function charWidthEm(ch: string): number {
  if (" ·.,:;|'ilj".includes(ch)) return 0.34;
  if ('()-ftr'.includes(ch)) return 0.45;
  if ('mwMW%—@…'.includes(ch)) return 1.0;
  if ('#&+<=>^~×−'.includes(ch)) return 0.84;
  if (/[A-Z]/.test(ch)) return 0.8;
  return 0.65;
}

export const SUBTITLE_FONT_PX = 11;
export const SUBTITLE_LINE_PX = 14;
/** the first subtitle line's baseline; the plot starts MARGIN_PX.top below the chart's top for one line */
const SUBTITLE_FIRST_Y_PX = 42;

/**
 * Splits a subtitle into lines that fit `maxWidthPx` (breaking after spaces; a single word wider
 * than the line is kept whole on its own line). Nothing is cut: a chart's subtitle names things
 * the reader needs (which core each bar is).
 */
export function wrapText(text: string, maxWidthPx: number, fontPx: number): string[] {
  const words = text.split(' ');
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    const candidate = line === '' ? w : `${line} ${w}`;
    if (line !== '' && textWidthPx(candidate, fontPx) > maxWidthPx) {
      lines.push(line);
      line = w;
    } else line = candidate;
  }
  if (line !== '' || lines.length === 0) lines.push(line);
  return lines;
}

export interface FrameSpec {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
}

export async function createFrame(spec: FrameSpec, backend: ChartBackend = SVG_TREE_BACKEND): Promise<Frame> {
  const scales = await import('d3-scale');
  const root = backend.createSvg(CHART_WIDTH_PX, CHART_HEIGHT_PX);
  const svg = root.svg
    .attr('viewBox', `0 0 ${CHART_WIDTH_PX} ${CHART_HEIGHT_PX}`)
    .attr('font-family', CHART_FONT_FAMILY)
    .attr('font-size', 12);
  svg.append('rect').attr('width', CHART_WIDTH_PX).attr('height', CHART_HEIGHT_PX).attr('fill', '#ffffff');
  svg.append('text').attr('class', 'title').attr('x', MARGIN_PX.left).attr('y', 24).attr('font-size', 16).attr('font-weight', 'bold').text(spec.title);
  const subtitleLines = spec.subtitle ? wrapText(spec.subtitle, CHART_WIDTH_PX - MARGIN_PX.left - 12, SUBTITLE_FONT_PX) : [];
  subtitleLines.forEach((line, i) => {
    svg
      .append('text')
      .attr('class', 'subtitle')
      .attr('x', MARGIN_PX.left)
      .attr('y', SUBTITLE_FIRST_Y_PX + i * SUBTITLE_LINE_PX)
      .attr('font-size', SUBTITLE_FONT_PX)
      .attr('fill', '#444444')
      .text(line);
  });
  // a wrapped subtitle pushes the plot down by its extra lines
  const topPx = MARGIN_PX.top + Math.max(0, subtitleLines.length - 1) * SUBTITLE_LINE_PX;
  const innerWidthPx = CHART_WIDTH_PX - MARGIN_PX.left - MARGIN_PX.right;
  const innerHeightPx = CHART_HEIGHT_PX - topPx - MARGIN_PX.bottom;
  const plot = svg.append('g').attr('class', 'plot').attr('transform', `translate(${MARGIN_PX.left},${topPx})`);
  svg
    .append('text')
    .attr('class', 'x-label')
    .attr('x', px(MARGIN_PX.left + innerWidthPx / 2))
    .attr('y', CHART_HEIGHT_PX - 16)
    .attr('text-anchor', 'middle')
    .text(spec.xLabel);
  svg
    .append('text')
    .attr('class', 'y-label')
    .attr('transform', `translate(20,${px(topPx + innerHeightPx / 2)}) rotate(-90)`)
    .attr('text-anchor', 'middle')
    .text(spec.yLabel);
  return {
    scales,
    backend,
    plot,
    svg,
    topPx,
    innerWidthPx,
    innerHeightPx,
    toString: () => root.serialize() + '\n',
  };
}

/**
 * Linear domain padded by 5% on each side (and never empty). `anchor` (0 for shares, 1 for
 * speed-ups) is always inside the domain, and when it is the lowest value the domain starts
 * exactly there: a speed-up axis begins at 1×, so a 2 % gap between 1.24× and 1.26× looks as
 * small as it is.
 */
export function paddedDomain(values: readonly number[], anchor?: number): [number, number] {
  const all = anchor === undefined ? values : [...values, anchor];
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (lo === hi) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= d;
    hi += d;
  }
  const pad = (hi - lo) * 0.05;
  return [anchor !== undefined && lo >= anchor ? anchor : lo - pad, hi + pad];
}

export interface AxisOptions {
  xFormat?: (v: number) => string;
  yFormat?: (v: number) => string;
  /** explicit x ticks (e.g. the batch sizes on a log axis) */
  xTickValues?: number[];
}

/** The tick count of the charts' continuous axes and grid. */
const AXIS_TICK_COUNT = 8;

/**
 * One axis in its own group (class "x-axis", along the plot's bottom, or "y-axis"), its font
 * pinned to the chart font (the axis writes font-family="sans-serif", which a renderer without
 * system fonts cannot resolve).
 */
export function drawAxisGroup(frame: Frame, orient: AxisOrient, scale: AxisScale, ticks: AxisTicks): void {
  const g = frame.plot.append('g');
  if (orient === 'bottom') g.attr('class', 'x-axis').attr('transform', `translate(0,${frame.innerHeightPx})`);
  else g.attr('class', 'y-axis');
  frame.backend.drawAxis(g, orient, scale, ticks);
  g.attr('font-family', CHART_FONT_FAMILY).attr('font-size', 11);
}

/** Horizontal grid lines at the y ticks, then the bottom and left axes. */
export function drawAxes(frame: Frame, x: AxisScale, y: AxisScale & { ticks(count?: number): number[] }, opts: AxisOptions = {}): void {
  const { plot, innerWidthPx } = frame;
  const grid = plot.append('g').attr('class', 'grid');
  for (const v of y.ticks(AXIS_TICK_COUNT)) {
    grid.append('line').attr('x1', 0).attr('x2', innerWidthPx).attr('y1', px(y(v)!)).attr('y2', px(y(v)!)).attr('stroke', '#e5e5e5');
  }
  drawAxisGroup(frame, 'bottom', x, {
    ...(x.ticks ? { count: AXIS_TICK_COUNT } : {}),
    ...(opts.xTickValues ? { values: opts.xTickValues } : {}),
    ...(opts.xFormat ? { format: opts.xFormat } : {}),
  });
  drawAxisGroup(frame, 'left', y, { count: AXIS_TICK_COUNT, ...(opts.yFormat ? { format: opts.yFormat } : {}) });
}

export interface LegendEntry {
  label: string;
  color: string;
  /** 'dot' | 'line' | 'dash' | 'box' */
  mark: 'dot' | 'line' | 'dash' | 'box' | 'ring' | 'diamond';
}

export function drawLegend(frame: Frame, entries: readonly LegendEntry[], title?: string): void {
  const x0 = CHART_WIDTH_PX - MARGIN_PX.right + 16;
  const g = frame.svg.append('g').attr('class', 'legend').attr('transform', `translate(${x0},${frame.topPx})`);
  let y = 0;
  if (title) {
    g.append('text').attr('x', 0).attr('y', y + 4).attr('font-weight', 'bold').text(title);
    y += 20;
  }
  for (const e of entries) {
    if (e.mark === 'dot') g.append('circle').attr('cx', 6).attr('cy', y).attr('r', 5).attr('fill', e.color);
    else if (e.mark === 'ring') g.append('circle').attr('cx', 6).attr('cy', y).attr('r', 6).attr('fill', 'none').attr('stroke', e.color).attr('stroke-width', 2);
    else if (e.mark === 'diamond') g.append('path').attr('d', diamondPath(6, y, 6)).attr('fill', e.color).attr('stroke', '#000000').attr('stroke-width', 1);
    else if (e.mark === 'box') g.append('rect').attr('x', 0).attr('y', y - 6).attr('width', 12).attr('height', 12).attr('fill', e.color);
    else {
      const line = g.append('line').attr('x1', 0).attr('x2', 14).attr('y1', y).attr('y2', y).attr('stroke', e.color).attr('stroke-width', 2);
      if (e.mark === 'dash') line.attr('stroke-dasharray', '5,3');
    }
    g.append('text').attr('x', 20).attr('y', y + 4).text(e.label);
    y += 20;
  }
}

/** A diamond (a square on its corner) of half-diagonal r centred at (cx, cy): the weight points' marker. */
/** An SVG path through the points in order (chart px, written as `px` writes coordinates): "M x,y L x,y …". */
export function polylinePath(points: readonly (readonly [number, number])[]): string {
  return points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${px(x)},${px(y)}`).join('');
}

export function diamondPath(cx: number, cy: number, r: number): string {
  const f = (v: number) => Number(v.toFixed(2));
  return `M${f(cx)},${f(cy - r)}L${f(cx + r)},${f(cy)}L${f(cx)},${f(cy + r)}L${f(cx - r)},${f(cy)}Z`;
}
