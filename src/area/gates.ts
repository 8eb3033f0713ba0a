/**
 * Gate-level building blocks as standard-cell counts. Modelling assumptions (area, not speed):
 * ripple-carry adders, array multipliers, a w-bit magnitude comparator as a w-bit subtractor,
 * an n:1 mux as a tree of n − 1 two-input muxes, AND2 as NAND2 + INV. These are the textbook
 * minimum-area forms (Weste & Harris, CMOS VLSI Design, 4th ed., ch. 11); synthesized
 * datapaths with faster adders are larger, so the model errs small and equally for every
 * pattern.
 */
import type { CellCounts } from './component.js';

export const ceilLog2 = (n: number): number => (n <= 1 ? 0 : Math.ceil(Math.log2(n)));

export const and2 = (n = 1): CellCounts => ({ nand2: n, inv: n });
export const registers = (bits: number): CellCounts => ({ dff: bits });

/** n:1 mux as a tree of n − 1 MUX2, `width` bits wide. */
export function muxTree(inputs: number, width = 1): CellCounts {
  return { mux2: Math.max(0, inputs - 1) * width };
}

/** w-bit ripple-carry adder. */
export function rippleAdder(w: number): CellCounts {
  return { fullAdder: w };
}

/** w-bit subtractor / magnitude comparator: adder with the subtrahend inverted. */
export function subtractor(w: number): CellCounts {
  return { fullAdder: w, inv: w };
}

/** a × b unsigned array multiplier: a·b partial-product ANDs, a(b − 2) full adders, a half adders. */
export function arrayMultiplier(a: number, b: number): CellCounts {
  if (a < 2 || b < 2) return and2(a * b);
  return { nand2: a * b, inv: a * b, fullAdder: a * (b - 2), halfAdder: a };
}

/** Logarithmic barrel shifter: w bits × ⌈log₂ range⌉ MUX2 stages. */
export function barrelShifter(w: number, range: number): CellCounts {
  return { mux2: w * ceilLog2(range) };
}

/** Leading-zero counter over w bits: about 2 NAND2 per bit (tree of priority encoders). */
export function leadingZeroCounter(w: number): CellCounts {
  return { nand2: 2 * w };
}
