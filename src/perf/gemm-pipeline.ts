/**
 * Tile-level, cycle-approximate pipeline of one GEMM (rows × K → N) on the profile's tensor
 * cores, with its roofline bound beside it.
 *
 *   per K step of a tile:  DRAM ─▶ buffers (outermost … buffers[0]) ─▶ metadata decode ─▶ MAC array
 *                          (compressed activations + metadata, dense weight rows)  (skipping or gating)
 *                          each level must deliver its step's bytes at its bandwidth (a shared
 *                          level's bandwidth is split among the active cores);
 *   per tile:  fill (first load + DRAM latency + decode latency) · double-buffered steps,
 *              each max(MAC cycles of the previous step, supply of this one) · drain (MAC
 *              pipeline + write-back of the output tile)
 *   per GEMM:  tiles in raster order, `cores` at a time (a wave); a wave lasts as long as its
 *              slowest tile; a partial last wave leaves cores idle (tile quantization). With
 *              fewer output tiles than cores, K is split across cores (partial sums written
 *              at accumulator width), as GEMV kernels do.
 *
 * DRAM traffic: each operand once while the smaller one fits half the reuse capacity (shared
 * levels); otherwise the cheaper operand is re-streamed once per resident chunk of the other.
 * The GEMM's DRAM input bytes are spread over its tile-steps in proportion to their on-chip
 * bytes, and the cores active in a wave share the DRAM bandwidth.
 *
 * Invariant (tested): cycles ≥ roofline = max(executed MACs / peak MACs per cycle,
 * unique DRAM bytes / DRAM bytes per cycle).
 */
import { keptPerToken } from '../sparsity/pattern.js';
import type { GemmOp } from '../workload/layer-ops.js';
import { activationRowBytes } from './activation-bytes.js';
import { KERNEL_LAUNCH_GAP_NS, MAC_PIPELINE_DRAIN_CYCLES, MAX_SIMULATED_TILES_PER_GEMM } from './constants.js';
import { inputError, type NmsimError } from '../diagnostics.js';
import { computeKFraction, type ExecutionPlan } from './execution-plan.js';
import type { HardwareView } from './hardware-view.js';
import { chooseTile, type TileShape } from './tiling.js';
import { metadataDecodeLatencyCycles, operandTraffic, reloadBytes } from './operand-traffic.js';

export const STALL_CAUSES = ['dram', 'buffer', 'fill', 'drain', 'launch'] as const;
export type StallCause = (typeof STALL_CAUSES)[number];
export const BOTTLENECKS = ['compute', ...STALL_CAUSES] as const;
export type Bottleneck = (typeof BOTTLENECKS)[number];

export interface GemmBytes {
  activationValues: number;
  activationMetadata: number;
  weights: number;
  outputs: number;
  /** re-streamed operand bytes beyond the unique ones */
  reloads: number;
  dramTotal: number;
}

export interface GemmSim {
  name: string;
  rowsTokens: number;
  kIn: number;
  nOut: number;
  tile: TileShape;
  tiles: number;
  /** K slices per output tile (split-K when output tiles < cores) */
  splitK: number;
  waves: number;
  cycles: number;
  /** MAC cycles on the critical path */
  computeCycles: number;
  stallCycles: Record<StallCause, number>;
  /** the buffer stall cycles split by the level that bound them, by level name */
  bufferStallByLevel: Record<string, number>;
  rooflineCycles: number;
  rooflineBound: 'compute' | 'memory';
  /** executed MACs / (peak MACs per cycle × cycles) */
  utilization: number;
  bottleneck: Bottleneck;
  executedMacs: number;
  /** 2·rows·K·N: the flops of the dense GEMM this computes */
  denseEquivalentFlops: number;
  /** fraction of weight rows fetched (row skipping in decode; 1 otherwise) */
  weightRowFraction: number;
  bytes: GemmBytes;
}

