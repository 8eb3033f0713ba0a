/**
 * Quantities the performance model derives from a resolved `HardwareProfile`, in one place.
 *
 * Interpretation of the profile (coordinated with src/profile/schema.ts):
 * - a tensor core does `lanes × denseKPerCycle` MACs per cycle; lanes form a grid of
 *   `laneRows` tokens × `laneCols` outputs (MAC_ARRAY_ROW_GRANULE_TOKENS rows);
 * - `memory.buffers`: the first non-shared buffer is the core's local operand buffer (its size
 *   bounds the tile); every level's `bandwidthBytesPerCycle` is what it delivers to one core;
 *   shared levels (L2) hold the reuse between tiles;
 * - `sparsity.onlinePruning.groupsPerCycle` is per tensor core.
 */
import type { HardwareProfile } from '../profile/schema.js';
import { MAC_ARRAY_ROW_GRANULE_TOKENS } from './constants.js';

export interface BufferLevel {
  name: string;
  bytes: number;
  bandwidthBytesPerCycle: number;
  shared: boolean;
}

export interface HardwareView {
  name: string;
  clockHz: number;
  cores: number;
  lanes: number;
  kPerCycle: number;
  laneRows: number;
  laneCols: number;
  operandBytes: number;
  accumulatorBytes: number;
  peakDenseMacsPerCycle: number;
  dramBytesPerCycle: number;
  dramLatencyCycles: number;
  localBuffer: BufferLevel;
  levels: BufferLevel[];
  /** on-chip bytes that can hold reuse between tiles (shared levels, else all local buffers) */
  reuseCapacityBytes: number;
}

export function hardwareView(p: HardwareProfile): HardwareView {
  const tc = p.tensorCore;
  const clockHz = p.clockMHz * 1e6;
  const laneRows = Math.min(tc.lanes, MAC_ARRAY_ROW_GRANULE_TOKENS);
  const laneCols = Math.max(1, Math.floor(tc.lanes / laneRows));
  const levels: BufferLevel[] = p.memory.buffers.map((b) => ({
    name: b.name,
    bytes: b.sizeKiB * 1024,
    bandwidthBytesPerCycle: b.bandwidthBytesPerCycle,
    shared: b.shared ?? false,
  }));
  const localBuffer = levels.find((b) => !b.shared) ?? levels[0];
  const sharedBytes = levels.filter((b) => b.shared).reduce((s, b) => s + b.bytes, 0);
  return {
    name: p.name,
    clockHz,
    cores: tc.count,
    lanes: tc.lanes,
    kPerCycle: tc.denseKPerCycle,
    laneRows,
    laneCols,
    operandBytes: tc.operandBits / 8,
    accumulatorBytes: tc.accumulatorBits / 8,
    peakDenseMacsPerCycle: tc.count * tc.lanes * tc.denseKPerCycle,
    dramBytesPerCycle: (p.memory.dramBandwidthGBps * 1e9) / clockHz,
    dramLatencyCycles: Math.ceil(p.memory.dramLatencyNs * 1e-9 * clockHz),
    localBuffer,
    levels,
    reuseCapacityBytes: sharedBytes > 0 ? sharedBytes : localBuffer.bytes * tc.count,
  };
}

/** Dense tensor-core peak in TFLOP/s (2 flops per MAC): count × lanes × K/cycle × 2 × clock. */
export function densePeakTflops(p: HardwareProfile): number {
  const hw = hardwareView(p);
  return (2 * hw.peakDenseMacsPerCycle * hw.clockHz) / 1e12;
}

export function cyclesToSeconds(hw: HardwareView, cycles: number): number {
  return cycles / hw.clockHz;
}
