/**
 * Tile-level, cycle-approximate pipeline of one GEMM (rows × K → N) on the profile's tensor
 * cores, with its roofline bound beside it.
 *
 *   per K step of a tile:  DRAM ─▶ buffers (outermost … buffers[0]) ─▶ metadata decode ─▶ MAC array
 *                          (compressed activations + metadata, dense weight rows)  (skipping or gating)
 *                          each level must deliver its step's bytes at its bandwidth (a shared
 *                          level and DRAM move the whole wave's bytes at their bandwidth);
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
 * bytes, and the tiles of a wave share the DRAM bandwidth in proportion to their bytes.
 *
 * Invariant (tested): cycles ≥ roofline = max(executed MACs / peak MACs per cycle,
 * unique DRAM bytes / published DRAM bytes per cycle). Measured kernels run below it: the main
 * loop issues MAC work in `mainloopEfficiency` of its cycles and DRAM streams at
 * `dramEfficiency` of its bandwidth (profile `execution`, calibrated where the file says so).
 */
import { keptPerToken } from '../sparsity/pattern.js';
import { DRAM_LEVEL, type Activity } from './activity.js';
import type { GemmOp } from '../workload/layer-ops.js';
import { activationRowBytes, type RowBytes } from './activation-bytes.js';
import { MAC_PIPELINE_DRAIN_CYCLES, MAX_SIMULATED_TILES_PER_GEMM, MMA_FRAGMENT_ROWS_TOKENS } from './constants.js';
import { inputError, type NmsimError } from '../diagnostics.js';
import { computeKFraction, type ExecutionPlan } from './execution-plan.js';
import type { HardwareView } from './hardware-view.js';
import { chooseTile, type TileShape } from './tiling.js';
import { metadataDecodeLatencyCycles, operandTraffic, reloadBytes, type OperandSplit, type OperandTraffic } from './operand-traffic.js';

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
  /**
   * The binding resource by name: `compute`, the buffer level (by the profile's name: register
   * file, shared memory, L2 …) whose stalls cost the most when the bottleneck is `buffer`,
   * `dram`, or a fixed cost (`fill`, `drain`, `launch`)
   */
  binding: string;
  executedMacs: number;
  /** 2·rows·K·N: the flops of the dense GEMM this computes */
  denseEquivalentFlops: number;
  /** fraction of weight rows fetched (row skipping in decode; 1 otherwise) */
  weightRowFraction: number;
  bytes: GemmBytes;
  /** what the hardware did (activity.ts): MACs issued/skipped/gated, bytes by level, metadata, selects */
  activity: Activity;
}

/** What one GEMM moves and computes under a plan, before any tiling. */
interface GemmWork {
  rows: number;
  k: number;
  n: number;
  sparse: boolean;
  /** the pattern is on the weights (stored compressed), not the activations */
  weightSparse: boolean;
  /** fraction of weight rows fetched */
  rowFraction: number;
  /** stored bytes of one activation row (values + metadata) */
  activationRow: RowBytes;
  activationBytes: number;
  /** weight bytes fetched, metadata included for weight-sparse GEMMs */
  weightBytes: number;
  weightMetadataBytes: number;
  outputBytes: number;
  reloadBytes: number;
  /** unique input bytes plus reloads: what the tiles pull from DRAM */
  dramInputBytes: number;
  /** MACs per token row over a K slice of kDense elements */
  keptK(kDense: number): number;
  /** metadata decode fill latency of a tile (0 when dense) */
  decodeLatencyCycles: number;
  /** fraction of main-loop cycles issuing MACs: the profile's sparse figure when MACs are skipped */
  mainloopEfficiency: number;
  tile: TileShape;
}

/**
 * Whether the plan applies to this GEMM: a pruned site under a sparse mode. Otherwise the GEMM
 * runs dense and simulateGemm reads nothing of the plan (model-sim.ts keys such GEMMs without it).
 */
export function runsSparse(gemm: Pick<GemmOp, 'site'>, plan: Pick<ExecutionPlan, 'mode'>): boolean {
  return gemm.site !== undefined && plan.mode !== 'dense';
}

