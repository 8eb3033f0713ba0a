/**
 * Adapter: today's perf records (GemmSim per GEMM, OpSim per other operator, ModelSim per
 * step) → ActivityCounts. The ONE place that knows perf's record shapes; when perf (issue 13)
 * exposes the activity counts itself, this file is re-pointed to them and nothing else changes.
 *
 * What today's records lack is derived here, with these assumptions:
 * - MACs: dense-equivalent = flops / 2; a skipping core's pruned MACs are dense − executed; a
 *   gating core executes every MAC and gates the pruned ones, dense × (1 − kept fraction), the
 *   kept fraction measured on the trace when given, else the pattern's effective density.
 *   The seven projections of a layer are the pruned sites; the LM head stays dense (perf's rule).
 * - DRAM bytes: a GEMM reads dramTotal − outputs and writes its outputs; another operator reads
 *   bytesRead + its KV-cache bytes and writes bytesWritten; a software-pruning pass
 *   (`prune_pass:*`) is counted there too and repeated in softwarePruneBytes.
 * - on-chip levels (perf's operand-traffic rules, summed over the GEMM rather than per K step):
 *   the innermost level (register file / operand buffer) feeds the array fragment by fragment,
 *   MMA_FRAGMENT_ROWS_TOKENS × MMA_FRAGMENT_COLS_OUT outputs at a time, so it reads the
 *   activations once per 8 output columns and the weights once per 16 token rows; it is filled
 *   once per output tile (activations once per tile column, weights once per tile row); every
 *   level further in than the shared one reads and is written that tile traffic; the shared
 *   level (L2) is read that tile traffic and written what DRAM fills plus the outputs. Other
 *   operators stream through the shared level (read and written what DRAM moves). Accumulator
 *   traffic and vector (non-tensor-core) arithmetic are not counted.
 * - metadataBits: each activation row's metadata is decoded once per pass of the array's
 *   output columns (lanes / activation rows per cycle); selectorOperations: one per MAC a
 *   skipping core executes on a compressed operand; pruningComparisons: the unit's comparators
 *   per pruned group (hardware pruning only).
 */
import type { HardwareProfile } from '../profile/schema.js';
import type { GemmSim } from '../perf/gemm-pipeline.js';
import type { ModelSim } from '../perf/model-sim.js';
import type { OpSim } from '../perf/non-gemm.js';
import { MMA_FRAGMENT_COLS_OUT, MMA_FRAGMENT_ROWS_TOKENS } from '../perf/constants.js';
import type { MeasuredSparsity } from '../perf/measured-sparsity.js';
import { effectiveDensity } from '../sparsity/pattern.js';
import { keyBits, networkComparators } from '../sparsity/sorting-networks.js';
import { addActivity, DRAM_LEVEL, emptyActivity, type ActivityCounts, type LevelBytes } from './activity.js';

const BITS_PER_BYTE = 8;

function addBytes(into: Record<string, LevelBytes>, level: string, read: number, write: number): void {
  const have = into[level] ?? { read: 0, write: 0 };
  into[level] = { read: have.read + read, write: have.write + write };
}

