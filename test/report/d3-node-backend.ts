/**
 * The charts' former renderer as a ChartBackend: d3-node's jsdom document (serialized by
 * outerHTML) and d3-axis's axisBottom/axisLeft. The chart code draws through it exactly as it
 * draws through our SVG tree (src/report/charts/backend.ts), so test/report/svg-backends.test.ts
 * can compare the two byte for byte. Test-only: d3-node (and jsdom) stay out of the tool's runtime.
 */
import type { AxisTicks } from '../../src/report/charts/axis.js';
import type { ChartBackend } from '../../src/report/charts/backend.js';

export async function d3NodeBackend(): Promise<ChartBackend> {
  const { D3Node } = await import('d3-node');
  const d3 = new D3Node().d3;
  return {
    createSvg(widthPx, heightPx) {
      const d3n = new D3Node();
      const svg = d3n.createSVG(widthPx, heightPx);
      return { svg, serialize: () => d3n.svgString() };
    },
    drawAxis(group, orient, scale, ticks: AxisTicks) {
      // the axis as frame.ts built it before: ticks(count), then tickValues, then tickFormat
      const axis = orient === 'bottom' ? d3.axisBottom(scale) : d3.axisLeft(scale);
      if (ticks.count !== undefined) axis.ticks(ticks.count);
      if (ticks.values) axis.tickValues(ticks.values);
      if (ticks.format) axis.tickFormat(ticks.format);
      // a d3 selection: the ChartNode the backend handed out
      (group as unknown as { call(f: unknown): void }).call(axis);
    },
  };
}
