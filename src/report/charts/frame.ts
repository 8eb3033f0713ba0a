/**
 * Shared chart frame on d3-node (imported lazily: jsdom costs ~0.7 s to load): fixed size,
 * title, linear axes with labels, legend. Deterministic by construction — no ids, no random
 * numbers, no timestamps; coordinates rounded to 2 decimals.
 */
import { px } from '../format.js';

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

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Sel = any;

export interface Frame {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  d3: any;
  /** the plot area group, translated by the margins */
  plot: Sel;
  svg: Sel;
  innerWidthPx: number;
  innerHeightPx: number;
  toString(): string;
}

/** DejaVu Sans at 11 px averages ≈ 6 px per character: 118 characters fill the chart's width. */
export const SUBTITLE_MAX_CHARS = 118;

/** Shortens text to `max` characters with an ellipsis (charts have no text wrapping). */
export function fitText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

export interface FrameSpec {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
}

export async function createFrame(spec: FrameSpec): Promise<Frame> {
  const { D3Node } = await import('d3-node');
  const d3n = new D3Node();
  const svg = d3n
    .createSVG(CHART_WIDTH_PX, CHART_HEIGHT_PX)
    .attr('viewBox', `0 0 ${CHART_WIDTH_PX} ${CHART_HEIGHT_PX}`)
    .attr('font-family', CHART_FONT_FAMILY)
    .attr('font-size', 12);
  svg.append('rect').attr('width', CHART_WIDTH_PX).attr('height', CHART_HEIGHT_PX).attr('fill', '#ffffff');
  svg.append('text').attr('class', 'title').attr('x', MARGIN_PX.left).attr('y', 24).attr('font-size', 16).attr('font-weight', 'bold').text(spec.title);
  if (spec.subtitle) svg.append('text').attr('class', 'subtitle').attr('x', MARGIN_PX.left).attr('y', 42).attr('font-size', 11).attr('fill', '#444444').text(fitText(spec.subtitle, SUBTITLE_MAX_CHARS));
  const innerWidthPx = CHART_WIDTH_PX - MARGIN_PX.left - MARGIN_PX.right;
  const innerHeightPx = CHART_HEIGHT_PX - MARGIN_PX.top - MARGIN_PX.bottom;
  const plot = svg.append('g').attr('class', 'plot').attr('transform', `translate(${MARGIN_PX.left},${MARGIN_PX.top})`);
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
    .attr('transform', `translate(20,${px(MARGIN_PX.top + innerHeightPx / 2)}) rotate(-90)`)
    .attr('text-anchor', 'middle')
    .text(spec.yLabel);
  return {
    d3: d3n.d3,
    plot,
    svg,
    innerWidthPx,
    innerHeightPx,
    toString: () => d3n.svgString() + '\n',
  };
}

/** Linear domain padded by 5% on each side (and never empty). */
export function paddedDomain(values: readonly number[], includeZero = false): [number, number] {
  let lo = Math.min(...values, ...(includeZero ? [0] : []));
  let hi = Math.max(...values, ...(includeZero ? [0] : []));
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (lo === hi) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= d;
    hi += d;
  }
  const pad = (hi - lo) * 0.05;
  return [includeZero && lo >= 0 ? Math.max(0, lo - pad) : lo - pad, hi + pad];
}

/**
 * Draws left and bottom axes with d3-axis, then pins their font to the chart font (d3-axis
 * writes font-family="sans-serif", which a renderer without system fonts cannot resolve).
 */
export interface AxisOptions {
  xFormat?: (v: number) => string;
  yFormat?: (v: number) => string;
  /** explicit x ticks (e.g. the batch sizes on a log axis) */
  xTickValues?: number[];
}

export function drawAxes(frame: Frame, x: Sel, y: Sel, opts: AxisOptions = {}): void {
  const { d3, plot, innerHeightPx, innerWidthPx } = frame;
  const { xFormat, yFormat, xTickValues } = opts;
  const xAxis = d3.axisBottom(x);
  if (x.ticks) xAxis.ticks(8);
  if (xTickValues) xAxis.tickValues(xTickValues);
  if (xFormat) xAxis.tickFormat(xFormat);
  const yAxis = d3.axisLeft(y).ticks(8);
  if (yFormat) yAxis.tickFormat(yFormat);
  plot
    .append('g')
    .attr('class', 'grid')
    .selectAll('line')
    .data(y.ticks(8))
    .enter()
    .append('line')
    .attr('x1', 0)
    .attr('x2', innerWidthPx)
    .attr('y1', (v: number) => px(y(v)))
    .attr('y2', (v: number) => px(y(v)))
    .attr('stroke', '#e5e5e5');
  plot.append('g').attr('class', 'x-axis').attr('transform', `translate(0,${innerHeightPx})`).call(xAxis);
  plot.append('g').attr('class', 'y-axis').call(yAxis);
  plot.selectAll('.x-axis, .y-axis').attr('font-family', CHART_FONT_FAMILY).attr('font-size', 11);
}

export interface LegendEntry {
  label: string;
  color: string;
  /** 'dot' | 'line' | 'dash' | 'box' */
  mark: 'dot' | 'line' | 'dash' | 'box' | 'ring';
}

export function drawLegend(frame: Frame, entries: readonly LegendEntry[], title?: string): void {
  const x0 = CHART_WIDTH_PX - MARGIN_PX.right + 16;
  const g = frame.svg.append('g').attr('class', 'legend').attr('transform', `translate(${x0},${MARGIN_PX.top})`);
  let y = 0;
  if (title) {
    g.append('text').attr('x', 0).attr('y', y + 4).attr('font-weight', 'bold').text(title);
    y += 20;
  }
  for (const e of entries) {
    if (e.mark === 'dot') g.append('circle').attr('cx', 6).attr('cy', y).attr('r', 5).attr('fill', e.color);
    else if (e.mark === 'ring') g.append('circle').attr('cx', 6).attr('cy', y).attr('r', 6).attr('fill', 'none').attr('stroke', e.color).attr('stroke-width', 2);
    else if (e.mark === 'box') g.append('rect').attr('x', 0).attr('y', y - 6).attr('width', 12).attr('height', 12).attr('fill', e.color);
    else {
      const line = g.append('line').attr('x1', 0).attr('x2', 14).attr('y1', y).attr('y2', y).attr('stroke', e.color).attr('stroke-width', 2);
      if (e.mark === 'dash') line.attr('stroke-dasharray', '5,3');
    }
    g.append('text').attr('x', 20).attr('y', y + 4).text(e.label);
    y += 20;
  }
}
