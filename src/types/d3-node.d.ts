// d3-node 4 ships no type declarations. Only a test uses it now (test/report/d3-node-backend.ts:
// the charts' former renderer, the reference for the SVG tree's bytes).
declare module 'd3-node' {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  export const D3Node: any;
}