/** Step 1: the GEMM's operands, MACs and unique DRAM bytes (reloads when neither operand fits half the reuse capacity). */
function gemmWork(gemm: GemmOp, plan: ExecutionPlan, hw: HardwareView, weightRowFraction: number): GemmWork {
  const b = hw.operandBytes;
  const sparse = runsSparse(gemm, plan);
  // weight N:M (pruned offline): the weight operand is compressed, the activation dense
  const weightSparse = sparse && plan.sparseOperand === 'weight';
  const pattern = sparse && !weightSparse ? plan.requested : ({ kind: 'dense' } as const);
  const compressed = sparse && plan.compressed;
  const kFrac = sparse ? computeKFraction(plan) : 1;
  const rowFraction = sparse && plan.rowSkipping ? weightRowFraction : 1;
  const groupM = sparse && plan.runPattern?.kind === 'nm' ? plan.runPattern.m : 1;
  // MACs per token row over a K slice: kept elements on a skipping native pattern
  const keptK = (kDense: number): number => {
    if (!sparse || !plan.skipping) return kDense;
    if (plan.mode === 'native' && plan.runPattern?.kind === 'nm') return keptPerToken(plan.runPattern, kDense);
    return kDense * kFrac;
  };
  const activationRow = activationRowBytes(pattern, compressed && !weightSparse, gemm.kIn, b, plan.metadataEncoding);
  const activationBytes = gemm.rowsTokens * (activationRow.valueBytes + activationRow.metadataBytes);
  // one output column's weights: K dense elements, or compressed values + metadata
  const weightColumn = weightSparse ? activationRowBytes(plan.requested, true, gemm.kIn, b, plan.metadataEncoding) : { valueBytes: gemm.kIn * b, metadataBytes: 0 };
  const weightBytes = (weightColumn.valueBytes + weightColumn.metadataBytes) * rowFraction * gemm.nOut;
  const reloads = reloadBytes(activationBytes, weightBytes, hw.reuseCapacityBytes);
  return {
    rows: gemm.rowsTokens,
    k: gemm.kIn,
    n: gemm.nOut,
    sparse,
    weightSparse,
    rowFraction,
    activationRow,
    activationBytes,
    weightBytes,
    weightMetadataBytes: weightColumn.metadataBytes * rowFraction * gemm.nOut,
    outputBytes: gemm.rowsTokens * gemm.nOut * b,
    reloadBytes: reloads,
    dramInputBytes: activationBytes + weightBytes + reloads,
    keptK,
    decodeLatencyCycles: sparse ? metadataDecodeLatencyCycles(plan) : 0,
    mainloopEfficiency: sparse && plan.skipping ? hw.sparseMainloopEfficiency : hw.mainloopEfficiency,
    tile: chooseTile(hw, groupM),
  };
}

/** Output tiles, K steps and K slices of a GEMM. */
interface TileGrid {
  rowTiles: number;
  colTiles: number;
  steps: number;
  /** dense K elements of step s (the last may be short) */
  kAt(s: number): number;
  /** rows of row tile i, columns of column tile j (edge tiles are short) */
  rowsOf(i: number): number;
  colsOf(j: number): number;
  /** K slices per output tile (split-K when output tiles < cores) and the steps of each */
  slices: number;
  stepsPerSlice: number;
  /** bytes per output element written back: accumulator width for split-K partial sums */
  outElementBytes: number;
  /** every tile the pipeline simulates: output tiles × K slices */
  tiles: number;
}

/**
 * Step 2: the tile grid. K is split across cores when there are fewer output tiles than cores
 * (GEMV-style decode): each K slice is a tile of its own that writes partial sums at
 * accumulator width.
 */
