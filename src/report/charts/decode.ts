/**
 * Decode speed-up vs batch size on a log₂ x axis: one line per pattern on its best core
 * (review/serving.ts bestCoreSeries), dense = 1× as a reference line.
 */
import { bestCoreSeries, type ServingResult } from '../../review/serving.js';
import { fixed, patternText, px, speedup } from '../format.js';
import { createFrame, drawAxes, drawLegend, paddedDomain, patternColor, type LegendEntry } from './frame.js';
import { DECODE_CHART_TITLE } from '../review-serving.js';

export async function decodeServingChart(s: ServingResult): Promise<string> {
  const frame = await createFrame({
    title: DECODE_CHART_TITLE,
    subtitle: `TPOT of dense ÷ TPOT of the pattern on the same core, decode step at context ${s.decodeContextTokens} tokens (--serving ${s.promptTokens}:${s.outputTokens})`,
    xLabel: 'decode batch B (sequences, log₂)',
    yLabel: 'decode speed-up vs dense (×)',
  });
  const { plot, innerWidthPx, innerHeightPx, d3 } = frame;
  const series = bestCoreSeries(s);
  const x = d3.scaleLog().base(2).domain([s.batches[0] ?? 1, s.batches[s.batches.length - 1] ?? 2]).range([0, innerWidthPx]);
  const y = d3.scaleLinear().domain(paddedDomain(series.flatMap((r) => r.steps.map((t) => t.speedup)), 1)).range([innerHeightPx, 0]);
  drawAxes(frame, x, y, { xTickValues: [...s.batches], xFormat: (v) => String(v), yFormat: (v) => `${fixed(v, 2)}×` });
  const lines = plot.append('g').attr('class', 'lines');
  lines.append('line').attr('x1', 0).attr('x2', innerWidthPx).attr('y1', px(y(1))).attr('y2', px(y(1))).attr('stroke', '#555555').attr('stroke-dasharray', '5,3');
  const legend: LegendEntry[] = [];
  series.forEach((r, i) => {
    const label = `${patternText(r.pattern)} on ${r.profile}`;
    const color = patternColor(patternText(r.pattern), i);
    lines.append('path').attr('d', r.steps.map((t, j) => `${j === 0 ? 'M' : 'L'}${px(x(t.batch))},${px(y(t.speedup))}`).join('')).attr('fill', 'none').attr('stroke', color).attr('stroke-width', 2);
    for (const t of r.steps) {
      lines
        .append('circle')
        .attr('class', 'point')
        .attr('tabindex', 0)
        .attr('data-pattern', patternText(r.pattern))
        .attr('data-batch', t.batch)
        .attr('cx', px(x(t.batch)))
        .attr('cy', px(y(t.speedup)))
        .attr('r', 3)
        .attr('fill', color)
        .append('title')
        .text(`${label} · B = ${t.batch}\ndecode speed-up ${speedup(t.speedup)}, TPOT ${fixed(t.tpotMs, 2)} ms (${t.bottleneck}-bound)${t.weightRows ? `\nweight rows fetched ${fixed(t.weightRows.fraction, 3)} (${t.weightRows.source.startsWith('measured') ? 'measured' : 'independence bound'})` : ''}`);
    }
    legend.push({ label, color, mark: 'line' });
  });
  legend.push({ label: 'dense = 1×', color: '#555555', mark: 'dash' });
  drawLegend(frame, legend, 'pattern on core');
  return frame.toString();
}
