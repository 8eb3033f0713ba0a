/**
 * Bounds of every numeric hardware-profile field (and of its lists). Generous — each range
 * holds every real design we know of by orders of magnitude — but finite, so that no profile
 * makes a model run for minutes (the selector model costs one mux per multiplier position,
 * the tile pipeline one step per tile) or report Infinity and NaN. The schema (schema.ts)
 * builds its number checks from this table; the loader words its errors from it;
 * hardware-profiles/README.md shows it (a test keeps the two in step).
 */
import { z } from 'zod';

export interface NumberLimit {
  min: number;
  max: number;
  /** counts of things are whole numbers */
  integer: boolean;
  /** the unit, as the key's suffix says it */
  unit: string;
  /** why the bound is where it is */
  why: string;
}

/** By key path, `[]` standing for every element of a list. */
export const PROFILE_LIMITS = {
  clockMHz: { min: 1, max: 100_000, integer: false, unit: 'MHz', why: '1 MHz to 100 GHz holds every digital accelerator clock (H100: 1,830 MHz)' },
  'tensorCore.count': { min: 1, max: 1_048_576, integer: true, unit: 'tensor cores', why: 'a wafer-scale engine has ~900,000 cores; H100 has 528 tensor cores' },
  'tensorCore.perSm': { min: 1, max: 1024, integer: true, unit: 'tensor cores', why: 'an SM groups a few tensor cores (A100, H100: 4)' },
  'tensorCore.lanes': { min: 1, max: 65_536, integer: true, unit: 'lanes', why: 'a core of 65,536 dot-product lanes is far beyond any built one (H100-like: 64)' },
  'tensorCore.denseKPerCycle': { min: 1, max: 65_536, integer: true, unit: 'elements', why: 'the selector model costs one mux per multiplier position, so its work grows with K per cycle (shipped cores: 8)' },
  'tensorCore.activationRowsPerCycle': { min: 1, max: 65_536, integer: true, unit: 'rows', why: 'at most one row per lane, and lanes are bounded by 65,536' },
  'tensorCore.operandBits': { min: 1, max: 64, integer: true, unit: 'bits', why: 'the widest MAC datatype is fp32 (32 bits); 64 leaves room for a double-width what-if' },
  'tensorCore.accumulatorBits': { min: 1, max: 128, integer: true, unit: 'bits', why: 'accumulators are at most a few times the operand width (fp16 → fp32)' },
  'sparsity.onlinePruning.groupsPerCycle': { min: 0.001, max: 65_536, integer: false, unit: 'groups per cycle', why: 'slower than a group per 1,000 cycles never keeps up with a core; faster than 65,536 per cycle exceeds any lane count' },
  'sparsity.onlinePruning.latencyCycles': { min: 0, max: 1_000_000, integer: true, unit: 'cycles', why: 'a sorting network over 64 elements has 21 stages; a million cycles is a millisecond at 1 GHz' },
  'memory.buffers[].sizeKiB': { min: 0.0625, max: 1_073_741_824, integer: false, unit: 'KiB', why: '64 bytes (one cache line) to 1 TiB holds registers, shared memory and every last-level cache' },
  'memory.buffers[].bandwidthBytesPerCycle': { min: 0.001, max: 1_048_576, integer: false, unit: 'bytes per cycle', why: 'the H100-like L2 moves 5,120 bytes per cycle; below 0.001 the modelled times are meaningless' },
  'memory.dramCapacityGB': { min: 0.001, max: 1_000_000, integer: false, unit: 'GB', why: '1 MB to 1 PB; A100 and H100 SXM carry 80 GB of HBM' },
  'memory.dramBandwidthGBps': { min: 0.001, max: 1_000_000, integer: false, unit: 'GB/s', why: '1 MB/s to 1 PB/s; H100 HBM3 reads 3,350 GB/s' },
  'execution.mainloopEfficiency': { min: 0.01, max: 1, integer: false, unit: 'fraction', why: 'a fraction of the tensor peak: above 1 the roofline would be beaten' },
  'execution.sparseMainloopEfficiency': { min: 0.01, max: 1, integer: false, unit: 'fraction', why: 'a fraction of the sparse tensor peak: above 1 the roofline would be beaten' },
  'execution.dramEfficiency': { min: 0.01, max: 1, integer: false, unit: 'fraction', why: 'a fraction of the published DRAM bandwidth: above 1 the roofline would be beaten' },
  'execution.attentionEfficiency': { min: 0.01, max: 1, integer: false, unit: 'fraction', why: 'a fraction of the dense tensor peak: above 1 the roofline would be beaten' },
  'execution.kernelLaunchNs': { min: 0, max: 1_000_000, integer: false, unit: 'ns', why: 'kernel launch gaps are microseconds; a millisecond is beyond any launch' },
  'memory.dramLatencyNs': { min: 0, max: 1_000_000, integer: false, unit: 'ns', why: 'DRAM answers in ~100–600 ns; a millisecond is beyond any memory' },
} as const satisfies Record<string, NumberLimit>;

export type LimitedKey = keyof typeof PROFILE_LIMITS;

export interface ListLimit {
  min: number;
  max: number;
  what: string;
  why: string;
}

/** Lengths of the profile's lists. */
export const PROFILE_LIST_LIMITS = {
  'sparsity.patterns': { min: 0, max: 64, what: 'patterns', why: 'a core lists the few patterns it runs natively; every listed pattern adds to the selector and pruning-unit models' },
  'memory.buffers': { min: 1, max: 16, what: 'buffer levels', why: 'memory hierarchies have a handful of levels (H100-like: 3)' },
  sources: { min: 0, max: 256, what: 'sources', why: 'citations, not a bibliography' },
} as const satisfies Record<string, ListLimit>;

/** A key path as the limit tables index it: `memory.buffers[2].sizeKiB` → `memory.buffers[].sizeKiB`. */
export function limitKey(path: string): string {
  return path.replace(/\[\d+\]/g, '[]');
}

export function numberLimitAt(path: string): NumberLimit | undefined {
  return (PROFILE_LIMITS as Record<string, NumberLimit>)[limitKey(path)];
}

export function listLimitAt(path: string): ListLimit | undefined {
  return (PROFILE_LIST_LIMITS as Record<string, ListLimit>)[limitKey(path)];
}

/** The zod number for a limited key: finite, within [min, max], whole where it counts. */
export function limitedNumber(key: LimitedKey) {
  const l: NumberLimit = PROFILE_LIMITS[key];
  const n = z.number().min(l.min).max(l.max);
  return l.integer ? n.int() : n;
}

/** "1 to 65,536" (what messages and the README show). */
export function rangeText(l: { min: number; max: number }): string {
  const f = (v: number) => v.toLocaleString('en-US', { maximumFractionDigits: 12 });
  return `${f(l.min)} to ${f(l.max)}`;
}