function tileGrid(work: GemmWork, hw: HardwareView): TileGrid {
  const { tile } = work;
  const rowTiles = Math.ceil(work.rows / tile.rowsTokens);
  const colTiles = Math.ceil(work.n / tile.colsOut);
  const steps = Math.ceil(work.k / tile.kStepElements);
  const outputTiles = rowTiles * colTiles;
  const splitK = outputTiles < hw.cores ? Math.max(1, Math.min(Math.floor(hw.cores / outputTiles), steps)) : 1;
  const stepsPerSlice = Math.ceil(steps / splitK);
  const slices = Math.ceil(steps / stepsPerSlice);
  return {
    rowTiles,
    colTiles,
    steps,
    kAt: (s) => Math.min(tile.kStepElements, work.k - s * tile.kStepElements),
    rowsOf: (i) => Math.min(tile.rowsTokens, work.rows - i * tile.rowsTokens),
    colsOf: (j) => Math.min(tile.colsOut, work.n - j * tile.colsOut),
    slices,
    stepsPerSlice,
    outElementBytes: slices > 1 ? hw.accumulatorBytes : hw.operandBytes,
    tiles: outputTiles * slices,
  };
}

/**
 * Step 3: DRAM input bytes per on-chip refill byte. The GEMM's DRAM input is spread over its
 * tile-steps in proportion to their on-chip bytes; tiles of equal size are counted once per
 * size class.
 */
function dramPerOnChipByte(work: GemmWork, grid: TileGrid, traffic: OperandTraffic): number {
  const rowClasses = sizeClasses(grid.rowTiles, grid.rowsOf);
  const colClasses = sizeClasses(grid.colTiles, grid.colsOf);
  const { full, fullK, lastK } = stepDepths(grid);
  let onChipTotal = 0;
  for (const [r, nr] of rowClasses) {
    for (const [c, nc] of colClasses) {
      // step by step, in order, as costing every step: each depth's bytes computed once
      const fullBytes = full > 0 ? traffic.tileRefillBytes(r, c, fullK) : 0;
      let perTile = 0;
      for (let s = 0; s < full; s++) perTile += fullBytes;
      if (lastK !== undefined) perTile += traffic.tileRefillBytes(r, c, lastK);
      onChipTotal += nr * nc * perTile;
    }
  }
  return onChipTotal > 0 ? work.dramInputBytes / onChipTotal : 0;
}

/**
 * The K steps of a GEMM by depth: every step but the last is full (tileGrid kAt), the last may be
 * short. `full` steps of `fullK` elements, then one of `lastK` when it is short.
 */
