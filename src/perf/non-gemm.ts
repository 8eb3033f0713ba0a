/**
 * Non-GEMM operators (norms, attention, activation, residuals) and, for software online
 * pruning, the separate prune/compress passes — each as a streaming operator:
 *
 *   cycles = max(DRAM bytes / DRAM bytes per cycle, vector flops / vector rate,
 *                tensor-core flops / (dense peak × attention efficiency), pruning-unit groups / unit rate)
 *            + DRAM latency + pruning-unit latency + kernel launch gap
 *
 * Where an operator writes an activation site and the profile prunes in hardware, the online
 * pruning unit sits on its write path: the site is written compressed, and the unit's
 * throughput (elements per cycle per core) is one more stage the operator cannot outrun.
 * Roofline = the max(…) term alone, so cycles ≥ roofline.
 */
import { groupCount, type NmPattern } from '../sparsity/pattern.js';
import type { NonGemmOp } from '../workload/layer-ops.js';
import { activationRowBytes } from './activation-bytes.js';
import { SOFTWARE_PRUNE_KERNELS_PER_SITE, VECTOR_FLOPS_PER_CYCLE_PER_TENSOR_CORE } from './constants.js';
import type { ExecutionPlan } from './execution-plan.js';
import type { HardwareView } from './hardware-view.js';
import type { HardwareProfile, PruningNetwork } from '../profile/schema.js';
import { keyBits, unitComparators } from '../sparsity/sorting-networks.js';
import { DRAM_LEVEL, emptyActivity, type Activity } from './activity.js';

export const OP_BOUNDS = ['memory', 'vector', 'tensor', 'pruning'] as const;
export type OpBound = (typeof OP_BOUNDS)[number];
/** The resource each operator bound names (as GEMM bindings do: dram, compute). */
export const OP_BINDING: Record<OpBound, string> = { memory: 'dram', vector: 'vector units', tensor: 'compute', pruning: 'pruning unit' };

export interface OpSim {
  name: string;
  cycles: number;
  rooflineCycles: number;
  bound: OpBound;
  /** the bound by resource name: dram, vector units, compute (tensor cores) or pruning unit */
  binding: string;
  bytesRead: number;
  bytesWritten: number;
  kvCacheBytes: number;
  /** groups the online pruning unit handled and the cycles it needed (0 when none) */
  pruningGroups: number;
  pruningCycles: number;
  /** what the hardware did (activity.ts) */
  activity: Activity;
}

/** The online pruning unit's share of one operator: the groups and elements it prunes, at its rate and latency. */
interface PruningWork {
  groups: number;
  elements: number;
  /** compare-and-swap operations of the unit's network over these elements */
  comparisons: number;
  elementsPerCyclePerCore: number;
  latencyCycles: number;
}

function streamingOp(
  hw: HardwareView,
  name: string,
  bytesRead: number,
  bytesWritten: number,
  kv: { read: number; written: number },
  vectorFlops: number,
  tensorFlops: number,
  pruning: PruningWork | undefined,
  launches: number,
  softwarePrune = false,
): OpSim {
  const kvCacheBytes = kv.read + kv.written;
  const terms: Record<OpBound, number> = {
    memory: (bytesRead + bytesWritten + kvCacheBytes) / hw.dramBytesPerCycle,
    vector: vectorFlops / (VECTOR_FLOPS_PER_CYCLE_PER_TENSOR_CORE * hw.cores * hw.tensorCoresPerCore),
    // tensor-core work in a non-GEMM operator is fused attention's (QKᵀ, PV): it runs at the
    // profile's cited attention efficiency; the roofline below keeps the peak
    tensor: tensorFlops / (2 * hw.peakDenseMacsPerCycle * hw.attentionEfficiency),
    pruning: pruning ? pruning.elements / (pruning.elementsPerCyclePerCore * hw.cores * hw.tensorCoresPerCore) : 0,
  };
  let bound: OpBound = 'memory';
  for (const k of OP_BOUNDS) if (terms[k] > terms[bound]) bound = k;
  // the roofline takes the published DRAM bandwidth; the operator streams at the sustained one
  const roofline = Math.max((bytesRead + bytesWritten + kvCacheBytes) / hw.dramPeakBytesPerCycle, terms.vector, tensorFlops / (2 * hw.peakDenseMacsPerCycle));
  // no pruning on this operator: no unit latency, no groups (optional runtime data, not a default)
  const overhead = hw.dramLatencyCycles + (pruning?.latencyCycles ?? 0) + launches * hw.launchGapCycles;
  const cycles = terms[bound] + overhead;
  // a streaming operator stages its bytes once through every on-chip level
  const activity = emptyActivity(hw.levels.map((l) => l.name));
  const read = bytesRead + kv.read;
  const written = bytesWritten + kv.written;
  for (const l of hw.levels) activity.bytesByLevel[l.name] = { read: read + written, write: read + written };
  activity.bytesByLevel[DRAM_LEVEL] = { read, write: written };
  activity.macsIssued = tensorFlops / 2;
  activity.pruningComparisons = pruning?.comparisons ?? 0;
  activity.softwarePruneBytes = softwarePrune ? read + written : 0;
  activity.cycles = cycles;
  activity.seconds = cycles / hw.clockHz;
  return {
    name,
    cycles,
    rooflineCycles: roofline,
    bound,
    binding: OP_BINDING[bound],
    bytesRead,
    bytesWritten,
    kvCacheBytes,
    pruningGroups: pruning?.groups ?? 0,
    pruningCycles: terms.pruning,
    activity,
  };
}

