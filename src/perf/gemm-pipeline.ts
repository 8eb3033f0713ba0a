/**
 * Tile-level, cycle-approximate pipeline of one GEMM (rows × K → N) on the profile's tensor
 * cores, with its roofline bound beside it.
 *
 *   per K step of a tile:  DRAM ─▶ shared level ─▶ local buffer ─▶ metadata decode ─▶ MAC array
 *                          (compressed activations + metadata, dense weight rows)   (skipping or gating)
 *   per tile:  fill (first load + DRAM latency + decode latency) · double-buffered steps,
 *              each max(MAC cycles of the previous step, supply of this one) · drain (MAC
 *              pipeline + write-back of the output tile)
 *   per GEMM:  tiles in raster order, `cores` at a time (a wave); a wave lasts as long as its
 *              slowest tile; a partial last wave leaves cores idle (tile quantization).
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
import {
  COMBINATORIAL_UNRANK_POSITIONS_PER_CYCLE,
  INDEX_DECODE_LATENCY_CYCLES,
  KERNEL_LAUNCH_GAP_NS,
  MAC_PIPELINE_DRAIN_CYCLES,
} from './constants.js';
import { computeKFraction, type ExecutionPlan } from './execution-plan.js';
import type { HardwareView } from './hardware-view.js';
import { chooseTile, type TileShape } from './tiling.js';

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
  waves: number;
  cycles: number;
  /** MAC cycles on the critical path */
  computeCycles: number;
  stallCycles: Record<StallCause, number>;
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

interface StepCost {
  compute: number;
  buffer: number;
  dram: number;
}

interface TileTiming {
  cycles: number;
  compute: number;
  stalls: Record<StallCause, number>;
}

function emptyStalls(): Record<StallCause, number> {
  return { dram: 0, buffer: 0, fill: 0, drain: 0, launch: 0 };
}

/**
 * @param weightRowFraction fraction of weight rows (input channels) the GEMM must fetch: the
 *   batch's union density in decode with row skipping, else 1.
 */
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
  const rowBytes = (kDense: number) => {
    const rb = activationRowBytes(pattern, compressed, kDense, b, plan.metadataEncoding);
    return rb.valueBytes + rb.metadataBytes;
  };

  // unique DRAM bytes, then reloads when neither operand fits half the reuse capacity
  const act = activationRowBytes(pattern, compressed, K, b, plan.metadataEncoding);
  const actBytes = R * (act.valueBytes + act.metadataBytes);
  const wBytes = K * rowFrac * N * b;
  const outBytes = R * N * b;
  const half = hw.reuseCapacityBytes / 2;
  let reloads = 0;
  if (actBytes > half && wBytes > half) {
    const reloadW = (Math.ceil(actBytes / half) - 1) * wBytes;
    const reloadA = (Math.ceil(wBytes / half) - 1) * actBytes;
    reloads = Math.min(reloadW, reloadA);
  }
  const dramInput = actBytes + wBytes + reloads;

  const rowTiles = Math.ceil(R / tile.rowsTokens);
  const colTiles = Math.ceil(N / tile.colsOut);
  const steps = Math.ceil(K / tile.kStepElements);
  const kAt = (s: number) => Math.min(tile.kStepElements, K - s * tile.kStepElements);
  const rowsOf = (i: number) => Math.min(tile.rowsTokens, R - i * tile.rowsTokens);
  const colsOf = (j: number) => Math.min(tile.colsOut, N - j * tile.colsOut);

  // on-chip bytes a tile step moves, and their total over the GEMM (to spread DRAM bytes)
  const onChip = (r: number, c: number, kDense: number) => r * rowBytes(kDense) + kDense * rowFrac * c * b;
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
    const bytes = onChip(r, c, kDense);
    let buffer = 0;
    for (const level of hw.levels) buffer = Math.max(buffer, bytes / level.bandwidthBytesPerCycle);
    return {
      compute: Math.ceil(r / hw.laneRows) * Math.ceil(c / hw.laneCols) * Math.ceil(keptK(kDense) / hw.kPerCycle),
      buffer,
      dram: (bytes * dramPerOnChipByte * active) / hw.dramBytesPerCycle,
    };
  };

  const memo = new Map<string, TileTiming>();
  const tileTiming = (r: number, c: number, active: number): TileTiming => {
    const key = `${r}x${c}@${active}`;
    const hit = memo.get(key);
    if (hit) return hit;
    const stalls = emptyStalls();
    let compute = 0;
    let prevCompute = 0;
    for (let s = 0; s < steps; s++) {
      const cost = stepCost(r, c, kAt(s), active);
      const supply = Math.max(cost.buffer, cost.dram);
      if (s === 0) {
        stalls.fill += supply + hw.dramLatencyCycles + decodeLatency;
      } else if (supply > prevCompute) {
        stalls[cost.dram >= cost.buffer ? 'dram' : 'buffer'] += supply - prevCompute;
      }
      compute += cost.compute;
      prevCompute = cost.compute;
    }
    const tileOut = r * c * b;
    stalls.drain += MAC_PIPELINE_DRAIN_CYCLES + Math.max(tileOut / localBw, (tileOut * active) / hw.dramBytesPerCycle);
    const cycles = compute + STALL_CAUSES.reduce((sum, k) => sum + stalls[k], 0);
    const t = { cycles, compute, stalls };
    memo.set(key, t);
    return t;
  };

  // tile by tile, `cores` at a time, in raster order (row tiles outer)
  const tiles = rowTiles * colTiles;
  const waves = Math.ceil(tiles / hw.cores);
  const stallCycles = emptyStalls();
  let cycles = 0;
  let computeCycles = 0;
  for (let w = 0; w < waves; w++) {
    const first = w * hw.cores;
    const last = Math.min(tiles, first + hw.cores) - 1;
    const active = last - first + 1;
    let slowest: TileTiming | undefined;
    const seen = new Set<string>();
    for (let t = first; t <= last; t++) {
      const r = rowsOf(Math.floor(t / colTiles));
      const c = colsOf(t % colTiles);
      const key = `${r}x${c}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const timing = tileTiming(r, c, active);
      if (!slowest || timing.cycles > slowest.cycles) slowest = timing;
    }
    cycles += slowest!.cycles;
    computeCycles += slowest!.compute;
    for (const k of STALL_CAUSES) stallCycles[k] += slowest!.stalls[k];
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
    waves,
    cycles,
    computeCycles,
    stallCycles,
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
      outputs: outBytes,
      reloads,
      dramTotal: dramInput + outBytes,
    },
  };
}
