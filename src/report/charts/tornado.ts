/**
 * The sensitivity tornado (review/sensitivity.ts): one row per swept assumption, most influential
 * on top; three panels — the wide − narrow delta of area overhead (pp), of prefill speed-up and
 * of decode speed-up at the largest batch. In each panel a bar spans the assumption's values'
 * deltas, a vertical line marks the base review's, and each bar end is labelled with the value
 * that gives it. Rows whose values flip the comparison are marked "⇄" and drawn in vermilion.
 */
import type { SensitivityResult, SensitivityRow } from '../../review/sensitivity.js';
import { px } from '../format.js';
import { SVG_TREE_BACKEND, type ChartBackend } from './backend.js';
import { CHART_HEIGHT_PX, CHART_WIDTH_PX, createFrame, MARGIN_PX, SERIES_COLORS, textWidthPx } from './frame.js';

export const TORNADO_STEM = 'sensitivity-tornado';

const LABEL_COLUMN_PX = 270;
const LABEL_FONT_PX = 10;
const PANEL_GAP_PX = 18;
const FLIP_COLOR = SERIES_COLORS[3];
const BAR_COLOR = SERIES_COLORS[0];

type Figure = 'areaOverheadPp' | 'prefillSpeedup' | 'decodeSpeedup';

/**
 * `minSpan`: the narrowest axis a panel draws, so that a figure no assumption moves (decode
 * speed-up deltas of 1e-5) shows as no bar instead of noise stretched across the panel.
 */
const PANELS: { figure: Figure; title: (r: SensitivityResult) => string; format: (v: number) => string; minSpan: number }[] = [
  { figure: 'areaOverheadPp', title: () => 'Δ area overhead (pp)', format: (v) => v.toFixed(1), minSpan: 2 },
  { figure: 'prefillSpeedup', title: () => 'Δ prefill speed-up', format: (v) => v.toFixed(3), minSpan: 0.04 },
  { figure: 'decodeSpeedup', title: (r) => `Δ decode speed-up, B = ${r.decodeBatchTokens}`, format: (v) => v.toFixed(3), minSpan: 0.04 },
];

/** The delta a row (or the base) has for a figure. */
function deltaOf(d: SensitivityRow['deltas'], figure: Figure): number | null {
  if (figure === 'decodeSpeedup') return d.decodeSpeedup.length > 0 ? d.decodeSpeedup[d.decodeSpeedup.length - 1].delta : null;
  return d[figure];
}

/** Fits a label into `maxPx` at `fontPx`, ending it with "…" when cut. */
function fit(text: string, maxPx: number, fontPx: number): string {
  if (textWidthPx(text, fontPx) <= maxPx) return text;
  let t = text;
  while (t.length > 1 && textWidthPx(`${t}…`, fontPx) > maxPx) t = t.slice(0, -1);
  return `${t}…`;
}