interface StepCost {
  compute: number;
  buffer: number;
  /** index of the buffer level that needs the most cycles this step */
  bufferLevel: number;
  dram: number;
}

interface TileTiming {
  cycles: number;
  compute: number;
  stalls: Record<StallCause, number>;
  bufferStallByLevel: number[];
}

function emptyStalls(): Record<StallCause, number> {
  return { dram: 0, buffer: 0, fill: 0, drain: 0, launch: 0 };
}

/**
 * @param weightRowFraction fraction of weight rows (input channels) the GEMM must fetch: the
 *   batch's union density in decode with row skipping, else 1.
 */
const thousands = (n: number) => n.toLocaleString('en-US');

/** The GEMM needs more tiles than the simulation is bounded to: name the GEMM, the tile and the fix. */
function tooManyTiles(gemm: GemmOp, tile: TileShape, tiles: number, hw: HardwareView): NmsimError {
  return inputError({
    code: 'perf/too-many-tiles',
    path: 'memory.buffers[0]',
    message: `${hw.name}: the ${gemm.name} GEMM would be simulated as ${thousands(tiles)} tiles; the tile pipeline is bounded to ${thousands(MAX_SIMULATED_TILES_PER_GEMM)} per GEMM.`,
    expected: `at most ${thousands(MAX_SIMULATED_TILES_PER_GEMM)} tiles per GEMM`,
    found: `${thousands(tiles)} tiles of ${tile.rowsTokens} × ${tile.colsOut} (${gemm.name}: ${gemm.rowsTokens} × ${gemm.kIn} → ${gemm.nOut})`,
    hint: tile.fits
      ? 'the workload is larger than one simulation holds: use fewer tokens (--tokens, --prefill-tokens) or a smaller batch.'
      : `the operand buffer (memory.buffers[0], ${thousands(hw.localBuffer.bytes)} bytes) cannot hold a ${tile.rowsTokens} × ${tile.colsOut} tile with its ${tile.kStepElements}-deep operands (${thousands(tile.bufferBytes)} bytes): give it more space, or more lanes per core.`,
  });
}

