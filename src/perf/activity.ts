/**
 * Activity counts: what the hardware did during a GEMM, an operator or a whole model step, as
 * plain numbers with units in their names — the contract the energy model (issue 15) multiplies
 * by per-access energies. Each GemmSim and OpSim carries one; ModelSim carries their sum over a
 * phase step (layers × layerCount + head).
 *
 * Conventions (each tested in test/perf/activity.test.ts):
 * - MACs: dense-equivalent MACs = macsIssued + macsSkipped. A skipping core issues the kept
 *   MACs and skips the pruned ones; a gating core issues every MAC and gates the pruned ones
 *   (macsGated ⊆ macsIssued: energy saved, no time saved). Tile-quantisation padding is not
 *   counted as issued work.
 * - bytesByLevel: operand and output bytes read from and written into each level of the
 *   profile's hierarchy, by its buffer names, plus `dram`. Operands: a level's reads are what it
 *   delivers inward (buffers[0]: fragments into the MAC array, reuse inside a fragment free);
 *   its writes are the next level's reads (the outermost on-chip level is written what DRAM
 *   reads, reloads included). Outputs (split-K partial sums at accumulator width included) are
 *   written into and read out of every on-chip level once and written to DRAM once. Streaming
 *   (non-GEMM) operators stage their bytes once through every on-chip level.
 * - the byte breakdown (activationValueBytes … reloadBytes) is the DRAM-level traffic of the
 *   GEMM's operands, unique bytes plus reloads separately.
 * - metadataBits: activation metadata delivered into the MAC array and decoded there (a
 *   metadata bit is decoded each time its fragment is delivered); only real token rows have
 *   metadata: a fragment's padding rows (fewer than 16 tokens, as in decode) are delivered as
 *   zeros (counted in bytesByLevel) but decode none, as they issue no MACs and make no selects;
 * - selectorOperations: kept activation elements × the partner operands they select, i.e. one
 *   operand select per kept (non-gated) MAC of a compressed sparse GEMM;
 * - pruningComparisons: compare-and-swap operations of the online pruning unit (its network's
 *   comparators per group of its widest M); for a radix-select (`threshold`) unit, one
 *   one-bit comparison per element per key bit;
 * - softwarePruneBytes: the bytes a software prune/compress pass moves through DRAM.
 */

export interface LevelBytes {
  read: number;
  write: number;
}

export interface Activity {
  macsIssued: number;
  macsSkipped: number;
  macsGated: number;
  /** by level name (the profile's buffer names, then `dram`) */
  bytesByLevel: Record<string, LevelBytes>;
  activationValueBytes: number;
  activationMetadataBytes: number;
  weightBytes: number;
  /** weight-sparse GEMMs only (0 until weight N:M is modelled) */
  weightMetadataBytes: number;
  outputBytes: number;
  /** operand bytes re-streamed from DRAM beyond the unique ones */
  reloadBytes: number;
  metadataBits: number;
  selectorOperations: number;
  pruningComparisons: number;
  softwarePruneBytes: number;
  cycles: number;
  seconds: number;
}

/** The name under which DRAM traffic is counted in bytesByLevel. */
export const DRAM_LEVEL = 'dram';

const SCALAR_KEYS = [
  'macsIssued',
  'macsSkipped',
  'macsGated',
  'activationValueBytes',
  'activationMetadataBytes',
  'weightBytes',
  'weightMetadataBytes',
  'outputBytes',
  'reloadBytes',
  'metadataBits',
  'selectorOperations',
  'pruningComparisons',
  'softwarePruneBytes',
  'cycles',
  'seconds',
] as const satisfies readonly (keyof Activity)[];

/** Every count zero, with a zero entry per level (innermost first, then dram). */
export function emptyActivity(levelNames: readonly string[] = []): Activity {
  const bytesByLevel: Record<string, LevelBytes> = {};
  for (const name of [...levelNames, DRAM_LEVEL]) bytesByLevel[name] = { read: 0, write: 0 };
  const out = { bytesByLevel } as Activity;
  for (const k of SCALAR_KEYS) out[k] = 0;
  return out;
}

/** Adds `times` × b into a (in place) and returns a. */
export function addActivity(a: Activity, b: Activity, times = 1): Activity {
  for (const k of SCALAR_KEYS) a[k] += times * b[k];
  for (const [name, v] of Object.entries(b.bytesByLevel)) {
    const t = (a.bytesByLevel[name] ??= { read: 0, write: 0 });
    t.read += times * v.read;
    t.write += times * v.write;
  }
  return a;
}

/** The sum of a list, each with its multiplicity. */
export function sumActivity(levelNames: readonly string[], parts: readonly { activity: Activity; times?: number }[]): Activity {
  const out = emptyActivity(levelNames);
  for (const p of parts) addActivity(out, p.activity, p.times ?? 1);
  return out;
}