export async function tornadoChart(result: SensitivityResult, pairText: string, backend: ChartBackend = SVG_TREE_BACKEND): Promise<string> {
  const frame = await createFrame({
    title: `Sensitivity of ${pairText}: which assumptions move it`,
    subtitle: `Each bar spans the ${pairText} delta over an assumption's values (labelled at the bar ends); the line is the review as given. ⇄ = flips which pattern is on the front or faster in decode.`,
    xLabel: `change of the ${pairText} delta`,
    yLabel: '',
  }, backend);
  const { scales, svg } = frame;
  const top = frame.topPx + 16;
  const left = 12;
  const panelsLeft = left + LABEL_COLUMN_PX;
  const panelWidth = (CHART_WIDTH_PX - panelsLeft - 16 - PANEL_GAP_PX * (PANELS.length - 1)) / PANELS.length;
  const bottom = CHART_HEIGHT_PX - MARGIN_PX.bottom + 10;
  const keys = result.keys;
  const rowHeight = Math.min(34, (bottom - top) / Math.max(1, keys.length));
  const g = svg.append('g').attr('class', 'tornado');
  keys.forEach((k, i) => {
    const y = top + i * rowHeight + rowHeight / 2;
    g.append('text')
      .attr('class', 'tornado-key')
      .attr('x', left)
      .attr('y', px(y + 4))
      .attr('font-size', LABEL_FONT_PX)
      .attr('fill', k.flips ? FLIP_COLOR : '#000000')
      .text(fit(`${k.flips ? '⇄ ' : ''}${k.key}`, LABEL_COLUMN_PX - 8, LABEL_FONT_PX));
  });
  PANELS.forEach((panel, pi) => {
    const x0 = panelsLeft + pi * (panelWidth + PANEL_GAP_PX);
    const base = deltaOf(result.base, panel.figure);
    const values = [...(base === null ? [] : [base]), ...result.rows.map((r) => deltaOf(r.deltas, panel.figure)).filter((v): v is number => v !== null)];
    let lo = Math.min(...values);
    let hi = Math.max(...values);
    if (!Number.isFinite(lo)) [lo, hi] = [0, 1];
    if (hi - lo < panel.minSpan) {
      const mid = base ?? (lo + hi) / 2;
      lo = Math.min(lo, mid - panel.minSpan / 2);
      hi = Math.max(hi, mid + panel.minSpan / 2);
    }
    const pad = (hi - lo) * 0.12;
    const x = scales.scaleLinear().domain([lo - pad, hi + pad]).range([x0, x0 + panelWidth]);
    g.append('text').attr('x', px(x0 + panelWidth / 2)).attr('y', px(top - 6)).attr('text-anchor', 'middle').attr('font-size', 11).attr('font-weight', 'bold').text(panel.title(result));
    g.append('rect').attr('x', px(x0)).attr('y', px(top)).attr('width', px(panelWidth)).attr('height', px(rowHeight * keys.length)).attr('fill', 'none').attr('stroke', '#cccccc');
    if (base !== null) {
      g.append('line').attr('x1', px(x(base))).attr('x2', px(x(base))).attr('y1', px(top)).attr('y2', px(top + rowHeight * keys.length)).attr('stroke', '#000000').attr('stroke-width', 1);
      g.append('text').attr('x', px(x(base))).attr('y', px(top + rowHeight * keys.length + 12)).attr('text-anchor', 'middle').attr('font-size', 9).text(panel.format(base));
    }
    keys.forEach((k, i) => {
      const y = top + i * rowHeight + rowHeight / 2;
      const of = result.rows.filter((r) => r.key === k.key && deltaOf(r.deltas, panel.figure) !== null);
      if (of.length === 0 || base === null) return;
      const sorted = [...of].sort((a, b) => deltaOf(a.deltas, panel.figure)! - deltaOf(b.deltas, panel.figure)!);
      const low = sorted[0];
      const high = sorted[sorted.length - 1];
      const vLow = Math.min(base, deltaOf(low.deltas, panel.figure)!);
      const vHigh = Math.max(base, deltaOf(high.deltas, panel.figure)!);
      const flips = of.some((r) => r.flips);
      g.append('rect')
        .attr('x', px(x(vLow)))
        .attr('y', px(y - rowHeight * 0.3))
        .attr('width', px(Math.max(1, x(vHigh) - x(vLow))))
        .attr('height', px(rowHeight * 0.6))
        .attr('fill', flips ? FLIP_COLOR : BAR_COLOR)
        .attr('fill-opacity', 0.8)
        .append('title')
        .text(`${k.key}: ${of.map((r) => `${r.value} → ${panel.format(deltaOf(r.deltas, panel.figure)!)}`).join('; ')}`);
      const lowValue = deltaOf(low.deltas, panel.figure)!;
      const highValue = deltaOf(high.deltas, panel.figure)!;
      // a bar too short to see gets no value labels (they would crowd the base line)
      if (highValue - lowValue > panel.minSpan / 100) {
        g.append('text').attr('x', px(x(vLow) - 2)).attr('y', px(y + 3)).attr('text-anchor', 'end').attr('font-size', 8).text(fit(low.value, 60, 8));
        g.append('text').attr('x', px(x(vHigh) + 2)).attr('y', px(y + 3)).attr('font-size', 8).text(fit(high.value, 60, 8));
      }
    });
  });
  return frame.toString();
}