export function simulateGemm(gemm: GemmOp, plan: ExecutionPlan, hw: HardwareView, weightRowFraction: number): GemmSim {
  const R = gemm.rowsTokens;
  const K = gemm.kIn;
  const N = gemm.nOut;
  const b = hw.operandBytes;
  const pattern = gemm.site ? plan.requested : ({ kind: 'dense' } as const);
  const sparse = gemm.site !== undefined && plan.mode !== 'dense';
  const compressed = sparse && plan.compressed;
  const kFrac = sparse ? computeKFraction(plan) : 1;
  const rowFrac = sparse && plan.rowSkipping ? weightRowFraction : 1;
  const groupM = sparse && plan.runPattern?.kind === 'nm' ? plan.runPattern.m : 1;
  const tile = chooseTile(hw, groupM);

  // MACs per token row over a K slice: kept elements on a skipping native pattern
  const keptK = (kDense: number): number => {
    if (!sparse || !plan.skipping) return kDense;
    if (plan.mode === 'native' && plan.runPattern?.kind === 'nm') return keptPerToken(plan.runPattern, kDense);
    return kDense * kFrac;
  };

  // unique DRAM bytes, then reloads when neither operand fits half the reuse capacity
  const act = activationRowBytes(pattern, compressed, K, b, plan.metadataEncoding);
  const actBytes = R * (act.valueBytes + act.metadataBytes);
  const wBytes = K * rowFrac * N * b;
  const outBytes = R * N * b;
  const reloads = reloadBytes(actBytes, wBytes, hw.reuseCapacityBytes);
  const dramInput = actBytes + wBytes + reloads;

  const rowTiles = Math.ceil(R / tile.rowsTokens);
  const colTiles = Math.ceil(N / tile.colsOut);
  const steps = Math.ceil(K / tile.kStepElements);
  const kAt = (s: number) => Math.min(tile.kStepElements, K - s * tile.kStepElements);
  const rowsOf = (i: number) => Math.min(tile.rowsTokens, R - i * tile.rowsTokens);
  const colsOf = (j: number) => Math.min(tile.colsOut, N - j * tile.colsOut);

  const traffic = operandTraffic(hw, tile, R, N, (act.valueBytes + act.metadataBytes) / K, rowFrac * b);
  const levelBytes = traffic.levelBytes;
  const onChip = traffic.tileRefillBytes;
  const rowClasses = new Map<number, number>();
  for (let i = 0; i < rowTiles; i++) rowClasses.set(rowsOf(i), (rowClasses.get(rowsOf(i)) ?? 0) + 1);
  const colClasses = new Map<number, number>();
  for (let j = 0; j < colTiles; j++) colClasses.set(colsOf(j), (colClasses.get(colsOf(j)) ?? 0) + 1);
  let onChipTotal = 0;
  for (const [r, nr] of rowClasses) {
    for (const [c, nc] of colClasses) {
      let perTile = 0;
      for (let s = 0; s < steps; s++) perTile += onChip(r, c, kAt(s));
      onChipTotal += nr * nc * perTile;
    }
  }
  const dramPerOnChipByte = onChipTotal > 0 ? dramInput / onChipTotal : 0;
  const localBw = hw.localBuffer.bandwidthBytesPerCycle;
  const decodeLatency = sparse ? metadataDecodeLatencyCycles(plan) : 0;

  const stepCost = (r: number, c: number, kDense: number, active: number): StepCost => {
    let buffer = 0;
    let bufferLevel = 0;
    hw.levels.forEach((level, i) => {
      const perCoreBw = level.shared ? level.bandwidthBytesPerCycle / active : level.bandwidthBytesPerCycle;
      const t = levelBytes(i, r, c, kDense) / perCoreBw;
      if (t > buffer) {
        buffer = t;
        bufferLevel = i;
      }
    });
    return {
      compute: Math.ceil(r / hw.laneRows) * Math.ceil(c / hw.laneCols) * Math.ceil(keptK(kDense) / hw.kPerCycle),
      buffer,
      bufferLevel,
      dram: (onChip(r, c, kDense) * dramPerOnChipByte * active) / hw.dramBytesPerCycle,
    };
  };

  const memo = new Map<string, TileTiming>();
  // split K across cores when there are fewer output tiles than cores (GEMV-style decode):
  // each K slice is a tile of its own that writes partial sums at accumulator width
  const outputTiles = rowTiles * colTiles;
  const splitK = outputTiles < hw.cores ? Math.max(1, Math.min(Math.floor(hw.cores / outputTiles), steps)) : 1;
  const stepsPerSlice = Math.ceil(steps / splitK);
  const slices = Math.ceil(steps / stepsPerSlice);
  const outElementBytes = slices > 1 ? hw.accumulatorBytes : b;

  const tileTiming = (r: number, c: number, s0: number, s1: number, active: number): TileTiming => {
    const key = `${r}x${c}:${s1 - s0}:${s1 === steps}@${active}`;
    const hit = memo.get(key);
    if (hit) return hit;
    const stalls = emptyStalls();
    const bufferStallByLevel = hw.levels.map(() => 0);
    let compute = 0;
    let prevCompute = 0;
    for (let s = s0; s < s1; s++) {
      const cost = stepCost(r, c, kAt(s), active);
      const supply = Math.max(cost.buffer, cost.dram);
      if (s === s0) {
        stalls.fill += supply + hw.dramLatencyCycles + decodeLatency;
      } else if (supply > prevCompute) {
        if (cost.dram >= cost.buffer) stalls.dram += supply - prevCompute;
        else {
          stalls.buffer += supply - prevCompute;
          bufferStallByLevel[cost.bufferLevel] += supply - prevCompute;
        }
      }
      compute += cost.compute;
      prevCompute = cost.compute;
    }
    const tileOut = r * c * outElementBytes;
    stalls.drain += MAC_PIPELINE_DRAIN_CYCLES + Math.max(tileOut / localBw, (tileOut * active) / hw.dramBytesPerCycle);
    const cycles = compute + STALL_CAUSES.reduce((sum, k) => sum + stalls[k], 0);
    const t = { cycles, compute, stalls, bufferStallByLevel };
    memo.set(key, t);
    return t;
  };

  // tile by tile, `cores` at a time, in raster order (row tiles outer, K slices inner)
  const tiles = outputTiles * slices;
  if (tiles > MAX_SIMULATED_TILES_PER_GEMM) throw tooManyTiles(gemm, tile, tiles, hw);
  const waves = Math.ceil(tiles / hw.cores);
  const stallCycles = emptyStalls();
  const bufferStallByLevel = hw.levels.map(() => 0);
  let cycles = 0;
  let computeCycles = 0;
  for (let w = 0; w < waves; w++) {
    const first = w * hw.cores;
    const last = Math.min(tiles, first + hw.cores) - 1;
    const active = last - first + 1;
    let slowest: TileTiming | undefined;
    const seen = new Set<string>();
    for (let t = first; t <= last; t++) {
      const out = Math.floor(t / slices);
      const slice = t % slices;
      const r = rowsOf(Math.floor(out / colTiles));
      const c = colsOf(out % colTiles);
      const s0 = slice * stepsPerSlice;
      const s1 = Math.min(steps, s0 + stepsPerSlice);
      const key = `${r}x${c}:${s1 - s0}:${s1 === steps}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const timing = tileTiming(r, c, s0, s1, active);
      if (!slowest || timing.cycles > slowest.cycles) slowest = timing;
    }
    cycles += slowest!.cycles;
    computeCycles += slowest!.compute;
    for (const k of STALL_CAUSES) stallCycles[k] += slowest!.stalls[k];
    slowest!.bufferStallByLevel.forEach((v, i) => (bufferStallByLevel[i] += v));
  }
  stallCycles.launch = KERNEL_LAUNCH_GAP_NS * 1e-9 * hw.clockHz;
  cycles += stallCycles.launch;

  const executedMacs = R * N * keptK(K);
  const computeBound = executedMacs / hw.peakDenseMacsPerCycle;
  const memoryBound = (actBytes + wBytes + outBytes) / hw.dramBytesPerCycle;
  let bottleneck: Bottleneck = 'compute';
  let most = computeCycles;
  for (const k of STALL_CAUSES) {
    if (stallCycles[k] > most) {
      most = stallCycles[k];
      bottleneck = k;
    }
  }
  return {
    name: gemm.name,
    rowsTokens: R,
    kIn: K,
    nOut: N,
    tile,
    tiles,
    splitK: slices,
    waves,
    cycles,
    computeCycles,
    stallCycles,
    bufferStallByLevel: Object.fromEntries(hw.levels.map((l, i) => [l.name, bufferStallByLevel[i]])),
    rooflineCycles: Math.max(computeBound, memoryBound),
    rooflineBound: computeBound >= memoryBound ? 'compute' : 'memory',
    utilization: cycles > 0 ? executedMacs / (hw.peakDenseMacsPerCycle * cycles) : 0,
    bottleneck,
    executedMacs,
    denseEquivalentFlops: 2 * R * K * N,
    weightRowFraction: rowFrac,
    bytes: {
      activationValues: R * act.valueBytes,
      activationMetadata: R * act.metadataBytes,
      weights: wBytes,
      outputs: slices > 1 ? R * N * slices * outElementBytes : outBytes,
      reloads,
      dramTotal: dramInput + (slices > 1 ? R * N * slices * outElementBytes : outBytes),
    },
  };
}
