/**
 * Energy per token of every profile × pattern of the review (and of the profile's dense core),
 * on the very perf steps the review's speed-ups come from (performance.ts estimateProfile →
 * perf/simulate.ts), priced by the same library call `nmsim simulate` makes
 * (energy/step-energy.ts simulationEnergy): the review's energy is simulate's energy for the
 * same profile, pattern, phase and measured sparsity (test/review/energy.test.ts).
 *
 *   estimateProfile (prefill + one step per decode batch) ─ simulationEnergy ─▶ PatternEnergy rows
 *
 * Pure; a profile whose tech file has no energy table gives no rows (the report says so).
 */
import { areaReport, type AreaReport } from '../area/report.js';
import { ENERGY_COMPONENTS, type EnergyComponent } from '../energy/event-energies.js';
import { energyAreas, eventsOnce, simulationEnergy, type ComparisonEnergy, type StepEnergy } from '../energy/step-energy.js';
import type { MeasuredSparsity } from '../perf/measured-sparsity.js';
import type { Comparison } from '../perf/model-sim.js';
import type { HardwareProfile } from '../profile/schema.js';
import type { TechLibrary } from '../profile/tech.js';
import type { Pattern } from '../sparsity/pattern.js';

/** One step's energy, per token. */
export interface EnergyAtStep {
  /** tokens the step processes: T in prefill, B in decode */
  tokens: number;
  joulesPerToken: number;
  /** joulesPerToken split by component (sums to it) */
  joulesPerTokenByComponent: Record<EnergyComponent, number>;
  averagePowerW: number;
  /** the profile's TDP, when it gives one */
  tdpW?: number;
}

/** Energy per token of one pattern (or dense) on one profile, prefill and each decode batch. */
export interface PatternEnergy {
  profile: string;
  /** the requested pattern; dense = the profile's core without sparsity */
  pattern: Pattern;
  /** 'weight': the pattern is on the weights (the weight baseline); absent: on the activations */
  operand?: 'weight';
  prefill: EnergyAtStep;
  /** one per decode batch of the review, ascending by batchTokens */
  decode: (EnergyAtStep & { batchTokens: number })[];
}

function atStep(s: StepEnergy): EnergyAtStep {
  const byComponent = Object.fromEntries(ENERGY_COMPONENTS.map((c) => [c, s.breakdown.joulesByComponent[c] / s.tokens])) as Record<EnergyComponent, number>;
  return {
    tokens: s.tokens,
    joulesPerToken: s.joulesPerToken,
    joulesPerTokenByComponent: byComponent,
    averagePowerW: s.breakdown.averagePowerW,
    ...(s.breakdown.tdpW !== undefined ? { tdpW: s.breakdown.tdpW } : {}),
  };
}

/**
 * Dense and every pattern of one profile, from the comparisons estimateProfile returned (prefill
 * and one per decode batch, ascending). Undefined when the tech file has no energy table.
 * `area`: the profile's areaReport(profile, tech) when the caller has it (points.ts does), so
 * the steps do not compute it again each; absent, computed once here.
 */
export function profileEnergy(
  profile: HardwareProfile,
  tech: TechLibrary,
  steps: { prefill: Comparison; decode: readonly Comparison[] },
  patterns: readonly Pattern[],
  measured?: readonly MeasuredSparsity[],
  area?: AreaReport,
): PatternEnergy[] | undefined {
  if (!tech.energy) return undefined;
  const report = area ?? areaReport(profile, tech);
  // one set of per-event energies per run pattern for all the steps (the leakage area is the report's)
  const eventsOf = eventsOnce(profile, tech, energyAreas(report).chipMm2);
  const prefill = simulationEnergy(steps.prefill, profile, tech, measured, report, eventsOf);
  if (!prefill) return undefined;
  const decode = steps.decode.map((c) => ({ batchTokens: c.phase.kind === 'decode' ? c.phase.batch : 0, energy: simulationEnergy(c, profile, tech, measured, report, eventsOf)! }));
  const pick = (e: ComparisonEnergy, i: number) => (i < 0 ? e.dense : e.patterns[i]);
  const sparse = patterns.filter((p) => p.kind !== 'dense');
  const row = (pattern: Pattern, i: number): PatternEnergy => ({
    profile: profile.name,
    pattern,
    prefill: atStep(pick(prefill, i)),
    decode: decode.map((d) => ({ batchTokens: d.batchTokens, ...atStep(pick(d.energy, i)) })),
  });
  return [row({ kind: 'dense' }, -1), ...sparse.map((p, i) => row(p, i))];
}

/** The decode figure at batch B, if the row has it. */
export function energyAtBatch(e: PatternEnergy, batch: number): EnergyAtStep | undefined {
  return e.decode.find((d) => d.batchTokens === batch);
}
