/**
 * How many operand bytes move where, for one GEMM on one profile:
 * - DRAM: each operand once while the smaller fits half the on-chip reuse capacity, else the
 *   cheaper operand is re-streamed once per resident chunk of the other;
 * - buffer levels: what one core pulls out of each level per K step of a tile;
 * - metadata decode latency per encoding.
 */
import {
  COMBINATORIAL_UNRANK_POSITIONS_PER_CYCLE,
  INDEX_DECODE_LATENCY_CYCLES,
  MMA_FRAGMENT_COLS_OUT,
  MMA_FRAGMENT_K_ELEMENTS,
  MMA_FRAGMENT_ROWS_TOKENS,
} from './constants.js';
import type { ExecutionPlan } from './execution-plan.js';
import type { HardwareView } from './hardware-view.js';
import { levelTile, type TileShape } from './tiling.js';

/** Operand bytes fetched from DRAM beyond the unique ones. */
export function reloadBytes(activationBytes: number, weightBytes: number, reuseCapacityBytes: number): number {
  const half = reuseCapacityBytes / 2;
  if (activationBytes <= half || weightBytes <= half) return 0;
  const reloadWeights = (Math.ceil(activationBytes / half) - 1) * weightBytes;
  const reloadActivations = (Math.ceil(weightBytes / half) - 1) * activationBytes;
  return Math.min(reloadWeights, reloadActivations);
}

export function metadataDecodeLatencyCycles(plan: ExecutionPlan): number {
  if (!plan.compressed || plan.runPattern?.kind !== 'nm') return 0;
  const m = plan.runPattern.m;
  switch (plan.metadataEncoding) {
    case 'index':
      return INDEX_DECODE_LATENCY_CYCLES;
    case 'bitmask':
      return Math.max(1, Math.ceil(Math.log2(m)));
    case 'combinatorial':
      return Math.ceil(m / COMBINATORIAL_UNRANK_POSITIONS_PER_CYCLE);
  }
}

export interface OperandSplit {
  activation: number;
  weight: number;
}

export interface OperandTraffic {
  /** bytes one core pulls out of buffer level `i` during one K step of an r × c tile */
  levelBytes(i: number, r: number, c: number, kDense: number): number;
  /** the same, split into activation (values + metadata) and weight bytes */
  levelOperandBytes(i: number, r: number, c: number, kDense: number): OperandSplit;
  /** bytes that refill an r × c output tile's operands for one K step */
  tileRefillBytes(r: number, c: number, kDense: number): number;
}

/**
 * Level 0 feeds the MAC array fragment by fragment (operands reused inside the array within a
 * fragment); level 1 refills the level-0 tile once per step; a level further out refills the
 * tile of the level inside it, whose reuse divides the traffic (an activation element is reused
 * across that tile's columns, a weight element across its rows). A shared level's inner tile is
 * the whole GEMM (its reuse is the DRAM model's).
 *
 * @param aBytesPerElement stored activation bytes per dense element (values + metadata)
 * @param wBytesPerElement weight bytes per dense element times the fetched row fraction
 * @param sparseWeights the weight is the structured (sparse) operand: as in NVIDIA's
 *   `mma.sp`, the sparse operand takes the fragment's 16-row side and the dense one its 8-column
 *   side (PTX ISA, sparse `mma.sp.m16n8k32`), so weights fill 16-wide fragment rows
 */
export function operandTraffic(
  hw: HardwareView,
  tile: TileShape,
  rowsTokens: number,
  nOut: number,
  aBytesPerElement: number,
  wBytesPerElement: number,
  sparseWeights = false,
): OperandTraffic {
  const levelTiles = hw.levels.map((level, i) =>
    i === 0
      ? { rows: tile.rowsTokens, cols: tile.colsOut }
      : level.shared
        ? { rows: rowsTokens, cols: nOut }
        : levelTile(level.bytes, tile, hw.operandBytes),
  );
  const tileRefillBytes = (r: number, c: number, kDense: number) => kDense * (r * aBytesPerElement + c * wBytesPerElement);
  const levelOperandBytes = (i: number, r: number, c: number, kDense: number): OperandSplit => {
    if (i === 0) {
      if (sparseWeights) {
        const frags = Math.ceil(c / MMA_FRAGMENT_ROWS_TOKENS) * Math.ceil(r / MMA_FRAGMENT_COLS_OUT) * Math.ceil(kDense / MMA_FRAGMENT_K_ELEMENTS);
        const perFrag = frags * MMA_FRAGMENT_K_ELEMENTS;
        return { activation: perFrag * MMA_FRAGMENT_COLS_OUT * aBytesPerElement, weight: perFrag * MMA_FRAGMENT_ROWS_TOKENS * wBytesPerElement };
      }
      const frags =
        Math.ceil(r / MMA_FRAGMENT_ROWS_TOKENS) * Math.ceil(c / MMA_FRAGMENT_COLS_OUT) * Math.ceil(kDense / MMA_FRAGMENT_K_ELEMENTS);
      const perFrag = frags * MMA_FRAGMENT_K_ELEMENTS;
      return { activation: perFrag * MMA_FRAGMENT_ROWS_TOKENS * aBytesPerElement, weight: perFrag * MMA_FRAGMENT_COLS_OUT * wBytesPerElement };
    }
    if (i === 1) return { activation: kDense * r * aBytesPerElement, weight: kDense * c * wBytesPerElement };
    const inner = levelTiles[i - 1];
    const ri = Math.max(r, Math.min(rowsTokens, inner.rows));
    const ci = Math.max(c, Math.min(nOut, inner.cols));
    return { activation: (kDense * r * c * aBytesPerElement) / ci, weight: (kDense * r * c * wBytesPerElement) / ri };
  };
  return {
    tileRefillBytes,
    levelOperandBytes,
    levelBytes(i, r, c, kDense) {
      const s = levelOperandBytes(i, r, c, kDense);
      return s.activation + s.weight;
    },
  };
}
