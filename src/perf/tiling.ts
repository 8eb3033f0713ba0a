/**
 * Tile geometry of a GEMM on one tensor core: output tiles of `rows × cols`, reduced over K in
 * steps of `kStep` dense elements (whole N:M groups). The default tile shrinks until
 * OPERAND_BUFFER_STAGES copies of both operand tiles plus the accumulator tile fit the core's
 * local buffer.
 */
import type { HardwareView } from './hardware-view.js';
import {
  DEFAULT_TILE_COLS_OUT,
  DEFAULT_TILE_K_ELEMENTS,
  DEFAULT_TILE_ROWS_TOKENS,
  OPERAND_BUFFER_STAGES,
} from './constants.js';

export interface TileShape {
  rowsTokens: number;
  colsOut: number;
  kStepElements: number;
  /** bytes the tile needs in the local buffer; may exceed it when even the smallest tile does not fit */
  bufferBytes: number;
  fits: boolean;
}

function tileBytes(hw: HardwareView, r: number, c: number, k: number): number {
  return OPERAND_BUFFER_STAGES * (r * k + k * c) * hw.operandBytes + r * c * hw.accumulatorBytes;
}

/** `groupM`: the run pattern's group size (1 for dense), so K steps hold whole groups. */
export function chooseTile(hw: HardwareView, groupM: number): TileShape {
  const kStep = Math.ceil(DEFAULT_TILE_K_ELEMENTS / groupM) * groupM;
  let r = Math.max(DEFAULT_TILE_ROWS_TOKENS, hw.laneRows);
  let c = Math.max(DEFAULT_TILE_COLS_OUT, hw.laneCols);
  const cap = hw.localBuffer.bytes;
  while (tileBytes(hw, r, c, kStep) > cap && (r > hw.laneRows || c > hw.laneCols)) {
    if (c >= r && c > hw.laneCols) c = Math.max(hw.laneCols, Math.floor(c / 2));
    else r = Math.max(hw.laneRows, Math.floor(r / 2));
  }
  const bufferBytes = tileBytes(hw, r, c, kStep);
  return { rowsTokens: r, colsOut: c, kStepElements: kStep, bufferBytes, fits: bufferBytes <= cap };
}

/**
 * The tile a per-core buffer level further out holds: double-buffered operand slices of
 * `kStep` for a square tile no smaller than the output tile.
 */
export function levelTile(levelBytes: number, output: TileShape, operandBytes: number): { rows: number; cols: number } {
  const side = Math.floor(levelBytes / (OPERAND_BUFFER_STAGES * 2 * output.kStepElements * operandBytes));
  return { rows: Math.max(output.rowsTokens, side), cols: Math.max(output.colsOut, side) };
}
