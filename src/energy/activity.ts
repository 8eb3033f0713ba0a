/**
 * Activity counts: what a run does, as plain numbers, for the energy model to price. One
 * definition, perf's (perf/activity.ts, issue 13): every GemmSim and OpSim carries its counts and
 * ModelSim their sum over a step; energy prices those (perf-adapter.ts adds only what perf
 * cannot know: the kept fraction measured on a trace).
 *
 *   perf: GemmSim/OpSim.activity ─▶ ModelSim.activity ─ perf-adapter (measured gating) ─▶ ActivityCounts
 *   ActivityCounts × EventEnergies (event-energies.ts) ─▶ EnergyBreakdown (model.ts)
 *
 * MAC vocabulary (Sparseloop's): dense-equivalent MACs = macsIssued + macsSkipped; gated MACs
 * are part of macsIssued (they take a cycle; their operands are held so the datapath barely
 * switches).
 */

import { addActivity, DRAM_LEVEL, emptyActivity, type Activity, type LevelBytes } from '../perf/activity.js';

/** The counts, their bytes per level, the DRAM level's name and their helpers: perf's (one definition). */
export type ActivityCounts = Activity;
export { addActivity, DRAM_LEVEL, emptyActivity, type LevelBytes };

/** Dense-equivalent MACs: the work of the dense computation. */
export function denseEquivalentMacs(a: ActivityCounts): number {
  return a.macsIssued + a.macsSkipped;
}
