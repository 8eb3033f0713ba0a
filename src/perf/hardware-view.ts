/**
 * Quantities the performance model derives from a normalized `HardwareProfile`, in one place
 * (the profile's defaults and units are resolved by profile/normalize.ts; nothing here defaults).
 *
 * Interpretation of the profile (coordinated with src/profile/schema.ts):
 * - a tensor core does `lanes × denseKPerCycle` MACs per cycle; lanes form a grid of
 *   `laneRows` = activationRowsPerCycle tokens × `laneCols` outputs;
 * - `memory.buffers`, innermost first: buffers[0] is the operand buffer (its size bounds the
 *   output tile); a per-core level's size and bandwidth are per tensor core; a shared level
 *   (L2) gives the whole instance's size and bandwidth, split among the cores active at once,
 *   and holds the reuse between tiles;
 * - DRAM streams at `execution.dramEfficiency` of its published bandwidth (dramBytesPerCycle);
 *   rooflines use the published peak (dramPeakBytesPerCycle), so time ≥ bytes / bandwidth holds
 *   against the datasheet;
 * - a GEMM main loop issues MAC work in `execution.mainloopEfficiency` of its cycles;
 * - `tensorCore.perSm` tensor cores form an SM, the unit a GEMM kernel gives one thread-block
 *   tile: the view's "core" is an SM, with the lanes and per-core buffers of its tensor cores;
 * - `sparsity.onlinePruning.groupsPerCycle` counts groups of the largest native M, per tensor core.
 */
import type { BufferLevel, HardwareProfile } from '../profile/schema.js';

export interface HardwareView {
  name: string;
  clockHz: number;
  /** the units a GEMM gives tiles to: SMs of `tensorCoresPerCore` tensor cores (tensorCore.perSm) */
  cores: number;
  tensorCoresPerCore: number;
  lanes: number;
  kPerCycle: number;
  laneRows: number;
  laneCols: number;
  operandBytes: number;
  accumulatorBytes: number;
  peakDenseMacsPerCycle: number;
  /** DRAM bytes per cycle as a streaming kernel sustains them (published × dramEfficiency) */
  dramBytesPerCycle: number;
  /** DRAM bytes per cycle as published: the roofline's */
  dramPeakBytesPerCycle: number;
  dramLatencyCycles: number;
  /** fraction of cycles a GEMM main loop issues MAC work, dense and with skipped (sparse) MACs */
  mainloopEfficiency: number;
  sparseMainloopEfficiency: number;
  /** fraction of the dense tensor peak fused attention reaches (execution.attentionEfficiency) */
  attentionEfficiency: number;
  /** the profile's kernel launch gap (execution.kernelLaunchNs) at this clock */
  launchGapCycles: number;
  localBuffer: BufferLevel;
  levels: BufferLevel[];
  /** on-chip bytes that can hold reuse between tiles (shared levels, else all local buffers) */
  reuseCapacityBytes: number;
}

export function hardwareView(p: HardwareProfile): HardwareView {
  const tc = p.tensorCore;
  // an SM of perSm tensor cores is one tiling unit: its lanes side by side (more output
  // columns per cycle), its per-core buffers pooled (size and bandwidth × perSm)
  const g = tc.perSm;
  const laneRows = tc.activationRowsPerCycle;
  const laneCols = Math.max(1, Math.floor((tc.lanes * g) / laneRows));
  const levels = p.memory.buffers.map((b) => (b.shared || g === 1 ? b : { ...b, bytes: b.bytes * g, bandwidthBytesPerCycle: b.bandwidthBytesPerCycle * g }));
  const localBuffer = levels[0];
  const sharedBytes = levels.filter((b) => b.shared).reduce((s, b) => s + b.bytes, 0);
  return {
    name: p.name,
    clockHz: p.clockHz,
    cores: tc.count / g,
    tensorCoresPerCore: g,
    lanes: tc.lanes * g,
    kPerCycle: tc.denseKPerCycle,
    laneRows,
    laneCols,
    operandBytes: tc.operandBits / 8,
    accumulatorBytes: tc.accumulatorBits / 8,
    peakDenseMacsPerCycle: tc.count * tc.lanes * tc.denseKPerCycle,
    dramBytesPerCycle: p.memory.dramBytesPerCycle * p.execution.dramEfficiency,
    dramPeakBytesPerCycle: p.memory.dramBytesPerCycle,
    dramLatencyCycles: p.memory.dramLatencyCycles,
    mainloopEfficiency: p.execution.mainloopEfficiency,
    sparseMainloopEfficiency: p.execution.sparseMainloopEfficiency,
    attentionEfficiency: p.execution.attentionEfficiency,
    launchGapCycles: p.execution.kernelLaunchNs * 1e-9 * p.clockHz,
    localBuffer,
    levels,
    reuseCapacityBytes: sharedBytes > 0 ? sharedBytes : localBuffer.bytes * (tc.count / g),
  };
}

/** Dense tensor-core peak in TFLOP/s (2 flops per MAC): count × lanes × K/cycle × 2 × clock. */
export function densePeakTflops(p: HardwareProfile): number {
  const hw = hardwareView(p);
  return (2 * hw.peakDenseMacsPerCycle * hw.clockHz) / 1e12;
}

/**
 * The profile as the performance model sees it, as text: every field but the name (perf writes it
 * only into warning texts), `sparsity.selectorStyle` (it sizes the selector's area) and what only
 * the reports and the energy model read — `description`, `sources`, `illustrative`, `defaulted`
 * and `power` (no perf function reads them: test/perf/perf-view.test.ts records every property
 * simulate and the serving rows read on every shipped profile). Everything else is in, so a field
 * perf starts to read is in the key without anyone listing it. Profiles with one text get the
 * same steps (times, I/O, bottlenecks, activity): the review estimates and serves design-axis
 * variants once per text (review/points.ts, review/profile-cache.ts), which is what makes a
 * selector-only variant free and keeps an encoding or provisioning variant apart, and keeps one
 * core's serving rows across reruns under another name (a provisioning twin reviewed on its own,
 * profile-cache.ts SERVING_VIEW_ENTRY). Profiles are validated finite numbers, so JSON is exact.
 */
export function perfViewKey(p: HardwareProfile): string {
  const { name: _name, description: _d, sources: _s, illustrative: _i, defaulted: _f, power: _p, sparsity, ...rest } = p;
  const { selectorStyle: _selector, ...perfSparsity } = sparsity;
  return JSON.stringify({ ...rest, sparsity: perfSparsity });
}