/**
 * One non-GEMM operator under a plan: its produced site is compressed when pruned in hardware.
 * The pruning unit is the profile's silicon: groupsPerCycle groups of the widest native M per
 * cycle per core (a wide network's sub-networks serve the narrower patterns), so it prunes the
 * same elements per cycle, with the same latency, whatever the pattern.
 */
export function simulateNonGemm(op: NonGemmOp, plan: ExecutionPlan, hw: HardwareView, profile: HardwareProfile): OpSim {
  const kv = { read: op.kvCacheBytesRead, written: op.kvCacheBytesWritten };
  const site = op.producesSite;
  const unit = profile.sparsity.onlinePruning;
  if (!site || plan.mode === 'dense' || plan.pruning !== 'hardware' || unit.kind !== 'hardware') {
    return streamingOp(hw, op.name, op.bytesRead, op.bytesWritten, kv, op.vectorFlops, op.tensorCoreFlops, undefined, 1);
  }
  const b = hw.operandBytes;
  const denseSite = site.rowsTokens * site.k * b;
  const rb = activationRowBytes(plan.requested, true, site.k, b, plan.metadataEncoding);
  const written = op.bytesWritten - denseSite + site.rowsTokens * (rb.valueBytes + rb.metadataBytes);
  const nmP: NmPattern = plan.requested.kind === 'nm' ? plan.requested : { kind: 'nm', n: Math.floor(site.k / 2), m: site.k };
  const elements = site.rowsTokens * site.k;
  const pruning: PruningWork = {
    groups: site.rowsTokens * groupCount(nmP, site.k),
    elements,
    comparisons: pruningComparisons(unit.network, profile, elements),
    elementsPerCyclePerCore: unit.elementsPerCyclePerCore,
    latencyCycles: unit.latencyCycles,
  };
  return streamingOp(hw, op.name, op.bytesRead, written, kv, op.vectorFlops, op.tensorCoreFlops, pruning, 1);
}

/**
 * Software online pruning of one site: SOFTWARE_PRUNE_KERNELS_PER_SITE kernels through memory
 * (prune: read dense, write pruned dense; compress: read pruned dense, write values + metadata).
 * With one kernel, it reads dense and writes compressed.
 */
export function simulateSoftwarePrunePass(
  siteName: string,
  rowsTokens: number,
  k: number,
  plan: ExecutionPlan,
  hw: HardwareView,
): OpSim {
  const b = hw.operandBytes;
  const dense = rowsTokens * k * b;
  const rb = activationRowBytes(plan.requested, true, k, b, plan.metadataEncoding);
  const compressed = rowsTokens * (rb.valueBytes + rb.metadataBytes);
  const kernels = SOFTWARE_PRUNE_KERNELS_PER_SITE;
  const read = kernels * dense;
  const written = (kernels - 1) * dense + compressed;
  return streamingOp(hw, `prune_pass:${siteName}`, read, written, { read: 0, written: 0 }, 0, 0, undefined, kernels, true);
}

/**
 * Compare-and-swap operations of the profile's unit over `elements` activation values: the
 * comparators of its network per group of its widest native M (the unit's silicon whatever the
 * pattern, as its rate is); a radix select (`threshold`) does one one-bit comparison per element
 * per key bit.
 */
function pruningComparisons(network: PruningNetwork, profile: HardwareProfile, elements: number): number {
  const patterns = profile.sparsity.patterns;
  if (patterns.length === 0) return 0;
  if (network === 'threshold') {
    const m = Math.max(...patterns.map((p) => p.m));
    return elements * keyBits(profile.tensorCore.operandBits, m);
  }
  const unit = unitComparators(network, patterns);
  return (elements / unit.m) * unit.comparators;
}
