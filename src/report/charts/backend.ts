/**
 * Where the chart code draws: the SVG tree of svg-tree.ts and our axes (axis.ts), with no DOM.
 * The interface lets a test draw the same chart code through d3-node/jsdom and d3-axis (the
 * charts' former renderer, test/report/d3-node-backend.ts) and compare the bytes.
 */
import { drawAxis, type AxisOrient, type AxisScale, type AxisTicks } from './axis.js';
import { svgRoot, type ChartNode } from './svg-tree.js';

export interface ChartBackend {
  /** the root `<svg xmlns width height>`, and its serialization (no trailing newline) */
  createSvg(widthPx: number, heightPx: number): { svg: ChartNode; serialize(): string };
  /** an axis' domain line, ticks and labels into `group` (axis.ts says what is drawn) */
  drawAxis(group: ChartNode, orient: AxisOrient, scale: AxisScale, ticks: AxisTicks): void;
}

export const SVG_TREE_BACKEND: ChartBackend = {
  createSvg(widthPx, heightPx) {
    const svg = svgRoot(widthPx, heightPx);
    return { svg, serialize: () => svg.toString() };
  },
  drawAxis,
};
