/**
 * Adapter: perf's activity counts (ModelSim.activity, the sum of every GemmSim's and OpSim's
 * `activity`, perf/activity.ts) → the counts energy prices. Perf is the one home of the counts
 * (MACs issued/skipped/gated, bytes per level, metadata bits, selects, pruning comparisons,
 * software-pruning bytes, cycles); this file re-derives none of them.
 *
 * It adds only what perf cannot know:
 * - gated MACs from the MEASURED kept fraction. Perf counts a gating core's gated MACs from the
 *   pattern's nominal density (keptPerToken of the requested pattern), because a gating core's
 *   time does not depend on it. When a trace's MeasuredSparsity is given, each pruned
 *   projection (a GEMM whose perf counts gate MACs, with the activation the sparse operand)
 *   gates issued × (1 − measured kept fraction) instead, and its selects (one per kept MAC,
 *   perf's rule) follow. Skipping cores need nothing: their issued MACs set their time, which
 *   perf models.
 */
import type { ModelSim } from '../perf/model-sim.js';
import type { GemmSim } from '../perf/gemm-pipeline.js';
import type { MeasuredSparsity } from '../perf/measured-sparsity.js';
import type { ActivityCounts } from './activity.js';

/** The change a measured kept fraction makes to one GEMM's gated MACs (0 when perf gates none). */
function measuredGatingDelta(g: GemmSim, sim: ModelSim, measured: MeasuredSparsity): number {
  const a = g.activity;
  if (a.macsGated === 0 || sim.plan.sparseOperand === 'weight') return 0;
  return a.macsIssued * (1 - measured.keptFraction) - a.macsGated;
}

/** Activity of one whole step: perf's own sum, with gating priced at the measured kept fraction when given. */
export function stepActivity(sim: ModelSim, measured?: MeasuredSparsity): ActivityCounts {
  // a copy: the caller's ModelSim stays as perf made it
  const total: ActivityCounts = { ...sim.activity, bytesByLevel: Object.fromEntries(Object.entries(sim.activity.bytesByLevel).map(([k, v]) => [k, { ...v }])) };
  if (!measured || sim.plan.mode === 'dense' || sim.plan.skipping) return total;
  const gemms = [...sim.layers.flatMap((l) => l.gemms.map((g) => ({ g, times: l.layerCount }))), ...sim.head.gemms.map((g) => ({ g, times: 1 }))];
  for (const { g, times } of gemms) {
    const delta = times * measuredGatingDelta(g, sim, measured);
    total.macsGated += delta;
    if (g.activity.selectorOperations > 0) total.selectorOperations -= delta;
  }
  return total;
}
