/**
 * Activity counts: what a run does, as plain numbers, for the energy model to price
 * (the contract between perf, issue 13, and energy, issue 15: perf/activity.ts holds perf's side).
 *
 *   perf records (per GEMM, per operator) ─▶ ActivityCounts per GEMM ─▶ summed per phase step
 *   ActivityCounts × EventEnergies (event-energies.ts) ─▶ EnergyBreakdown (model.ts)
 *
 * MAC vocabulary (Sparseloop's): dense-equivalent MACs = macsIssued + macsSkipped; gated MACs
 * are part of macsIssued (they take a cycle; their operands are held so the datapath barely
 * switches).
 */

import { DRAM_LEVEL, type LevelBytes } from '../perf/activity.js';

/** Bytes per level and the DRAM level's name: one definition, perf's (perf/activity.ts). */
export { DRAM_LEVEL, type LevelBytes };

export interface ActivityCounts {
  /** MACs the array performs (gated ones included) */
  macsIssued: number;
  /** pruned work that freed cycles (skipping cores) */
  macsSkipped: number;
  /** pruned work issued but clock/operand-gated (gating cores): energy saved, no time */
  macsGated: number;
  /**
   * Bytes moved at each level, by the profile's level names plus `dram`, reloads included.
   * The software-pruning pass's traffic is included here too (`softwarePruneBytes` repeats it).
   */
  bytesByLevel: Record<string, LevelBytes>;
  /** DRAM bytes by what they carry (reads and writes) */
  activationValueBytes: number;
  activationMetadataBytes: number;
  weightBytes: number;
  /** metadata of compressed weights (weight-sparse GEMMs) */
  weightMetadataBytes: number;
  outputBytes: number;
  /** metadata bits the selector/metadata logic decodes */
  metadataBits: number;
  /** kept lanes × operand-select events */
  selectorOperations: number;
  /** compare-and-swap operations in the online pruning unit */
  pruningComparisons: number;
  /** DRAM bytes of a software-pruning core's extra pass (already in bytesByLevel.dram) */
  softwarePruneBytes: number;
  cycles: number;
  seconds: number;
}

export function emptyActivity(): ActivityCounts {
  return {
    macsIssued: 0,
    macsSkipped: 0,
    macsGated: 0,
    bytesByLevel: {},
    activationValueBytes: 0,
    activationMetadataBytes: 0,
    weightBytes: 0,
    weightMetadataBytes: 0,
    outputBytes: 0,
    metadataBits: 0,
    selectorOperations: 0,
    pruningComparisons: 0,
    softwarePruneBytes: 0,
    cycles: 0,
    seconds: 0,
  };
}

const SCALAR_KEYS = [
  'macsIssued',
  'macsSkipped',
  'macsGated',
  'activationValueBytes',
  'activationMetadataBytes',
  'weightBytes',
  'weightMetadataBytes',
  'outputBytes',
  'metadataBits',
  'selectorOperations',
  'pruningComparisons',
  'softwarePruneBytes',
  'cycles',
  'seconds',
] as const satisfies ReadonlyArray<keyof ActivityCounts>;

/** a + times · b (sums GEMMs and layers: `times` is the layer count). */
export function addActivity(a: ActivityCounts, b: ActivityCounts, times = 1): ActivityCounts {
  const out = { ...a, bytesByLevel: { ...a.bytesByLevel } };
  for (const k of SCALAR_KEYS) out[k] = a[k] + times * b[k];
  for (const [level, v] of Object.entries(b.bytesByLevel)) {
    const have = out.bytesByLevel[level] ?? { read: 0, write: 0 };
    out.bytesByLevel[level] = { read: have.read + times * v.read, write: have.write + times * v.write };
  }
  return out;
}

/** Dense-equivalent MACs: the work of the dense computation. */
export function denseEquivalentMacs(a: ActivityCounts): number {
  return a.macsIssued + a.macsSkipped;
}
