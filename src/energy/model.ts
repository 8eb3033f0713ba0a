/**
 * Activity × per-event energy = energy by component; then power, tokens per joule and the
 * ratios a reviewer compares against the dense core.
 *
 *   ActivityCounts (activity.ts) ─┐
 *   EventEnergies (event-energies.ts) ─┴▶ joules by component (MAC, register file, SRAM, L2,
 *        DRAM, selector, metadata, pruning unit, static) ─▶ total, average power vs TDP,
 *        J per token, tokens per J
 *
 * Gating vs skipping vs software pruning, in the counts: a gating core issues the pruned MACs
 * (macsGated, priced at the gated fraction) and keeps its cycles, so static energy stays; a
 * skipping core does not issue them (macsSkipped, free) and its time, hence static energy,
 * shrinks; a software-pruning core pays its extra pass as DRAM bytes.
 * Pure: warnings are data.
 */
import type { Diagnostic } from '../diagnostics.js';
import { DRAM_LEVEL, type ActivityCounts } from './activity.js';
import { ENERGY_COMPONENTS, type EnergyComponent, type EventEnergies } from './event-energies.js';

const PJ_TO_J = 1e-12;

export interface EnergyBreakdown {
  joulesByComponent: Record<EnergyComponent, number>;
  totalJ: number;
  seconds: number;
  /** totalJ / seconds */
  averagePowerW: number;
  /** the profile's TDP, when it gives one */
  tdpW?: number;
  /** averagePowerW / tdpW */
  tdpFraction?: number;
  warnings: Diagnostic[];
}

function zeroByComponent(): Record<EnergyComponent, number> {
  return Object.fromEntries(ENERGY_COMPONENTS.map((c) => [c, 0])) as Record<EnergyComponent, number>;
}

/**
 * Prices `a` with `ev`. A level in the counts the profile does not have is an error of the
 * caller (a bug), so it throws; a run whose average power exceeds the TDP gets a warning
 * (the chip would throttle: the modelled time is then optimistic).
 */
export function activityEnergy(a: ActivityCounts, ev: EventEnergies, tdpW?: number): EnergyBreakdown {
  const j = zeroByComponent();
  const ungated = a.macsIssued - a.macsGated;
  j.mac = (ungated * ev.macPj + a.macsGated * ev.gatedMacPj) * PJ_TO_J;
  for (const [name, bytes] of Object.entries(a.bytesByLevel)) {
    if (name === DRAM_LEVEL) {
      j.dram += (bytes.read + bytes.write) * ev.dramPjPerByte * PJ_TO_J;
      continue;
    }
    const level = ev.levels.find((l) => l.name === name);
    if (!level) throw new Error(`activity names level "${name}", which the profile does not have (${ev.levels.map((l) => l.name).join(', ')})`);
    j[level.component] += (bytes.read * level.readPjPerByte + bytes.write * level.writePjPerByte) * PJ_TO_J;
  }
  j.selector = a.selectorOperations * ev.selectorPjPerOperation * PJ_TO_J;
  j.metadata = a.metadataBits * ev.metadataPjPerBit * PJ_TO_J;
  j.pruningUnit = a.pruningComparisons * ev.pruningPjPerComparison * PJ_TO_J;
  j.static = ev.staticW * a.seconds;
  const totalJ = ENERGY_COMPONENTS.reduce((s, c) => s + j[c], 0);
  const averagePowerW = a.seconds > 0 ? totalJ / a.seconds : 0;
  const warnings: Diagnostic[] = [];
  if (tdpW !== undefined && averagePowerW > tdpW) {
    warnings.push({
      code: 'energy/above-tdp',
      severity: 'warning',
      message: `the run averages ${averagePowerW.toFixed(0)} W, above the ${tdpW} W TDP: the chip would throttle its clock, so the modelled time is optimistic.`,
      hint: 'read the time as a lower bound, or lower the clock in the profile.',
    });
  }
  return {
    joulesByComponent: j,
    totalJ,
    seconds: a.seconds,
    averagePowerW,
    ...(tdpW !== undefined ? { tdpW, tdpFraction: averagePowerW / tdpW } : {}),
    warnings,
  };
}

/** Joules per token and tokens per joule of a step that produced or consumed `tokens` tokens. */
export function perToken(b: EnergyBreakdown, tokens: number): { joulesPerToken: number; tokensPerJoule: number } {
  return { joulesPerToken: b.totalJ / tokens, tokensPerJoule: tokens / b.totalJ };
}

/** Energy-efficiency ratios of a sparse run against the dense one on the same work. */
export interface RatiosVsDense {
  /** dense J / sparse J: perf per watt gain at equal work (≥ 1 saves energy) */
  perfPerWatt: number;
  /** dense time / sparse time */
  speedup: number;
  /** speed-up × dense area / sparse area (when both areas are known) */
  perfPerMm2?: number;
}

export function ratiosVsDense(dense: EnergyBreakdown, sparse: EnergyBreakdown, areasMm2?: { dense: number; sparse: number }): RatiosVsDense {
  const speedup = dense.seconds / sparse.seconds;
  return {
    perfPerWatt: dense.totalJ / sparse.totalJ,
    speedup,
    ...(areasMm2 ? { perfPerMm2: (speedup * areasMm2.dense) / areasMm2.sparse } : {}),
  };
}