/** Activity of one GEMM of a step. `site`: it is a pruned projection (not the LM head). */
export function gemmActivity(g: GemmSim, sim: ModelSim, profile: HardwareProfile, site: boolean, measured?: MeasuredSparsity): ActivityCounts {
  const a = emptyActivity();
  const plan = sim.plan;
  const sparse = site && plan.mode !== 'dense';
  const denseMacs = g.denseEquivalentFlops / 2;
  a.macsIssued = g.executedMacs;
  if (sparse && plan.skipping) a.macsSkipped = denseMacs - g.executedMacs;
  if (sparse && !plan.skipping) {
    const kept = measured ? measured.keptFraction : effectiveDensity(plan.requested, g.kIn);
    a.macsGated = denseMacs * (1 - kept);
  }
  const b = g.bytes;
  const activationBytes = b.activationValues + b.activationMetadata;
  const dramRead = b.dramTotal - b.outputs;
  a.activationValueBytes = b.activationValues;
  a.activationMetadataBytes = b.activationMetadata;
  a.weightBytes = b.weights + b.reloads; // reloads re-stream an operand; counted with the weights
  a.outputBytes = b.outputs;
  addBytes(a.bytesByLevel, DRAM_LEVEL, dramRead, b.outputs);

  const tc = profile.tensorCore;
  const paddedRows = Math.ceil(g.rowsTokens / MMA_FRAGMENT_ROWS_TOKENS);
  const rowTiles = Math.ceil(g.rowsTokens / g.tile.rowsTokens);
  const colTiles = Math.ceil(g.nOut / g.tile.colsOut);
  const rowsPadded = (paddedRows * MMA_FRAGMENT_ROWS_TOKENS) / g.rowsTokens;
  const feed = activationBytes * rowsPadded * Math.ceil(g.nOut / MMA_FRAGMENT_COLS_OUT) + b.weights * paddedRows;
  const tileLoad = activationBytes * colTiles + b.weights * rowTiles;
  profile.memory.buffers.forEach((level, i) => {
    if (level.shared) addBytes(a.bytesByLevel, level.name, tileLoad, dramRead + b.outputs);
    else if (i === 0) addBytes(a.bytesByLevel, level.name, feed, tileLoad);
    else addBytes(a.bytesByLevel, level.name, tileLoad, tileLoad);
  });

  if (sparse && plan.compressed) {
    const columnsPerPass = Math.max(1, Math.floor(tc.lanes / tc.activationRowsPerCycle));
    a.metadataBits = b.activationMetadata * BITS_PER_BYTE * Math.ceil(g.nOut / columnsPerPass);
    if (plan.skipping) a.selectorOperations = g.executedMacs;
  }
  a.cycles = g.cycles;
  a.seconds = g.cycles / profile.clockHz;
  return a;
}

/** Activity of one non-GEMM operator (norms, attention, activations, pruning passes). */
export function opActivity(op: OpSim, sim: ModelSim, profile: HardwareProfile): ActivityCounts {
  const a = emptyActivity();
  const read = op.bytesRead + op.kvCacheBytes;
  addBytes(a.bytesByLevel, DRAM_LEVEL, read, op.bytesWritten);
  for (const level of profile.memory.buffers) if (level.shared) addBytes(a.bytesByLevel, level.name, read, op.bytesWritten);
  if (op.name.startsWith('prune_pass:')) a.softwarePruneBytes = op.bytesRead + op.bytesWritten;
  const unit = profile.sparsity.onlinePruning;
  const req = sim.plan.requested;
  if (op.pruningGroups > 0 && unit.kind === 'hardware' && req.kind === 'nm') {
    a.pruningComparisons = op.pruningGroups * networkComparators(unit.network, req.m, { n: req.n, keyBits: keyBits(profile.tensorCore.operandBits, req.m) });
  }
  a.cycles = op.cycles;
  a.seconds = op.cycles / profile.clockHz;
  return a;
}

/** Activity of one whole step (every layer × its count, plus the head). */
export function stepActivity(sim: ModelSim, profile: HardwareProfile, measured?: MeasuredSparsity): ActivityCounts {
  let total = emptyActivity();
  for (const layer of sim.layers) {
    let one = emptyActivity();
    for (const g of layer.gemms) one = addActivity(one, gemmActivity(g, sim, profile, true, measured));
    for (const op of layer.nonGemm) one = addActivity(one, opActivity(op, sim, profile));
    total = addActivity(total, one, layer.layerCount);
  }
  for (const g of sim.head.gemms) total = addActivity(total, gemmActivity(g, sim, profile, false));
  for (const op of sim.head.nonGemm) total = addActivity(total, opActivity(op, sim, profile));
  // the step's own time (sums of parts equal it; taken from the record to stay exact)
  total.cycles = sim.cycles;
  total.seconds = sim.timeS;
  return total;
}
