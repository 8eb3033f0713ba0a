// d3-scale 4 ships no type declarations (and @types/d3-scale is not installed); the charts use
// these scales through this narrow surface.
declare module 'd3-scale' {
  export interface ScaleContinuous {
    (value: number): number;
    domain(): number[];
    domain(domain: readonly number[]): this;
    range(): number[];
    range(range: readonly number[]): this;
    nice(count?: number): this;
    ticks(count?: number): number[];
    tickFormat(count?: number, specifier?: string): (value: number) => string;
    copy(): this;
  }
  export interface ScaleLogarithmic extends ScaleContinuous {
    base(base: number): this;
  }
  export interface ScaleBand {
    /** undefined for a value not in the domain */
    (value: string): number | undefined;
    domain(): string[];
    domain(domain: readonly string[]): this;
    range(): number[];
    range(range: readonly number[]): this;
    bandwidth(): number;
    round(): boolean;
    padding(padding: number): this;
    paddingInner(padding: number): this;
    paddingOuter(padding: number): this;
    copy(): this;
  }
  export function scaleLinear(): ScaleContinuous;
  export function scaleLog(): ScaleLogarithmic;
  export function scaleBand(): ScaleBand;
}
