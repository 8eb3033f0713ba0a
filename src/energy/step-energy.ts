/**
 * Energy of one simulated step (prefill of T tokens, or one decode step of B sequences) and of
 * a whole comparison (dense and each pattern), from perf's own activity counts (gating priced at
 * a measured kept fraction when a trace gives one).
 *
 *   ModelSim.activity (perf's counts) ─ perf-adapter ─▶ ActivityCounts ─┐
 *   profile + tech (run pattern) ─▶ EventEnergies ┴▶ EnergyBreakdown ─▶ J/token, tokens/J, vs dense
 */
import { areaReport, type AreaReport } from '../area/report.js';
import type { HardwareProfile } from '../profile/schema.js';
import type { TechLibrary } from '../profile/tech.js';
import type { Comparison, ModelSim } from '../perf/model-sim.js';
import type { MeasuredSparsity } from '../perf/measured-sparsity.js';
import { isMeasuredFor } from '../perf/measured-sparsity.js';
import type { ActivityCounts } from './activity.js';
import { eventEnergies, type EventEnergies, type LeakageAreaMm2 } from './event-energies.js';
import type { NmPattern } from '../sparsity/pattern.js';
import { activityEnergy, perToken, ratiosVsDense, type EnergyBreakdown, type RatiosVsDense } from './model.js';
import { stepActivity } from './perf-adapter.js';

export interface StepEnergy {
  pattern: string;
  activity: ActivityCounts;
  events: EventEnergies;
  breakdown: EnergyBreakdown;
  /** tokens the step processes: T in prefill, B in decode */
  tokens: number;
  joulesPerToken: number;
  tokensPerJoule: number;
}

/** The per-event energies of one profile and tech (and leakage area) for the N:M pattern a step runs (undefined: dense). */
export type EventsOf = (run: NmPattern | undefined) => EventEnergies;

/**
 * eventEnergies of one profile, tech and leakage area, each run pattern's computed once: the steps
 * of a profile (prefill, each decode batch) × its patterns price with a handful of them.
 */
export function eventsOnce(profile: HardwareProfile, tech: TechLibrary, leakageArea?: LeakageAreaMm2): EventsOf {
  const byRun = new Map<string, EventEnergies>();
  return (run) => {
    const key = run ? `${run.n}:${run.m}` : 'dense';
    let events = byRun.get(key);
    if (!events) byRun.set(key, (events = eventEnergies(profile, tech, run, leakageArea)));
    return events;
  };
}

export function stepEnergy(sim: ModelSim, profile: HardwareProfile, tech: TechLibrary, tokens: number, measured?: MeasuredSparsity, leakageArea?: LeakageAreaMm2, eventsOf?: EventsOf): StepEnergy {
  const run = sim.plan.mode === 'dense' ? undefined : sim.plan.runPattern;
  const nm = run?.kind === 'nm' ? run : undefined;
  const events = eventsOf ? eventsOf(nm) : eventEnergies(profile, tech, nm, leakageArea);
  const activity = stepActivity(sim, measured);
  const breakdown = activityEnergy(activity, events, profile.power?.tdpW);
  return { pattern: sim.pattern, activity, events, breakdown, tokens, ...perToken(breakdown, tokens) };
}

export interface ComparisonEnergy {
  dense: StepEnergy;
  patterns: Array<StepEnergy & { vsDense: RatiosVsDense }>;
}

/** The area report's figures the energy model uses (area/report.ts). */
export interface EnergyAreas {
  /** one dense core's and one of the profile's sparse cores' area: perf/mm² */
  coreUm2: { dense: number; sparse: number };
  /** the chip's modelled silicon: leakage when the profile gives no static power */
  chipMm2: LeakageAreaMm2;
}

/**
 * Energy of dense and of each pattern of a comparison. With `areas`, perf/mm² vs dense (every
 * pattern runs on the built core) and, for a profile without power figures, leakage.
 */
export function comparisonEnergy(c: Comparison, profile: HardwareProfile, tech: TechLibrary, measured?: readonly MeasuredSparsity[], areas?: EnergyAreas, eventsOf?: EventsOf): ComparisonEnergy {
  const tokens = c.phase.kind === 'prefill' ? c.phase.tokens : c.phase.batch;
  const dense = stepEnergy(c.dense, profile, tech, tokens, undefined, areas?.chipMm2, eventsOf);
  return {
    dense,
    patterns: c.patterns.map((p) => {
      const m = measured?.find((x) => p.sim.plan.requested.kind !== 'dense' && isMeasuredFor(x, p.sim.plan.requested));
      const e = stepEnergy(p.sim, profile, tech, tokens, m, areas?.chipMm2, eventsOf);
      return { ...e, vsDense: ratiosVsDense(dense.breakdown, e.breakdown, areas?.coreUm2) };
    }),
  };
}

export type { EnergyBreakdown };

/**
 * What `nmsim simulate` reports: the comparison's energy with perf/mm² and, for a profile
 * without power figures, leakage from the area model; undefined when the tech file has no
 * energy table. `area`: the profile's `areaReport(profile, tech)` when the caller has it already
 * (the review, once per profile for all its steps); absent, it is computed here. `eventsOf`: the
 * profile's per-event energies kept across steps (eventsOnce with this report's chip area).
 */
export function simulationEnergy(c: Comparison, profile: HardwareProfile, tech: TechLibrary, measured?: readonly MeasuredSparsity[], given?: AreaReport, eventsOf?: EventsOf): ComparisonEnergy | undefined {
  if (!tech.energy) return undefined;
  const area = given ?? areaReport(profile, tech);
  return comparisonEnergy(c, profile, tech, measured, energyAreas(area), eventsOf);
}

/** The area report's figures the energy model reads (perf/mm², leakage). */
export function energyAreas(area: AreaReport): EnergyAreas {
  return {
    coreUm2: { dense: area.dense.totalUm2, sparse: area.core.totalUm2 },
    chipMm2: { logic: area.chip.coresMm2, sram: area.chip.sharedSramMm2 },
  };
}
