/**
 * Left and bottom axes drawn into a chart group, element for element as d3-axis (axisLeft /
 * axisBottom, v3) draws them outside a browser — the charts' SVG bytes did not change when d3-axis
 * and jsdom were dropped (test/report/svg-backends.test.ts compares the two on every chart):
 *
 *   <g …(the caller's attributes) fill="none" font-size="10" font-family="sans-serif" text-anchor="middle|end">
 *     <path class="domain" stroke="currentColor" d="M0.5,6V0.5H530.5V6"></path>       (bottom)
 *     <g class="tick" opacity="1" transform="translate(66.25,0)">
 *       <line stroke="currentColor" y2="6"></line>
 *       <text fill="currentColor" y="9" dy="0.71em">2:4</text>
 *     </g> …
 *   </g>
 *
 * Ticks are 6 px long with 3 px between tick and label; every position is shifted by half a pixel
 * so a 1 px line falls on a pixel centre (d3-axis's offset when there is no high-density window).
 * The tick values and labels are the scale's own (ticks(count) / tickFormat(count), or its domain
 * and the values' text for a band scale) unless the caller gives them.
 */
import type { ChartNode } from './svg-tree.js';

export type AxisOrient = 'bottom' | 'left';

/** The scale an axis reads: a d3-scale linear, log or band scale. */
export interface AxisScale {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  (value: any): number | undefined;
  range(): number[];
  domain(): unknown[];
  ticks?(count?: number): unknown[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  tickFormat?(count?: number): (value: any) => string;
  bandwidth?(): number;
  round?(): boolean;
}

export interface AxisTicks {
  /** the tick count passed to the scale's ticks() and tickFormat() (the scale's default when absent) */
  count?: number;
  /** explicit tick values, in drawing order */
  values?: readonly (number | string)[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  format?: (value: any) => string;
}

const TICK_SIZE_PX = 6;
const TICK_PADDING_PX = 3;
/** half a pixel, so 1 px lines are crisp */
const CRISP_OFFSET_PX = 0.5;

export function drawAxis(group: ChartNode, orient: AxisOrient, scale: AxisScale, ticks: AxisTicks = {}): void {
  const values = ticks.values ?? (scale.ticks ? scale.ticks(ticks.count) : scale.domain());
  const format = ticks.format ?? (scale.tickFormat ? scale.tickFormat(ticks.count) : String);
  const range = scale.range();
  const start = +range[0] + CRISP_OFFSET_PX;
  const end = +range[range.length - 1] + CRISP_OFFSET_PX;
  // a band's tick sits at the band's centre (less the offset, so the shifted tick is centred)
  let bandCentre = 0;
  if (scale.bandwidth) {
    bandCentre = Math.max(0, scale.bandwidth() - 2 * CRISP_OFFSET_PX) / 2;
    if (scale.round?.()) bandCentre = Math.round(bandCentre);
  }
  const position = (v: unknown) => (scale.bandwidth ? +scale(v)! + bandCentre : +scale(v)!) + CRISP_OFFSET_PX;

  const left = orient === 'left';
  // the side the ticks point to: −1 left of a vertical axis, +1 below a horizontal one
  const side = left ? -1 : 1;
  group
    .append('path')
    .attr('class', 'domain')
    .attr('stroke', 'currentColor')
    .attr(
      'd',
      left
        ? `M${side * TICK_SIZE_PX},${start}H${CRISP_OFFSET_PX}V${end}H${side * TICK_SIZE_PX}`
        : `M${start},${side * TICK_SIZE_PX}V${CRISP_OFFSET_PX}H${end}V${side * TICK_SIZE_PX}`,
    );
  for (const v of values) {
    const p = position(v);
    const tick = group
      .append('g')
      .attr('class', 'tick')
      .attr('opacity', 1)
      .attr('transform', left ? `translate(0,${p})` : `translate(${p},0)`);
    tick
      .append('line')
      .attr('stroke', 'currentColor')
      .attr(left ? 'x2' : 'y2', side * TICK_SIZE_PX);
    const label = format(v);
    tick
      .append('text')
      .attr('fill', 'currentColor')
      .attr(left ? 'x' : 'y', side * (TICK_SIZE_PX + TICK_PADDING_PX))
      .attr('dy', left ? '0.32em' : '0.71em')
      .text(label == null ? '' : String(label));
  }
  group
    .attr('fill', 'none')
    .attr('font-size', 10)
    .attr('font-family', 'sans-serif')
    .attr('text-anchor', left ? 'end' : 'middle');
}