function stepDepths(grid: TileGrid): { full: number; fullK: number; lastK?: number } {
  if (grid.steps === 0) return { full: 0, fullK: 0 };
  const fullK = grid.kAt(0);
  const lastK = grid.kAt(grid.steps - 1);
  return lastK === fullK ? { full: grid.steps, fullK } : { full: grid.steps - 1, fullK, lastK };
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

/** Everything a tile's timing depends on besides its size. */
interface TileContext {
  work: GemmWork;
  grid: TileGrid;
  traffic: OperandTraffic;
  dramPerOnChipByte: number;
  hw: HardwareView;
}

/**
 * What the tiles of one wave pull together per full K step, from the levels they share (shared
 * buffer levels and DRAM), and write back at the end. The shared bandwidth is split in
 * proportion to these bytes: a wave of one 128-row tile and seventy 23-row edge tiles moves the
 * bytes of those tiles, not 71 times the big one's.
 */
interface WaveShare {
  /** bytes of every active tile at each level for one full K step (per-core levels: unused) */
  levelBytesPerFullStep: number[];
  /** on-chip refill bytes of every active tile for one full K step (× dramPerOnChipByte = DRAM bytes) */
  refillBytesPerFullStep: number;
  /** output bytes every active tile writes back */
  outputBytes: number;
  key: string;
}

/**
 * One K step of an r × c tile in a wave: MAC cycles, the supply cycles of the slowest buffer
 * level (a per-core level at its own bandwidth; a shared level moves the wave's bytes at the
 * instance bandwidth) and of the wave's step of DRAM. A short last step (kDense < the step)
 * moves its fraction of a full step.
 */
function stepCost(ctx: TileContext, r: number, c: number, kDense: number, wave: WaveShare): StepCost {
  const { hw, traffic } = ctx;
  const stepFraction = kDense / ctx.work.tile.kStepElements;
  let buffer = 0;
  let bufferLevel = 0;
  hw.levels.forEach((level, i) => {
    const t = level.shared
      ? (wave.levelBytesPerFullStep[i] * stepFraction) / level.bandwidthBytesPerCycle
      : traffic.levelBytes(i, r, c, kDense) / level.bandwidthBytesPerCycle;
    if (t > buffer) {
      buffer = t;
      bufferLevel = i;
    }
  });
  return {
    // the main loop issues MAC work in mainloopEfficiency of its cycles (profile execution figures)
    compute: (Math.ceil(r / hw.laneRows) * Math.ceil(c / hw.laneCols) * Math.ceil(ctx.work.keptK(kDense) / hw.kPerCycle)) / ctx.work.mainloopEfficiency,
    buffer,
    bufferLevel,
    dram: (wave.refillBytesPerFullStep * stepFraction * ctx.dramPerOnChipByte) / hw.dramBytesPerCycle,
  };
}

/**
 * Step 4: one tile over K steps s0 … s1 − 1: fill (first supply + DRAM latency + decode
 * latency), double-buffered steps that stall when this step's supply outlasts the previous
 * step's MACs, drain (MAC pipeline + write-back of the output tile).
 */
function tileTiming(ctx: TileContext, r: number, c: number, s0: number, s1: number, wave: WaveShare): TileTiming {
  const { hw, grid } = ctx;
  const stalls = emptyStalls();
  const bufferStallByLevel = hw.levels.map(() => 0);
  let compute = 0;
  // a step's cost depends on its K depth only: every step but a short last one has the full depth,
  // so each depth is costed once, and each sum still adds step by step, in order (the same numbers
  // as costing every step): the first step (fill), the full steps after it, then a short last one
  if (s1 > s0) {
    const kFirst = grid.kAt(s0);
    const kEnd = grid.kAt(s1 - 1);
    const first = stepCost(ctx, r, c, kFirst, wave);
    stalls.fill += Math.max(first.buffer, first.dram) + hw.dramLatencyCycles + ctx.work.decodeLatencyCycles;
    compute += first.compute;
    // a step after another: it stalls when its supply outlasts the previous step's MACs
    const after = (cost: StepCost, prevCompute: number, times: number) => {
      const supply = Math.max(cost.buffer, cost.dram);
      if (supply > prevCompute) {
        const stall = supply - prevCompute;
        if (cost.dram >= cost.buffer) {
          for (let t = 0; t < times; t++) stalls.dram += stall;
        } else {
          for (let t = 0; t < times; t++) {
            stalls.buffer += stall;
            bufferStallByLevel[cost.bufferLevel] += stall;
          }
        }
      }
      for (let t = 0; t < times; t++) compute += cost.compute;
    };
    const short = kEnd !== kFirst;
    after(first, first.compute, s1 - s0 - 1 - (short ? 1 : 0));
    if (short) after(stepCost(ctx, r, c, kEnd, wave), first.compute, 1);
  }
  const tileOut = r * c * grid.outElementBytes;
  stalls.drain += MAC_PIPELINE_DRAIN_CYCLES + Math.max(tileOut / hw.localBuffer.bandwidthBytesPerCycle, wave.outputBytes / hw.dramBytesPerCycle);
  const cycles = compute + STALL_CAUSES.reduce((sum, k) => sum + stalls[k], 0);
  return { cycles, compute, stalls, bufferStallByLevel };
}

interface WaveTotals {
  waves: number;
  cycles: number;
  computeCycles: number;
  stallCycles: Record<StallCause, number>;
  bufferStallByLevel: number[];
}

/**
 * Step 5: every tile, `cores` at a time in raster order (row tiles outer, K slices inner); a
 * wave lasts as long as its slowest tile, and its tiles share the shared levels' and DRAM's
 * bandwidth in proportion to their bytes (WaveShare). Tiles of one size and slice length in one
 * wave are timed once, and a timing is reused across waves that share the same way.
 */
function runWaves(ctx: TileContext): WaveTotals {
  const { hw, grid, traffic, work } = ctx;
  const kStep = work.tile.kStepElements;
  const memo = new Map<string, TileTiming>();
  const waves = Math.ceil(grid.tiles / hw.cores);
  const stallCycles = emptyStalls();
  const bufferStallByLevel = hw.levels.map(() => 0);
  let cycles = 0;
  let computeCycles = 0;
  const tileAt = (t: number) => {
    const out = Math.floor(t / grid.slices);
    const slice = t % grid.slices;
    const s0 = slice * grid.stepsPerSlice;
    return { r: grid.rowsOf(Math.floor(out / grid.colTiles)), c: grid.colsOf(out % grid.colTiles), s0, s1: Math.min(grid.steps, s0 + grid.stepsPerSlice) };
  };
  // A tile's class (size and slice) depends only on whether its row tile and its column tile are
  // the last (short) ones and on its K slice: each such kind is mapped once to a class id, tiles
  // of equal rows, columns, slice length and end (at the last K step or not) sharing one id.
  const kindCount = 4 * grid.slices;
  const classOfKind = new Int32Array(kindCount);
  const idByKey = new Map<string, number>();
  // every K slice but the last has the same length and ends before the last K step, so its key is
  // that of slice 0 (built once per row/column kind, not once per slice)
  const innerKey: string[] = [];
  for (let kind = 0; kind < kindCount; kind++) {
    const slice = kind % grid.slices;
    const rc = Math.floor(kind / grid.slices);
    const lastRow = rc >= 2;
    const lastCol = rc % 2 === 1;
    const s0 = slice * grid.stepsPerSlice;
    const s1 = Math.min(grid.steps, s0 + grid.stepsPerSlice);
    const inner = slice < grid.slices - 1;
    const key =
      (inner ? innerKey[rc] : undefined) ?? `${grid.rowsOf(lastRow ? grid.rowTiles - 1 : 0)}x${grid.colsOf(lastCol ? grid.colTiles - 1 : 0)}:${s1 - s0}:${s1 === grid.steps}`;
    if (inner) innerKey[rc] = key;
    if (!idByKey.has(key)) idByKey.set(key, idByKey.size);
    classOfKind[kind] = idByKey.get(key)!;
  }
  const classCount = new Int32Array(idByKey.size);
  const classFirstTile = new Float64Array(idByKey.size);
  const add = (id: number, firstTile: number, count: number, order: number[]) => {
    if (classCount[id] === 0) {
      order.push(id);
      classFirstTile[id] = firstTile;
    }
    classCount[id] += count;
  };
  // the slowest tile of a wave depends only on its classes and their counts, in order: waves of the
  // same composition (every full wave inside a large GEMM) are timed once
  const slowestByComposition = new Map<string, TileTiming>();
  for (let w = 0; w < waves; w++) {
    const first = w * hw.cores;
    const last = Math.min(grid.tiles, first + hw.cores) - 1;
    // the wave's tile classes and how many of each, in the order of their first tile
    classCount.fill(0);
    const order: number[] = [];
    if (grid.slices === 1) {
      // one tile per output tile: a row's tiles before its last column are one kind, its last column
      // another, so the wave is counted row by row (the same counts and order as tile by tile)
      for (let t = first; t <= last; ) {
        const row = Math.floor(t / grid.colTiles);
        const lastColTile = row * grid.colTiles + grid.colTiles - 1;
        const rowEnd = Math.min(last, lastColTile);
        const base = row === grid.rowTiles - 1 ? 2 : 0;
        const interiorEnd = Math.min(rowEnd, lastColTile - 1);
        if (interiorEnd >= t) add(classOfKind[base], t, interiorEnd - t + 1, order);
        if (rowEnd === lastColTile) add(classOfKind[base + 1], lastColTile, 1, order);
        t = rowEnd + 1;
      }
    } else {
      // split-K: an output tile's K slices before its last are one class (same rows, columns and
      // slice length, not at the last K step), its last slice another: counted output by output
      for (let t = first; t <= last; ) {
        const out = Math.floor(t / grid.slices);
        const row = Math.floor(out / grid.colTiles);
        const rc = (row === grid.rowTiles - 1 ? 2 : 0) + (out - row * grid.colTiles === grid.colTiles - 1 ? 1 : 0);
        const lastSliceTile = out * grid.slices + grid.slices - 1;
        const outEnd = Math.min(last, lastSliceTile);
        const innerEnd = Math.min(outEnd, lastSliceTile - 1);
        if (innerEnd >= t) add(classOfKind[rc * grid.slices + (t - out * grid.slices)], t, innerEnd - t + 1, order);
        if (outEnd === lastSliceTile) add(classOfKind[rc * grid.slices + grid.slices - 1], lastSliceTile, 1, order);
        t = outEnd + 1;
      }
    }
    let composition = '';
    for (const id of order) composition += `${id}:${classCount[id]},`;
    let slowest = slowestByComposition.get(composition);
    if (!slowest) {
      const classes = new Map<number, { r: number; c: number; s0: number; s1: number; count: number }>();
      for (const id of order) classes.set(id, { ...tileAt(classFirstTile[id]), count: classCount[id] });
      const wave: WaveShare = { levelBytesPerFullStep: hw.levels.map(() => 0), refillBytesPerFullStep: 0, outputBytes: 0, key: '' };
      for (const { r, c, count } of classes.values()) {
        hw.levels.forEach((level, i) => {
          if (level.shared) wave.levelBytesPerFullStep[i] += count * traffic.levelBytes(i, r, c, kStep);
        });
        wave.refillBytesPerFullStep += count * traffic.tileRefillBytes(r, c, kStep);
        wave.outputBytes += count * r * c * grid.outElementBytes;
      }
      wave.key = `${wave.refillBytesPerFullStep}|${wave.outputBytes}|${wave.levelBytesPerFullStep.join(',')}`;
      for (const [key, { r, c, s0, s1 }] of classes) {
        const memoKey = `${key}@${wave.key}`;
        let timing = memo.get(memoKey);
        if (!timing) {
          timing = tileTiming(ctx, r, c, s0, s1, wave);
          memo.set(memoKey, timing);
        }
        if (!slowest || timing.cycles > slowest.cycles) slowest = timing;
      }
      slowestByComposition.set(composition, slowest!);
    }
    cycles += slowest!.cycles;
    computeCycles += slowest!.compute;
    for (const k of STALL_CAUSES) stallCycles[k] += slowest!.stalls[k];
    slowest!.bufferStallByLevel.forEach((v, i) => (bufferStallByLevel[i] += v));
  }
  return { waves, cycles, computeCycles, stallCycles, bufferStallByLevel };
}

/** The bottleneck: MAC cycles, or the stall cause that cost the most cycles. */
function bottleneckOf(computeCycles: number, stallCycles: Record<StallCause, number>): Bottleneck {
  let bottleneck: Bottleneck = 'compute';
  let most = computeCycles;
  for (const k of STALL_CAUSES) {
    if (stallCycles[k] > most) {
      most = stallCycles[k];
      bottleneck = k;
    }
  }
  return bottleneck;
}

/** The bottleneck by name: a buffer stall names the level whose stalls cost the most cycles. */
function bindingOf(bottleneck: Bottleneck, levelNames: readonly string[], bufferStallByLevel: readonly number[]): string {
  if (bottleneck !== 'buffer') return bottleneck;
  let at = 0;
  bufferStallByLevel.forEach((v, i) => {
    if (v > bufferStallByLevel[at]) at = i;
  });
  return levelNames[at];
}

function emptyStalls(): Record<StallCause, number> {
  return { dram: 0, buffer: 0, fill: 0, drain: 0, launch: 0 };
}

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

/**
 * Step 6: the GEMM's activity counts (conventions in activity.ts). Operand bytes per level are
 * summed over every output tile and K step (split-K slices cover each step once), by tile size
 * class as in step 3.
 */
function gemmActivity(work: GemmWork, grid: TileGrid, traffic: OperandTraffic, plan: ExecutionPlan, hw: HardwareView, cycles: number, outputs: number): Activity {
  const denseMacs = work.rows * work.k * work.n;
  const issued = work.rows * work.n * work.keptK(work.k);
  const gated = work.sparse && !plan.skipping ? denseMacs - work.rows * work.n * keptPerToken(plan.requested, work.k) : 0;
  const levelReads = hw.levels.map(() => ({ activation: 0, weight: 0 }));
  // activation bytes delivered into the array for real token rows only: a fragment's padding rows
  // (fewer than 16 tokens, e.g. decode) are read as zeros but carry no metadata (no token was pruned)
  let realRowActivationFeed = 0;
  const rowClasses = sizeClasses(grid.rowTiles, grid.rowsOf);
  const colClasses = sizeClasses(grid.colTiles, grid.colsOf);
  const { full, fullK, lastK } = stepDepths(grid);
  for (const [r, nr] of rowClasses) {
    const paddedRows = Math.ceil(r / MMA_FRAGMENT_ROWS_TOKENS) * MMA_FRAGMENT_ROWS_TOKENS;
    for (const [c, nc] of colClasses) {
      // per level, the bytes of a step of each K depth (full, or a short last step), computed once per depth;
      // each sum still adds step by step, in order (the same numbers as costing every step): one
      // accumulator at a time, the full steps' term repeated, then the short step's
      const tiles = nr * nc;
      const add = (acc: number, term: number, last: number | undefined): number => {
        for (let s = 0; s < full; s++) acc += term;
        return last === undefined ? acc : acc + last;
      };
      for (let i = 0; i < levelReads.length; i++) {
        const f: OperandSplit = full > 0 ? traffic.levelOperandBytes(i, r, c, fullK) : { activation: 0, weight: 0 };
        const l = lastK === undefined ? undefined : traffic.levelOperandBytes(i, r, c, lastK);
        levelReads[i].activation = add(levelReads[i].activation, tiles * f.activation, l && tiles * l.activation);
        levelReads[i].weight = add(levelReads[i].weight, tiles * f.weight, l && tiles * l.weight);
        if (i === 0) realRowActivationFeed = add(realRowActivationFeed, (tiles * f.activation * r) / paddedRows, l && (tiles * l.activation * r) / paddedRows);
      }
    }
  }
  const bytesByLevel: Activity['bytesByLevel'] = {};
  hw.levels.forEach((level, i) => {
    const read = levelReads[i].activation + levelReads[i].weight;
    const refill = i + 1 < hw.levels.length ? levelReads[i + 1].activation + levelReads[i + 1].weight : work.dramInputBytes;
    bytesByLevel[level.name] = { read: read + outputs, write: refill + outputs };
  });
  bytesByLevel[DRAM_LEVEL] = { read: work.dramInputBytes, write: outputs };
  const row = work.activationRow;
  const metadataShare = row.valueBytes + row.metadataBytes > 0 ? row.metadataBytes / (row.valueBytes + row.metadataBytes) : 0;
  // metadata decoded as it enters the MAC array: with its activation fragments (real rows only), or its weight fragments
  const metadataBits = work.weightSparse
    ? 8 * (work.weightBytes > 0 ? work.weightMetadataBytes / work.weightBytes : 0) * levelReads[0].weight
    : 8 * metadataShare * realRowActivationFeed;
  return {
    macsIssued: issued,
    macsSkipped: denseMacs - issued,
    macsGated: gated,
    bytesByLevel,
    activationValueBytes: work.rows * row.valueBytes,
    activationMetadataBytes: work.rows * row.metadataBytes,
    weightBytes: work.weightBytes - work.weightMetadataBytes,
    weightMetadataBytes: work.weightMetadataBytes,
    outputBytes: outputs,
    reloadBytes: work.reloadBytes,
    metadataBits,
    selectorOperations: work.sparse && plan.compressed ? issued - gated : 0,
    pruningComparisons: 0,
    softwarePruneBytes: 0,
    cycles,
    seconds: cycles / hw.clockHz,
  };
}

/** Tile extents along one dimension and how many tiles have each (sizeOf: tileGrid rowsOf/colsOf, full tiles then a possibly short last one). */
function sizeClasses(tiles: number, sizeOf: (i: number) => number): Map<number, number> {
  // rowsOf/colsOf: every tile but the last is full, the last may be short (the same map, in the
  // same order, as counting tile by tile)
  const out = new Map<number, number>();
  if (tiles > 1) out.set(sizeOf(0), tiles - 1);
  if (tiles > 0) out.set(sizeOf(tiles - 1), (out.get(sizeOf(tiles - 1)) ?? 0) + 1);
  return out;
}

/**
 * The pipeline drawn at the top of this file, as its named steps: the GEMM's work, the tile
 * grid, the DRAM share per on-chip byte, the waves of tiles, then the roofline beside it.
 *
 * @param weightRowFraction fraction of weight rows (input channels) the GEMM must fetch: the
 *   batch's union density in decode with row skipping, else 1.
 */
export function simulateGemm(gemm: GemmOp, plan: ExecutionPlan, hw: HardwareView, weightRowFraction: number): GemmSim {
  const work = gemmWork(gemm, plan, hw, weightRowFraction);
  const grid = tileGrid(work, hw);
  if (grid.tiles > MAX_SIMULATED_TILES_PER_GEMM) throw tooManyTiles(gemm, work.tile, grid.tiles, hw);
  const storedActivationBytesPerElement = (work.activationRow.valueBytes + work.activationRow.metadataBytes) / work.k;
  const traffic = operandTraffic(hw, work.tile, work.rows, work.n, storedActivationBytesPerElement, work.weightBytes / (work.k * work.n), work.weightSparse);
  const ctx: TileContext = { work, grid, traffic, dramPerOnChipByte: dramPerOnChipByte(work, grid, traffic), hw };
  const run = runWaves(ctx);
  run.stallCycles.launch = hw.launchGapCycles;
  const cycles = run.cycles + run.stallCycles.launch;

  const executedMacs = work.rows * work.n * work.keptK(work.k);
  const bottleneck = bottleneckOf(run.computeCycles, run.stallCycles);
  const computeBound = executedMacs / hw.peakDenseMacsPerCycle;
  const memoryBound = (work.activationBytes + work.weightBytes + work.outputBytes) / hw.dramPeakBytesPerCycle;
  const outputs = grid.slices > 1 ? work.rows * work.n * grid.slices * grid.outElementBytes : work.outputBytes;
  return {
    name: gemm.name,
    rowsTokens: work.rows,
    kIn: work.k,
    nOut: work.n,
    tile: work.tile,
    tiles: grid.tiles,
    splitK: grid.slices,
    waves: run.waves,
    cycles,
    computeCycles: run.computeCycles,
    stallCycles: run.stallCycles,
    bufferStallByLevel: Object.fromEntries(hw.levels.map((l, i) => [l.name, run.bufferStallByLevel[i]])),
    rooflineCycles: Math.max(computeBound, memoryBound),
    rooflineBound: computeBound >= memoryBound ? 'compute' : 'memory',
    utilization: cycles > 0 ? executedMacs / (hw.peakDenseMacsPerCycle * cycles) : 0,
    bottleneck,
    binding: bindingOf(bottleneck, hw.levels.map((l) => l.name), run.bufferStallByLevel),
    executedMacs,
    denseEquivalentFlops: 2 * work.rows * work.k * work.n,
    weightRowFraction: work.rowFraction,
    bytes: {
      activationValues: work.rows * work.activationRow.valueBytes,
      activationMetadata: work.rows * work.activationRow.metadataBytes,
      weights: work.weightBytes,
      outputs,
      reloads: work.reloadBytes,
      dramTotal: work.dramInputBytes + outputs,
    },
    activity: gemmActivity(work, grid, traffic, plan, hw, cycles, outputs),
  };
}
