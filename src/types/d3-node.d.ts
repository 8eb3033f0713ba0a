// d3-node 4 ships no type declarations; the report code uses it through this narrow surface.
declare module 'd3-node' {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  export const D3Node: any;
}
